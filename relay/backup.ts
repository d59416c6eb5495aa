/**
 * Backup of the relay's own state (issue 14 item 5): `shl.sqlite` — share links' encrypted files,
 * passcode hashes, expiry, revocation and access logs — is the only thing a relay holds that no
 * device can give back. Chart data (`relay.sqlite`) needs no backup: it is ciphertext the devices
 * hold and re-upload after a wipe (tests/e2e/resilience.e2e.ts "the relay dies mid-sync…").
 *
 *   npm run relay:backup -- <file>     (while the relay runs; SQLite's online backup)
 *
 * Restore: stop the relay, copy the file to `$FOLIO_DATA_DIR/shl.sqlite`, start it.
 */
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Copies the share-link store of `dataDir` to `file`, consistently, while the relay runs. */
export async function backupRelayState(dataDir: string, file: string): Promise<void> {
  const source = join(dataDir, 'shl.sqlite');
  if (!existsSync(source)) throw new Error(`No share-link store at ${source}: nothing to back up`);
  if (existsSync(file)) throw new Error(`${file} exists already; choose a new file`);
  const db = new Database(source, { readonly: true, fileMustExist: true });
  try {
    await db.backup(file);
  } finally {
    db.close();
  }
}

if (process.argv[1]?.endsWith('backup.ts')) {
  const target = process.argv[2];
  const dataDir = resolve(process.env.FOLIO_DATA_DIR ?? './data');
  if (!target) {
    console.error('Usage: npm run relay:backup -- <backup file>');
    process.exit(2);
  }
  backupRelayState(dataDir, resolve(target)).then(
    () => console.log(`Share links backed up to ${resolve(target)}`),
    (error: Error) => {
      console.error(`Folio relay backup failed: ${error.message}`);
      process.exit(1);
    },
  );
}

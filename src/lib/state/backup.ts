/** Making and restoring the encrypted practice backup (backup-format.ts). */
import { openEnvelopeStore } from '$lib/crdt/envelope-store';
import {
  BACKUP_FORMAT,
  BACKUP_VERSION,
  BackupError,
  decodeBackup,
  encodeBackup,
  recordsDigest,
} from './backup-format';
import { practice } from './practice.svelte';
import { describeError, session } from './session.svelte';

/** A file the unlocked member can download; opening it needs their recovery key. */
export async function createBackup(): Promise<{ blob: Blob; filename: string; envelopes: number }> {
  await session.flushAll();
  const { store } = await practice.open();
  const envelopes = await store.exportAll();
  // The vault seals the digest of exactly these records, in this order, into the slot.
  const slot = await session.vault.call('exportBackup', await recordsDigest(envelopes));
  const text = encodeBackup({
    format: BACKUP_FORMAT,
    v: BACKUP_VERSION,
    createdAt: new Date().toISOString(),
    slot,
    envelopes,
  });
  const date = new Date().toISOString().slice(0, 10);
  return {
    blob: new Blob([text], { type: 'application/json' }),
    filename: `folio-backup-${date}.json`,
    envelopes: envelopes.length,
  };
}

/** Restores a backup into this (empty) browser profile. Returns '' or a readable error. */
export async function restoreBackup(
  file: File,
  recoveryKey: string,
  passphrase: string,
): Promise<string> {
  let backup;
  try {
    backup = decodeBackup(await file.text());
  } catch (error) {
    return error instanceof BackupError ? error.message : 'The file could not be read.';
  }
  try {
    // The vault refuses unless the records are exactly those sealed at export: nothing of a
    // truncated or reordered file is written.
    await session.restore(
      backup.slot,
      recoveryKey,
      passphrase,
      await recordsDigest(backup.envelopes),
    );
  } catch (error) {
    return describeError(error);
  }
  const store = await openEnvelopeStore();
  try {
    await store.importAll(backup.envelopes);
  } catch {
    return 'Your keys were restored, but the charts could not be written (is the device out of space?). Try the restore again after freeing space.';
  } finally {
    store.close();
  }
  session.enterAfterRestore();
  return '';
}

/**
 * The encrypted backup file (docs/spec/envelope.md §9): JSON whose binary fields are
 * `{"$b": base64}`. It holds one member's slot (recovery-key wrap only), their sealed sequence
 * counter, and every sealed envelope of the practice — ciphertext only.
 */
import type { EnvelopeRecord } from '$lib/crdt/envelope-store';
import type { BackupSlot } from '$lib/vault/service';

export const BACKUP_FORMAT = 'folio-backup';

export interface Backup {
  format: typeof BACKUP_FORMAT;
  v: 1;
  createdAt: string;
  slot: BackupSlot;
  envelopes: EnvelopeRecord[];
}

export class BackupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackupError';
  }
}

function b64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

export function encodeBackup(backup: Backup): string {
  return JSON.stringify(backup, (_key, value) =>
    value instanceof Uint8Array ? { $b: b64(value) } : value,
  );
}

/** @throws BackupError with a readable message for anything that is not a version-1 backup. */
export function decodeBackup(text: string): Backup {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text, (_key, value) => {
      if (
        value &&
        typeof value === 'object' &&
        typeof value.$b === 'string' &&
        Object.keys(value).length === 1
      ) {
        const binary = atob(value.$b);
        return Uint8Array.from(binary, (c) => c.charCodeAt(0));
      }
      return value;
    });
  } catch {
    throw new BackupError('This file is not a Folio backup (it is not valid JSON).');
  }
  const b = parsed as Partial<Backup>;
  if (b?.format !== BACKUP_FORMAT) throw new BackupError('This file is not a Folio backup.');
  if (b.v !== 1)
    throw new BackupError(`This backup was made by a newer Folio (format ${String(b.v)}).`);
  if (!b.slot || !Array.isArray(b.envelopes)) throw new BackupError('This backup is incomplete.');
  for (const [i, r] of b.envelopes.entries()) {
    if (typeof r?.doc !== 'string' || !Number.isInteger(r.gen) || !(r.env instanceof Uint8Array)) {
      throw new BackupError(`This backup is damaged (record ${i + 1}).`);
    }
  }
  return b as Backup;
}

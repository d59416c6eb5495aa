/**
 * The encrypted backup file (docs/spec/envelope.md §9): JSON whose binary fields are
 * `{"$b": base64}`. It holds one member's slot (recovery-key wrap only), their sealed sequence
 * counter, the sealed digest of its list of records, and every sealed envelope of the practice —
 * ciphertext only. Version 2 added the digest; version 1 files are refused with a message saying
 * why (their list of records cannot be checked).
 */
import type { EnvelopeRecord } from '$lib/crdt/envelope-store';
import type { BackupSlot, RecordsDigest } from '$lib/vault/service';

export const BACKUP_FORMAT = 'folio-backup';
export const BACKUP_VERSION = 2;

export interface Backup {
  format: typeof BACKUP_FORMAT;
  v: typeof BACKUP_VERSION;
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
  if ((b.v as number) === 1) {
    throw new BackupError(
      'This backup was made by an earlier version of Folio that did not protect its list of ' +
        'records, so a missing record could not be noticed. Nothing was restored. Make a new ' +
        'backup on a device of the practice, or pair this device instead.',
    );
  }
  if (b.v !== BACKUP_VERSION)
    throw new BackupError(`This backup was made by a newer Folio (format ${String(b.v)}).`);
  if (!b.slot || !Array.isArray(b.envelopes)) throw new BackupError('This backup is incomplete.');
  for (const [i, r] of b.envelopes.entries()) {
    if (typeof r?.doc !== 'string' || !Number.isInteger(r.gen) || !(r.env instanceof Uint8Array)) {
      throw new BackupError(`This backup is damaged (record ${i + 1}).`);
    }
  }
  return b as Backup;
}

const RECORDS_TAG = new TextEncoder().encode('folio/backup-records/v1');

function u32(n: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n);
  return out;
}

async function sha256(...parts: Uint8Array[]): Promise<Uint8Array> {
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  return new Uint8Array(await crypto.subtle.digest('SHA-256', all));
}

/**
 * The digest of a backup's list of records, in order (docs/spec/envelope.md §9):
 *   h_i    = SHA-256(u32be(len doc) ‖ doc ‖ u32be(gen) ‖ u32be(len env) ‖ env)
 *   digest = hex(SHA-256("folio/backup-records/v1" ‖ u32be(n) ‖ h_1 ‖ … ‖ h_n))
 */
export async function recordsDigest(records: EnvelopeRecord[]): Promise<RecordsDigest> {
  const hashes: Uint8Array[] = [];
  for (const r of records) {
    const doc = new TextEncoder().encode(r.doc);
    hashes.push(await sha256(u32(doc.length), doc, u32(r.gen), u32(r.env.length), r.env));
  }
  const digest = await sha256(RECORDS_TAG, u32(records.length), ...hashes);
  return {
    digest: Array.from(digest, (x) => x.toString(16).padStart(2, '0')).join(''),
    count: records.length,
  };
}

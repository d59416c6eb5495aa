/** The legacy-note envelope log (written by a0ca977, plain-text note sections), for crdt tests. */
import { readFileSync } from 'node:fs';
import type { EnvelopeRecord } from '../../../src/lib/crdt/envelope-store.ts';

export const legacy = JSON.parse(
  readFileSync(new URL('../../fixtures/notes/legacy-note-log.json', import.meta.url), 'utf8'),
) as {
  docId: string;
  draft: string;
  signed: string;
  records: (Omit<EnvelopeRecord, 'env'> & { env: string })[];
};

/** The log's records as the envelope store holds them. */
export const legacyRecords = (): EnvelopeRecord[] =>
  legacy.records.map((r) => ({ ...r, env: new Uint8Array(Buffer.from(r.env, 'base64')) }));

export const legacyDocId = (): Uint8Array => new Uint8Array(Buffer.from(legacy.docId, 'base64url'));

/**
 * Attack (issue 11 item 9): whoever handles a backup file (a cloud folder, a USB stick) drops,
 * reorders, duplicates or swaps records. Before the fix such a file restored partially without
 * a word. Required: the file's list of records is authenticated under the vault key; anything
 * but the exact records in their order is refused before anything is stored.
 */
import 'fake-indexeddb/auto';
import fc from 'fast-check';
import { beforeAll, expect, it } from 'vitest';
import { loadSodium, MIN_ARGON2 } from '../../../src/lib/crypto/index.ts';
import type { EnvelopeRecord } from '../../../src/lib/crdt/envelope-store.ts';
import {
  BackupError,
  decodeBackup,
  encodeBackup,
  recordsDigest,
} from '../../../src/lib/state/backup-format.ts';
import { VaultService, type BackupSlot } from '../../../src/lib/vault/service.ts';
import { openVaultStore } from '../../../src/lib/vault/store.ts';

beforeAll(loadSodium);
let n = 0;
const PASS = 'correct horse battery staple';

const RECORDS: EnvelopeRecord[] = Array.from({ length: 6 }, (_, i) => ({
  doc: `doc-${i % 3}`,
  gen: i % 2,
  env: Uint8Array.from({ length: 8 + i }, (_, j) => (i * 31 + j) & 0xff),
}));

let file: string;
let recoveryKey: string;

beforeAll(async () => {
  const original = new VaultService({
    store: await openVaultStore(`bi-a-${++n}`),
    params: MIN_ARGON2,
  });
  ({ recoveryKey } = await original.createPractice({
    practiceName: 'P',
    memberName: 'M',
    deviceName: 'D',
    passphrase: PASS,
  }));
  const slot = await original.exportBackup(await recordsDigest(RECORDS));
  file = encodeBackup({ format: 'folio-backup', v: 2, createdAt: 'now', slot, envelopes: RECORDS });
});

/** The restore flow of state/backup.ts, on an empty device: the error code or 'ok'. */
async function restore(text: string): Promise<{ outcome: string; slots: number }> {
  const device = new VaultService({
    store: await openVaultStore(`bi-b-${++n}`),
    params: MIN_ARGON2,
  });
  let outcome = 'ok';
  try {
    const backup = decodeBackup(text);
    await device.restoreBackup({
      slot: backup.slot,
      recoveryKey,
      passphrase: 'new passphrase here',
      records: await recordsDigest(backup.envelopes),
    });
  } catch (error) {
    outcome = error instanceof BackupError ? 'backup-error' : (error as { code: string }).code;
  }
  return { outcome, slots: (await device.status()).slots.length };
}

const withEnvelopes = (envelopes: unknown[]) => JSON.stringify({ ...JSON.parse(file), envelopes });
const jsonRecords = () => JSON.parse(file).envelopes as unknown[];

it('the untouched file restores', async () => {
  expect(await restore(file)).toEqual({ outcome: 'ok', slots: 1 });
});

it('a truncated, reordered, duplicated or altered list of records is refused and nothing is stored', async () => {
  const edit = fc.oneof(
    // Truncate: keep a strict prefix, suffix or any strict subsequence.
    fc
      .subarray([...RECORDS.keys()], { maxLength: RECORDS.length - 1 })
      .map((keep) => (rs: unknown[]) => keep.map((i) => rs[i])),
    // Reorder: any permutation that is not the identity.
    fc
      .shuffledSubarray([...RECORDS.keys()], {
        minLength: RECORDS.length,
        maxLength: RECORDS.length,
      })
      .filter((p) => p.some((x, i) => x !== i))
      .map((p) => (rs: unknown[]) => p.map((i) => rs[i])),
    // Duplicate one record.
    fc
      .nat({ max: RECORDS.length - 1 })
      .map((i) => (rs: unknown[]) => [...rs.slice(0, i + 1), rs[i], ...rs.slice(i + 1)]),
    // Change one record's document or generation.
    fc.nat({ max: RECORDS.length - 1 }).map((i) => (rs: unknown[]) => {
      const copy = structuredClone(rs) as { doc: string; gen: number }[];
      copy[i]!.gen += 1;
      return copy;
    }),
  );
  await fc.assert(
    fc.asyncProperty(edit, async (change) => {
      const result = await restore(withEnvelopes(change(jsonRecords())));
      expect(result).toEqual({ outcome: 'bad-input', slots: 0 });
    }),
    { numRuns: 40 },
  );
});

it('the refusal says what is wrong, with the counts when records are missing', async () => {
  const device = new VaultService({
    store: await openVaultStore(`bi-c-${++n}`),
    params: MIN_ARGON2,
  });
  const backup = decodeBackup(withEnvelopes(jsonRecords().slice(0, 2)));
  await expect(
    device.restoreBackup({
      slot: backup.slot,
      recoveryKey,
      passphrase: 'new passphrase here',
      records: await recordsDigest(backup.envelopes),
    }),
  ).rejects.toThrow(/incomplete or was altered.*made with 6 records; the file holds 2/);
});

it('a sealed list taken from another backup, or stripped, is refused', async () => {
  const parsed = JSON.parse(file) as { slot: BackupSlot & Record<string, unknown> };
  const stripped = { ...parsed, slot: { ...parsed.slot, records: undefined } };
  expect(await restore(JSON.stringify(stripped))).toEqual({ outcome: 'bad-input', slots: 0 });
  // A version-1 file (no sealed list) is refused with a message, not restored unchecked.
  expect(await restore(JSON.stringify({ ...stripped, v: 1 }))).toEqual({
    outcome: 'backup-error',
    slots: 0,
  });
  // The sealed list of an empty backup of the same member, with this file's records.
  const other = new VaultService({
    store: await openVaultStore(`bi-d-${++n}`),
    params: MIN_ARGON2,
  });
  await other.createPractice({
    practiceName: 'P',
    memberName: 'M',
    deviceName: 'D',
    passphrase: PASS,
  });
  const foreign = await other.exportBackup(await recordsDigest([]));
  const swapped = { ...parsed, slot: { ...parsed.slot, records: foreign.records } };
  expect(await restore(encodeBackup(decodeBackup(JSON.stringify(swapped))))).toEqual({
    outcome: 'bad-input',
    slots: 0,
  });
});

it('the digest covers order, count and every byte (fast-check)', async () => {
  const record = fc.record({
    doc: fc.string({ maxLength: 8 }),
    gen: fc.nat({ max: 3 }),
    env: fc.uint8Array({ maxLength: 16 }),
  });
  await fc.assert(
    fc.asyncProperty(fc.array(record, { minLength: 1, maxLength: 6 }), async (rs) => {
      const base = (await recordsDigest(rs)).digest;
      expect((await recordsDigest(rs.slice(0, -1))).digest).not.toBe(base);
      expect((await recordsDigest([...rs, rs[0]!])).digest).not.toBe(base);
      const flipped = rs.map((r, i) =>
        i === 0 ? { ...r, env: Uint8Array.from([...r.env, 0]) } : r,
      );
      expect((await recordsDigest(flipped)).digest).not.toBe(base);
    }),
    { numRuns: 300 },
  );
});

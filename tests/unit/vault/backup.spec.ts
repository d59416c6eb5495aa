import 'fake-indexeddb/auto';
import { beforeAll, expect, it } from 'vitest';
import { loadSodium, MIN_ARGON2, utf8 } from '../../../src/lib/crypto/index.ts';
import {
  BackupError,
  decodeBackup,
  encodeBackup,
  recordsDigest,
} from '../../../src/lib/state/backup-format.ts';
import { RESTORE_SEQ_JUMP, VaultService } from '../../../src/lib/vault/service.ts';
import { openVaultStore } from '../../../src/lib/vault/store.ts';

beforeAll(loadSodium);
const PASS = 'correct horse battery staple';

it('restores a slot with the recovery key only, and jumps the sequence counter ahead', async () => {
  const original = new VaultService({
    store: await openVaultStore('backup-a'),
    params: MIN_ARGON2,
  });
  const { recoveryKey } = await original.createPractice({
    practiceName: 'P',
    memberName: 'M',
    deviceName: 'D',
    passphrase: PASS,
  });
  const docId = original.practiceIndex().docId;
  const { seq } = await original.seal({ docId, generation: 0, kind: 'update', payload: utf8('x') });
  const envelopes = [{ doc: 'd', gen: 0, env: new Uint8Array([1, 2, 3]) }];
  const slot = await original.exportBackup(await recordsDigest(envelopes));
  expect('passphrase' in slot).toBe(false);

  const file = encodeBackup({ format: 'folio-backup', v: 2, createdAt: 'now', slot, envelopes });
  const decoded = decodeBackup(file);
  expect(decoded.envelopes[0]!.env).toEqual(new Uint8Array([1, 2, 3]));
  const records = await recordsDigest(decoded.envelopes);

  const restored = new VaultService({
    store: await openVaultStore('backup-b'),
    params: MIN_ARGON2,
  });
  await expect(
    restored.restoreBackup({ slot: decoded.slot, recoveryKey: 'AAAA', passphrase: PASS, records }),
  ).rejects.toMatchObject({ code: 'bad-recovery-key' });
  await expect(
    restored.restoreBackup({ slot: decoded.slot, recoveryKey, passphrase: 'short', records }),
  ).rejects.toMatchObject({ code: 'weak-passphrase' });
  const session = await restored.restoreBackup({
    slot: decoded.slot,
    recoveryKey,
    passphrase: 'new passphrase here',
    records,
  });
  expect(session.memberName).toBe('M');
  expect(
    (await restored.seal({ docId, generation: 0, kind: 'update', payload: utf8('y') })).seq,
  ).toBeGreaterThanOrEqual(seq + RESTORE_SEQ_JUMP);
  restored.lock();
  await restored.unlock({ slotId: session.slotId, passphrase: 'new passphrase here' });
  await expect(
    restored.restoreBackup({ slot: decoded.slot, recoveryKey, passphrase: PASS, records }),
  ).rejects.toMatchObject({ code: 'already-set-up' });
});

it('refuses files that are not version-1 backups with readable messages', () => {
  const cases: [string, string][] = [
    ['not json', 'This file is not a Folio backup (it is not valid JSON).'],
    ['{"format":"other"}', 'This file is not a Folio backup.'],
    ['{"format":"folio-backup","v":3}', 'This backup was made by a newer Folio (format 3).'],
    ['{"format":"folio-backup","v":1}', 'This backup was made by an earlier version of Folio'],
    ['{"format":"folio-backup","v":2}', 'This backup is incomplete.'],
    [
      '{"format":"folio-backup","v":2,"slot":{},"envelopes":[{"doc":"d","gen":0,"env":"x"}]}',
      'This backup is damaged (record 1).',
    ],
  ];
  for (const [text, message] of cases) {
    expect(() => decodeBackup(text)).toThrow(BackupError);
    expect(() => decodeBackup(text)).toThrow(message);
  }
});

import 'fake-indexeddb/auto';
import { beforeAll, expect, it } from 'vitest';
import { CryptoError, loadSodium, utf8 } from '../../../src/lib/crypto/index.ts';
import { VaultError } from '../../../src/lib/vault/service.ts';
import { emptyVault, errorCode, foundingAdmin, PASS } from './helpers.ts';

beforeAll(loadSodium);
const admin = foundingAdmin;
const newcomer = emptyVault;
const code = errorCode;

it('pairs a new device: same short code on both sides, keys granted, each accepts the other’s edits', async () => {
  const a = await admin();
  const b = await newcomer();
  const link = a.startPairing();
  expect(link.mailboxId).toMatch(/^[0-9a-f]{32}$/);
  const join = await b.beginJoin({
    secret: link.secret,
    name: 'Nurse Bo',
    deviceName: 'Exam tablet',
    passphrase: 'bo own passphrase',
  });
  expect(join.mailboxId).toBe(link.mailboxId);
  const seen = a.openPairingRequest({ sealed: join.sealed });
  expect(seen).toEqual({ name: 'Nurse Bo', deviceName: 'Exam tablet', sas: join.sas });
  const { sealed, session: adminSession } = await a.answerPairing({ role: 'clinician' });
  expect(adminSession.members.map((m) => [m.name, m.deviceName])).toEqual([
    ['Dr. Ada', 'Laptop'],
    ['Nurse Bo', 'Exam tablet'],
  ]);
  const { recoveryKey, session } = await b.completeJoin({ sealed });
  expect(recoveryKey).toMatch(/^[A-Z2-7-]+$/);
  expect(session).toMatchObject({
    practiceName: 'Harbour Clinic',
    memberName: 'Nurse Bo',
    role: 'clinician',
    canOpenCharts: true,
  });

  const index = a.practiceIndex().docId;
  expect(b.practiceIndex().docId).toEqual(index);
  const fromB = (
    await b.seal({ docId: index, generation: 0, kind: 'update', payload: utf8('from tablet') })
  ).envelope;
  const fromA = (
    await a.seal({ docId: index, generation: 0, kind: 'update', payload: utf8('from laptop') })
  ).envelope;
  expect(a.openMany({ envelopes: [fromB] })[0]).toMatchObject({
    ok: true,
    author: { memberName: 'Nurse Bo' },
  });
  expect(b.openMany({ envelopes: [fromA] })[0]).toMatchObject({
    ok: true,
    author: { memberName: 'Dr. Ada' },
  });
  // The link is single-use on the admin side.
  expect(await code(a.answerPairing({ role: 'clinician' }))).toBe('bad-input');
});

it('refuses a tampered answer, a link with another secret, and gives front desk no clinical key', async () => {
  const a = await admin();
  const b = await newcomer();
  const link = a.startPairing();
  // Change the first character: the last one partly encodes padding bits.
  const wrong = (link.secret[0] === 'A' ? 'B' : 'A') + link.secret.slice(1);
  const join = await b.beginJoin({ secret: wrong, name: 'X', deviceName: 'Y', passphrase: PASS });
  expect(() => a.openPairingRequest({ sealed: join.sealed })).toThrow(CryptoError);

  const c = await newcomer();
  const ok = await c.beginJoin({
    secret: link.secret,
    name: 'Desk',
    deviceName: 'Front PC',
    passphrase: PASS,
  });
  a.openPairingRequest({ sealed: ok.sealed });
  const { sealed } = await a.answerPairing({ role: 'front-desk' });
  const tampered = sealed.slice();
  tampered[40]! ^= 1;
  expect(await code(c.completeJoin({ sealed: tampered }))).toBe('decrypt-failure');
  const { session } = await c.completeJoin({ sealed });
  expect(session).toMatchObject({ role: 'front-desk', canOpenCharts: false });
  expect(
    await code(
      c.beginJoin({ secret: link.secret, name: 'Again', deviceName: 'Y', passphrase: PASS }),
    ),
  ).toBe('already-set-up');
  expect(
    await code(b.beginJoin({ secret: 'not-a-link', name: 'X', deviceName: 'Y', passphrase: PASS })),
  ).toBe('bad-input');
});

it('only an admin can start a pairing', async () => {
  const a = await admin();
  await a.addMember({ name: 'Clin', role: 'clinician', passphrase: 'clinician passphrase' });
  const slots = (await a.status()).slots;
  a.lock();
  await a.unlock({
    slotId: slots.find((s) => s.label === 'Clin')!.slotId,
    passphrase: 'clinician passphrase',
  });
  expect(() => a.startPairing()).toThrow(VaultError);
});

it('other devices learn newer member lists (and only chained ones) from the admin', async () => {
  const a = await admin();
  const pair = async (name: string) => {
    const device = await newcomer();
    const link = a.startPairing();
    const join = await device.beginJoin({
      secret: link.secret,
      name,
      deviceName: `${name} device`,
      passphrase: PASS,
    });
    a.openPairingRequest({ sealed: join.sealed });
    await device.completeJoin({ sealed: (await a.answerPairing({ role: 'clinician' })).sealed });
    return device;
  };
  const b = await pair('Bo');
  const c = await pair('Cy');
  const index = a.practiceIndex().docId;
  const fromC = (
    await c.seal({ docId: index, generation: 0, kind: 'update', payload: utf8('hello from C') })
  ).envelope;
  expect(b.openMany({ envelopes: [fromC] })[0]).toEqual({ ok: false, code: 'unknown-author' });
  expect(await b.updateMemberLists({ lists: a.memberLists() })).toEqual({
    version: 2,
    changed: true,
    refused: [],
  });
  expect(b.openMany({ envelopes: [fromC] })[0]).toMatchObject({
    ok: true,
    author: { memberName: 'Cy' },
  });
  expect(await b.updateMemberLists({ lists: a.memberLists() })).toEqual({
    version: 2,
    changed: false,
    refused: [],
  });
  // A forged "version 3" that does not chain, and a forged version 2, are refused and reported.
  const lists = a.memberLists();
  const forged = { ...lists[2]!, version: 3 };
  const fork = { ...lists[2]!, entries: lists[1]!.entries };
  expect(await b.updateMemberLists({ lists: [forged, fork] })).toEqual({
    version: 2,
    changed: false,
    refused: [{ code: 'bad-signature', count: 2 }],
  });
});

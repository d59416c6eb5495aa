import 'fake-indexeddb/auto';
import { beforeAll, expect, it, vi } from 'vitest';
import {
  loadSodium,
  MIN_ARGON2,
  pairingIds,
  sealPairingMessage,
  signMemberList,
  utf8,
  verifyNext,
} from '../../../src/lib/crypto/index.ts';
import { linkSecret, stolenKeys } from './helpers.ts';
import { VaultError, VaultService } from '../../../src/lib/vault/service.ts';
import { openVaultStore, type VaultStore } from '../../../src/lib/vault/store.ts';
import type { GrantJson } from '../../../src/lib/vault/grants.ts';

beforeAll(loadSodium);
let n = 0;
const PASS = 'correct horse battery staple';
type Role = 'clinician' | 'front-desk' | 'admin';

async function vault(): Promise<{ v: VaultService; store: VaultStore }> {
  const store = await openVaultStore(`rot-${++n}`);
  return { v: new VaultService({ store, params: MIN_ARGON2, marksFlushMs: 1 }), store };
}

async function pair(admin: VaultService, name: string, role: Role) {
  const { v: device } = await vault();
  const link = admin.startPairing();
  const join = await device.beginJoin({
    secret: link.secret,
    name,
    deviceName: `${name}'s device`,
    passphrase: 'its own passphrase 123',
  });
  admin.openPairingRequest({ sealed: join.sealed });
  const { sealed } = await admin.answerPairing({ role });
  await device.completeJoin({ sealed });
  return device;
}

/** Admin A with clinicians B and C, all knowing the same member list. */
async function practice() {
  const { v: a, store } = await vault();
  await a.createPractice({
    practiceName: 'Harbour',
    memberName: 'Dr. Ada',
    deviceName: 'Laptop',
    passphrase: PASS,
  });
  const b = await pair(a, 'Bo', 'clinician');
  const c = await pair(a, 'Cy', 'clinician');
  for (const v of [b, c]) await v.updateMemberLists({ lists: a.memberLists() });
  return { a, b, c, store };
}

async function member(v: VaultService, name: string) {
  return (await v.status()).session!.members.find((m) => m.name === name)!;
}

const seal = async (v: VaultService, text: string, docId = v.practiceIndex().docId) =>
  (await v.seal({ docId, generation: 0, kind: 'update', payload: utf8(text) })).envelope;

const codes = (v: VaultService, envelopes: Uint8Array[]) =>
  v.openMany({ envelopes }).map((r) => (r.ok ? 'ok' : r.code));

it('removes a device: its later envelopes are refused by A and B, earlier ones stay valid, new index envelopes reach B but not C', async () => {
  const { a, b, c } = await practice();
  const index = a.practiceIndex().docId;
  const rooms = [a, b, c].map((v) => v.roomFor({ docId: index, generation: 0 }));
  const early = [await seal(c, 'one'), await seal(c, 'two')];
  // A verified both: that is what it will record as C's last accepted seq.
  expect(codes(a, early)).toEqual(['ok', 'ok']);
  const cy = await member(a, 'Cy');

  const { lists, grants } = await a.removeMember({ member: cy.member, device: cy.device });
  const removedEntry = lists.at(-1)!.entries.find((e) => e.name === 'Cy')!;
  expect(removedEntry.removed!.lastSeq).toBe(1);
  // Every practice and clinical epoch (0 and the new 1) for each of the two remaining devices.
  expect(grants).toHaveLength(2 * 2 * 2);
  expect(new Set(grants.map((g) => g.recipient)).has(removedEntry.deviceBox)).toBe(false);
  // Published before activation, so still sealed under the old epoch B can open.
  const announcement = await seal(a, 'lists and grants');
  expect(codes(b, [announcement])).toEqual(['ok']);
  const summary = await a.activateRemoval();
  expect(summary.members.map((m) => m.name)).toEqual(['Dr. Ada', 'Bo']);
  expect(summary.removedMembers.map((m) => m.name)).toEqual(['Cy']);

  expect(await b.acceptRotation({ lists, grants })).toEqual({
    version: lists.at(-1)!.version,
    changed: true,
    removed: false,
    newEpochs: { practice: [1], clinical: [1] },
    refused: [],
  });
  // The removed device learns it, keeps what it had, gets nothing new.
  expect(await c.acceptRotation({ lists, grants })).toEqual({
    version: lists.at(-1)!.version,
    changed: true,
    removed: true,
    newEpochs: { practice: [], clinical: [] },
    refused: [],
  });
  expect((await c.status()).session!.removed).toBe(true);
  expect(await c.acceptRotation({ lists, grants })).toMatchObject({ changed: false });

  // New index envelopes from A (now epoch 1): B opens them, C cannot.
  const after = await seal(a, 'after removal');
  expect(codes(b, [after])).toEqual(['ok']);
  expect(codes(c, [after])).toEqual(['unknown-key']);
  const fromB = await seal(b, 'B writes under the new epoch');
  expect(codes(a, [fromB])).toEqual(['ok']);
  expect(codes(c, [fromB])).toEqual(['unknown-key']);
  // C's earlier envelopes stay valid everywhere; what it writes now is refused, distinctly.
  const late = await seal(c, 'after removal, from the removed device');
  for (const v of [a, b]) {
    expect(codes(v, early)).toEqual(['ok', 'ok']);
    expect(codes(v, [late])).toEqual(['revoked']);
  }
  // C still reads what it had.
  expect(codes(c, [announcement, ...early])).toEqual(['ok', 'ok', 'ok']);
  // Rooms do not move when keys rotate, on any device.
  expect([a, b, c].map((v) => v.roomFor({ docId: index, generation: 0 }))).toEqual(rooms);
});

it('records the highest seq verified before a lock, handed over by pairing, or reported by the caller', async () => {
  const { a, c, store } = await practice();
  const early = [await seal(c, 'one'), await seal(c, 'two'), await seal(c, 'three')];
  expect(codes(a, early.slice(0, 2))).toEqual(['ok', 'ok']);
  const slotId = (await a.status()).session!.slotId;
  await vi.waitFor(async () => expect(await store.getMarks(slotId)).toBeDefined());
  // A new admin device paired now learns A's marks.
  const d = await pair(a, 'Di', 'admin');
  a.lock();
  await a.unlock({ slotId, passphrase: PASS });
  const cy = await member(a, 'Cy');
  // After a lock, the stored marks still count.
  const fromA = await a.removeMember({ member: cy.member });
  expect(fromA.lists.at(-1)!.entries.find((e) => e.name === 'Cy')!.removed!.lastSeq).toBe(1);
  // The paired admin never saw C's envelopes but records the same.
  await d.updateMemberLists({ lists: a.memberLists() });
  const fromD = await d.removeMember({ member: cy.member });
  expect(fromD.lists.at(-1)!.entries.find((e) => e.name === 'Cy')!.removed!.lastSeq).toBe(1);
  // A caller that verified more (e.g. by scanning stored envelopes) raises it; never lowers it.
  const key = `${cy.member}:${cy.device}`;
  const higher = await a.removeMember({ member: cy.member, lastSeqs: { [key]: 2 } });
  expect(higher.lists.at(-1)!.entries.find((e) => e.name === 'Cy')!.removed!.lastSeq).toBe(2);
  const lower = await a.removeMember({ member: cy.member, lastSeqs: { [key]: 0 } });
  expect(lower.lists.at(-1)!.entries.find((e) => e.name === 'Cy')!.removed!.lastSeq).toBe(1);
});

it('refuses removals that are not allowed, with clear codes', async () => {
  const { a, b, c } = await practice();
  const [me, bo, cy] = [await member(a, 'Dr. Ada'), await member(a, 'Bo'), await member(a, 'Cy')];
  const refusal = async (p: Promise<unknown>) => {
    const error = await p.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(VaultError);
    return (error as VaultError).code;
  };
  expect(await refusal(a.removeMember({ member: me.member, device: me.device }))).toBe('self');
  expect(await refusal(a.removeMember({ member: me.member }))).toBe('self');
  expect(await refusal(a.removeMember({ member: 'nobody' }))).toBe('unknown-device');
  expect(await refusal(a.removeMember({ member: cy.member, device: bo.device }))).toBe(
    'unknown-device',
  );
  expect(await refusal(b.removeMember({ member: cy.member }))).toBe('not-admin');

  const { lists, grants } = await a.removeMember({ member: cy.member });
  await a.activateRemoval();
  expect(await refusal(a.removeMember({ member: cy.member }))).toMatch(/unknown-device/);
  await c.acceptRotation({ lists, grants });
  // The removed device can neither remove others nor add anyone (itself included).
  expect(await refusal(c.removeMember({ member: bo.member }))).toBe('removed');
  await expect(refusal(Promise.resolve().then(() => c.startPairing()))).resolves.toBe('removed');
  // Nothing to activate twice.
  expect(await refusal(a.activateRemoval())).toBe('bad-input');
});

it('a removed admin can no longer remove, pair, or grant keys anyone takes', async () => {
  const { a, b, c } = await practice();
  const d = await pair(a, 'Di', 'admin');
  for (const v of [b, c, d]) await v.updateMemberLists({ lists: a.memberLists() });
  const ada = await member(d, 'Dr. Ada');
  const cy = await member(a, 'Cy');
  // A prepares a rotation of its own (never activated), then D removes A.
  const stale = await a.removeMember({ member: cy.member });
  const removal = await d.removeMember({ member: ada.member });
  await d.activateRemoval();
  await b.updateMemberLists({ lists: removal.lists });
  await a.acceptRotation(removal);
  expect((await a.status()).session!.removed).toBe(true);
  const refusal = (fn: () => unknown) => {
    try {
      fn();
    } catch (error) {
      return (error as VaultError).code;
    }
    return 'no-error';
  };
  expect(refusal(() => a.startPairing())).toBe('removed');
  await expect(a.removeMember({ member: cy.member })).rejects.toMatchObject({ code: 'removed' });
  // The removal A prepared earlier no longer fits the list it holds.
  await expect(a.activateRemoval()).rejects.toMatchObject({ code: 'stale-removal' });
  // Its grants (signed while it was an admin) are refused by B, which now holds the list where
  // A is removed; nothing changes on B; D's grants for the same epoch are taken.
  const boBox = removal.lists.at(-1)!.entries.find((e) => e.name === 'Bo')!.deviceBox;
  const fromA = stale.grants.filter((g) => g.recipient === boBox && g.epoch === 1);
  expect(fromA).toHaveLength(2);
  const before = await b.status();
  expect(await b.acceptRotation({ grants: fromA })).toMatchObject({
    changed: false,
    refused: [{ code: 'bad-grant', count: 2 }],
  });
  expect(await b.status()).toEqual(before);
  // Where both are published, the admin's grant for that epoch is enough.
  expect(await b.acceptRotation({ grants: [...fromA, ...removal.grants] })).toMatchObject({
    changed: true,
    newEpochs: { practice: [1], clinical: [1] },
  });
});

/** Flips one bit of byte `i` of a base64url field. */
function flip(g: GrantJson, field: 'sealed' | 'signature' | 'recipient' | 'granter', i: number) {
  const bytes = Buffer.from(g[field], 'base64url');
  bytes[i]! ^= 1 << (i % 8);
  return { ...g, [field]: bytes.toString('base64url') };
}

it('refuses a grant changed at any byte, and then nothing changes', async () => {
  const { a, b } = await practice();
  const cy = await member(a, 'Cy');
  const { lists, grants } = await a.removeMember({ member: cy.member });
  await a.activateRemoval();
  const after = await seal(a, 'after');
  const boBox = lists.at(-1)!.entries.find((e) => e.name === 'Bo')!.deviceBox;
  const forBo = grants.filter((g) => g.recipient === boBox && g.epoch === 1);
  expect(forBo.map((g) => g.kind).sort()).toEqual(['clinical', 'practice']);

  // Lists and grants are independent: a bad grant is refused and reported, the lists that came
  // with it are still learned (junk anyone writes in the index cannot block a removal).
  expect(
    await b.acceptRotation({ lists, grants: [flip(forBo[0]!, 'signature', 3)] }),
  ).toMatchObject({ changed: true, newEpochs: { practice: [], clinical: [] } });
  expect((await b.status()).session!.removedMembers.map((m) => m.name)).toEqual(['Cy']);
  const before = await b.status();

  const tampered: GrantJson[] = [];
  for (const g of forBo) {
    for (const field of ['sealed', 'signature', 'recipient', 'granter'] as const) {
      const length = Buffer.from(g[field], 'base64url').length;
      for (let i = 0; i < length; i++) tampered.push(flip(g, field, i));
    }
    tampered.push({ ...g, epoch: g.epoch + 1 }, { ...g, keyId: `${g.keyId}x` });
    tampered.push({ ...g, kind: g.kind === 'practice' ? 'clinical' : 'practice' });
    // Claiming a granter who is a member but not an admin (B itself).
    tampered.push({ ...g, granter: before.session!.memberKey });
  }
  expect(tampered.length).toBeGreaterThan(400);
  let refused = 0;
  for (const forged of tampered) {
    const outcome = await b.acceptRotation({ grants: [forged] });
    if (outcome.refused.length > 0) {
      expect(outcome).toMatchObject({ changed: false, refused: [{ code: 'bad-grant', count: 1 }] });
      refused++;
    } else {
      // Only a grant that no longer names this device or this practice is skipped, silently.
      expect(outcome).toMatchObject({ changed: false });
      expect(forged.recipient !== boBox || forged.keyId !== forBo[0]!.keyId).toBe(true);
    }
    expect(await b.status()).toEqual(before);
    expect(codes(b, [after])).toEqual(['unknown-key']);
  }
  expect(refused).toBeGreaterThan(300);
  // The untouched grants still work: the refusals were not for some other reason.
  expect(await b.acceptRotation({ grants: forBo })).toMatchObject({
    changed: true,
    newEpochs: { practice: [1], clinical: [1] },
  });
  expect(codes(b, [after])).toEqual(['ok']);
});

it('never rolls the member list back, and reports a fork', async () => {
  const { a, b, store } = await practice();
  const cy = await member(a, 'Cy');
  const old = a.memberLists();
  const { lists, grants } = await a.removeMember({ member: cy.member });
  await a.activateRemoval();
  await b.acceptRotation({ lists, grants });
  const version = lists.at(-1)!.version;
  // Older lists are ignored: B stays on the newest.
  expect(await b.acceptRotation({ lists: old, grants: [] })).toMatchObject({
    version,
    changed: false,
  });
  expect(await b.updateMemberLists({ lists: old })).toEqual({
    version,
    changed: false,
    refused: [],
  });
  expect(() => verifyNext(lists.at(-1)!, old.at(-1)!, old[0]!.signer)).toThrow(/replayed/);
  // A different list with a version B holds, signed by an admin, is a fork: reported, not taken.
  const ada = await stolenKeys(store, PASS);
  const held = lists.at(-1)!;
  const fork = signMemberList(
    {
      v: held.v,
      practiceId: held.practiceId,
      version: held.version,
      prev: held.prev,
      entries: held.entries.slice(0, -1),
    },
    ada.member.identity.sign,
  );
  expect(await b.acceptRotation({ lists: [fork], grants: [] })).toMatchObject({
    changed: false,
    refused: [{ code: 'equivocation', count: 1 }],
  });
  expect((await b.status()).session!.removedMembers.map((m) => m.name)).toEqual(['Cy']);
});

it('rotates chart keys: new writes need the newest clinical key, old ones stay readable, rooms stay', async () => {
  const { a, b, c } = await practice();
  const chart = a.createChartKey();
  for (const v of [b, c]) v.loadChartKeys({ charts: [chart] });
  const room = a.roomFor({ docId: chart.docId, generation: 0 });
  const before = await seal(a, 'old', chart.docId);
  expect(a.rotateChartKeyIfStale({ docId: chart.docId })).toBeNull();

  const cy = await member(a, 'Cy');
  const removal = await a.removeMember({ member: cy.member });
  await a.activateRemoval();
  await b.acceptRotation(removal);
  await c.acceptRotation(removal);

  // A and B rotate the same chart at once (neither saw the other's wrap): same epoch, same key.
  const fromA = a.rotateChartKeyIfStale({ docId: chart.docId })!;
  const fromB = b.rotateChartKey({ docId: chart.docId });
  expect(fromA.epoch).toBe(1);
  expect(fromB.epoch).toBe(1);
  expect(a.rotateChartKeyIfStale({ docId: chart.docId })).toBeNull();
  const byA = await seal(a, 'new from A', chart.docId);
  const byB = await seal(b, 'new from B', chart.docId);
  expect(codes(a, [byB])).toEqual(['ok']);
  expect(codes(b, [byA])).toEqual(['ok']);
  // Another device that loads only A's wrap reads B's envelope too.
  const d = await pair(a, 'Di', 'clinician');
  const wraps = [chart, { docId: chart.docId, ...fromA }];
  expect(d.loadChartKeys({ charts: wraps }).failed).toEqual([]);
  expect(codes(d, [before, byA, byB])).toEqual(['ok', 'ok', 'ok']);

  // The removed device holds only epoch 0: it opens the old envelope, not the new ones.
  expect(c.loadChartKeys({ charts: wraps }).failed.map((f) => f.code)).toEqual(['no-clinical-key']);
  expect(codes(c, [before, byA, byB])).toEqual(['ok', 'unknown-key', 'unknown-key']);
  // An explicit rotation moves on again; seal uses it at once.
  const again = a.rotateChartKey({ docId: chart.docId });
  expect(again.epoch).toBe(2);
  const newest = await seal(a, 'epoch 2', chart.docId);
  expect(codes(b, [newest])).toEqual(['unknown-key']);
  b.loadChartKeys({ charts: [{ docId: chart.docId, ...again }] });
  expect(codes(b, [newest])).toEqual(['ok']);
  // Rooms never move.
  for (const v of [a, b, c, d])
    expect(v.roomFor({ docId: chart.docId, generation: 0 })).toEqual(room);
  // A front-desk member cannot rotate charts.
  const f = await pair(a, 'Fi', 'front-desk');
  expect(() => f.rotateChartKey({ docId: chart.docId })).toThrow(/may not open charts/);
});

it('never re-adds a removed device under its old keys', async () => {
  const { a, b } = await practice();
  const bo = a
    .memberLists()
    .at(-1)!
    .entries.find((e) => e.name === 'Bo')!;
  const attempt = async () => {
    const link = a.startPairing();
    const { boxKey } = pairingIds(linkSecret(link));
    const request = {
      member: bo.member,
      memberBox: bo.memberBox,
      device: bo.device,
      deviceBox: bo.deviceBox,
      name: 'Bo',
      deviceName: 'again',
    };
    a.openPairingRequest({ sealed: sealPairingMessage(boxKey, 'request', request) });
    return a.answerPairing({ role: 'admin' });
  };
  await expect(attempt()).rejects.toMatchObject({ code: 'bad-input' });
  const removal = await a.removeMember({ member: bo.member });
  await a.activateRemoval();
  await expect(attempt()).rejects.toMatchObject({ code: 'removed' });
  // Nothing was signed: the newest list is still the removal.
  expect(a.memberLists().at(-1)!.version).toBe(removal.lists.at(-1)!.version);
  expect((await b.acceptRotation(removal)).removed).toBe(true);
});

it('activates a removal whose new list this device already learned from the practice index', async () => {
  const { a } = await practice();
  const cy = (await a.status()).session!.members.find((m) => m.name === 'Cy')!;
  const { lists } = await a.removeMember({ member: cy.member });
  // The state layer publishes the list in the index, and the index hands it straight back.
  await a.updateMemberLists({ lists });
  const summary = await a.activateRemoval();
  expect(summary.removedMembers.map((m) => m.name)).toEqual(['Cy']);
});

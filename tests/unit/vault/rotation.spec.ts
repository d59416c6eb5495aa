import 'fake-indexeddb/auto';
import fc from 'fast-check';
import { beforeAll, expect, it } from 'vitest';
import { loadSodium, MIN_ARGON2, utf8 } from '../../../src/lib/crypto/index.ts';
import { RotationError } from '../../../src/lib/vault/rotation.ts';
import { VaultService, type GrantJson } from '../../../src/lib/vault/service.ts';
import { openVaultStore } from '../../../src/lib/vault/store.ts';

beforeAll(loadSodium);
let n = 0;
const PASS = 'correct horse battery staple';

async function pair(admin: VaultService, name: string, role: 'clinician' | 'front-desk' | 'admin') {
  const device = new VaultService({
    store: await openVaultStore(`rot-${++n}`),
    params: MIN_ARGON2,
  });
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
  const a = new VaultService({ store: await openVaultStore(`rot-${++n}`), params: MIN_ARGON2 });
  await a.createPractice({
    practiceName: 'Harbour',
    memberName: 'Dr. Ada',
    deviceName: 'Laptop',
    passphrase: PASS,
  });
  const b = await pair(a, 'Bo', 'clinician');
  const c = await pair(a, 'Cy', 'clinician');
  for (const v of [b, c]) await v.updateMemberLists({ lists: a.memberLists() });
  return { a, b, c };
}

const seal = async (v: VaultService, text: string) =>
  (
    await v.seal({
      docId: v.practiceIndex().docId,
      generation: 0,
      kind: 'update',
      payload: utf8(text),
    })
  ).envelope;

it('removes a device: its later writes are refused, earlier ones stay valid, new keys reach only the others', async () => {
  const { a, b, c } = await practice();
  const index = a.practiceIndex().docId;
  const roomBefore = a.roomFor({ docId: index, generation: 0 });
  const early = await seal(c, 'before removal');
  const [opened] = a.openMany({ envelopes: [early] });
  expect(opened).toMatchObject({ ok: true });
  const cEntry = (await a.status()).session!.members.find((m) => m.name === 'Cy')!;
  const lastSeq = (opened as { seq: number }).seq;

  const { lists, grants } = a.removeMember({
    member: cEntry.member,
    device: cEntry.device,
    lastSeqs: { [`${cEntry.member}:${cEntry.device}`]: lastSeq },
  });
  expect(lists.at(-1)!.entries.find((e) => e.name === 'Cy')!.removed!.lastSeq).toBe(lastSeq);
  // Two grants (practice + clinical) for each of the two remaining devices.
  expect(grants).toHaveLength(4);
  // Published before activation: still sealed under the old epoch.
  const announcement = await seal(a, 'lists and grants');
  expect(b.openMany({ envelopes: [announcement] })[0]).toMatchObject({ ok: true });
  const summary = await a.activateRemoval();
  expect(summary.members.map((m) => m.name)).toEqual(['Dr. Ada', 'Bo']);
  expect(summary.removedMembers.map((m) => m.name)).toEqual(['Cy']);

  for (const v of [b, c]) await v.updateMemberLists({ lists });
  expect(await b.acceptRotation({ grants })).toEqual({ changed: true, removed: false });
  expect(await c.acceptRotation({ grants })).toEqual({ changed: false, removed: true });
  expect((await c.status()).session!.removed).toBe(true);

  // New writes: readable by B, not by the removed C.
  const after = await seal(a, 'after removal');
  expect(b.openMany({ envelopes: [after] })[0]).toMatchObject({ ok: true });
  expect(c.openMany({ envelopes: [after] })[0]).toMatchObject({ ok: false, code: 'unknown-key' });
  // C's earlier edit stays valid; what it writes now is refused everywhere.
  expect(b.openMany({ envelopes: [early] })[0]).toMatchObject({ ok: true });
  const late = await seal(c, 'after removal, from the removed device');
  for (const v of [a, b])
    expect(v.openMany({ envelopes: [late] })[0]).toMatchObject({ ok: false, code: 'revoked' });
  // Rooms do not move when keys rotate.
  expect(a.roomFor({ docId: index, generation: 0 })).toEqual(roomBefore);
  expect(b.roomFor({ docId: index, generation: 0 })).toEqual(roomBefore);
});

it('rotates a chart key lazily: the removed device reads the chart as it was, nothing written after', async () => {
  const { a, b, c } = await practice();
  const chart = a.createChartKey();
  for (const v of [b, c]) v.loadChartKeys({ charts: [chart] });
  const before = (
    await a.seal({ docId: chart.docId, generation: 0, kind: 'update', payload: utf8('old') })
  ).envelope;
  expect(a.rotateChartKeyIfStale({ docId: chart.docId })).toBeNull();

  const cEntry = (await a.status()).session!.members.find((m) => m.name === 'Cy')!;
  const { lists, grants } = a.removeMember({ member: cEntry.member });
  await a.activateRemoval();
  await b.updateMemberLists({ lists });
  await b.acceptRotation({ grants });

  const rotated = a.rotateChartKeyIfStale({ docId: chart.docId })!;
  expect(rotated.epoch).toBe(1);
  expect(a.rotateChartKeyIfStale({ docId: chart.docId })).toBeNull();
  const wraps = [
    chart,
    { docId: chart.docId, epoch: rotated.epoch, wrappedKey: rotated.wrappedKey },
  ];
  expect(b.loadChartKeys({ charts: wraps }).failed).toEqual([]);
  expect(c.loadChartKeys({ charts: wraps }).failed.map((f) => f.code)).toEqual(['no-clinical-key']);

  const after = (
    await a.seal({ docId: chart.docId, generation: 0, kind: 'update', payload: utf8('new') })
  ).envelope;
  expect(b.openMany({ envelopes: [before, after] }).map((r) => r.ok)).toEqual([true, true]);
  expect(c.openMany({ envelopes: [before, after] }).map((r) => r.ok)).toEqual([true, false]);
});

it('refuses removals that are not allowed, and grants that are forged or not from an admin', async () => {
  const { a, b, c } = await practice();
  const members = (await a.status()).session!.members;
  const [me, bo, cy] = [members[0]!, members[1]!, members[2]!];
  expect(() => a.removeMember({ member: me.member, device: me.device })).toThrow(RotationError);
  expect(() => a.removeMember({ member: 'nobody' })).toThrow(/No such device/);
  expect(() => b.removeMember({ member: cy.member })).toThrow(/Only an administrator/);

  const { lists, grants } = a.removeMember({ member: cy.member });
  await a.activateRemoval();
  await b.updateMemberLists({ lists });
  const boBox = lists.at(-1)!.entries.find((e) => e.name === 'Bo')!.deviceBox;
  const forBo = grants.filter((g) => g.recipient === boBox);
  expect(forBo.map((g) => g.kind).sort()).toEqual(['clinical', 'practice']);
  // Any change to a grant addressed to B is refused, and nothing changes.
  const mutate = (g: GrantJson, field: 'sealed' | 'signature', i: number): GrantJson => {
    const bytes = Buffer.from(g[field], 'base64url');
    bytes[i % bytes.length]! ^= 1 << (i % 8);
    return { ...g, [field]: bytes.toString('base64url') };
  };
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom<'sealed' | 'signature'>('sealed', 'signature'),
      fc.nat(),
      async (field, i) => {
        const forged = forBo.map((g) => mutate(g, field, i));
        await expect(b.acceptRotation({ grants: forged })).rejects.toMatchObject({
          code: 'bad-grant',
        });
      },
    ),
    { numRuns: 25 },
  );
  // A grant claiming a non-admin granter (B itself) is refused.
  const fake = { ...forBo[0]!, granter: (await b.status()).session!.memberKey };
  await expect(b.acceptRotation({ grants: [fake] })).rejects.toMatchObject({ code: 'bad-grant' });
  expect(await b.acceptRotation({ grants: forBo })).toMatchObject({ changed: true });
  // The removed device cannot remove others, even though it was a member.
  await c.updateMemberLists({ lists });
  expect(() => c.removeMember({ member: bo.member })).toThrow(RotationError);
});

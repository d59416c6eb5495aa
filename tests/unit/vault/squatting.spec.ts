/**
 * Item 3 of issue 11: a removal cannot be blocked by squatting. Any member (front desk
 * included) can write the practice index; junk there — at the next list version, under the
 * real list's key, forged or rolled-back lists, junk grants — must neither hide the real list
 * nor stop a device from learning it and taking its grants. Every refusal is reported.
 */
import 'fake-indexeddb/auto';
import { afterEach, beforeAll, expect, it } from 'vitest';
import {
  generateIdentity,
  loadSodium,
  memberListHash,
  signMemberList,
  toBase64Url,
  type MemberList,
} from '../../../src/lib/crypto/index.ts';
import { IndexDoc } from '../../../src/lib/crdt/index-doc.ts';
import { describeRefusals } from '../../../src/lib/crdt/refusals.ts';
import { openEnvelopeStore, type EnvelopeStore } from '../../../src/lib/crdt/envelope-store.ts';
import { SealedDoc } from '../../../src/lib/crdt/sealed-doc.ts';
import type { GrantJson } from '../../../src/lib/vault/grants.ts';
import { ADA, fakePort } from '../crdt/fake-port.ts';
import { codes, member, newest, practice, seal, stolenKeys } from './helpers.ts';

beforeAll(loadSodium);

let n = 0;
const stores: EnvelopeStore[] = [];
afterEach(() => {
  for (const s of stores.splice(0)) s.close();
});

/** One device's copy of the practice index (Yjs semantics only; sealing is faked). */
async function indexDoc() {
  const store = await openEnvelopeStore(`squat-${++n}`);
  stores.push(store);
  const sealed = await SealedDoc.open({
    docId: new Uint8Array(16).fill(3),
    port: fakePort(ADA),
    store,
    self: ADA,
  });
  return { index: new IndexDoc(sealed), ydoc: sealed.ydoc };
}

const asLists = (values: unknown[]) => values as MemberList[];
const asGrants = (values: unknown[]) => values as GrantJson[];

it('junk squatting the next list version (and any key) does not hide the removal: B and the front desk refuse the removed device', async () => {
  const { a, b, c, f } = await practice();
  const { index, ydoc } = await indexDoc();
  index.publishMemberLists(a.memberLists());
  const held = newest(a.memberLists());
  const next = held.version + 1;
  // The front desk writes junk where the next list would go: under its version in the old map,
  // and under keys of the new one (the held list's signature, and anything else).
  const junk = { ...held, version: next, entries: [], signature: 'AAAA' };
  ydoc.getMap('memberLists').set(String(next), junk);
  ydoc.getMap('memberListsBySignature').set(held.signature, junk);
  ydoc.getMap('memberListsBySignature').set('AAAA', junk);

  const cy = await member(a, 'Cy');
  const { lists, grants } = await a.removeMember({ member: cy.member });
  index.publishMemberLists(lists);
  index.publishGrants(grants);
  await a.activateRemoval();
  const late = await seal(c, 'written after the removal');

  for (const device of [b, f]) {
    const learned = await device.updateMemberLists({ lists: asLists(index.memberLists()) });
    expect(learned.version).toBe(newest(lists).version);
    expect(learned.refused.map((r) => r.code)).toContain('bad-signature');
    await device.acceptRotation({ grants: asGrants(index.grants()) });
    expect(codes(device, [late])).toEqual(['revoked']);
  }
  // The squatter overwrites the real list's key afterwards: any device holding the list puts it
  // back when it publishes its chain.
  ydoc.getMap('memberListsBySignature').set(newest(lists).signature, junk);
  index.publishMemberLists(b.memberLists());
  expect(asLists(index.memberLists()).some((l) => l.version === newest(lists).version)).toBe(true);
  // And the removed device itself learns it.
  expect(await c.updateMemberLists({ lists: asLists(index.memberLists()) })).toMatchObject({
    version: newest(lists).version,
  });
  expect((await c.status()).session!.removed).toBe(true);
});

it('forged, rolled-back and malformed lists next to the real chain are ignored and reported, never blocking', async () => {
  const { a, b, c, fStore } = await practice();
  const old = a.memberLists();
  const held = newest(old);
  const cy = await member(a, 'Cy');
  const { lists } = await a.removeMember({ member: cy.member });
  await a.activateRemoval();
  const real = newest(lists);
  const late = await seal(c, 'written after the removal');
  // The front desk signs a list at the next version (chaining correctly) that removes no one.
  const fay = await stolenKeys(fStore);
  const body = { v: real.v, practiceId: held.practiceId, entries: held.entries };
  const forged = signMemberList(
    { ...body, version: real.version, prev: real.prev },
    fay.member.identity.sign,
  );
  // Someone outside the practice signs a longer chain on top of it.
  const foreign = signMemberList(
    { ...body, version: real.version + 1, prev: memberListHash(forged) },
    generateIdentity().sign,
  );
  const junk: unknown[] = [forged, foreign, ...old, null, 'x', 7, { version: real.version }];
  junk.push({ ...real, entries: 'no' }, { ...real, version: real.version + 1 });
  for (const order of [
    [...junk, ...lists],
    [...([...lists].reverse() as unknown[]), ...[...junk].reverse()],
  ]) {
    const result = await b.updateMemberLists({ lists: order as MemberList[] });
    expect(result.version).toBe(real.version);
    expect(result.refused.map((r) => r.code)).toEqual(
      expect.arrayContaining(['unknown-author', 'bad-record']),
    );
    expect(codes(b, [late])).toEqual(['revoked']);
  }
});

it('grants are taken independently of list learning and of junk grants addressed to this device', async () => {
  const { a, b } = await practice();
  const cy = await member(a, 'Cy');
  const { lists, grants } = await a.removeMember({ member: cy.member });
  await a.activateRemoval();
  const after = await seal(a, 'under the new epoch');
  const boBox = newest(lists).entries.find((e) => e.name === 'Bo')!.deviceBox;
  const junkGrant: GrantJson = {
    ...grants.find((g) => g.recipient === boBox)!,
    epoch: 9,
    sealed: toBase64Url(new Uint8Array(80)),
  };
  const junkList = { ...newest(lists), version: newest(lists).version + 1, signature: 'AAAA' };
  const result = await b.acceptRotation({
    lists: [junkList, ...lists],
    grants: [junkGrant, ...grants],
  });
  expect(result).toMatchObject({ changed: true, newEpochs: { practice: [1], clinical: [1] } });
  expect(result.refused.map((r) => r.code).sort()).toEqual(['bad-grant', 'bad-signature']);
  expect(codes(b, [after])).toEqual(['ok']);
});

it('what was refused is named in the sync warning of the index document', async () => {
  const { a, b } = await practice();
  const store = await openEnvelopeStore(`squat-words-${++n}`);
  stores.push(store);
  const sealed = await SealedDoc.open({
    docId: new Uint8Array(16).fill(4),
    port: fakePort(ADA),
    store,
    self: ADA,
  });
  const junk = { ...newest(a.memberLists()), version: 99, signature: 'AAAA' };
  const learned = await b.updateMemberLists({ lists: [...a.memberLists(), junk] });
  // As the state layer does after each learning pass (practice.svelte.ts).
  sealed.setRefusals('member-list', learned.refused);
  sealed.setRefusals('grant', [{ code: 'bad-grant', count: 2 }]);
  expect(sealed.rejections).toEqual([
    { code: 'member-list:bad-signature', count: 1 },
    { code: 'grant:bad-grant', count: 2 },
  ]);
  expect(describeRefusals(sealed.rejections)).toBe(
    'member lists in the practice index that do not verify: bad-signature (1); ' +
      'key grants in the practice index that do not verify: bad-grant (2)',
  );
  // A later pass replaces the counts of its source.
  sealed.setRefusals('member-list', []);
  expect(sealed.rejections).toEqual([{ code: 'grant:bad-grant', count: 2 }]);
});

/**
 * Item 2 of issue 11: a removed device can land nothing. Sequence numbers are reserved in blocks
 * of 64, so a removed device holds unused numbers below the last seq recorded at its removal.
 * With its keys (an attacker controls the removed device) it signs envelopes at those numbers:
 * backfills, forks off its own chain, a second envelope at a used number. Every device refuses
 * them; what it really wrote before the removal stays valid everywhere.
 */
import 'fake-indexeddb/auto';
import * as Y from 'yjs';
import { beforeAll, expect, it } from 'vitest';
import {
  ENVELOPE_VERSION,
  loadSodium,
  openEnvelope,
  sealEnvelope,
  utf8,
  type MemberList,
} from '../../../src/lib/crypto/index.ts';
import { openEnvelopeStore } from '../../../src/lib/crdt/envelope-store.ts';
import { SealedDoc, type SealingPort } from '../../../src/lib/crdt/sealed-doc.ts';
import type { Keyring } from '../../../src/lib/vault/keyring.ts';
import { codes, DEVICE_PASS, member, practice, seal, stolenKeys } from './helpers.ts';

beforeAll(loadSodium);

/** An envelope the removed device's own keys sign outside its vault. */
function forge(
  keys: Keyring,
  seq: number,
  text: string,
  options: { prev?: Uint8Array; version?: 1 | 2 } = {},
): Uint8Array {
  return sealEnvelope({
    kind: 'update',
    docId: keys.practice.indexDocId,
    generation: 0,
    epoch: 0,
    documentKey: keys.practice.keys[0]!.key,
    member: keys.member.identity.sign,
    device: keys.device.identity.sign.publicKey,
    seq,
    payload: utf8(text),
    ...options,
  });
}

/** C writes seq 0, locks and unlocks (a new block of 64), writes seq 64; A removes C. */
async function removedWithGap() {
  const p = await practice();
  const { a, b, c, cStore, f } = p;
  const first = await seal(c, 'first');
  const slotId = (await c.status()).session!.slotId;
  c.lock();
  await c.unlock({ slotId, passphrase: DEVICE_PASS });
  const second = await seal(c, 'second');
  const legit = [first, second];
  for (const v of [a, b, f]) expect(codes(v, legit)).toEqual(['ok', 'ok']);
  const cy = await member(a, 'Cy');
  const { lists, grants } = await a.removeMember({ member: cy.member });
  expect(lists.at(-1)!.entries.find((e) => e.name === 'Cy')!.removed!.lastSeq).toBe(64);
  await a.activateRemoval();
  for (const v of [b, f]) await v.acceptRotation({ lists: lists as MemberList[], grants });
  return { ...p, legit, keys: await stolenKeys(cStore), devices: [a, b, f] };
}

/** The link of an envelope (what the next one names as prev). */
const linkOf = (envelope: Uint8Array, keys: Keyring) =>
  openEnvelope(envelope, {
    keyFor: () => keys.practice.keys[0]!.key,
    authorize: () => {},
  }).link;

it('refuses backfilled numbers below the recorded last seq, on every device', async () => {
  const { legit, keys, devices } = await removedWithGap();
  const onFirst = { prev: linkOf(legit[0]!, keys) };
  const backfills = [
    // The old format (no prev) and the new one starting a fresh chain.
    ...[1, 2, 30, 63].map((seq) => forge(keys, seq, `backfill ${seq}`, { version: 1 })),
    ...[1, 2, 30, 63].map((seq) => forge(keys, seq, `backfill ${seq}`)),
    // Continuing its real chain after the first envelope (a fork: the real successor is 64).
    ...[1, 63].map((seq) => forge(keys, seq, `branch ${seq}`, onFirst)),
  ];
  for (const v of devices) {
    expect(codes(v, backfills).every((code) => code !== 'ok')).toBe(true);
    expect(codes(v, legit)).toEqual(['ok', 'ok']);
  }
});

it('refuses a second envelope at a used number (a fork) on a device that never saw the first', async () => {
  const { legit, keys, devices } = await removedWithGap();
  const onFirst = { prev: linkOf(legit[0]!, keys) };
  const fork = [
    forge(keys, 0, 'not what I wrote at 0'),
    forge(keys, 64, 'nor at 64', onFirst),
    forge(keys, 64, 'nor at 64', { version: 1 }),
    // Naming the head as its predecessor does not put it on the chain either.
    forge(keys, 64, 'after the head', { prev: linkOf(legit[1]!, keys) }),
  ];
  for (const v of devices) {
    expect(codes(v, fork).every((code) => code !== 'ok')).toBe(true);
    expect(codes(v, legit)).toEqual(['ok', 'ok']);
  }
});

it('refuses numbers after the recorded last seq (gaps) as revoked', async () => {
  const { keys, devices } = await removedWithGap();
  for (const v of devices)
    expect(codes(v, [forge(keys, 65, 'after'), forge(keys, 900, 'x')])).toEqual([
      'revoked',
      'revoked',
    ]);
});

it('accepts what the removed device really wrote, in any order', async () => {
  const { legit, devices } = await removedWithGap();
  for (const v of devices) {
    expect(codes(v, [...legit].reverse())).toEqual(['ok', 'ok']);
    expect(ENVELOPE_VERSION).toBe(2);
  }
});

it('a device receiving the chain oldest first parks each envelope until its successor arrives; forks stay refused and counted', async () => {
  const p = await practice();
  const { a, b, c, cStore } = p;
  const update = (text: string) => {
    const doc = new Y.Doc();
    doc.getMap('m').set('k', text);
    return Y.encodeStateAsUpdate(doc);
  };
  const docId = a.practiceIndex().docId;
  const chain: Uint8Array[] = [];
  for (const text of ['one', 'two', 'three']) {
    chain.push(
      (await c.seal({ docId, generation: 0, kind: 'update', payload: update(text) })).envelope,
    );
  }
  expect(codes(a, chain)).toEqual(['ok', 'ok', 'ok']);
  const cy = await member(a, 'Cy');
  const { lists, grants } = await a.removeMember({ member: cy.member });
  // One head: the third envelope names the second, which names the first.
  const heads = lists.at(-1)!.entries.find((e) => e.name === 'Cy')!.removed!.heads!;
  expect(Object.values(heads)).toEqual([[expect.any(String)]]);
  await a.activateRemoval();
  await b.acceptRotation({ lists, grants });
  const keys = await stolenKeys(cStore);
  const fork = forge(keys, 1, 'a branch', { prev: undefined });

  const store = await openEnvelopeStore(`chain-${Math.random()}`);
  const port: SealingPort = {
    seal: (input) => b.seal(input),
    openMany: async (envelopes) => b.openMany({ envelopes }),
  };
  const bo = await member(b, 'Bo');
  const doc = await SealedDoc.open({
    docId,
    port,
    store,
    self: { member: bo.member, device: bo.device, memberName: 'Bo' },
  });
  expect(await doc.receive([chain[0]!])).toBe(0);
  expect(await doc.receive([chain[1]!, fork])).toBe(0);
  expect(doc.rejections).toEqual([{ code: 'unchained', count: 3 }]);
  // The head arrives: the whole chain is accepted, the fork is still refused.
  expect(await doc.receive([chain[2]!])).toBe(3);
  expect(doc.ydoc.getMap('m').get('k')).toBeDefined();
  expect(doc.rejections).toEqual([{ code: 'unchained', count: 1 }]);
  store.close();
});

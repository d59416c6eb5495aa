/**
 * Stored data from before envelope chains (version-1 envelopes, no `prev`) still opens after the
 * upgrade; the next envelope a device writes is version 2 and continues its chain from its last
 * stored one; and a removal over version-1 history records those envelopes as heads, so what the
 * removed device really wrote stays valid while anything it signs now is refused.
 */
import 'fake-indexeddb/auto';
import * as Y from 'yjs';
import { beforeAll, expect, it } from 'vitest';
import {
  loadSodium,
  openEnvelope,
  sealEnvelope,
  toBase64Url,
  type MemberList,
} from '../../../src/lib/crypto/index.ts';
import { openEnvelopeStore } from '../../../src/lib/crdt/envelope-store.ts';
import { SealedDoc, type SealingPort } from '../../../src/lib/crdt/sealed-doc.ts';
import type { Keyring } from '../../../src/lib/vault/keyring.ts';
import type { VaultService } from '../../../src/lib/vault/service.ts';
import { codes, member, PASS, practice, stolenKeys } from './helpers.ts';

beforeAll(loadSodium);

const update = (key: string, value: string) => {
  const doc = new Y.Doc();
  doc.getMap('m').set(key, value);
  return Y.encodeStateAsUpdate(doc);
};

/** A version-1 envelope as the previous release sealed it, from a device's keys. */
const oldEnvelope = (keys: Keyring, seq: number, payload: Uint8Array) =>
  sealEnvelope({
    version: 1,
    kind: 'update',
    docId: keys.practice.indexDocId,
    generation: 0,
    epoch: 0,
    documentKey: keys.practice.keys[0]!.key,
    member: keys.member.identity.sign,
    device: keys.device.identity.sign.publicKey,
    seq,
    payload,
  });

const portOf = (v: VaultService): SealingPort => ({
  seal: (input) => v.seal(input),
  openMany: async (envelopes) => v.openMany({ envelopes }),
});

it('a sealed log of version-1 envelopes opens; the next write is version 2 and names the last stored one', async () => {
  const { a, aStore } = await practice();
  const keys = await stolenKeys(aStore, PASS);
  const docId = keys.practice.indexDocId;
  const store = await openEnvelopeStore(`migration-${Math.random()}`);
  // Numbers from an earlier block of its counter (its vault never issues them again).
  const stored = [
    oldEnvelope(keys, 1000, update('a', 'one')),
    oldEnvelope(keys, 1001, update('b', 'two')),
  ];
  await store.append(toBase64Url(docId), 0, stored);
  const self = { ...(await member(a, 'Dr. Ada')), memberName: 'Dr. Ada' };
  const doc = await SealedDoc.open({ docId, port: portOf(a), store, self, coalesceMs: 1 });
  expect(doc.rejections).toEqual([]);
  expect(doc.ydoc.getMap('m').toJSON()).toEqual({ a: 'one', b: 'two' });

  doc.ydoc.getMap('m').set('c', 'three');
  await doc.flush();
  const written = doc.envelopes.at(-1)!;
  expect(written[0]).toBe(2);
  const key = () => keys.practice.keys[0]!.key;
  const opened = openEnvelope(written, { keyFor: key, authorize: () => {} });
  const last = openEnvelope(stored[1]!, { keyFor: key, authorize: () => {} });
  expect(toBase64Url(opened.prev!)).toBe(toBase64Url(last.link));
  await doc.close();
  // Reopened: both formats in one log.
  const again = await SealedDoc.open({ docId, port: portOf(a), store, self });
  expect(again.ydoc.getMap('m').toJSON()).toEqual({ a: 'one', b: 'two', c: 'three' });
  expect(again.rejections).toEqual([]);
  store.close();
});

it('a removal over version-1 history keeps those envelopes valid on every device and refuses new ones at unused numbers', async () => {
  const { a, b, f, cStore } = await practice();
  const keys = await stolenKeys(cStore);
  const history = [oldEnvelope(keys, 0, update('x', '0')), oldEnvelope(keys, 5, update('y', '5'))];
  expect(codes(a, history)).toEqual(['ok', 'ok']);
  const cy = await member(a, 'Cy');
  const { lists, grants } = await a.removeMember({ member: cy.member });
  const removed = lists.at(-1)!.entries.find((e) => e.name === 'Cy')!.removed!;
  expect(removed.lastSeq).toBe(5);
  expect(Object.values(removed.heads!)[0]).toHaveLength(2);
  await a.activateRemoval();
  for (const v of [b, f]) await v.acceptRotation({ lists: lists as MemberList[], grants });
  const backfill = [oldEnvelope(keys, 3, update('z', 'late'))];
  for (const v of [a, b, f]) {
    expect(codes(v, history)).toEqual(['ok', 'ok']);
    expect(codes(v, backfill)).toEqual(['unchained']);
  }
});

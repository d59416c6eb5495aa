/**
 * Attacks on attribution through snapshots (issue 11, item 4; docs/spec/envelope.md §8.1).
 * Who created an entry is the verified owner of the Yjs clientID that wrote it, so a snapshot
 * signed by Bob must not be able to add items under Ada's clientID, nor bind a clientID to Ada.
 * Each attack is refused, reported by reason (SealedDoc.rejections feeds the status pill), and
 * nothing already stored is lost.
 */
import 'fake-indexeddb/auto';
import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { ChartDoc } from '../../../src/lib/crdt/chart-doc.ts';
import { type EnvelopeStore } from '../../../src/lib/crdt/envelope-store.ts';
import { describeRefusals } from '../../../src/lib/crdt/refusals.ts';
import { SealedDoc, type SealingPort, type Signer } from '../../../src/lib/crdt/sealed-doc.ts';
import type { VaultService } from '../../../src/lib/vault/service.ts';
import { practice, seal } from '../vault/helpers.ts';
import { encodeSnapshot, type SnapshotMeta } from '../../../src/lib/crdt/snapshot.ts';
import { ADA, BOB, encodeFake, fakePort } from './fake-port.ts';
import { envelopeStores } from './stores.ts';

const newStore = envelopeStores('snapshot-attr');

const DOC = new Uint8Array(16).fill(9);
const AT = '2026-12-02T10:00:00.000Z';
const CY: Signer = { member: 'cy-member', device: 'cy-device', memberName: 'Cy' };

const row = (id: number, s: Signer): [number, string, string, string] => [
  id,
  s.member,
  s.device,
  s.memberName,
];

/** A snapshot envelope signed (in the fake port) by `author`. */
function snapshotEnvelope(
  author: Signer,
  seq: number,
  meta: SnapshotMeta,
  state: Uint8Array,
  generation = 1,
) {
  return encodeFake({
    author,
    seq,
    kind: 'snapshot',
    generation,
    payload: Buffer.from(encodeSnapshot(meta, state)).toString('base64'),
  });
}

async function open(store: EnvelopeStore, self: Signer, start: number) {
  return SealedDoc.open({ docId: DOC, port: fakePort(self, start), store, self, coalesceMs: 1 });
}

/** Ada writes a chart with one entry; Cy's device receives her envelopes. */
async function setting() {
  const ada = await open(await newStore(), ADA, 0);
  const chart = new ChartDoc(ada);
  chart.init({ given: 'Wilhelmina' });
  chart.addEntry('problem', { text: 'Hypertension' }, AT);
  await ada.flush();
  const cyStore = await newStore();
  const cy = await open(cyStore, CY, 10_000);
  expect(await cy.receive([...ada.envelopes])).toBe(ada.envelopes.length);
  return { ada, adaClient: ada.ydoc.clientID, cy, cyStore };
}

/** Bob forges an entry written with `clientId`, on top of the state `base` (a Yjs update). */
function forgeEntry(base: Uint8Array, clientId: number, text: string): Uint8Array {
  const forged = new Y.Doc();
  Y.applyUpdate(forged, base);
  forged.clientID = clientId;
  forged.getMap('entries').set('forged-entry', {
    section: 'problem',
    fields: { text },
    createdAt: AT,
  });
  return Y.encodeStateAsUpdate(forged);
}

const codes = (doc: SealedDoc) => doc.rejections.map((r) => r.code).sort();

describe("Bob's snapshot claiming Ada's items", () => {
  it("is refused when it adds items under Ada's clientID beyond what she wrote", async () => {
    const { ada, adaClient, cy, cyStore } = await setting();
    const stored = (await cyStore.exportAll()).length;
    const state = forgeEntry(Y.encodeStateAsUpdate(ada.ydoc), adaClient, 'Bob wrote this');
    const snap = snapshotEnvelope(BOB, 7, { clients: [row(adaClient, ADA)], covers: [] }, state);

    expect(await cy.receive([snap])).toBe(0);
    const entries = new ChartDoc(cy).entries('problem');
    expect(entries.map((e) => e.fields.text)).toEqual(['Hypertension']);
    expect(entries[0]!.createdBy?.member).toBe(ADA.member);
    expect(codes(cy)).toEqual(['snapshot-unverified']);
    // The sync status names it (SyncStatus: "1 changes refused: …").
    expect(describeRefusals(cy.rejections)).toBe(
      'a snapshot holding edits not verified from their authors (1)',
    );
    // Nothing stored is lost, and the refused snapshot is not stored.
    expect((await cyStore.exportAll()).length).toBe(stored);
    const again = await open(cyStore, CY, 20_000);
    expect(new ChartDoc(again).entries('problem').map((e) => e.fields.text)).toEqual([
      'Hypertension',
    ]);
    expect(again.rejections).toEqual([]);
  });

  it('is refused when its meta binds a new clientID to Ada', async () => {
    const { ada, cy } = await setting();
    const bobClient = 424242;
    const state = forgeEntry(Y.encodeStateAsUpdate(ada.ydoc), bobClient, 'Also Bob');
    const snap = snapshotEnvelope(
      BOB,
      8,
      { clients: [row(ada.ydoc.clientID, ADA), row(bobClient, ADA)], covers: [] },
      state,
    );
    expect(await cy.receive([snap])).toBe(0);
    expect(new ChartDoc(cy).entries('problem')).toHaveLength(1);
    expect(cy.signerOf(bobClient)).toBeUndefined();
    expect(codes(cy)).toEqual(['snapshot-unverified']);
  });

  it('is refused by a device that has never seen the earlier generation', async () => {
    const { ada, adaClient } = await setting();
    const fresh = await open(await newStore(), CY, 30_000);
    const state = forgeEntry(Y.encodeStateAsUpdate(ada.ydoc), adaClient, 'Bob again');
    const snap = snapshotEnvelope(BOB, 9, { clients: [row(adaClient, ADA)], covers: [] }, state);
    expect(await fresh.receive([snap])).toBe(0);
    expect(new ChartDoc(fresh).entries()).toEqual([]);
    expect(codes(fresh)).toEqual(['snapshot-unverified']);
    // Ada's real envelopes arrive: her entry is hers, Bob's never appears.
    await fresh.receive([...ada.envelopes]);
    expect(new ChartDoc(fresh).entries('problem').map((e) => e.fields.text)).toEqual([
      'Hypertension',
    ]);
    expect(codes(fresh)).toEqual(['snapshot-unverified']);
  });

  it('is refused when its meta names another owner for a clientID already recorded', async () => {
    const { ada, adaClient, cy } = await setting();
    const snap = snapshotEnvelope(
      BOB,
      10,
      { clients: [row(adaClient, BOB)], covers: [] },
      Y.encodeStateAsUpdate(ada.ydoc),
    );
    expect(await cy.receive([snap])).toBe(0);
    expect(cy.signerOf(adaClient)?.member).toBe(ADA.member);
    expect(codes(cy)).toEqual(['snapshot-owner-mismatch']);
  });

  it('is refused when it claims to start generation 0 (a snapshot only starts a new one)', async () => {
    const { ada, adaClient, cy } = await setting();
    const snap = snapshotEnvelope(
      ADA,
      11,
      { clients: [row(adaClient, ADA)], covers: [] },
      Y.encodeStateAsUpdate(ada.ydoc),
      0,
    );
    expect(await cy.receive([snap])).toBe(0);
    expect(codes(cy)).toEqual(['snapshot-generation']);
  });

  it('does not let a network snapshot raise the covers recorded in the next snapshot', async () => {
    const { ada, adaClient, cy, cyStore } = await setting();
    const snap = snapshotEnvelope(
      BOB,
      12,
      { clients: [row(adaClient, ADA)], covers: [[`${ADA.member}:${ADA.device}`, 999_999]] },
      Y.encodeStateAsUpdate(ada.ydoc),
    );
    expect(await cy.receive([snap])).toBe(1);
    await cy.compact();
    await cy.close();
    const records = await cyStore.exportAll();
    const base = JSON.parse(new TextDecoder().decode(records[0]!.env.subarray(50))) as {
      payload: string;
    };
    const payload = Buffer.from(base.payload, 'base64');
    const metaLength = payload.readUInt32BE(4);
    const meta = JSON.parse(payload.subarray(8, 8 + metaLength).toString()) as SnapshotMeta;
    expect(meta.covers).toEqual([[`${ADA.member}:${ADA.device}`, 0]]);
  });
});

describe('a flood of unverifiable snapshots', () => {
  it('is counted whole and stays refused when retried (at most 64 kept in memory)', async () => {
    const { ada, adaClient, cy } = await setting();
    const base = Y.encodeStateAsUpdate(ada.ydoc);
    const flood = Array.from({ length: 100 }, (_, i) =>
      snapshotEnvelope(
        BOB,
        1000 + i,
        { clients: [row(adaClient, ADA), row(900_000 + i, ADA)], covers: [] },
        forgeEntry(base, 900_000 + i, `junk ${i}`),
      ),
    );
    expect(await cy.receive(flood)).toBe(0);
    expect(cy.rejections).toEqual([{ code: 'snapshot-unverified', count: 100 }]);
    // Ada writes more: the kept ones are retried (and still refused), the count stays honest.
    new ChartDoc(ada).addEntry('problem', { text: 'More' }, AT);
    await ada.flush();
    await cy.receive(ada.envelopes.slice(-1));
    expect(cy.rejections).toEqual([{ code: 'snapshot-unverified', count: 100 }]);
    expect(
      new ChartDoc(cy)
        .entries('problem')
        .map((e) => e.fields.text)
        .sort(),
    ).toEqual(['Hypertension', 'More']);
  });
});

describe('with real vaults (signed by Bob as a paired member)', () => {
  it("Bob's signed snapshot claiming Ada's items is refused by Cy's device and reported", async () => {
    const { a, b, c } = await practice();
    const docId = a.practiceIndex().docId;
    const portOf = (v: VaultService): SealingPort => ({
      seal: (input) => v.seal(input),
      openMany: async (envelopes) => v.openMany({ envelopes }),
    });
    const selfOf = async (v: VaultService) => {
      const [r] = v.openMany({ envelopes: [await seal(v, 'me', docId)] });
      if (!r?.ok) throw new Error('self');
      return r.author;
    };
    const openReal = async (v: VaultService) =>
      SealedDoc.open({
        docId,
        port: portOf(v),
        store: await newStore(),
        self: await selfOf(v),
        coalesceMs: 1,
      });
    const ada = await openReal(a);
    new ChartDoc(ada).addEntry('problem', { text: 'Hypertension' }, AT);
    await ada.flush();
    const cy = await openReal(c);
    expect(await cy.receive([...ada.envelopes])).toBe(1);

    const adaClient = ada.ydoc.clientID;
    const adaSigner = ada.signerOf(adaClient)!;
    const state = forgeEntry(Y.encodeStateAsUpdate(ada.ydoc), adaClient, 'Bob, signed');
    const payload = encodeSnapshot({ clients: [row(adaClient, adaSigner)], covers: [] }, state);
    const { envelope } = await b.seal({ docId, generation: 1, kind: 'snapshot', payload });
    expect(c.openMany({ envelopes: [envelope] })[0]?.ok).toBe(true);

    expect(await cy.receive([envelope])).toBe(0);
    expect(new ChartDoc(cy).entries('problem').map((e) => e.fields.text)).toEqual(['Hypertension']);
    expect(codes(cy)).toEqual(['snapshot-unverified']);
  }, 60_000);
});

describe('a local log written before this rule (no format change)', () => {
  it('opens: its own base is taken, a forged snapshot stored mid-generation is refused, nothing is lost', async () => {
    // Ada's device compacted (generation 1), then — under the old code — stored Bob's forged
    // snapshot and a later update of her own in the same generation.
    const store = await newStore();
    const ada = await open(store, ADA, 0);
    const chart = new ChartDoc(ada);
    chart.init({ given: 'Old' });
    chart.addEntry('problem', { text: 'Asthma' }, AT);
    await ada.flush();
    await ada.compact();
    const adaClient = ada.ydoc.clientID;
    const state = forgeEntry(Y.encodeStateAsUpdate(ada.ydoc), 777, 'Bob, stored by old code');
    await store.append(Buffer.from(DOC).toString('base64url'), 1, [
      snapshotEnvelope(
        BOB,
        3,
        { clients: [row(adaClient, ADA), row(777, ADA)], covers: [] },
        state,
      ),
    ]);
    chart.addEntry('problem', { text: 'Eczema' }, AT);
    await ada.close();
    const before = await store.exportAll();

    const again = await open(store, ADA, 100);
    const entries = new ChartDoc(again).entries('problem');
    expect(entries.map((e) => e.fields.text).sort()).toEqual(['Asthma', 'Eczema']);
    expect(entries.every((e) => e.createdBy?.member === ADA.member)).toBe(true);
    expect(codes(again)).toEqual(['snapshot-unverified']);
    expect(again.generation).toBe(1);
    await again.close();
    expect((await store.exportAll()).length).toBe(before.length);
  });

  it("keeps a peer's honest snapshot that the old code stored after the updates it holds", async () => {
    const { ada, cy, cyStore } = await setting();
    await ada.compact();
    expect(await cy.receive([ada.envelopes[0]!])).toBe(1);
    await cy.close();
    const again = await open(cyStore, CY, 60_000);
    expect(again.rejections).toEqual([]);
    expect(new ChartDoc(again).entries('problem')[0]?.createdBy?.member).toBe(ADA.member);
  });
});

describe('honest snapshots', () => {
  it("Ada's own snapshot, sent to Cy, is accepted; Cy's view and provenance are unchanged", async () => {
    const { ada, adaClient, cy } = await setting();
    await ada.compact();
    expect(await cy.receive([...ada.envelopes])).toBe(1);
    expect(cy.rejections).toEqual([]);
    expect(cy.signerOf(adaClient)?.member).toBe(ADA.member);
  });

  it("a snapshot's own items are its signer's (as in an update): accepted before any update", async () => {
    const { ada } = await setting();
    await ada.compact();
    const fresh = await open(await newStore(), CY, 40_000);
    expect(await fresh.receive([ada.envelopes[0]!])).toBe(1);
    expect(fresh.rejections).toEqual([]);
    expect(new ChartDoc(fresh).entries('problem')[0]?.createdBy?.member).toBe(ADA.member);
  });

  it("Bob's snapshot may add his own new items, shown as his", async () => {
    const { ada, cy } = await setting();
    const bobClient = 515151;
    const state = forgeEntry(Y.encodeStateAsUpdate(ada.ydoc), bobClient, 'Bob, as Bob');
    const snap = snapshotEnvelope(
      BOB,
      13,
      { clients: [row(ada.ydoc.clientID, ADA), row(bobClient, BOB)], covers: [] },
      state,
    );
    expect(await cy.receive([snap])).toBe(1);
    const bobs = new ChartDoc(cy).entries('problem').find((e) => e.fields.text === 'Bob, as Bob');
    expect(bobs?.createdBy?.member).toBe(BOB.member);
    expect(cy.rejections).toEqual([]);
  });

  it("items of others that arrive before their authors' updates wait (the signer's own are taken), then the snapshot is accepted", async () => {
    const { ada, cy } = await setting();
    // Cy writes too; Ada receives it and compacts: her snapshot holds Cy's items.
    new ChartDoc(cy).addEntry('problem', { text: 'Asthma' }, AT);
    await cy.flush();
    const cyOwn = cy.envelopes.slice(-1);
    await ada.receive(cyOwn);
    await ada.compact();
    const fresh = await open(await newStore(), BOB, 40_000);
    expect(await fresh.receive([ada.envelopes[0]!])).toBe(0);
    expect(codes(fresh)).toEqual(['snapshot-unverified']);
    // Ada's own items are there already, Cy's are withheld.
    expect(new ChartDoc(fresh).entries('problem').map((e) => e.fields.text)).toEqual([
      'Hypertension',
    ]);
    expect(await fresh.receive(cyOwn)).toBe(2);
    expect(fresh.rejections).toEqual([]);
    const entries = new ChartDoc(fresh).entries('problem');
    expect(Object.fromEntries(entries.map((e) => [e.fields.text, e.createdBy?.member]))).toEqual({
      Hypertension: ADA.member,
      Asthma: CY.member,
    });
  });

  it('after a relay wipe, a new device rebuilds the chart from the compacted devices alone', async () => {
    // Ada and Cy both edit, exchange everything, then both compact (their logs hold only their
    // snapshots); the relay is wiped and refilled by them: the new device gets two snapshots.
    const { ada, cy } = await setting();
    new ChartDoc(cy).addEntry('problem', { text: 'Asthma' }, AT);
    await cy.flush();
    await ada.receive([...cy.envelopes]);
    await ada.compact();
    await cy.compact();
    const fresh = await open(await newStore(), BOB, 70_000);
    await fresh.receive([ada.envelopes[0]!]);
    await fresh.receive([cy.envelopes[0]!]);
    expect(fresh.rejections).toEqual([]);
    const entries = new ChartDoc(fresh).entries('problem');
    expect(Object.fromEntries(entries.map((e) => [e.fields.text, e.createdBy?.member]))).toEqual({
      Hypertension: ADA.member,
      Asthma: CY.member,
    });
  });

  it('within one batch, a snapshot is checked after the updates that came with it', async () => {
    const { ada } = await setting();
    const held = [...ada.envelopes];
    await ada.compact();
    const fresh = await open(await newStore(), CY, 50_000);
    expect(await fresh.receive([ada.envelopes[0]!, ...held])).toBe(held.length + 1);
    expect(fresh.rejections).toEqual([]);
  });
});

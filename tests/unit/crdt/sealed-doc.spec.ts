import 'fake-indexeddb/auto';
import fc from 'fast-check';
import * as Y from 'yjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadSodium, MIN_ARGON2, utf8 } from '../../../src/lib/crypto/index.ts';
import { ChartDoc } from '../../../src/lib/crdt/chart-doc.ts';
import { CrdtError } from '../../../src/lib/crdt/errors.ts';
import type { EnvelopeStore } from '../../../src/lib/crdt/envelope-store.ts';
import { SealedDoc, type SealingPort, type Signer } from '../../../src/lib/crdt/sealed-doc.ts';
import { VaultService } from '../../../src/lib/vault/service.ts';
import { openVaultStore } from '../../../src/lib/vault/store.ts';
import { ADA, BOB, encodeFake, fakePort } from './fake-port.ts';
import { envelopeStores } from './stores.ts';

beforeAll(loadSodium);

let n = 0;
const newStore = envelopeStores('sealed-test');

const DOC = new Uint8Array(16).fill(7);
const DOC_KEY = Buffer.from(DOC).toString('base64url');
const AT = '2026-11-22T10:00:00.000Z';

async function openDoc(store: EnvelopeStore, port: SealingPort, self: Signer = ADA) {
  return SealedDoc.open({ docId: DOC, port, store, self, coalesceMs: 1 });
}

describe('sealed documents with the real vault', () => {
  async function vault() {
    const service = new VaultService({
      store: await openVaultStore(`sealed-vault-${++n}`),
      params: MIN_ARGON2,
    });
    const { session } = await service.createPractice({
      practiceName: 'P',
      memberName: 'Dr. Ada',
      deviceName: 'Laptop',
      passphrase: 'correct horse battery staple',
    });
    const chart = service.createChartKey();
    const port: SealingPort = {
      seal: (input) => service.seal(input),
      openMany: async (envelopes) => service.openMany({ envelopes }),
    };
    const signer = service.openMany({
      envelopes: [
        (
          await service.seal({
            docId: chart.docId,
            generation: 0,
            kind: 'presence',
            payload: utf8('hi'),
          })
        ).envelope,
      ],
    })[0]!;
    if (!signer.ok) throw new Error('self');
    return { service, session, chart, port, self: signer.author };
  }

  it('persists only envelopes, reopens to the same chart, and names the verified author', async () => {
    const { chart, port, self } = await vault();
    const store = await newStore();
    const doc = await SealedDoc.open({ docId: chart.docId, port, store, self, coalesceMs: 1 });
    const chartDoc = new ChartDoc(doc);
    chartDoc.init({ given: 'Wilhelmina', family: 'Quartz' });
    const id = chartDoc.addEntry('problem', { text: 'Hypertension', status: 'active' }, AT);
    chartDoc.text(id, 'note').set('Started on lisinopril');
    await doc.flush();
    const records = await store.exportAll();
    expect(records.length).toBeGreaterThan(0);
    for (const r of records) {
      expect(Buffer.from(r.env).toString('latin1')).not.toMatch(
        /Wilhelmina|Hypertension|lisinopril/,
      );
    }
    await doc.close();

    const again = new ChartDoc(await SealedDoc.open({ docId: chart.docId, port, store, self }));
    expect(again.schemaVersion).toBe(1);
    expect(again.patient()).toEqual({ given: 'Wilhelmina', family: 'Quartz' });
    const [entry] = again.entries('problem');
    expect(entry).toMatchObject({
      fields: { text: 'Hypertension', status: 'active', note: 'Started on lisinopril' },
    });
    expect(entry!.createdBy).toEqual(self);
    expect(entry!.changedBy).toEqual(self);
  });

  it('skips and reports a corrupted envelope; the rest of the chart opens', async () => {
    const { chart, port, self } = await vault();
    const name = `sealed-test-corrupt-${++n}`;
    const store = await newStore(name);
    const doc = await SealedDoc.open({ docId: chart.docId, port, store, self, coalesceMs: 1 });
    const chartDoc = new ChartDoc(doc);
    chartDoc.init({ given: 'A' });
    await doc.flush();
    chartDoc.addEntry('allergy', { substance: 'Penicillin' }, AT);
    await doc.flush();
    await doc.close();
    // Flip a byte inside the second envelope's ciphertext, straight in IndexedDB.
    const db = await new Promise<IDBDatabase>((resolve) => {
      const r = indexedDB.open(name);
      r.onsuccess = () => resolve(r.result);
    });
    await new Promise<void>((resolve) => {
      const tx = db.transaction('envelopes', 'readwrite');
      const cursor = tx.objectStore('envelopes').openCursor();
      let i = 0;
      cursor.onsuccess = () => {
        const c = cursor.result;
        if (!c) return;
        if (i++ === 1) {
          const value = c.value;
          value.env[80] ^= 0xff;
          c.update(value);
        }
        c.continue();
      };
      tx.oncomplete = () => resolve();
    });
    db.close();
    const reopened = await SealedDoc.open({ docId: chart.docId, port, store, self });
    expect(reopened.rejections).toEqual([{ code: 'decrypt-failure', count: 1 }]);
    expect(new ChartDoc(reopened).patient()).toEqual({ given: 'A' });
    expect(new ChartDoc(reopened).entries('allergy')).toEqual([]);
  });
});

describe('sealed document rules', () => {
  it('rejects an update that reuses a clientID bound to another signer', async () => {
    const store = await newStore();
    const ada = await openDoc(store, fakePort(ADA));
    ada.ydoc.getMap('m').set('k', 'ada');
    await ada.flush();
    const adaClient = ada.ydoc.clientID;
    await ada.close();

    // Bob forges an edit with Ada's clientID (a later clock, so Yjs would accept it).
    const forged = new Y.Doc();
    Y.applyUpdate(forged, Y.encodeStateAsUpdate((await openDoc(store, fakePort(ADA))).ydoc));
    forged.clientID = adaClient;
    forged.getMap('m').set('k', 'bob pretending');
    const update = Y.encodeStateAsUpdate(
      forged,
      Y.encodeStateVector((await openDoc(store, fakePort(ADA))).ydoc),
    );
    await store.append(DOC_KEY, 0, [
      encodeFake({
        author: BOB,
        seq: 0,
        kind: 'update',
        generation: 0,
        payload: Buffer.from(update).toString('base64'),
      }),
    ]);
    const doc = await openDoc(store, fakePort(ADA));
    expect(doc.rejections).toEqual([{ code: 'client-id-taken', count: 1 }]);
    expect(doc.ydoc.getMap('m').get('k')).toBe('ada');
  });

  it('drops exact replays silently and rejects equivocation', async () => {
    const store = await newStore();
    const a = new Y.Doc();
    a.getMap('m').set('x', 1);
    const u1 = Y.encodeStateAsUpdate(a);
    const b = new Y.Doc();
    b.getMap('m').set('x', 2);
    const u2 = Y.encodeStateAsUpdate(b);
    const env = (u: Uint8Array, seq: number, who = BOB) =>
      encodeFake({
        author: who,
        seq,
        kind: 'update',
        generation: 0,
        payload: Buffer.from(u).toString('base64'),
      });
    await store.append(DOC_KEY, 0, [env(u1, 5), env(u1, 5), env(u2, 5), new Uint8Array([1, 2, 3])]);
    const doc = await openDoc(store, fakePort(ADA));
    expect(doc.rejections).toEqual([
      { code: 'equivocation', count: 1 },
      { code: 'decrypt-failure', count: 1 },
    ]);
  });

  it('rejects a signed but malformed Yjs update without throwing', async () => {
    const store = await newStore();
    await store.append(DOC_KEY, 0, [
      encodeFake({
        author: BOB,
        seq: 1,
        kind: 'update',
        generation: 0,
        payload: Buffer.from([0xff, 0xff, 0xff]).toString('base64'),
      }),
      encodeFake({ author: BOB, seq: 2, kind: 'snapshot', generation: 1, payload: 'AAAA' }),
    ]);
    const doc = await openDoc(store, fakePort(ADA));
    expect(doc.rejections.map((r) => r.code).sort()).toEqual(['bad-snapshot', 'bad-update']);
  });

  it('compacts into a new generation that keeps content and provenance', async () => {
    const store = await newStore();
    const port = fakePort(ADA);
    const doc = await openDoc(store, port);
    const chart = new ChartDoc(doc);
    chart.init({ given: 'Zed' });
    await doc.flush();
    for (let i = 0; i < 30; i++) {
      chart.addEntry('vital', { code: '8867-4', value: 60 + i }, AT);
      await doc.flush();
    }
    expect(doc.envelopeCount).toBe(31);
    await doc.compact();
    expect(doc.generation).toBe(1);
    expect((await store.exportAll()).map((r) => r.gen)).toEqual([1]);
    chart.addEntry('vital', { code: '8867-4', value: 99 }, AT);
    await doc.close();

    const again = await openDoc(store, fakePort(ADA, 1000));
    const entries = new ChartDoc(again).entries('vital');
    expect(entries).toHaveLength(31);
    expect(entries.every((e) => e.createdBy?.member === ADA.member)).toBe(true);
    expect(again.envelopeCount).toBe(2);
  });

  it('a crash during compaction loses nothing', async () => {
    const store = await newStore();
    const doc = await openDoc(store, fakePort(ADA));
    new ChartDoc(doc).init({ given: 'Crash' });
    await doc.flush();
    await expect(
      doc.compact({
        beforeCommit: () => {
          throw new Error('power cut');
        },
      }),
    ).rejects.toThrow();
    expect((await store.exportAll()).map((r) => r.gen)).toEqual([0]);
    const again = await openDoc(store, fakePort(ADA, 100));
    expect(new ChartDoc(again).patient()).toEqual({ given: 'Crash' });
    expect(again.generation).toBe(0);
  });

  it('keeps an edit in memory when storage is full and writes it once there is room', async () => {
    const real = await newStore();
    let full = true;
    const store: EnvelopeStore = {
      ...real,
      append: async (...args) => {
        if (full) throw new CrdtError('quota-exceeded', 'full');
        return real.append(...args);
      },
    };
    const doc = await openDoc(store, fakePort(ADA));
    new ChartDoc(doc).init({ given: 'Full' });
    await expect(doc.flush()).rejects.toMatchObject({ code: 'quota-exceeded' });
    expect(doc.writeError?.code).toBe('quota-exceeded');
    expect(doc.unsavedChanges).toBe(1);
    full = false;
    await doc.flush();
    expect(doc.unsavedChanges).toBe(0);
    expect(doc.writeError).toBeNull();
    const again = await openDoc(real, fakePort(ADA, 50));
    expect(new ChartDoc(again).patient()).toEqual({ given: 'Full' });
  });

  it('coalesces edits made within the window into one envelope', async () => {
    const store = await newStore();
    const doc = await SealedDoc.open({
      docId: DOC,
      port: fakePort(ADA),
      store,
      self: ADA,
      coalesceMs: 20,
    });
    const chart = new ChartDoc(doc);
    chart.init({ given: 'A' });
    chart.setPatient({ family: 'B' });
    chart.setPatient({ birthDate: '1980-01-01' });
    await new Promise((r) => setTimeout(r, 60));
    expect((await store.exportAll()).length).toBe(1);
    expect(doc.unsavedChanges).toBe(0);
  });
});

describe('receiving envelopes from elsewhere', () => {
  it('stores only verified, new envelopes — once — and tells listeners about local ones', async () => {
    const storeA = await newStore();
    const a = await openDoc(storeA, fakePort(ADA));
    const sealed: Uint8Array[] = [];
    a.onSealed((envs) => sealed.push(...envs));
    new ChartDoc(a).init({ given: 'Shared' });
    await a.flush();
    expect(sealed).toHaveLength(1);
    expect(a.envelopes).toHaveLength(1);

    const storeB = await newStore();
    const b = await openDoc(storeB, fakePort(BOB, 500));
    const junk = encodeFake({
      author: BOB,
      seq: 9,
      kind: 'update',
      generation: 0,
      payload: Buffer.from([255, 255]).toString('base64'),
    });
    expect(await b.receive([sealed[0]!, sealed[0]!, junk, new Uint8Array([1])])).toBe(1);
    expect(await b.receive([sealed[0]!])).toBe(0);
    expect(b.rejections).toEqual([{ code: 'bad-update', count: 1 }]);
    expect((await storeB.exportAll()).length).toBe(1);
    const again = await openDoc(storeB, fakePort(BOB, 600));
    expect(new ChartDoc(again).patient()).toEqual({ given: 'Shared' });
  });
});

describe('convergence (property)', () => {
  it('peers exchanging envelopes in any order, with duplicates, converge to equal state', async () => {
    const signers: Signer[] = [ADA, BOB, { member: 'cy', device: 'cy-d', memberName: 'Cy' }];
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            peer: fc.integer({ min: 0, max: 2 }),
            op: fc.constantFrom('add', 'update', 'text', 'text', 'sync'),
            value: fc.string({ maxLength: 6 }),
            pick: fc.nat(),
          }),
          { minLength: 1, maxLength: 30 },
        ),
        fc.array(fc.nat(), { minLength: 64, maxLength: 64 }),
        async (ops, noise) => {
          const stores = await Promise.all(signers.map(() => newStore()));
          const peers = await Promise.all(
            signers.map((signer, i) =>
              SealedDoc.open({
                docId: DOC,
                port: fakePort(signer, i * 100_000),
                store: stores[i]!,
                self: signer,
                coalesceMs: 1,
              }),
            ),
          );
          const charts = peers.map((p) => new ChartDoc(p));
          const envelopesOf = async (i: number) => (await stores[i]!.exportAll()).map((r) => r.env);
          let k = 0;
          const shuffled = (list: Uint8Array[]) =>
            list
              .flatMap((e) => (noise[k++ % noise.length]! % 4 === 0 ? [e, e] : [e]))
              .map((e) => ({ e, r: noise[k++ % noise.length]! }))
              .sort((a, b) => a.r - b.r)
              .map(({ e }) => e);
          for (const op of ops) {
            const chart = charts[op.peer]!;
            const ids = chart.entries().map((e) => e.id);
            if (op.op === 'sync') {
              const from = (op.peer + 1 + (op.pick % 2)) % 3;
              await peers[op.peer]!.receive(shuffled(await envelopesOf(from)));
            } else if (op.op === 'add' || ids.length === 0) {
              chart.addEntry('note', { title: op.value }, AT, { body: op.value });
            } else if (op.op === 'update') {
              chart.updateEntry(ids[op.pick % ids.length]!, { title: op.value }, AT);
            } else {
              const text = chart.text(ids[op.pick % ids.length]!, 'body');
              const v = text.value();
              const at = op.pick % (v.length + 1);
              text.set(v.slice(0, at) + op.value + v.slice(at + (op.pick % 3)));
            }
            await peers[op.peer]!.flush();
          }
          const everything = (await Promise.all(signers.map((_, i) => envelopesOf(i)))).flat();
          for (const peer of peers) await peer.receive(shuffled(everything));
          const states = peers.map((p) => Buffer.from(Y.encodeStateVector(p.ydoc)).toString('hex'));
          const views = charts.map((c) =>
            JSON.stringify(
              c
                .entries()
                .sort((a, b) => a.id.localeCompare(b.id))
                .map((e) => [e.id, e.fields, e.history.length, e.createdBy?.member]),
            ),
          );
          expect(new Set(states).size).toBe(1);
          expect(new Set(views).size).toBe(1);
          expect(peers.every((p) => p.rejections.length === 0)).toBe(true);
          for (const p of peers) await p.close();
        },
      ),
      { numRuns: 25 },
    );
  });
});

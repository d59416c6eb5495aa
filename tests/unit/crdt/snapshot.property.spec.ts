/**
 * Properties of snapshots (docs/spec/envelope.md §8, §8.1):
 * - the decoder: ≥ 10,000 generated payloads per run; malformed bytes never throw anything but
 *   CrdtError('bad-snapshot'), and SealedDoc refuses them by code without throwing;
 * - random edit histories with compactions: honest snapshots are always accepted (no refusal on
 *   any device, a fresh one included) and every device converges, provenance included.
 */
import 'fake-indexeddb/auto';
import fc from 'fast-check';
import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { ChartDoc } from '../../../src/lib/crdt/chart-doc.ts';
import { CrdtError } from '../../../src/lib/crdt/errors.ts';
import { SealedDoc, type Signer } from '../../../src/lib/crdt/sealed-doc.ts';
import {
  decodeSnapshot,
  encodeSnapshot,
  planSnapshot,
  snapshotEnds,
  withoutClients,
} from '../../../src/lib/crdt/snapshot.ts';
import { ADA, BOB, encodeFake, fakePort } from './fake-port.ts';
import { envelopeStores } from './stores.ts';

const newStore = envelopeStores('snapshot-prop');

const DOC = new Uint8Array(16).fill(5);
const AT = '2026-12-02T10:00:00.000Z';

/** Decodes, and checks against an empty device; only the coded error may escape. */
function decodeOrCode(payload: Uint8Array): 'ok' | 'bad-snapshot' {
  try {
    const snapshot = decodeSnapshot(payload);
    const plan = planSnapshot(
      snapshot,
      'signer',
      () => undefined,
      () => 0,
    );
    withoutClients(snapshot.state, [...snapshotEnds(snapshot.state).keys()].slice(1));
    expect(plan.withheld.length + plan.claimed.length).toBeLessThanOrEqual(
      snapshotEnds(snapshot.state).size,
    );
    return 'ok';
  } catch (error) {
    if (error instanceof CrdtError && error.code === 'bad-snapshot') return 'bad-snapshot';
    throw error;
  }
}

/** A real chart state to mutate. */
function sampleState(): Uint8Array {
  const doc = new Y.Doc();
  doc.getMap('entries').set('e1', { section: 'problem', fields: { text: 'x' }, createdAt: AT });
  doc.getMap('texts').set('e1/note', new Y.Text('hello'));
  doc.getMap('entries').delete('e1');
  return Y.encodeStateAsUpdate(doc);
}

const metaJson = fc.oneof(
  fc.json(),
  fc.record({
    clients: fc.array(
      fc.oneof(
        fc.tuple(fc.integer(), fc.string(), fc.string(), fc.string()),
        fc.array(fc.jsonValue(), { maxLength: 5 }),
        fc.jsonValue(),
      ),
      { maxLength: 4 },
    ),
    covers: fc.array(fc.oneof(fc.tuple(fc.string(), fc.integer()), fc.jsonValue()), {
      maxLength: 4,
    }),
  }),
);

function framed(meta: Uint8Array, state: Uint8Array, version = 1, length = meta.length) {
  const out = new Uint8Array(8 + meta.length + state.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, version);
  view.setUint32(4, length);
  out.set(meta, 8);
  out.set(state, 8 + meta.length);
  return out;
}

describe('snapshot decoder (fuzz)', () => {
  it('arbitrary bytes: decoded or refused with bad-snapshot, never anything else', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 200 }),
          // Past the version word, so the length, meta and state checks are reached.
          fc.uint8Array({ maxLength: 200 }).map((b) => new Uint8Array([0, 0, 0, 1, ...b])),
        ),
        (bytes) => {
          expect(['ok', 'bad-snapshot']).toContain(decodeOrCode(bytes));
        },
      ),
      { numRuns: 4000 },
    );
  });

  it('framed payloads with random meta and random or mutated Yjs state', () => {
    const state = sampleState();
    const goodMeta = new TextEncoder().encode(JSON.stringify({ clients: [], covers: [] }));
    fc.assert(
      fc.property(
        metaJson,
        fc.oneof(
          fc.uint8Array({ maxLength: 80 }),
          // A valid state with a few bytes changed, cut or extended.
          fc
            .tuple(
              fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
              fc.nat(),
            )
            .map(([edits, cut]) => {
              const s = state.slice(0, state.length - (cut % 4));
              for (const [at, v] of edits) s[at % s.length] = v;
              return s;
            }),
        ),
        fc.constantFrom(1, 1, 1, 0, 2),
        fc.integer({ min: -3, max: 3 }),
        fc.boolean(),
        (meta, bytes, version, skew, rawMeta) => {
          const json = rawMeta ? goodMeta : new TextEncoder().encode(JSON.stringify(meta));
          const payload = framed(json, bytes, version, Math.max(0, json.length + skew));
          const outcome = decodeOrCode(payload);
          expect(version === 1 ? ['ok', 'bad-snapshot'] : ['bad-snapshot']).toContain(outcome);
        },
      ),
      { numRuns: 6000 },
    );
  });

  it('honest payloads round-trip', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.string(), fc.string(), fc.string()),
          { maxLength: 5 },
        ),
        fc.array(fc.tuple(fc.string(), fc.integer({ min: -1, max: 2 ** 40 })), { maxLength: 5 }),
        (clients, covers) => {
          const state = sampleState();
          const decoded = decodeSnapshot(encodeSnapshot({ clients, covers }, state));
          expect(decoded.meta).toEqual({ clients, covers });
          expect(decoded.state).toEqual(state);
          expect([...snapshotEnds(decoded.state).values()].every((end) => end > 0)).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('a signed but malformed snapshot is refused by code, never thrown, by a sealed document', async () => {
    const doc = await SealedDoc.open({
      docId: DOC,
      port: fakePort(ADA),
      store: await newStore(),
      self: ADA,
      coalesceMs: 1,
    });
    let seq = 0;
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 120 }), async (bytes) => {
        const env = encodeFake({
          author: BOB,
          seq: seq++,
          kind: 'snapshot',
          generation: 1,
          payload: Buffer.from(bytes).toString('base64'),
        });
        expect(await doc.receive([env])).toBe(0);
      }),
      { numRuns: 50 },
    );
    expect(
      doc.rejections.every((r) => r.code.startsWith('bad-') || r.code.startsWith('snapshot-')),
    ).toBe(true);
    await doc.close();
  });
});

describe('honest snapshots over random edit histories (property)', () => {
  it('are always accepted, and every device — a fresh one, and one after a relay wipe — converges', async () => {
    const signers: Signer[] = [ADA, BOB, { member: 'cy', device: 'cy-d', memberName: 'Cy' }];
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            peer: fc.integer({ min: 0, max: 2 }),
            op: fc.constantFrom('add', 'update', 'text', 'sync', 'sync', 'compact', 'reopen'),
            value: fc.string({ maxLength: 6 }),
            pick: fc.nat(),
          }),
          { minLength: 1, maxLength: 30 },
        ),
        fc.array(fc.nat(), { minLength: 64, maxLength: 64 }),
        async (ops, noise) => {
          const stores = await Promise.all(signers.map(() => newStore()));
          const seqs = signers.map((_, i) => i * 1_000_000);
          const open = async (i: number) => {
            const port = fakePort(signers[i]!, seqs[i]);
            const doc = await SealedDoc.open({
              docId: DOC,
              port,
              store: stores[i]!,
              self: signers[i]!,
              coalesceMs: 1,
            });
            // Everything a device seals goes to the room (the relay keeps every envelope).
            doc.onSealed((envs) => room.push(...envs));
            return { doc, port };
          };
          /** The relay room: every envelope ever offered, snapshots included. */
          const room: Uint8Array[] = [];
          const peers = await Promise.all(signers.map((_, i) => open(i)));
          let k = 0;
          const shuffled = (list: Uint8Array[]) =>
            list
              .flatMap((e) => (noise[k++ % noise.length]! % 4 === 0 ? [e, e] : [e]))
              .map((e) => ({ e, r: noise[k++ % noise.length]! }))
              .sort((a, b) => a.r - b.r)
              .map(({ e }) => e);
          for (const op of ops) {
            const peer = peers[op.peer]!;
            const chart = new ChartDoc(peer.doc);
            const ids = chart.entries().map((e) => e.id);
            if (op.op === 'sync') {
              // A part of the room, in any order (a snapshot may come before its updates).
              const part = room.filter((_, j) => (op.pick >> (j % 24)) & 1);
              await peer.doc.receive(shuffled(part));
            } else if (op.op === 'compact') {
              await peer.doc.compact();
              room.push(peer.doc.envelopes[0]!);
            } else if (op.op === 'reopen') {
              await peer.doc.close();
              seqs[op.peer] = peer.port.seq;
              peers[op.peer] = await open(op.peer);
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
            await peers[op.peer]!.doc.flush();
            seqs[op.peer] = peers[op.peer]!.port.seq;
          }
          const fresh = await SealedDoc.open({
            docId: DOC,
            port: fakePort({ member: 'dee', device: 'dee-d', memberName: 'Dee' }, 9_000_000),
            store: await newStore(),
            self: { member: 'dee', device: 'dee-d', memberName: 'Dee' },
            coalesceMs: 1,
          });
          // A second new device after a relay wipe: only what the devices hold now (their own
          // generation: base snapshot and later envelopes) is offered again.
          const refill = peers.flatMap((p) => [...p.doc.envelopes]);
          const afterWipe = await SealedDoc.open({
            docId: DOC,
            port: fakePort({ member: 'eve', device: 'eve-d', memberName: 'Eve' }, 9_500_000),
            store: await newStore(),
            self: { member: 'eve', device: 'eve-d', memberName: 'Eve' },
            coalesceMs: 1,
          });
          await afterWipe.receive(shuffled(refill));
          const everyone = [...peers.map((p) => p.doc), fresh, afterWipe];
          const snapshots = room.length;
          for (const doc of everyone.slice(0, -1)) await doc.receive(shuffled([...room]));
          expect(room.length).toBe(snapshots);
          const states = everyone.map((d) =>
            Buffer.from(Y.encodeStateVector(d.ydoc)).toString('hex'),
          );
          const views = everyone.map((d) =>
            JSON.stringify(
              new ChartDoc(d)
                .entries()
                .sort((a, b) => a.id.localeCompare(b.id))
                .map((e) => [
                  e.id,
                  e.fields,
                  e.history.map((h) => h.by?.member),
                  e.createdBy?.member,
                ]),
            ),
          );
          expect(everyone.map((d) => d.rejections)).toEqual(everyone.map(() => []));
          expect(new Set(states).size).toBe(1);
          expect(new Set(views).size).toBe(1);
          for (const doc of everyone) await doc.close();
        },
      ),
      { numRuns: 50 },
    );
  });
});

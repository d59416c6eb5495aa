/**
 * Catch-up kept between sessions (catch-up-state.ts) against a model relay: random sequences of
 * local seals (marked or not: a seal just before a lock, or in another tab, is not), writes by
 * other devices, locks, passes cut short, slow rooms, offline passes and relay wipes. After each
 * pass that finished, every chart holds exactly what its relay room holds, with no envelope
 * twice on either side; a pass that follows a quiet one visits exactly the charts touched since.
 */
import 'fake-indexeddb/auto';
import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import * as Y from 'yjs';
import { expect, it } from 'vitest';
import { openEnvelopeStore, type EnvelopeStore } from '../../../src/lib/crdt/envelope-store.ts';
import { envelopeId } from '../../../src/lib/crdt/envelope-id.ts';
import type { TransportDoc } from '../../../src/lib/crdt/transport-doc.ts';
import {
  CatchUp,
  type CatchUpDoc,
  type CatchUpReport,
  type CatchUpStateStore,
} from '../../../src/lib/sync/catch-up.ts';
import type { RelayRoom } from '../../../src/lib/sync/relay-client.ts';

const URL = 'https://relay.test/sync/changes';

/** A relay in memory: rooms of envelopes with change numbers, a change feed, wipes. */
class ModelRelay {
  instance = 'one';
  counter = 0;
  offline = false;
  readonly slow = new Set<string>();
  readonly rooms = new Map<string, { doc: Y.Doc; change: number }>();
  #instances = 0;

  room(name: string) {
    let room = this.rooms.get(name);
    if (!room) this.rooms.set(name, (room = { doc: new Y.Doc(), change: 0 }));
    return room;
  }
  envelopes(name: string): Uint8Array[] {
    return this.room(name).doc.getArray<Uint8Array>('envelopes').toArray();
  }
  write(name: string, envelope: Uint8Array): void {
    const room = this.room(name);
    room.doc.getArray<Uint8Array>('envelopes').push([envelope]);
    room.change = ++this.counter;
  }
  wipe(): void {
    this.rooms.clear();
    this.counter = 0;
    this.instance = `wiped-${++this.#instances}`;
  }

  fetcher: typeof fetch = async (_url, init) => {
    if (this.offline) throw new TypeError('fetch failed');
    const { since, rooms } = JSON.parse(String(init?.body)) as {
      since: number;
      rooms: { room: string }[];
    };
    const changed = rooms
      .map((r) => r.room)
      .filter((r) => (this.rooms.get(r)?.change ?? 0) > since);
    return new Response(JSON.stringify({ instance: this.instance, cursor: this.counter, changed }));
  };

  attach(name: string, transport: TransportDoc): RelayRoom {
    const room = this.room(name);
    Y.applyUpdate(transport.ydoc, Y.encodeStateAsUpdate(room.doc), 'relay');
    const onUpdate = (update: Uint8Array, origin: unknown) => {
      if (origin === 'relay' || this.slow.has(name)) return;
      const before = room.doc.getArray('envelopes').length;
      Y.applyUpdate(room.doc, update, 'relay');
      if (room.doc.getArray('envelopes').length > before) room.change = ++this.counter;
    };
    transport.ydoc.on('update', onUpdate);
    return {
      synced: () => !this.slow.has(name),
      refusal: () => null,
      onChange: () => () => undefined,
      setPresence: () => undefined,
      presence: () => [],
      onPresence: () => () => undefined,
      destroy: () => transport.ydoc.off('update', onUpdate),
    };
  }
}

function envelope(): Uint8Array {
  const bytes = new Uint8Array(96);
  bytes.set(randomBytes(96));
  bytes[0] = 1;
  return bytes;
}

const DOCS: CatchUpDoc[] = Array.from({ length: 5 }, (_, i) => ({
  key: `chart-${i}`,
  docId: new Uint8Array(16).fill(i),
  room: i.toString(16).padStart(32, '0'),
  capability: i.toString(16).padStart(64, '0'),
}));

const ids = (envelopes: Uint8Array[]) => envelopes.map((e) => envelopeId(e)!);

type Op =
  | { t: 'seal'; d: number; marked: boolean }
  | { t: 'elsewhere'; d: number }
  | { t: 'lock' }
  | { t: 'pass' }
  | { t: 'die'; at: number }
  | { t: 'slow'; d: number }
  | { t: 'offline' }
  | { t: 'wipe' };

const doc = fc.integer({ min: 0, max: DOCS.length - 1 });
const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({ t: fc.constant('seal' as const), d: doc, marked: fc.boolean() }),
  },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('elsewhere' as const), d: doc }) },
  { weight: 2, arbitrary: fc.constant({ t: 'lock' as const }) },
  { weight: 4, arbitrary: fc.constant({ t: 'pass' as const }) },
  {
    weight: 3,
    arbitrary: fc.record({ t: fc.constant('die' as const), at: fc.integer({ min: 1, max: 6 }) }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('slow' as const), d: doc }) },
  { weight: 1, arbitrary: fc.constant({ t: 'offline' as const }) },
  { weight: 1, arbitrary: fc.constant({ t: 'wipe' as const }) },
);

let n = 0;

async function world() {
  const relay = new ModelRelay();
  const store: EnvelopeStore = await openEnvelopeStore(`catchup-resume-${++n}`);
  let bytes: Uint8Array | null = null;
  const state: CatchUpStateStore = {
    load: async () => bytes,
    save: async (next) => {
      bytes = next;
    },
  };
  let dieAt = 0;
  let attached = 0;
  const session = () =>
    new CatchUp({
      changesUrl: URL,
      store,
      state,
      fetcher: relay.fetcher,
      batchSize: 2,
      saveEvery: 1,
      timeoutMs: 5,
      pause: async () => undefined,
      attach: (room, _capability, transport) => {
        if (++attached === dieAt) throw new Error('the page was reloaded');
        return relay.attach(room, transport);
      },
      receive: (d, envelopes) => store.append(d.key, 0, envelopes),
    });
  return {
    relay,
    store,
    session,
    die(at: number) {
      attached = 0;
      dieAt = at;
    },
    live() {
      dieAt = 0;
    },
  };
}

/** Each chart's local log and relay room hold the same envelopes, each once. */
async function inStep(w: Awaited<ReturnType<typeof world>>): Promise<void> {
  for (const d of DOCS) {
    const local = ids((await w.store.load(d.key)).envelopes);
    const remote = ids(w.relay.envelopes(d.room));
    expect(new Set(local).size, `${d.key} locally`).toBe(local.length);
    expect(new Set(remote).size, `${d.key} at the relay`).toBe(remote.length);
    expect([...local].sort(), d.key).toEqual([...remote].sort());
  }
}

it('nothing sealed, written elsewhere or due is missed or stored twice, across locks, cut-short passes and wipes', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(op, { maxLength: 25 }), async (ops) => {
      const w = await world();
      let catchUp = w.session();
      // Charts touched since a quiet pass (null: no quiet pass to compare with).
      let touched = null as Set<string> | null;
      const pass = async (): Promise<CatchUpReport> => {
        const report = await catchUp.run(DOCS, () => false);
        if (report.unfinished === 0) {
          await inStep(w);
          if (touched !== null && !report.full) expect(report.visited).toBe(touched.size);
          touched = report.visited === 0 ? new Set() : null;
        } else touched = null;
        return report;
      };
      for (const o of ops) {
        switch (o.t) {
          case 'seal':
            await w.store.append(DOCS[o.d]!.key, 0, [envelope()]);
            if (o.marked) catchUp.markDirty(DOCS[o.d]!.key);
            touched?.add(DOCS[o.d]!.key);
            break;
          case 'elsewhere':
            w.relay.write(DOCS[o.d]!.room, envelope());
            touched?.add(DOCS[o.d]!.key);
            break;
          case 'lock':
            catchUp = w.session();
            break;
          case 'pass':
            await pass();
            break;
          case 'die':
            w.die(o.at);
            await catchUp.run(DOCS, () => false).catch(() => undefined);
            w.live();
            catchUp = w.session();
            touched = null;
            break;
          case 'slow':
            w.relay.slow.add(DOCS[o.d]!.room);
            expect((await catchUp.run(DOCS, () => false)).unfinished).toBeLessThanOrEqual(1);
            w.relay.slow.clear();
            touched = null;
            break;
          case 'offline':
            w.relay.offline = true;
            await expect(catchUp.run(DOCS, () => false)).rejects.toMatchObject({ code: 'offline' });
            w.relay.offline = false;
            break;
          case 'wipe':
            w.relay.wipe();
            touched = null;
            break;
        }
      }
      // Settles: a finished pass brings everything in step; the one after revisits what the
      // last one moved (its own uploads and receipts); then nothing is due, even after a lock.
      expect((await pass()).unfinished).toBe(0);
      await pass();
      catchUp = w.session();
      expect(await pass()).toMatchObject({ full: false, visited: 0 });
      w.store.close();
    }),
    {
      numRuns: 100,
      examples: [
        // Sealed, not marked (the page was locked before the upload), then unlocked.
        [[{ t: 'pass' }, { t: 'seal', d: 1, marked: false }, { t: 'lock' }]],
        // Written elsewhere, then a pass that moved its cursor died before reaching the chart.
        [[{ t: 'pass' }, { t: 'elsewhere', d: 4 }, { t: 'die', at: 1 }]],
        // A full pass (a wiped relay) that died half-way.
        [[{ t: 'seal', d: 0, marked: true }, { t: 'pass' }, { t: 'wipe' }, { t: 'die', at: 3 }]],
      ],
    },
  );
}, 60_000);

it('a pass over thousands of charts gives the main thread back between slices', async () => {
  const relay = new ModelRelay();
  const store = await openEnvelopeStore(`catchup-slices-${++n}`);
  const many: CatchUpDoc[] = Array.from({ length: 2_500 }, (_, i) => ({
    key: `c${i}`,
    docId: new Uint8Array(16),
    room: i.toString(16).padStart(32, '0'),
    capability: i.toString(16).padStart(64, '0'),
  }));
  const counts = [0];
  const catchUp = new CatchUp({
    changesUrl: URL,
    store,
    fetcher: relay.fetcher,
    sliceSize: 1_000,
    pause: async () => void counts.push(0),
    attach: (room, _capability, transport) => {
      counts[counts.length - 1]!++;
      return relay.attach(room, transport);
    },
    receive: (d, envelopes) => store.append(d.key, 0, envelopes),
  });
  // Open charts are skipped: only the scan over every chart runs, in slices of 1,000.
  let asked = 0;
  await catchUp.run(many, () => {
    counts[counts.length - 1]!++;
    asked++;
    return true;
  });
  expect(asked).toBe(2_500);
  expect(counts).toEqual([1_000, 1_000, 500]);
  // 60 closed charts (one batch): attached together, then offered to 25 at a time.
  counts.splice(0, counts.length, 0);
  const report = await catchUp.run(many.slice(0, 60), () => false);
  expect(report.visited).toBe(60);
  expect(counts).toEqual([60, 0, 0]);
  store.close();
});

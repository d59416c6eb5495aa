import 'fake-indexeddb/auto';
import { HocuspocusProviderWebsocket } from '@hocuspocus/provider';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterEach, expect, it } from 'vitest';
import { openEnvelopeStore, type EnvelopeStore } from '../../../src/lib/crdt/envelope-store.ts';
import {
  CatchUp,
  type CatchUpDoc,
  type CatchUpStateStore,
} from '../../../src/lib/sync/catch-up.ts';
import { SyncError } from '../../../src/lib/sync/changes.ts';
import { attachRelayRoom } from '../../../src/lib/sync/relay-client.ts';
import { startRelay, type Relay } from '../../../relay/server.ts';
import { PRACTICE } from '../../kit/practice.ts';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

let n = 0;
async function relayAt(port = 0, dataDir?: string): Promise<{ relay: Relay; dataDir: string }> {
  const root = await mkdtemp(join(tmpdir(), 'folio-catchup-'));
  const dir = dataDir ?? join(root, 'data');
  const relay = await startRelay({
    port,
    host: '127.0.0.1',
    dataDir: dir,
    buildDir: root,
    log: () => {},
  });
  cleanup.push(async () => {
    await relay.close();
    await rm(root, { recursive: true, force: true });
  });
  return { relay, dataDir: dir };
}

/** Envelope-shaped bytes with a random nonce (the relay and catch-up cannot tell them apart). */
function envelope(): Uint8Array {
  const bytes = new Uint8Array(128);
  bytes.set(randomBytes(128));
  bytes[0] = 1;
  return bytes;
}

function doc(i: number): CatchUpDoc {
  const docId = new Uint8Array(16).fill(i);
  return {
    key: Buffer.from(docId).toString('base64url'),
    docId,
    room: i.toString(16).padStart(32, '0'),
    capability: i.toString(16).padStart(64, '0'),
  };
}

/** Where a device keeps catch-up's state between sessions (the vault, in the app). */
function kept(): CatchUpStateStore & { bytes: Uint8Array | null; saves: number } {
  return {
    bytes: null,
    saves: 0,
    async load() {
      return this.bytes;
    },
    async save(state) {
      this.saves++;
      this.bytes = state;
    },
  };
}

/** A device: its own sealed log and catch-up over its own relay socket. */
async function device(
  url: string,
  options: {
    state?: CatchUpStateStore;
    store?: EnvelopeStore;
    batchSize?: number;
    saveEvery?: number;
    /** Attaching room number `n` (counted from 1) throws: the page died (a lock reloads it). */
    dieAt?: number;
  } = {},
) {
  const store: EnvelopeStore = options.store ?? (await openEnvelopeStore(`catchup-${++n}`));
  const socket = new HocuspocusProviderWebsocket({
    url: url.replace('http', 'ws') + '/sync',
    WebSocketPolyfill: WebSocket,
  });
  cleanup.push(() => {
    // A socket that never connected (a device that never ran a pass) throws when destroyed.
    if (attached > 0) socket.destroy();
    else socket.disconnect = () => undefined;
    store.close();
  });
  const received: Uint8Array[] = [];
  let attached = 0;
  const catchUp = new CatchUp({
    changesUrl: url + '/sync/changes',
    store,
    state: options.state,
    batchSize: options.batchSize,
    saveEvery: options.saveEvery,
    attach: (room, capability, transport) => {
      if (++attached === options.dieAt) throw new Error('the page was reloaded');
      return attachRelayRoom({
        url,
        room,
        capability,
        proof: async () => PRACTICE.proof(),
        transport,
        socket,
      });
    },
    receive: async (d, envelopes) => {
      received.push(...envelopes);
      await store.append(d.key, 0, envelopes);
    },
    timeoutMs: 5000,
  });
  const held = async (d: CatchUpDoc) => (await store.load(d.key)).envelopes.length;
  return { store, catchUp, received, held, attachedRooms: () => attached };
}

const none = () => false;

it('brings a device that was never online with the writer up to date, and only what changed after', async () => {
  const { relay } = await relayAt();
  const docs = [doc(1), doc(2), doc(3)];
  const a = await device(relay.url);
  await a.store.append(docs[0]!.key, 0, [envelope(), envelope()]);
  await a.store.append(docs[1]!.key, 0, [envelope()]);

  const first = await a.catchUp.run(docs, none);
  expect(first).toMatchObject({ full: true, visited: 3, uploaded: 3, received: 0, unfinished: 0 });

  const c = await device(relay.url);
  const caught = await c.catchUp.run(docs, none);
  expect(caught).toMatchObject({ full: true, received: 3, uploaded: 0 });
  expect([await c.held(docs[0]!), await c.held(docs[1]!), await c.held(docs[2]!)]).toEqual([
    2, 1, 0,
  ]);

  // A seals one more envelope into doc 2 and marks it: doc 2 is visited and only its new
  // envelope uploaded. (Rooms whose stores of A's first uploads reached the change feed after
  // A's cursor may be revisited — when depends on the relay's store timing — and find nothing.)
  await a.store.append(docs[1]!.key, 0, [envelope()]);
  a.catchUp.markDirty(docs[1]!.key);
  const dirtyPass = await a.catchUp.run(docs, none);
  expect(dirtyPass).toMatchObject({ full: false, uploaded: 1, received: 0 });
  expect(dirtyPass.visited).toBeGreaterThanOrEqual(1);
  expect(dirtyPass.visited).toBeLessThanOrEqual(2);
  // C learns from the change feed that doc 2 changed (after the relay stored it).
  let report = await c.catchUp.run(docs, none);
  for (let i = 0; i < 40 && report.received === 0; i++) {
    await new Promise((r) => setTimeout(r, 50));
    report = await c.catchUp.run(docs, none);
  }
  expect(report).toMatchObject({ full: false, received: 1 });
  expect(await c.held(docs[1]!)).toBe(2);
  // Open documents are left to their live rooms.
  await a.store.append(docs[2]!.key, 0, [envelope()]);
  a.catchUp.markDirty(docs[2]!.key);
  // (A's own uploads show up in the change feed, so a pass may revisit rooms and find nothing.)
  expect(await a.catchUp.run(docs, (key) => key === docs[2]!.key)).toMatchObject({ uploaded: 0 });
  expect(a.catchUp.dirty).toBe(1);
});

it('visits a document no pass has seen yet even if the relay reports no change', async () => {
  const { relay } = await relayAt();
  const a = await device(relay.url);
  await a.catchUp.run([doc(1)], none);
  await a.store.append(doc(2).key, 0, [envelope()]);
  expect(await a.catchUp.run([doc(1), doc(2)], none)).toMatchObject({ visited: 1, uploaded: 1 });
});

it('re-uploads everything after the relay lost its data, and nothing twice otherwise', async () => {
  const first = await relayAt();
  const port = first.relay.port;
  const docs = [doc(1), doc(2)];
  const a = await device(first.relay.url);
  await a.store.append(docs[0]!.key, 0, [envelope(), envelope()]);
  await a.store.append(docs[1]!.key, 0, [envelope()]);
  expect(await a.catchUp.run(docs, none)).toMatchObject({ uploaded: 3 });
  expect(await a.catchUp.run(docs, none)).toMatchObject({ full: false, uploaded: 0 });

  // Restarted with its data: same instance, nothing re-sent.
  await first.relay.close();
  const again = await relayAt(port, first.dataDir);
  expect(await a.catchUp.run(docs, none)).toMatchObject({ full: false, uploaded: 0 });
  await again.relay.close();

  // Wiped: a new instance; A re-uploads all it holds, and a new device gets it all.
  const wiped = await relayAt(port);
  expect(await a.catchUp.run(docs, none)).toMatchObject({ full: true, uploaded: 3 });
  const c = await device(wiped.relay.url);
  expect(await c.catchUp.run(docs, none)).toMatchObject({ received: 3 });
});

it('keeps what is due when the relay cannot be reached', async () => {
  const { relay } = await relayAt();
  const url = relay.url;
  const a = await device(url);
  await relay.close();
  a.catchUp.markDirty(doc(1).key);
  await expect(a.catchUp.run([doc(1)], none)).rejects.toBeInstanceOf(SyncError);
  expect(a.catchUp.dirty).toBe(1);
});

it('the first pass after an unlock visits only what changed, and uploads a chart sealed into just before the lock', async () => {
  const { relay } = await relayAt();
  const docs = Array.from({ length: 12 }, (_, i) => doc(i + 1));
  const state = kept();
  const a = await device(relay.url, { state });
  for (const d of docs) await a.store.append(d.key, 0, [envelope()]);
  expect(await a.catchUp.run(docs, none)).toMatchObject({ full: true, uploaded: 12 });
  // The relay's stores of those uploads may reach the feed after the first pass's cursor.
  let settled = await a.catchUp.run(docs, none);
  for (let i = 0; i < 40 && settled.visited > 0; i++) {
    await new Promise((r) => setTimeout(r, 50));
    settled = await a.catchUp.run(docs, none);
  }
  expect(settled.visited).toBe(0);

  // Sealed into just before the lock: the seal reached the local log, the upload never ran and
  // the in-memory dirty mark died with the page.
  await a.store.append(docs[4]!.key, 0, [envelope()]);
  // Unlocked again: a new catch-up (a new page) over the same log and the kept state.
  const after = await device(relay.url, { state, store: a.store });
  const first = await after.catchUp.run(docs, none);
  expect(first).toMatchObject({ full: false, visited: 1, uploaded: 1, received: 0 });
  expect(after.attachedRooms()).toBe(1);

  const c = await device(relay.url);
  await c.catchUp.run(docs, none);
  expect(await c.held(docs[4]!)).toBe(2);
});

it('a pass cut short by a lock resumes where it stopped: nothing lost, nothing stored twice', async () => {
  const { relay } = await relayAt();
  const docs = Array.from({ length: 20 }, (_, i) => doc(i + 1));
  const state = kept();
  const a = await device(relay.url, { state, batchSize: 4, saveEvery: 1, dieAt: 10 });
  for (const d of docs) await a.store.append(d.key, 0, [envelope(), envelope()]);
  // Dies in its third batch (room 10): two batches (8 charts) were uploaded.
  await expect(a.catchUp.run(docs, none)).rejects.toThrow('the page was reloaded');

  const again = await device(relay.url, { state, store: a.store, batchSize: 4 });
  const resumed = await again.catchUp.run(docs, none);
  // The pass that died was a full one: resuming finishes it (full again is a fresh refill; this
  // one is not), visiting the 12 charts not done and those the feed reports from the 8 uploads.
  expect(resumed).toMatchObject({ full: false, uploaded: 24, received: 0, unfinished: 0 });
  expect(resumed.visited).toBeGreaterThanOrEqual(12);
  expect(resumed.visited).toBeLessThanOrEqual(20);

  const c = await device(relay.url);
  expect(await c.catchUp.run(docs, none)).toMatchObject({ received: 40 });
  for (const d of docs) expect(await c.held(d)).toBe(2);
});

it('refills a relay wiped while locked, and one whose change number went back, from kept state', async () => {
  const first = await relayAt();
  const port = first.relay.port;
  const docs = [doc(1), doc(2), doc(3)];
  const state = kept();
  const a = await device(first.relay.url, { state });
  for (const d of docs) await a.store.append(d.key, 0, [envelope()]);
  expect(await a.catchUp.run(docs, none)).toMatchObject({ full: true, uploaded: 3 });
  await first.relay.close();

  // Wiped while this device was locked: a new instance, so a full pass that re-uploads all.
  const wiped = await relayAt(port);
  const b = await device(wiped.relay.url, { state, store: a.store });
  expect(await b.catchUp.run(docs, none)).toMatchObject({ full: true, uploaded: 3 });

  // The relay answers with a change number below the kept cursor (restored from an older copy
  // under the same instance): the cursor means nothing there, so everything is visited.
  const bytes = JSON.parse(new TextDecoder().decode(state.bytes!)) as { cursor: number };
  state.bytes = new TextEncoder().encode(JSON.stringify({ ...bytes, cursor: bytes.cursor + 1000 }));
  const c = await device(wiped.relay.url, { state, store: a.store });
  expect(await c.catchUp.run(docs, none)).toMatchObject({ full: true, visited: 3, uploaded: 0 });
});

it('kept state that does not parse, or was kept for another relay, means a full pass', async () => {
  const { relay } = await relayAt();
  const docs = [doc(1), doc(2)];
  const state = kept();
  const a = await device(relay.url, { state });
  await a.store.append(docs[0]!.key, 0, [envelope()]);
  await a.catchUp.run(docs, none);
  const good = state.bytes!;

  state.bytes = new TextEncoder().encode('{"v":1,"relay":');
  const b = await device(relay.url, { state, store: a.store });
  expect(await b.catchUp.run(docs, none)).toMatchObject({ full: true, visited: 2 });

  const other = JSON.parse(new TextDecoder().decode(good)) as Record<string, unknown>;
  state.bytes = new TextEncoder().encode(JSON.stringify({ ...other, relay: 'https://elsewhere' }));
  const c = await device(relay.url, { state, store: a.store });
  expect(await c.catchUp.run(docs, none)).toMatchObject({ full: true, visited: 2 });
});

it('a local log that went back (a new local database) means a full pass', async () => {
  const { relay } = await relayAt();
  const docs = [doc(1), doc(2)];
  const state = kept();
  const a = await device(relay.url, { state });
  for (let i = 0; i < 5; i++) await a.store.append(docs[0]!.key, 0, [envelope()]);
  await a.catchUp.run(docs, none);
  // A fresh database (fewer records than the kept position) holding one new envelope.
  const b = await device(relay.url, { state });
  await b.store.append(docs[1]!.key, 0, [envelope()]);
  expect(await b.catchUp.run(docs, none)).toMatchObject({ full: true, uploaded: 1, received: 5 });
});

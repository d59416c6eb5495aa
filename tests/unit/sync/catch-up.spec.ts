import 'fake-indexeddb/auto';
import { HocuspocusProviderWebsocket } from '@hocuspocus/provider';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterEach, expect, it } from 'vitest';
import { openEnvelopeStore, type EnvelopeStore } from '../../../src/lib/crdt/envelope-store.ts';
import { CatchUp, type CatchUpDoc } from '../../../src/lib/sync/catch-up.ts';
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

/** A device: its own sealed log and catch-up over its own relay socket. */
async function device(url: string) {
  const store: EnvelopeStore = await openEnvelopeStore(`catchup-${++n}`);
  const socket = new HocuspocusProviderWebsocket({
    url: url.replace('http', 'ws') + '/sync',
    WebSocketPolyfill: WebSocket,
  });
  cleanup.push(() => {
    socket.destroy();
    store.close();
  });
  const received: Uint8Array[] = [];
  const catchUp = new CatchUp({
    changesUrl: url + '/sync/changes',
    store,
    attach: (room, capability, transport) =>
      attachRelayRoom({
        url,
        room,
        capability,
        proof: async () => PRACTICE.proof(),
        transport,
        socket,
      }),
    receive: async (d, envelopes) => {
      received.push(...envelopes);
      await store.append(d.key, 0, envelopes);
    },
    timeoutMs: 5000,
  });
  const held = async (d: CatchUpDoc) => (await store.load(d.key)).envelopes.length;
  return { store, catchUp, received, held };
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

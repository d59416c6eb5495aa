/**
 * Issue 11 item 7: the relay resists anonymous abuse. Every case is bounded and on loopback:
 * nothing is queued for a room before it is authenticated, a small pre-auth frame limit, caps per
 * client (remote address) on sockets and rooms, and one message budget per socket (not per room).
 */
import * as encoding from 'lib0/encoding';
import * as decoding from 'lib0/decoding';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { afterEach, expect, it } from 'vitest';
import { startTestRelay, until, type TestRelay } from './helpers.ts';
import { RawClient, SYNC, TYPE, authFrame, env, frame, roomClosed, syncFrame } from './frames.ts';
import { PRACTICE, testPractice } from '../../kit/practice.ts';

let server: TestRelay | undefined;
const sockets: { terminate(): void }[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.terminate();
  await server?.stop();
  server = undefined;
});

/** A room token: the capability and a practice proof. */
const CAP = PRACTICE.token('b'.repeat(64));
const room = (i: number) => i.toString(16).padStart(32, '0');
const step1 = (name: string) =>
  frame(name, (e) => {
    encoding.writeVarUint(e, TYPE.sync);
    encoding.writeVarUint(e, SYNC.step1);
    encoding.writeVarUint8Array(e, Y.encodeStateVector(new Y.Doc()));
  });

function raw(): RawClient {
  const c = new RawClient(server!.relay.url);
  sockets.push(c);
  return c;
}

/** Sync step 2 answers the relay sent for `name` (one per sync step 1 it handled). */
function answers(c: RawClient, name: string): number {
  return c.received.filter((m) => {
    const d = decoding.createDecoder(m);
    if (decoding.readVarString(d) !== name) return false;
    const type = decoding.readVarUint(d);
    return (
      (type === TYPE.sync || type === TYPE.syncReply) && decoding.readVarUint(d) === SYNC.step2
    );
  }).length;
}

it('queues nothing for a room before it is authenticated (beyond a few opening frames)', async () => {
  server = await startTestRelay();
  const c = raw();
  await c.opened;
  for (let i = 0; i < 200; i++) c.send(step1(room(1)));
  c.send(authFrame(room(1), CAP));
  await until(() => c.authOutcome(room(1)) !== null || c.closed !== null);
  if (c.closed === null) {
    // A marker after authentication: every frame before it has been handled when it is answered.
    const before = answers(c, room(1));
    c.send(step1(room(1)));
    await until(() => answers(c, room(1)) > before || c.closed !== null);
  }
  expect(answers(c, room(1))).toBeLessThanOrEqual(5);
});

it('closes a socket that keeps sending frames for rooms it never authenticated', async () => {
  server = await startTestRelay();
  const c = raw();
  await c.opened;
  for (let i = 0; i < 300; i++) c.send(step1(room(i)));
  await until(() => c.closed !== null);
  expect(c.closed!.code).toBe(1008);
});

it('limits the size of frames before anything is authenticated', async () => {
  server = await startTestRelay();
  const c = raw();
  await c.opened;
  c.send(syncFrame(room(1), TYPE.sync, SYNC.update, new Uint8Array(200 * 1024)));
  await until(() => c.closed !== null);
  expect(c.closed!.code).toBe(1009);
  // After authenticating, a large (envelope-sized) frame is fine.
  const ok = raw();
  await ok.authenticate(room(2), CAP);
  const doc = new Y.Doc();
  const big = new Uint8Array(300 * 1024).fill(7);
  big[0] = 1;
  doc.getArray('envelopes').push([big, env(2)]);
  ok.send(syncFrame(room(2), TYPE.sync, SYNC.update, Y.encodeStateAsUpdate(doc)));
  await until(() => ok.acks(room(2)) > 0 || ok.closed !== null);
  expect(ok.closed).toBeNull();
});

it('keeps one message budget per socket, however many rooms it opens', async () => {
  server = await startTestRelay({}, {}, { ratePerSecond: 1, burst: 30 });
  const c = raw();
  for (let i = 0; i < 10; i++) await c.authenticate(room(i), CAP);
  // 10 rooms × 4 frames: within each room's share of a per-room budget, over the socket's.
  for (let n = 0; n < 4; n++) for (let i = 0; i < 10; i++) c.send(step1(room(i)));
  await until(
    () =>
      c.closed !== null || [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].every((i) => answers(c, room(i)) >= 4),
  );
  expect(server.logs.some((l) => l.includes('rate-limited'))).toBe(true);
});

async function upgrade(path: string): Promise<number | 'open'> {
  const ws = new WebSocket(server!.relay.url.replace('http', 'ws') + path);
  sockets.push(ws);
  return new Promise((resolve) => {
    ws.once('open', () => resolve('open'));
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('error', () => resolve(0));
  });
}

it('caps the sockets one client (address) may hold on /sync and on /signal', async () => {
  server = await startTestRelay({ connectionsPerClient: 2 }, {}, { socketsPerClient: 3 });
  const sync = [await upgrade('/sync'), await upgrade('/sync'), await upgrade('/sync')];
  expect(sync).toEqual(['open', 'open', 'open']);
  expect(await upgrade('/sync')).toBe(429);
  expect([await upgrade('/signal'), await upgrade('/signal')]).toEqual(['open', 'open']);
  expect(await upgrade('/signal')).toBe(429);
  // Closing one frees its place (the close reaches the relay a little later).
  sockets[0]!.terminate();
  let again: number | 'open' = 429;
  for (let i = 0; i < 50 && again !== 'open'; i++) again = await upgrade('/sync');
  expect(again).toBe('open');
});

it('caps the rooms one client (address) may have open across its sockets', async () => {
  server = await startTestRelay({}, {}, { roomsPerClient: 3 });
  const a = raw();
  const b = raw();
  await a.authenticate(room(1), CAP);
  await a.authenticate(room(2), CAP);
  await b.authenticate(room(3), CAP);
  await b.opened;
  b.send(authFrame(room(4), CAP));
  await until(() => b.authOutcome(room(4)) !== null);
  expect(b.authOutcome(room(4))).toBe('denied');
  // Closing a room frees its place.
  a.send(
    frame(room(1), (e) => {
      encoding.writeVarUint(e, TYPE.close);
      encoding.writeVarString(e, 'bye');
    }),
  );
  await until(() => roomClosed(a, room(1)));
  let opened = false;
  for (let i = 0; i < 100 && !opened; i++) {
    const c = raw();
    await c.opened;
    c.send(authFrame(room(5), CAP));
    await until(() => c.authOutcome(room(5)) !== null);
    opened = c.authOutcome(room(5)) === 'authenticated';
  }
  expect(opened).toBe(true);
});

it('caps the rooms one connection may open even when it asks for many at once', async () => {
  // Authorization may wait (limits counted in Redis with FOLIO_REDIS_URL): rooms asked for in one
  // burst must not all pass the cap before any of them is counted.
  server = await startTestRelay({}, {}, { roomsPerConnection: 3 });
  const c = raw();
  await c.opened;
  for (let i = 0; i < 12; i++) c.send(authFrame(room(100 + i), CAP));
  await until(() =>
    Array.from({ length: 12 }, (_, i) => c.authOutcome(room(100 + i))).every(Boolean),
  );
  const outcomes = Array.from({ length: 12 }, (_, i) => c.authOutcome(room(100 + i)));
  expect(outcomes.filter((o) => o === 'authenticated')).toHaveLength(3);
});

it('rate-limits the rooms one client (address) may create, not the rooms it reopens', async () => {
  server = await startTestRelay({}, {}, { roomCreationBurst: 3, roomCreationsPerMinute: 1 });
  const c = raw();
  for (let i = 0; i < 3; i++) await c.authenticate(room(i), CAP);
  await c.opened;
  c.send(authFrame(room(9), CAP));
  await until(() => c.authOutcome(room(9)) !== null);
  expect(c.authOutcome(room(9))).toBe('denied');
  // Existing rooms open as before, from another socket.
  const d = raw();
  await d.authenticate(room(1), CAP);
});

it('caps the pairing mailboxes one client (address) may hold, so it cannot fill them for everyone', async () => {
  server = await startTestRelay({}, { mailboxesPerClient: 3 });
  const put = (i: number) =>
    fetch(`${server!.relay.url}/pair/${room(i)}`, {
      method: 'PUT',
      headers: testPractice().headers(),
      body: JSON.stringify({ ownerHash: 'c'.repeat(64) }),
    });
  const statuses: number[] = [];
  for (let i = 0; i < 5; i++) statuses.push((await put(i)).status);
  expect(statuses).toEqual([201, 201, 201, 429, 429]);
});

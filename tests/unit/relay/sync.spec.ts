import { HocuspocusProvider, HocuspocusProviderWebsocket } from '@hocuspocus/provider';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { afterEach, expect, it } from 'vitest';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openRoomStore } from '../../../relay/store.ts';
import { PRACTICE } from '../../kit/practice.ts';
import { startTestRelay, until, type TestRelay } from './helpers.ts';

let server: TestRelay;
const cleanup: (() => void)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0)) fn();
  await server?.stop();
});

const ROOM = 'a'.repeat(32);
const CAP = 'b'.repeat(64);

/** Envelope-shaped bytes (version 1, long enough); the relay cannot tell them from real ones. */
function env(tag: number): Uint8Array {
  const bytes = new Uint8Array(96).fill(tag);
  bytes[0] = 1;
  return bytes;
}

function openSocket() {
  return new HocuspocusProviderWebsocket({
    url: server.relay.url.replace('http', 'ws') + '/sync',
    WebSocketPolyfill: WebSocket,
  });
}

/** Opens `room` with `capability` and a fresh practice proof (a raw token when `raw`). */
function connect(capability: string, room = ROOM, socket = openSocket(), raw = false) {
  const token = raw ? capability : PRACTICE.token(capability);
  const doc = new Y.Doc();
  const state = { failed: '', synced: false };
  const provider = new HocuspocusProvider({
    websocketProvider: socket,
    name: room,
    document: doc,
    token,
    onAuthenticationFailed: ({ reason }) => (state.failed = reason),
    onSynced: () => (state.synced = true),
  });
  (provider as unknown as { attach?: () => void }).attach?.();
  cleanup.push(() => {
    provider.destroy();
    socket.destroy();
  });
  return { doc, state, provider };
}

it('stores a room for later devices and refuses writers without its capability', async () => {
  server = await startTestRelay();
  const first = connect(CAP);
  await until(() => first.state.synced);
  first.doc.getArray<Uint8Array>('envelopes').push([env(3)]);
  await until(() => !first.provider.hasUnsyncedChanges);

  const later = connect(CAP);
  await until(() => later.state.synced);
  await until(() => later.doc.getArray('envelopes').length === 1);
  expect(later.doc.getArray<Uint8Array>('envelopes').get(0)).toEqual(env(3));

  const intruder = connect('c'.repeat(64));
  await until(() => intruder.state.failed !== '');
  expect(intruder.state.failed).toBe('forbidden');
  const malformed = connect('not-a-capability', 'not-a-room', openSocket(), true);
  await until(() => malformed.state.failed !== '');
});

it('survives garbage frames from one socket and keeps serving others', async () => {
  server = await startTestRelay();
  const raw = new WebSocket(server.relay.url.replace('http', 'ws') + '/sync');
  await new Promise((resolve) => raw.once('open', resolve));
  raw.send(Buffer.from([0xff, 0x00, 0x13, 0x37]));
  raw.send('not yjs at all');
  const good = connect(CAP);
  await until(() => good.state.synced);
  expect(good.state.failed).toBe('');
  raw.terminate();
});

it('refuses updates that delete envelopes: the stored room keeps them', async () => {
  server = await startTestRelay();
  const writer = connect(CAP);
  await until(() => writer.state.synced);
  const list = writer.doc.getArray<Uint8Array>('envelopes');
  list.push([env(1), env(2)]);
  await until(() => !writer.provider.hasUnsyncedChanges);
  list.delete(0, 1);
  await until(() => server.logs.some((l) => l.includes('"reason":"delete"')));
  const reader = connect(CAP);
  await until(() => reader.state.synced);
  await until(() => reader.doc.getArray('envelopes').length === 2);
  expect(reader.doc.getArray('envelopes').length).toBe(2);
});

it('caps the rooms one device connection may open and its message rate', async () => {
  server = await startTestRelay({}, {}, { roomsPerConnection: 2 });
  const socket = openSocket();
  const one = connect(CAP, 'a'.repeat(32), socket);
  const two = connect(CAP, 'b'.repeat(32), socket);
  await until(() => one.state.synced && two.state.synced);
  const three = connect(CAP, 'c'.repeat(32), socket);
  await until(() => three.state.failed !== '');
  expect(three.state.failed).toBe('too-many-rooms');
  // Another device has its own allowance.
  const other = connect(CAP, 'c'.repeat(32));
  await until(() => other.state.synced);
  expect(other.state.failed).toBe('');
});

it('closes a connection that floods the relay, not the others', async () => {
  server = await startTestRelay({}, {}, { ratePerSecond: 5, burst: 10 });
  const flood = connect(CAP);
  await until(() => flood.state.synced);
  const list = flood.doc.getArray<Uint8Array>('envelopes');
  for (let i = 0; i < 40; i++) list.push([env(i)]);
  await until(() => server.logs.some((l) => l.includes('rate-limited')));
  const calm = connect(CAP);
  await until(() => calm.state.synced);
  expect(calm.state.failed).toBe('');
});

it('refuses anything but envelope-shaped binaries in the envelopes array', async () => {
  server = await startTestRelay();
  const cases: ((doc: Y.Doc) => void)[] = [
    (doc) => doc.getArray('envelopes').push(['plain text']),
    (doc) => doc.getArray('envelopes').push([new Uint8Array(10).fill(1)]),
    (doc) => doc.getArray('envelopes').push([new Uint8Array(96).fill(9)]),
    (doc) => doc.getMap('other').set('k', env(1)),
    (doc) => doc.getArray('envelopes').push([new Y.Map()]),
    (doc) => doc.getText('envelopes').insert(0, 'x'),
  ];
  for (const [i, write] of cases.entries()) {
    const before = server.logs.filter((l) => l.includes('not-envelope')).length;
    const room = i.toString(16).padStart(32, '0');
    const writer = connect(CAP, room);
    await until(() => writer.state.synced);
    write(writer.doc);
    await until(() => server.logs.filter((l) => l.includes('not-envelope')).length > before);
    const reader = connect(CAP, room);
    await until(() => reader.state.synced);
    expect(Y.encodeStateVector(reader.doc)).toEqual(Y.encodeStateVector(new Y.Doc()));
  }
  // A well-formed envelope still passes.
  const good = connect(CAP, 'f'.repeat(32));
  await until(() => good.state.synced);
  good.doc.getArray<Uint8Array>('envelopes').push([env(7)]);
  await until(() => !good.provider.hasUnsyncedChanges);
});

/** Rooms as the change feed wants them: each with its capability (the proof of holding it). */
const held = (...rooms: (string | undefined)[]) =>
  rooms.map((room) => ({ room: room ?? '', capability: CAP }));

async function changes(body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(server.relay.url + '/sync/changes', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: res.status === 200 ? await res.json() : await res.text() };
}

it("reports which of a device's rooms changed since a cursor (the catch-up feed)", async () => {
  server = await startTestRelay();
  const [a, b, c] = ['a', 'b', 'c'].map((x) => x.repeat(32));
  const empty = await changes({ since: 0, rooms: held(a, b, c) });
  expect(empty.body).toMatchObject({ cursor: 0, changed: [] });
  const { instance } = empty.body as { instance: string };
  expect(instance).toMatch(/^[0-9a-f]{32}$/);

  const writerA = connect(CAP, a);
  await until(() => writerA.state.synced);
  writerA.doc.getArray<Uint8Array>('envelopes').push([env(1)]);
  await until(() => !writerA.provider.hasUnsyncedChanges);
  let first = await changes({ since: 0, rooms: held(a, b, c) });
  for (let i = 0; i < 50 && (first.body as { changed: string[] }).changed.length === 0; i++) {
    await new Promise((r) => setTimeout(r, 50));
    first = await changes({ since: 0, rooms: held(a, b, c) });
  }
  expect(first.body).toMatchObject({ instance, changed: [a] });
  const cursor = (first.body as { cursor: number }).cursor;
  expect(cursor).toBeGreaterThan(0);

  // Nothing new since the cursor; a device that only reads does not count as a change.
  const reader = connect(CAP, a);
  await until(() => reader.state.synced);
  reader.provider.destroy();

  // A room another device does not name is never reported to it. B's change, written after the
  // reader left, is the marker: once it is in the feed, a store caused by the reader would be too.
  const writerB = connect(CAP, b);
  await until(() => writerB.state.synced);
  writerB.doc.getArray<Uint8Array>('envelopes').push([env(2)]);
  await until(() => !writerB.provider.hasUnsyncedChanges);
  let later = await changes({ since: cursor, rooms: held(b) });
  for (let i = 0; i < 50 && (later.body as { changed: string[] }).changed.length === 0; i++) {
    await new Promise((r) => setTimeout(r, 50));
    later = await changes({ since: cursor, rooms: held(b) });
  }
  expect(later.body).toMatchObject({ changed: [b] });
  // Nothing new in A's room (the reader only read) nor in C's.
  expect((await changes({ since: cursor, rooms: held(a, c) })).body).toMatchObject({ changed: [] });
});

it('refuses malformed, oversized and cross-origin change queries', async () => {
  server = await startTestRelay();
  expect((await changes('{not json')).status).toBe(400);
  expect((await changes({ since: -1, rooms: [] })).status).toBe(400);
  expect((await changes({ since: 0, rooms: [{ room: 'nope', capability: CAP }] })).status).toBe(
    400,
  );
  expect(
    (await changes({ since: 0, rooms: held(...Array<string>(20_001).fill('a'.repeat(32))) }))
      .status,
  ).toBe(413);
  expect((await changes('x'.repeat(3 * 1024 * 1024 + 1))).status).toBe(413);
  expect((await changes({ since: 0, rooms: [] }, { origin: 'https://evil.example' })).status).toBe(
    403,
  );
  const get = await fetch(server.relay.url + '/sync/changes');
  expect(get.status).toBe(405);
});

it('keeps its instance id across restarts and gets a new one when its data folder is wiped', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'folio-store-'));
  try {
    const first = openRoomStore(dir);
    first.store('a'.repeat(32), env(1));
    const { instance, cursor } = first.changes([], 0);
    first.store('a'.repeat(32), env(1)); // same bytes: not a change
    expect(first.changes([], 0).cursor).toBe(cursor);
    first.close();
    const again = openRoomStore(dir);
    expect(again.changes(['a'.repeat(32)], 0)).toEqual({
      instance,
      cursor,
      changed: ['a'.repeat(32)],
    });
    again.close();
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir);
    const wiped = openRoomStore(dir);
    expect(wiped.changes(['a'.repeat(32)], 0).instance).not.toBe(instance);
    expect(wiped.changes(['a'.repeat(32)], 0).changed).toEqual([]);
    wiped.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

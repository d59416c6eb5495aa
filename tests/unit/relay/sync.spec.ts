import { HocuspocusProvider, HocuspocusProviderWebsocket } from '@hocuspocus/provider';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { afterEach, expect, it } from 'vitest';
import { startTestRelay, until, type TestRelay } from './helpers.ts';

let server: TestRelay;
const cleanup: (() => void)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0)) fn();
  await server?.stop();
});

const ROOM = 'a'.repeat(32);
const CAP = 'b'.repeat(64);

function openSocket() {
  return new HocuspocusProviderWebsocket({
    url: server.relay.url.replace('http', 'ws') + '/sync',
    WebSocketPolyfill: WebSocket,
  });
}

function connect(token: string, room = ROOM, socket = openSocket()) {
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
  first.doc.getArray<Uint8Array>('envelopes').push([new Uint8Array([1, 2, 3])]);
  await until(() => !first.provider.hasUnsyncedChanges);

  const later = connect(CAP);
  await until(() => later.state.synced);
  await until(() => later.doc.getArray('envelopes').length === 1);
  expect(later.doc.getArray<Uint8Array>('envelopes').get(0)).toEqual(new Uint8Array([1, 2, 3]));

  const intruder = connect('c'.repeat(64));
  await until(() => intruder.state.failed !== '');
  expect(intruder.state.failed).toBe('forbidden');
  const malformed = connect('not-a-capability', 'not-a-room');
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
  list.push([new Uint8Array([1]), new Uint8Array([2])]);
  await until(() => !writer.provider.hasUnsyncedChanges);
  list.delete(0, 1);
  await new Promise((r) => setTimeout(r, 300));
  expect(server.logs.some((l) => l.includes('delete-or-malformed'))).toBe(true);
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
  for (let i = 0; i < 40; i++) list.push([new Uint8Array([i])]);
  await until(() => server.logs.some((l) => l.includes('rate-limited')));
  const calm = connect(CAP);
  await until(() => calm.state.synced);
  expect(calm.state.failed).toBe('');
});

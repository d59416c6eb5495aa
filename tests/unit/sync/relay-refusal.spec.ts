import { HocuspocusProviderWebsocket } from '@hocuspocus/provider';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterEach, expect, it } from 'vitest';
import { TransportDoc } from '../../../src/lib/crdt/transport-doc.ts';
import { attachRelayRoom, RELAY_REFUSALS } from '../../../src/lib/sync/relay-client.ts';
import { startRelay, type RelayOptions } from '../../../relay/server.ts';
import { PRACTICE, testPractice } from '../../kit/practice.ts';
import { until } from '../relay/helpers.ts';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

function envelope(size: number): Uint8Array {
  const bytes = new Uint8Array(randomBytes(size));
  bytes[0] = 2;
  return bytes;
}

/** A relay and one room attached to it through the app's relay client. */
async function roomOn(
  options: Pick<RelayOptions, 'syncLimits' | 'practiceLimits'>,
  proof: () => Promise<string> = async () => PRACTICE.proof(),
) {
  const root = await mkdtemp(join(tmpdir(), 'folio-refusal-'));
  const relay = await startRelay({
    port: 0,
    host: '127.0.0.1',
    dataDir: join(root, 'data'),
    buildDir: root,
    log: () => {},
    ...options,
  });
  const socket = new HocuspocusProviderWebsocket({
    url: relay.url.replace('http', 'ws') + '/sync',
    WebSocketPolyfill: WebSocket,
  });
  const transport = new TransportDoc();
  const room = attachRelayRoom({
    url: relay.url,
    room: 'a'.repeat(32),
    capability: 'b'.repeat(64),
    proof,
    transport,
    socket,
    presence: false,
  });
  cleanup.push(async () => {
    room.destroy();
    socket.destroy();
    transport.destroy();
    await relay.close();
    await rm(root, { recursive: true, force: true });
  });
  return { room, transport };
}

it('a room the relay closes for its storage quota reports why, in words for the status', async () => {
  const { room, transport } = await roomOn({ syncLimits: { roomQuotaBytes: 4096 } });
  await until(() => room.synced());
  expect(room.refusal()).toBeNull();
  transport.offer([envelope(512)]);
  await until(() => room.synced());
  expect(room.refusal()).toBeNull();

  transport.offer([envelope(8192)]); // past the room's 4 KiB quota
  await until(() => room.refusal() !== null);
  expect(room.refusal()).toBe('quota-exceeded');
  expect(RELAY_REFUSALS['quota-exceeded']).toMatch(/storage .* is full/);
});

it("a practice past its storage quota is told so, in the same words as a room's", async () => {
  // 1 KiB of overhead per room plus the first envelope fits; the next does not.
  const { room, transport } = await roomOn({ practiceLimits: { quotaBytes: 4096 } });
  await until(() => room.synced());
  transport.offer([envelope(512)]);
  await until(() => room.synced());
  expect(room.refusal()).toBeNull();
  transport.offer([envelope(8192)]);
  await until(() => room.refusal() !== null);
  expect(room.refusal()).toBe('quota-exceeded');
});

it('a room refused for its practice proof says why (a device clock hours off)', async () => {
  const hoursAgo = Date.now() - 5 * 3600_000;
  const { room } = await roomOn({}, async () => PRACTICE.proof(hoursAgo));
  await until(() => room.refusal() !== null);
  expect(room.refusal()).toBe('practice-proof');
  expect(room.synced()).toBe(false);
  expect(RELAY_REFUSALS['practice-proof']).toMatch(/date and time/);
});

it('a relay that lists its practices tells any other practice how to be admitted', async () => {
  const { room } = await roomOn({ practiceLimits: { allow: [testPractice().id] } });
  await until(() => room.refusal() !== null);
  expect(room.refusal()).toBe('practice-not-admitted');
  expect(RELAY_REFUSALS['practice-not-admitted']).toMatch(/relay id/);
});

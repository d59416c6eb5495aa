import { HocuspocusProviderWebsocket } from '@hocuspocus/provider';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterEach, expect, it } from 'vitest';
import { TransportDoc } from '../../../src/lib/crdt/transport-doc.ts';
import { attachRelayRoom, RELAY_REFUSALS } from '../../../src/lib/sync/relay-client.ts';
import { startRelay } from '../../../relay/server.ts';
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

it('a room the relay closes for its storage quota reports why, in words for the status', async () => {
  const root = await mkdtemp(join(tmpdir(), 'folio-refusal-'));
  const relay = await startRelay({
    port: 0,
    host: '127.0.0.1',
    dataDir: join(root, 'data'),
    buildDir: root,
    log: () => {},
    syncLimits: { roomQuotaBytes: 4096 },
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

/**
 * Issue 14 item 3: several relay processes behind one address share rooms through Redis (the
 * Hocuspocus Redis extension) and one SQLite file; signaling fans out across them. Against a real
 * `redis-server` on loopback (Debian package; .ci/run installs it). Devices attached to different
 * processes converge, nothing is stored twice, and a process killed mid-sync loses nothing.
 */
import { HocuspocusProviderWebsocket } from '@hocuspocus/provider';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startRelay, type Relay } from '../../../relay/server.ts';
import { openRoomStore } from '../../../relay/store.ts';
import { TransportDoc } from '../../../src/lib/crdt/transport-doc.ts';
import { attachRelayRoom, type RelayRoom } from '../../../src/lib/sync/relay-client.ts';
import { PRACTICE } from '../../kit/practice.ts';
import { until } from './helpers.ts';
import { freePort } from '../../kit/net.ts';

const REDIS = '/usr/bin/redis-server';
const available = existsSync(REDIS);
if (!available && process.env.CI) throw new Error(`${REDIS} is missing: .ci/run installs it`);
if (!available) console.warn(`scale-out tests skipped: no ${REDIS} (apt-get install redis-server)`);

let redis: ChildProcess | null = null;
let redisUrl = '';
let root = '';
const cleanup: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  if (!available) return;
  root = await mkdtemp(join(tmpdir(), 'folio-scale-'));
  const port = await freePort();
  redisUrl = `redis://127.0.0.1:${port}`;
  redis = spawn(
    REDIS,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  // Ready once it answers PING.
  const { Redis } = await import('ioredis');
  const probe = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0 });
  probe.on('error', () => undefined);
  for (let i = 0; i < 100; i++) {
    try {
      await probe.connect();
      if ((await probe.ping()) === 'PONG') break;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  probe.disconnect();
}, 20_000);

afterAll(async () => {
  redis?.kill('SIGKILL');
  if (root) await rm(root, { recursive: true, force: true });
});

afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

/** A device's relay room on the relay at `url` (the app's own relay client). */
function device(url: string, room: string): { transport: TransportDoc; relay: RelayRoom } {
  const socket = new HocuspocusProviderWebsocket({
    url: url.replace('http', 'ws') + '/sync',
    WebSocketPolyfill: WebSocket,
  });
  const transport = new TransportDoc();
  const relay = attachRelayRoom({
    url,
    room,
    capability: 'c'.repeat(64),
    proof: async () => PRACTICE.proof(),
    transport,
    socket,
    presence: false,
  });
  cleanup.push(() => {
    relay.destroy();
    socket.destroy();
    transport.destroy();
  });
  return { transport, relay };
}

function envelope(): Uint8Array {
  const bytes = new Uint8Array(randomBytes(300));
  bytes[0] = 2;
  return bytes;
}

const has = (t: TransportDoc, e: Uint8Array) =>
  t.envelopes().some((x) => Buffer.compare(Buffer.from(x), Buffer.from(e)) === 0);

describe.skipIf(!available)('two relay processes on one Redis', () => {
  async function relayPair(dataDir: string): Promise<[Relay, Relay]> {
    const make = () =>
      startRelay({
        port: 0,
        host: '127.0.0.1',
        dataDir,
        buildDir: dataDir,
        log: () => {},
        redisUrl,
      });
    const pair: [Relay, Relay] = [await make(), await make()];
    cleanup.push(async () => {
      for (const r of pair) await r.close();
    });
    return pair;
  }

  it('devices attached to different processes converge; each envelope is stored once', async () => {
    const dataDir = join(root, 'converge');
    const [a, b] = await relayPair(dataDir);
    const room = randomBytes(16).toString('hex');
    const one = device(a.url, room);
    const two = device(b.url, room);
    await until(() => one.relay.synced() && two.relay.synced(), 10_000);
    const [e1, e2] = [envelope(), envelope()];
    one.transport.offer([e1]);
    await until(() => has(two.transport, e1), 10_000);
    two.transport.offer([e2]);
    await until(() => has(one.transport, e2), 10_000);
    await until(() => one.relay.synced() && two.relay.synced(), 10_000);
    // Both processes store (the room is loaded in each); storage holds each envelope once.
    const store = openRoomStore(dataDir);
    cleanup.push(() => store.close());
    await until(() => {
      const state = store.fetch(room);
      if (!state) return false;
      const doc = new Y.Doc();
      Y.applyUpdate(doc, state);
      return doc.getArray('envelopes').length === 2;
    }, 10_000);
    await new Promise((r) => setTimeout(r, 800)); // past both processes' store delays
    const size = store.bytes(room);
    const doc = new Y.Doc();
    Y.applyUpdate(doc, store.fetch(room)!);
    expect(size).toBeLessThan(Y.encodeStateAsUpdate(doc).length * 1.5);
  });

  it('pairing: a mailbox opened on one process is written and read through the other', async () => {
    const [a, b] = await relayPair(join(root, 'pairing'));
    const id = randomBytes(16).toString('hex');
    const secret = randomBytes(32).toString('hex');
    const ownerHash = createHash('sha256').update(secret).digest('hex');
    const put = await fetch(`${a.url}/pair/${id}`, {
      method: 'PUT',
      headers: PRACTICE.headers(),
      body: JSON.stringify({ ownerHash }),
    });
    expect(put.status).toBe(201);
    expect(
      (await fetch(`${b.url}/pair/${id}/request`, { method: 'POST', body: 'req' })).status,
    ).toBe(204);
    // Write-once holds across processes.
    expect((await fetch(`${a.url}/pair/${id}/request`, { method: 'POST', body: 'x' })).status).toBe(
      409,
    );
    expect(await (await fetch(`${a.url}/pair/${id}/request`)).text()).toBe('req');
    const answer = await fetch(`${a.url}/pair/${id}/response`, {
      method: 'POST',
      headers: { 'x-folio-owner': secret },
      body: 'resp',
    });
    expect(answer.status).toBe(204);
    expect(await (await fetch(`${b.url}/pair/${id}/response`)).text()).toBe('resp');
    expect((await fetch(`${a.url}/pair/${id}/response`)).status).toBe(404); // used up everywhere
  });

  it('signaling: a publish on one process reaches the topic’s subscribers on the other', async () => {
    const [a, b] = await relayPair(join(root, 'signal'));
    const open = async (url: string) => {
      const ws = new WebSocket(url.replace('http', 'ws') + '/signal');
      cleanup.push(() => ws.terminate());
      await new Promise((r) => ws.once('open', r));
      return ws;
    };
    const [onA, onB] = [await open(a.url), await open(b.url)];
    const received: unknown[] = [];
    onA.on('message', (data) => received.push(JSON.parse(String(data))));
    onA.send(JSON.stringify({ type: 'subscribe', topics: ['room-x'] }));
    onB.send(JSON.stringify({ type: 'subscribe', topics: ['room-x'] }));
    // Subscriptions travel to Redis asynchronously: publish until one arrives.
    for (let i = 0; i < 100 && received.length === 0; i++) {
      onB.send(JSON.stringify({ type: 'publish', topic: 'room-x', data: 'sealed-sdp' }));
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(received[0]).toMatchObject({ type: 'publish', topic: 'room-x', data: 'sealed-sdp' });
  });
});

describe.skipIf(!available)('a relay process killed mid-sync', () => {
  it('loses nothing: a process started afterwards serves what a device sent to the killed one', async () => {
    const dataDir = join(root, 'kill');
    const build = join(root, 'kill-build');
    await mkdir(build, { recursive: true });
    await writeFile(join(build, 'index.html'), '<!doctype html><title>shell</title>');
    const procs: ChildProcess[] = [];
    const logs: string[] = [];
    cleanup.push(() => procs.forEach((p) => p.kill('SIGKILL')));
    const startProcess = async () => {
      const port = await freePort();
      const child = spawn(process.execPath, ['node_modules/tsx/dist/cli.mjs', 'relay/main.ts'], {
        env: {
          ...process.env,
          PORT: String(port),
          FOLIO_DATA_DIR: dataDir,
          FOLIO_BUILD_DIR: build,
          FOLIO_REDIS_URL: redisUrl,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      procs.push(child);
      // The processes' logs, shown if the test fails (a refusal or crash says why).
      const name = String.fromCharCode(96 + procs.length);
      for (const stream of [child.stdout, child.stderr])
        stream?.on('data', (d: Buffer) => logs.push(`${name}: ${d.toString().trim()}`));
      const url = `http://127.0.0.1:${port}`;
      for (let i = 0; i < 200; i++) {
        try {
          if ((await fetch(`${url}/healthz`)).ok) return { child, url };
        } catch {
          await new Promise((r) => setTimeout(r, 50));
        }
      }
      throw new Error('relay process did not start');
    };
    const a = await startProcess();
    const b = await startProcess();
    const step = async (what: string, condition: () => boolean, ms: number) => {
      await until(condition, ms).catch(() => {
        throw new Error(`${what} not met in ${ms} ms; relay logs:\n${logs.slice(-40).join('\n')}`);
      });
    };
    const room = randomBytes(16).toString('hex');
    const one = device(a.url, room);
    const two = device(b.url, room);
    await step('both devices synced', () => one.relay.synced() && two.relay.synced(), 15_000);
    const e = envelope();
    one.transport.offer([e]);
    // The moment the envelope has crossed to the other process, the first one dies.
    await step('envelope crossed to process b', () => has(two.transport, e), 10_000);
    a.child.kill('SIGKILL');
    // A process started afterwards, and a device that was never online before, get it.
    const c = await startProcess();
    const three = device(c.url, room);
    await step('process c serves it', () => has(three.transport, e), 15_000);
    expect(three.transport.envelopes()).toHaveLength(1);
  }, 60_000);
});

it('with Redis unreachable, a relay process still serves its own devices and says why in its log', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'folio-noredis-'));
  const logs: string[] = [];
  const relay = await startRelay({
    port: 0,
    host: '127.0.0.1',
    dataDir: dir,
    buildDir: dir,
    log: (level, event, fields) => logs.push(JSON.stringify({ level, event, ...fields })),
    redisUrl: `redis://127.0.0.1:${await freePort()}`,
  });
  cleanup.push(async () => {
    await relay.close();
    await rm(dir, { recursive: true, force: true });
  });
  const room = randomBytes(16).toString('hex');
  const one = device(relay.url, room);
  const two = device(relay.url, room);
  const e = envelope();
  one.transport.offer([e]);
  await until(() => has(two.transport, e), 10_000);
  await until(() => logs.some((l) => l.includes('redis.unreachable')), 10_000);
  expect(logs.find((l) => l.includes('redis.unreachable'))).toMatch(/ECONNREFUSED/);
});

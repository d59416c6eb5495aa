/**
 * Sync benchmarks (issue 5), all on loopback in this process unless said otherwise:
 * - edit-to-visible latency p50/p95 through the relay (Hocuspocus rooms carrying envelopes) and
 *   over WebRTC (two Chromium pages, bench/browser/webrtc.ts), against a raw `ws` broadcast relay
 *   in the same run (budget p95 ≤ 100 ms);
 * - messages/s through the relay vs the raw `ws` relay;
 * - relay memory per attached room, measured as the RSS of a relay in its own process
 *   (budget ≥ 10,000 rooms per GB);
 * - catch-up of a new device to a practice of 1,000 charts: time, and bytes received vs the
 *   sealed size (envelopes verified with the real crypto as they arrive).
 * Latencies are transport + sealing/verification of one envelope; they do not include Svelte
 * rendering. Nothing here asserts on time.
 */
import { HocuspocusProviderWebsocket } from '@hocuspocus/provider';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket, { WebSocketServer } from 'ws';
import * as Y from 'yjs';
import { silentLogger } from '../relay/log.ts';
import { startRelay, type Relay } from '../relay/server.ts';
import {
  generateIdentity,
  generateKey,
  loadSodium,
  openEnvelope,
  sealEnvelope,
} from '../src/lib/crypto/index.ts';
import type { EnvelopeRecord, EnvelopeStore } from '../src/lib/crdt/envelope-store.ts';
import { TransportDoc } from '../src/lib/crdt/transport-doc.ts';
import { CatchUp, type CatchUpDoc } from '../src/lib/sync/catch-up.ts';
import { attachRelayRoom, type RelayRoom } from '../src/lib/sync/relay-client.ts';
import { withBrowser } from './chromium.ts';
import { line } from './report.ts';
import { PRACTICE } from '../tests/kit/practice.ts';
import { freePort } from '../tests/kit/net.ts';

/** One practice for every room the benchmark opens (the relay needs a practice proof). */
const proof = async () => PRACTICE.proof();

const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;
const ms = (x: number) => `${x.toFixed(2)} ms`;
const sleep = (t: number) => new Promise((r) => setTimeout(r, t));

async function until(test: () => boolean, timeout = 60_000): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!test()) {
    if (Date.now() > deadline) throw new Error('bench: condition not met in time');
    await sleep(1);
  }
}

/** A practice member's keys and one chart key, for sealing real envelopes. */
function author() {
  const identity = generateIdentity();
  const device = generateIdentity();
  const key = generateKey();
  let seq = 0;
  const seal = (docId: Uint8Array, payload: Uint8Array) =>
    sealEnvelope({
      kind: 'update',
      docId,
      generation: 0,
      epoch: 0,
      documentKey: key,
      member: identity.sign,
      device: device.sign.publicKey,
      seq: seq++,
      payload,
    });
  const open = (envelope: Uint8Array) =>
    openEnvelope(envelope, { keyFor: () => key, authorize: () => undefined });
  return { seal, open };
}

/** A Yjs update of about `bytes` (typing into a note). */
function edit(bytes: number): Uint8Array {
  const doc = new Y.Doc();
  doc.getText('t').insert(0, 'x'.repeat(bytes));
  return Y.encodeStateAsUpdate(doc);
}

async function relayInProcess(): Promise<{ relay: Relay; done(): Promise<void> }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'folio-bench-sync-'));
  const relay = await startRelay({
    port: 0,
    host: '127.0.0.1',
    dataDir,
    buildDir: dataDir,
    log: silentLogger,
    // The benchmark measures the engine, not the flood limits.
    syncLimits: { ratePerSecond: 1e9, burst: 1e9 },
  });
  return {
    relay,
    async done() {
      await relay.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A raw `ws` relay: every binary frame is forwarded to the other sockets (the baseline). */
async function rawRelay(): Promise<{ url: string; close(): Promise<void> }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((r) => wss.once('listening', r));
  wss.on('connection', (ws) =>
    ws.on('message', (data) => {
      for (const other of wss.clients) if (other !== ws) other.send(data);
    }),
  );
  const { port } = wss.address() as { port: number };
  return {
    url: `ws://127.0.0.1:${port}`,
    close: () => new Promise((r) => wss.close(() => r())),
  };
}

function socketTo(url: string, counter?: { bytes: number }) {
  class Counting extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols);
      if (counter) {
        this.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => {
          counter.bytes += Array.isArray(data)
            ? data.reduce((n, b) => n + b.length, 0)
            : data.byteLength;
        });
      }
    }
  }
  return new HocuspocusProviderWebsocket({ url, WebSocketPolyfill: Counting });
}

async function joinedPair(url: string) {
  const room = randomBytes(16).toString('hex');
  const capability = randomBytes(32).toString('hex');
  const sockets = [socketTo(url), socketTo(url)];
  const transports = [new TransportDoc(), new TransportDoc()];
  const rooms: RelayRoom[] = [];
  for (let i = 0; i < 2; i++) {
    rooms.push(
      attachRelayRoom({
        url,
        room,
        capability,
        proof,
        transport: transports[i]!,
        socket: sockets[i],
      }),
    );
    await until(() => rooms[i]!.synced());
  }
  return {
    transports,
    close() {
      rooms.forEach((r) => r.destroy());
      sockets.forEach((s) => s.destroy());
      transports.forEach((t) => t.destroy());
    },
  };
}

async function latencyAndThroughput(): Promise<void> {
  const { relay, done } = await relayInProcess();
  const raw = await rawRelay();
  const who = author();
  const docId = randomBytes(16);
  const payload = edit(200);
  const rounds = 300;
  try {
    // Relay: seal → offer → arrives at the other device → verify.
    const pair = await joinedPair(relay.url.replace('http', 'ws') + '/sync');
    const [a, b] = pair.transports as [TransportDoc, TransportDoc];
    let arrived: { at: number; count: number } = { at: 0, count: 0 };
    b.onArrival((envelopes) => {
      for (const e of envelopes) who.open(e);
      arrived = { at: performance.now(), count: arrived.count + envelopes.length };
    });
    const viaRelay: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const before = arrived.count;
      const start = performance.now();
      a.offer([who.seal(docId, payload)]);
      await until(() => arrived.count > before);
      viaRelay.push(arrived.at - start);
    }

    // Raw ws: the same sealing and verification, frames forwarded as they are.
    const [ra, rb] = [new WebSocket(raw.url), new WebSocket(raw.url)];
    await Promise.all([ra, rb].map((s) => new Promise((r) => s.once('open', r))));
    let rawArrived = { at: 0, count: 0 };
    rb.on('message', (data: Buffer) => {
      who.open(new Uint8Array(data));
      rawArrived = { at: performance.now(), count: rawArrived.count + 1 };
    });
    const viaRaw: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const before = rawArrived.count;
      const start = performance.now();
      ra.send(who.seal(docId, payload));
      await until(() => rawArrived.count > before);
      viaRaw.push(rawArrived.at - start);
    }
    line(
      'edit→visible via relay',
      `${rounds} edits, ${payload.length} B`,
      `p50 ${ms(pct(viaRelay, 0.5))} p95 ${ms(pct(viaRelay, 0.95))}`,
      `raw ws p50 ${ms(pct(viaRaw, 0.5))} p95 ${ms(pct(viaRaw, 0.95))}; p95 ${(pct(viaRelay, 0.95) / pct(viaRaw, 0.95)).toFixed(2)}× raw; budget p95 ≤ 100 ms`,
    );

    // Throughput: a burst of sealed envelopes, one message each (pre-sealed: transport only).
    const burst = 5000;
    const sealed = Array.from({ length: burst }, () => who.seal(docId, payload));
    let start = performance.now();
    const target = arrived.count + burst;
    for (const e of sealed) a.offer([e]);
    await until(() => arrived.count >= target);
    const relayRate = burst / ((performance.now() - start) / 1000);
    start = performance.now();
    const rawTarget = rawArrived.count + burst;
    for (const e of sealed) ra.send(e);
    await until(() => rawArrived.count >= rawTarget);
    const rawRate = burst / ((performance.now() - start) / 1000);
    line(
      'messages/s through the relay',
      `${burst} envelopes`,
      `${Math.round(relayRate)} msg/s`,
      `raw ws ${Math.round(rawRate)} msg/s (${(relayRate / rawRate).toFixed(2)}×; both verify each)`,
    );
    ra.close();
    rb.close();
    pair.close();
  } finally {
    await raw.close();
    await done();
  }
}

/** An in-memory sealed log (the catch-up measure is about the network and the relay). */
function memoryStore(): EnvelopeStore & { bytes(): number } {
  const docs = new Map<string, Uint8Array[]>();
  /** The document of each record, in write order (a record's key is its index + 1). */
  const log: string[] = [];
  return {
    async append(doc, _gen, envelopes) {
      docs.set(doc, [...(docs.get(doc) ?? []), ...envelopes]);
      for (let i = 0; i < envelopes.length; i++) log.push(doc);
    },
    async position() {
      return log.length;
    },
    async changedSince(position) {
      return { position: log.length, docs: [...new Set(log.slice(position))] };
    },
    async load(doc) {
      return { generation: 0, envelopes: docs.get(doc) ?? [] };
    },
    async compact() {},
    async exportAll(): Promise<EnvelopeRecord[]> {
      return [];
    },
    async importAll() {},
    close() {},
    bytes: () => [...docs.values()].flat().reduce((n, e) => n + e.length, 0),
  };
}

async function catchUpPractice(charts: number, perChart: number): Promise<void> {
  const { relay, done } = await relayInProcess();
  const ws = relay.url.replace('http', 'ws') + '/sync';
  const who = author();
  const docs: CatchUpDoc[] = Array.from({ length: charts }, () => {
    const docId = randomBytes(16);
    return {
      key: Buffer.from(docId).toString('base64url'),
      docId,
      room: randomBytes(16).toString('hex'),
      capability: randomBytes(32).toString('hex'),
    };
  });
  const device = (counter?: { bytes: number }, verify = false) => {
    const store = memoryStore();
    const socket = socketTo(ws, counter);
    const catchUp = new CatchUp({
      changesUrl: relay.url + '/sync/changes',
      store,
      attach: (room, capability, transport) =>
        attachRelayRoom({ url: ws, room, capability, proof, transport, socket, presence: false }),
      receive: async (doc, envelopes) => {
        if (verify) for (const e of envelopes) who.open(e);
        await store.append(doc.key, 0, envelopes);
      },
      timeoutMs: 120_000,
    });
    return { store, socket, catchUp };
  };
  try {
    const writer = device();
    for (const doc of docs) {
      const envelopes = Array.from({ length: perChart }, () => who.seal(doc.docId, edit(400)));
      await writer.store.append(doc.key, 0, envelopes);
    }
    let start = performance.now();
    await writer.catchUp.run(docs, () => false);
    const upload = performance.now() - start;
    writer.socket.destroy();

    const counter = { bytes: 0 };
    const fresh = device(counter, true);
    start = performance.now();
    const report = await fresh.catchUp.run(docs, () => false);
    const time = performance.now() - start;
    const sealed = writer.store.bytes();
    line(
      'catch-up of a new device',
      `${charts} charts × ${perChart} env`,
      `${(time / 1000).toFixed(2)} s, ${(counter.bytes / 1e6).toFixed(2)} MB received`,
      `sealed ${(sealed / 1e6).toFixed(2)} MB (${(counter.bytes / sealed).toFixed(2)}×); ${report.received} envelopes verified; first upload ${(upload / 1000).toFixed(2)} s`,
    );
    fresh.socket.destroy();
  } finally {
    await done();
  }
}

const rssOf = (pid: number) =>
  Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;

/** A relay in its own process (so its memory is its own). */
async function relayProcess(dataDir: string) {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'relay/main.ts'], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      FOLIO_DATA_DIR: dataDir,
      FOLIO_BUILD_DIR: 'build',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('running at') && resolve());
    child.once('exit', () => reject(new Error('relay exited')));
  });
  return {
    ws: `ws://127.0.0.1:${port}/sync`,
    rss: () => rssOf(child.pid!),
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

async function relayMemoryPerRoom(rooms: number): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'folio-bench-mem-'));
  const who = author();
  const names = Array.from({ length: rooms }, () => randomBytes(16).toString('hex'));
  const capability = randomBytes(32).toString('hex');
  /** One device attaching every room over its one socket, in batches of 250. */
  const attachAll = async (ws: string, fill: boolean) => {
    const socket = socketTo(ws);
    const attached: { room: RelayRoom; transport: TransportDoc }[] = [];
    for (let i = 0; i < names.length; i += 250) {
      const batch = names.slice(i, i + 250).map((room) => {
        const transport = new TransportDoc();
        return {
          room: attachRelayRoom({ url: ws, room, capability, proof, transport, socket }),
          transport,
        };
      });
      attached.push(...batch);
      await until(() => batch.every((b) => b.room.synced()));
      if (!fill) continue;
      // Each room holds a small chart's transport document (8 envelopes).
      for (const b of batch)
        b.transport.offer(Array.from({ length: 8 }, () => who.seal(randomBytes(16), edit(400))));
      await until(() => batch.every((b) => b.room.synced()));
    }
    return () => {
      attached.forEach((a) => a.room.destroy());
      socket.destroy();
    };
  };
  try {
    const writing = await relayProcess(dataDir);
    (await attachAll(writing.ws, true))();
    await writing.stop();
    // A fresh relay process over the stored rooms: its growth is what attached rooms cost.
    const relay = await relayProcess(dataDir);
    try {
      await sleep(1000);
      const before = relay.rss();
      const detach = await attachAll(relay.ws, false);
      await sleep(1000);
      const perRoom = (relay.rss() - before) / rooms;
      line(
        'relay memory per attached room',
        `${rooms} rooms, 1 device`,
        `${(perRoom / 1024).toFixed(1)} KB/room (RSS growth)`,
        `${Math.round(1e9 / perRoom).toLocaleString('en')} rooms per GB; budget ≥ 10,000`,
      );
      detach();
    } finally {
      await relay.stop();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** Edit-to-visible over WebRTC between two Chromium pages (bench/browser/webrtc.ts). */
async function webrtcLatency(rounds: number): Promise<void> {
  await withBrowser('bench/.build', async (browser, url) => {
    const pages = [];
    for (let i = 0; i < 2; i++) {
      const context = await browser.newContext();
      // Without a media permission Chromium gathers no loopback ICE candidates (PLATFORM.md).
      await context.grantPermissions(['camera', 'microphone'], { origin: url });
      const page = await context.newPage();
      await page.goto(`${url}/webrtc.html`);
      await page.waitForFunction(() => document.title === 'ready');
      pages.push(page);
    }
    type W = {
      join(room: string, password: string): void;
      peers(): number;
      send(bytes: number): number;
      arrivals(): number;
      arrival(i: number): number;
    };
    const room = randomBytes(16).toString('hex');
    const password = randomBytes(32).toString('hex');
    for (const page of pages) {
      await page.evaluate(
        ([r, p]) => (window as unknown as { webrtcBench: W }).webrtcBench.join(r!, p!),
        [room, password],
      );
    }
    const [a, b] = pages as [(typeof pages)[0], (typeof pages)[0]];
    await b.waitForFunction(
      () => (window as unknown as { webrtcBench: W }).webrtcBench.peers() > 0,
      null,
      { timeout: 60_000 },
    );
    const samples: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const sent = await a.evaluate(() =>
        (window as unknown as { webrtcBench: W }).webrtcBench.send(600),
      );
      await b.waitForFunction(
        (n) => (window as unknown as { webrtcBench: W }).webrtcBench.arrivals() > n,
        i,
        { polling: 1 },
      );
      const arrived = await b.evaluate(
        (n) => (window as unknown as { webrtcBench: W }).webrtcBench.arrival(n),
        i,
      );
      samples.push(arrived - sent);
    }
    line(
      'edit→visible over WebRTC',
      `${rounds} edits, 600 B`,
      `p50 ${ms(pct(samples, 0.5))} p95 ${ms(pct(samples, 0.95))}`,
      'two Chromium pages on loopback (transport only, no crypto); budget p95 ≤ 100 ms',
    );
  });
}

export async function benchSync(options: { charts: number; memoryRooms: number }): Promise<void> {
  await loadSodium();
  await latencyAndThroughput();
  await webrtcLatency(100);
  await catchUpPractice(options.charts, 8);
  await relayMemoryPerRoom(options.memoryRooms);
}

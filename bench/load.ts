/**
 * Relay load (issue 14 item 4): 1,000 simulated devices across 100 practices (10 devices sharing
 * one chart room each), every device with its own socket, on one relay process and then on two
 * processes sharing Redis and one SQLite file. Devices are Node clients of the app's own relay
 * client (lib/sync/relay-client.ts) with practice proofs; envelopes are 300 random bytes (no
 * sealing: this measures the relay). Edits go in waves, one per practice at a time.
 *
 * Reports edit-to-visible p50/p95 (write on one device → seen by another of its practice),
 * relay memory per attached device room (RSS growth of the relay processes), relay CPU per edit
 * (user + system time of the relay processes over the edit phase, fan-out to 9 devices included),
 * and the two-process figures as ratios to one process. Bounded: 5 waves of 100 edits. Not
 * included: the devices' own crypto and rendering; all processes share this machine's cores.
 */
import { HocuspocusProviderWebsocket } from '@hocuspocus/provider';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { TransportDoc } from '../src/lib/crdt/transport-doc.ts';
import { attachRelayRoom, type RelayRoom } from '../src/lib/sync/relay-client.ts';
import { testPractice } from '../tests/kit/practice.ts';
import { line } from './report.ts';
import { freePort } from '../tests/kit/net.ts';

const sleep = (t: number) => new Promise((r) => setTimeout(r, t));
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;

async function until(test: () => boolean, timeout = 120_000): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!test()) {
    if (Date.now() > deadline) throw new Error('bench: condition not met in time');
    await sleep(2);
  }
}

const statOf = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return { cpuTicks: Number(fields[11]) + Number(fields[12]) }; // utime + stime
};
const rssOf = (pid: number) =>
  Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;
const TICK_MS = 10; // USER_HZ = 100 on Linux

async function relayProcess(dataDir: string, redisUrl: string | null) {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/relay-entry.ts'], {
    env: {
      ...process.env,
      PORT: String(port),
      FOLIO_DATA_DIR: dataDir,
      FOLIO_REDIS_URL: redisUrl ?? '',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
    child.once('exit', () => reject(new Error('relay exited')));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

interface Device {
  transport: TransportDoc;
  room: RelayRoom;
  socket: HocuspocusProviderWebsocket;
}

async function scenario(
  label: string,
  processes: number,
  redisUrl: string | null,
  shape: { practices: number; devicesPerPractice: number; waves: number },
) {
  const dataDir = await mkdtemp(join(tmpdir(), 'folio-bench-load-'));
  const relays = [];
  for (let i = 0; i < processes; i++) relays.push(await relayProcess(dataDir, redisUrl));
  const devices: Device[][] = [];
  try {
    await sleep(500);
    const rssBefore = relays.reduce((n, r) => n + rssOf(r.pid), 0);
    let k = 0;
    for (let p = 0; p < shape.practices; p++) {
      const practice = testPractice();
      const proof = async () => practice.proof();
      const room = randomBytes(16).toString('hex');
      const capability = randomBytes(32).toString('hex');
      const group: Device[] = [];
      for (let d = 0; d < shape.devicesPerPractice; d++) {
        const relay = relays[k++ % relays.length]!;
        const socket = new HocuspocusProviderWebsocket({
          url: relay.url.replace('http', 'ws') + '/sync',
          WebSocketPolyfill: WebSocket,
        });
        const transport = new TransportDoc();
        group.push({
          transport,
          socket,
          room: attachRelayRoom({
            url: relay.url,
            room,
            capability,
            proof,
            transport,
            socket,
            presence: false,
          }),
        });
      }
      devices.push(group);
      // Attach in steps of 10 practices so the relay is not asked for 1,000 sockets at once.
      if (p % 10 === 9) await until(() => devices.flat().every((x) => x.room.synced()));
    }
    await until(() => devices.flat().every((x) => x.room.synced()));
    await sleep(1000);
    const rssAttached = relays.reduce((n, r) => n + rssOf(r.pid), 0);
    const attachments = shape.practices * shape.devicesPerPractice;

    const cpuBefore = relays.reduce((n, r) => n + statOf(r.pid).cpuTicks, 0);
    const latencies: number[] = [];
    const started = Date.now();
    for (let w = 0; w < shape.waves; w++) {
      await Promise.all(
        devices.map(async (group, p) => {
          const writer = group[w % group.length]!;
          const reader = group[(w + 1 + (p % (group.length - 1))) % group.length]!;
          const envelope = new Uint8Array(randomBytes(300));
          envelope[0] = 2;
          const before = reader.transport.envelopes().length;
          const t0 = performance.now();
          writer.transport.offer([envelope]);
          await until(() => reader.transport.envelopes().length > before);
          latencies.push(performance.now() - t0);
        }),
      );
    }
    const elapsed = Date.now() - started;
    const cpuMs = (relays.reduce((n, r) => n + statOf(r.pid).cpuTicks, 0) - cpuBefore) * TICK_MS;
    const edits = latencies.length;
    const result = {
      p50: pct(latencies, 0.5),
      p95: pct(latencies, 0.95),
      kbPerAttachment: (rssAttached - rssBefore) / attachments / 1024,
      cpuPerEdit: cpuMs / edits,
    };
    line(
      'relay load: edit→visible',
      `${label}`,
      `p50 ${result.p50.toFixed(1)} ms p95 ${result.p95.toFixed(1)} ms`,
      `${edits} edits in ${shape.waves} waves of ${shape.practices} (${(elapsed / 1000).toFixed(1)} s); budget p95 ≤ 100 ms`,
    );
    line(
      'relay load: memory, CPU',
      `${label}`,
      `${result.kbPerAttachment.toFixed(1)} KB per attached device room`,
      `CPU ${result.cpuPerEdit.toFixed(2)} ms per edit (fan-out to ${shape.devicesPerPractice - 1} devices included)`,
    );
    return result;
  } finally {
    for (const d of devices.flat()) {
      d.room.destroy();
      d.socket.destroy();
      d.transport.destroy();
    }
    for (const r of relays) await r.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

export async function benchLoad(
  shape = { practices: 100, devicesPerPractice: 10, waves: 5 },
): Promise<void> {
  const who = `${shape.practices * shape.devicesPerPractice} devices, ${shape.practices} practices`;
  const one = await scenario(`${who}, 1 process`, 1, null, shape);
  const redisBin = '/usr/bin/redis-server';
  if (!existsSync(redisBin)) {
    console.log('relay load, 2 processes: skipped (no redis-server; apt-get install redis-server)');
    return;
  }
  const port = await freePort();
  const redis: ChildProcess = spawn(
    redisBin,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  try {
    await sleep(500);
    const two = await scenario(
      `${who}, 2 processes + Redis`,
      2,
      `redis://127.0.0.1:${port}`,
      shape,
    );
    line(
      'relay load: 2 processes / 1',
      who,
      `p95 ${(two.p95 / one.p95).toFixed(2)}×, memory ${(two.kbPerAttachment / one.kbPerAttachment).toFixed(2)}×, CPU per edit ${(two.cpuPerEdit / one.cpuPerEdit).toFixed(2)}×`,
      'same machine: the processes share its cores with the simulated devices',
    );
  } finally {
    redis.kill('SIGKILL');
  }
}

if (process.argv[1]?.endsWith('load.ts')) await benchLoad();

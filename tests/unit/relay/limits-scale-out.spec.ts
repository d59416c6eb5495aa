/**
 * Share-link passcode guessing against several relay processes (issue 14, scale-out): an attacker
 * who spreads guesses over processes must get no more than one process allows — neither a faster
 * guess rate (the per-link token bucket, counted in Redis) nor more guesses in a link's lifetime
 * (the failure cap, reserved in the shared SQLite file before each check). Two relay processes on
 * one data folder and a real `redis-server` on loopback (.ci/run installs it). The other
 * per-address limits counted in Redis (practice registrations, new rooms) are checked the same way.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startRelay, type Relay, type RelayOptions } from '../../../relay/server.ts';
import type { ShlLimits } from '../../../relay/shl.ts';
import { PRACTICE, testPractice } from '../../kit/practice.ts';
import { authFrame, RawClient } from './frames.ts';
import { until } from './helpers.ts';
import { freePort } from '../../kit/net.ts';
import { jwe } from './helpers.ts';

const REDIS = '/usr/bin/redis-server';
const available = existsSync(REDIS);
if (!available && process.env.CI) throw new Error(`${REDIS} is missing: .ci/run installs it`);

let redis: ChildProcess | null = null;
let redisUrl = '';
let root = '';
const cleanup: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  if (!available) return;
  root = await mkdtemp(join(tmpdir(), 'folio-shl-scale-'));
  const port = await freePort();
  redisUrl = `redis://127.0.0.1:${port}`;
  redis = spawn(
    REDIS,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
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
  // Each test starts with empty buckets (they are keyed by address, and all come from 127.0.0.1).
  if (!available) return;
  const { Redis } = await import('ioredis');
  const client = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  await client.flushall();
  client.disconnect();
});

async function pair(
  name: string,
  limits: Partial<ShlLimits>,
  extra: Partial<RelayOptions> = {},
): Promise<[Relay, Relay]> {
  const dataDir = join(root, name);
  const make = () =>
    startRelay({
      port: 0,
      host: '127.0.0.1',
      dataDir,
      buildDir: dataDir,
      log: () => {},
      redisUrl,
      shlLimits: limits,
      ...extra,
    });
  const relays: [Relay, Relay] = [await make(), await make()];
  cleanup.push(async () => {
    for (const r of relays) await r.close();
  });
  return relays;
}

/** A P link made through `url`, with its file; returns its id and management header. */
async function link(url: string) {
  const id = randomBytes(32).toString('base64url');
  const secret = randomBytes(32).toString('base64url');
  const created = await fetch(`${url}/shl`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...PRACTICE.headers() },
    body: JSON.stringify({
      id,
      manageHash: createHash('sha256').update(secret).digest('hex'),
      flags: 'P',
      expires: Date.now() + 3600_000,
      passcode: 'quartz-4417',
    }),
  });
  expect(created.status).toBe(201);
  const manage = { 'x-folio-manage': secret };
  const put = await fetch(`${url}/shl/${id}/file`, { method: 'PUT', headers: manage, body: jwe() });
  expect(put.status).toBe(204);
  return { id, manage };
}

const guess = (url: string, id: string, passcode: string) =>
  fetch(`${url}/shl/${id}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ recipient: 'attacker', passcode }),
  });

describe.skipIf(!available)('passcode guesses spread over two relay processes', () => {
  it('get no more answers than one process gives: the per-link rate is counted in Redis', async () => {
    const burst = 4;
    const [a, b] = await pair('rate', {
      linkBurst: burst,
      linkRatePerMinute: 1,
      maxFailures: 1000,
    });
    const l = await link(a.url);
    const answered: number[] = [];
    for (let i = 0; i < 4 * burst; i++) {
      const res = await guess((i % 2 ? b : a).url, l.id, `wrong-${i}-guess`);
      answered.push(res.status);
    }
    // Each wrong guess that is checked answers 401; the rest wait (429 + Retry-After).
    expect(answered.filter((s) => s === 401)).toHaveLength(burst);
    expect(answered.filter((s) => s === 429)).toHaveLength(3 * burst);
  }, 30_000);

  it('never check more wrong passcodes than the lifetime cap, even sent at once to both', async () => {
    const max = 3;
    const [a, b] = await pair('cap', { maxFailures: max, linkBurst: 1000 });
    const l = await link(a.url);
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => guess((i % 2 ? b : a).url, l.id, `wrong-${i}-guess`)),
    );
    expect(results.every((r) => r.status === 401 || r.status === 404)).toBe(true);
    const log = (await (await fetch(`${b.url}/shl/${l.id}/log`, { headers: l.manage })).json()) as {
      remainingAttempts: number;
      accesses: { outcome: string }[];
    };
    expect(log.accesses.filter((x) => x.outcome === 'wrong-passcode')).toHaveLength(max);
    expect(log.remainingAttempts).toBe(0);
    // And the right passcode no longer opens it.
    expect((await guess(a.url, l.id, 'quartz-4417')).status).toBe(404);
  }, 30_000);
});

describe.skipIf(!available)('other per-address limits over two relay processes', () => {
  it('practice registrations from one address are counted across processes', async () => {
    const [a, b] = await pair(
      'register',
      {},
      {
        practiceLimits: { registrationBurst: 2, registrationsPerHour: 1 },
      },
    );
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await fetch(`${(i % 2 ? b : a).url}/pair/${randomBytes(16).toString('hex')}`, {
        method: 'PUT',
        headers: testPractice().headers(),
        body: JSON.stringify({ ownerHash: 'c'.repeat(64) }),
      });
      statuses.push(res.status);
    }
    expect(statuses).toEqual([201, 201, 429, 429, 429, 429]);
  }, 30_000);

  it('new rooms from one address are counted across processes', async () => {
    const [a, b] = await pair(
      'rooms',
      {},
      {
        syncLimits: { roomCreationBurst: 2, roomCreationsPerMinute: 1 },
      },
    );
    const outcomes: (string | null)[] = [];
    for (let i = 0; i < 6; i++) {
      const c = new RawClient((i % 2 ? b : a).url);
      cleanup.push(() => c.terminate());
      await c.opened;
      const room = randomBytes(16).toString('hex');
      c.send(authFrame(room, PRACTICE.token('b'.repeat(64))));
      await until(() => c.authOutcome(room) !== null);
      outcomes.push(c.authOutcome(room));
    }
    expect(outcomes).toEqual([
      'authenticated',
      'authenticated',
      'denied',
      'denied',
      'denied',
      'denied',
    ]);
  }, 30_000);
});

it('with Redis unreachable, each process still limits guesses by itself and logs why', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'folio-shl-noredis-'));
  const logs: string[] = [];
  const relay = await startRelay({
    port: 0,
    host: '127.0.0.1',
    dataDir,
    buildDir: dataDir,
    log: (level, event, fields) => logs.push(JSON.stringify({ level, event, ...fields })),
    redisUrl: `redis://127.0.0.1:${await freePort()}`,
    shlLimits: { linkBurst: 3, linkRatePerMinute: 1 },
  });
  cleanup.push(async () => {
    await relay.close();
    await rm(dataDir, { recursive: true, force: true });
  });
  const l = await link(relay.url);
  const statuses: number[] = [];
  for (let i = 0; i < 6; i++)
    statuses.push((await guess(relay.url, l.id, `wrong-${i}-guess`)).status);
  // Link creation took none of the link's budget; 3 guesses are checked, then 429.
  expect(statuses).toEqual([401, 401, 401, 429, 429, 429]);
  expect(logs.some((line) => line.includes('ratelimit.local'))).toBe(true);
}, 30_000);

/**
 * relay/shared-limits.ts against a real `redis-server` on loopback: the Redis token bucket allows
 * exactly what the in-process one (token-buckets.ts) allows for the same requests, refills at its
 * rate and says how long to wait; without Redis it answers null (the caller counts locally).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisLimits, type SharedLimits } from '../../../relay/shared-limits.ts';
import { TokenBuckets } from '../../../relay/token-buckets.ts';
import { freePort } from '../../kit/net.ts';

const REDIS = '/usr/bin/redis-server';
const available = existsSync(REDIS);
if (!available && process.env.CI) throw new Error(`${REDIS} is missing: .ci/run installs it`);

let redis: ChildProcess | null = null;
let shared: SharedLimits | null = null;

beforeAll(async () => {
  if (!available) return;
  const port = await freePort();
  redis = spawn(
    REDIS,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  shared = redisLimits(`redis://127.0.0.1:${port}`, () => {});
  const probe = { burst: 1, perInterval: 1, intervalMs: 1000 };
  for (let i = 0; i < 100; i++) {
    if ((await shared.take('probe', randomBytes(8).toString('hex'), probe)) !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
}, 20_000);

afterAll(async () => {
  await shared?.close();
  redis?.kill('SIGKILL');
});

describe.skipIf(!available)('token buckets in Redis', () => {
  it('allow exactly what an in-process bucket allows for the same requests (fast-check)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 40 }),
        async (burst, sizes) => {
          // A refill rate slow enough that the test's own duration adds no whole token.
          const limits = { burst, perInterval: 1, intervalMs: 3600_000 };
          const key = randomBytes(8).toString('hex');
          const local = new TokenBuckets(() => limits);
          for (const n of sizes) {
            const remote = await shared!.take('prop', key, limits, n);
            expect(remote === 0).toBe(local.take(key, n));
          }
        },
      ),
      { numRuns: 100 },
    );
  }, 60_000);

  it('refill at their rate and say how long to wait', async () => {
    const limits = { burst: 2, perInterval: 1, intervalMs: 400 };
    const key = randomBytes(8).toString('hex');
    expect(await shared!.take('refill', key, limits)).toBe(0);
    expect(await shared!.take('refill', key, limits)).toBe(0);
    expect(await shared!.take('refill', key, limits)).toBe(1); // whole seconds, at least 1
    const slow = { burst: 1, perInterval: 1, intervalMs: 90_000 };
    expect(await shared!.take('slow', key, slow)).toBe(0);
    expect(await shared!.take('slow', key, slow)).toBe(90);
    // The fast bucket holds a token again within a few refill intervals.
    const deadline = Date.now() + 5_000;
    let wait: number | null = 1;
    while (wait !== 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      wait = await shared!.take('refill', key, limits);
    }
    expect(wait).toBe(0);
  }, 20_000);

  it('keep names apart: one limit spent leaves another with the same key untouched', async () => {
    const limits = { burst: 1, perInterval: 1, intervalMs: 3600_000 };
    const key = randomBytes(8).toString('hex');
    expect(await shared!.take('one', key, limits)).toBe(0);
    expect(await shared!.take('one', key, limits)).toBeGreaterThan(0);
    expect(await shared!.take('two', key, limits)).toBe(0);
  });
});

it('answers null when Redis does not answer (the caller then counts in its own process)', async () => {
  const dead = redisLimits(`redis://127.0.0.1:${await freePort()}`, () => {});
  try {
    const limits = { burst: 1, perInterval: 1, intervalMs: 1000 };
    expect(await dead.take('x', 'k', limits)).toBeNull();
  } finally {
    await dead.close();
  }
});

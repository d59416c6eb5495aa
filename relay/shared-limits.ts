/**
 * Rate limits counted across relay processes (scale-out, FOLIO_REDIS_URL): the same token bucket
 * as token-buckets.ts, kept in Redis by one Lua script (atomic; time from the Redis server, so
 * processes with skewed clocks agree). Without it, an attacker who spreads requests over N
 * processes gets N times the limit — notably share-link passcode guesses (shl.ts).
 *
 * Keys are SHA-256 of the limit's name and key (no link id, address or practice id in Redis),
 * and expire once the bucket would be full again.
 *
 * Redis unreachable or slow (over COMMAND_TIMEOUT_MS): `take` answers null and the caller counts
 * in its own process instead (fall back, not fail closed; docs/operations.md says why).
 */
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Logger } from './log.ts';
import { TokenBuckets, type BucketLimits } from './token-buckets.ts';

const COMMAND_TIMEOUT_MS = 500;

/** KEYS[1]: the bucket; ARGV: burst, perInterval, intervalMs, n. Returns {taken, retryAfterS}. */
const TAKE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local burst, per, interval, n = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local b = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = burst
if b[1] then tokens = math.min(burst, tonumber(b[1]) + (now - tonumber(b[2])) / interval * per) end
local taken = 0
if tokens >= n then
  tokens = tokens - n
  taken = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.max(1, math.ceil((burst - tokens) / per * interval)))
if taken == 1 then return {1, 0} end
return {0, math.max(1, math.ceil((n - tokens) * interval / per / 1000))}
`;

export interface SharedLimits {
  /** 0 when `n` tokens were taken, else whole seconds to wait; null when Redis did not answer. */
  take(name: string, key: string, limits: BucketLimits, n?: number): Promise<number | null>;
  close(): Promise<void>;
}

/** Buckets in the Redis at `url` (redis://host:port). */
export function redisLimits(url: string, log: Logger): SharedLimits {
  const parsed = new URL(url);
  const redis = new Redis({
    host: parsed.hostname,
    port: Number(parsed.port || 6379),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    commandTimeout: COMMAND_TIMEOUT_MS,
  });
  redis.on('error', (error: NodeJS.ErrnoException) =>
    log('warn', 'redis.unreachable', { code: error.code ?? 'error', for: 'rate-limits' }),
  );
  const hash = (name: string, key: string) =>
    'folio:rl:' + createHash('sha256').update(`${name}\0${key}`).digest('base64url');
  return {
    async take(name, key, { burst, perInterval, intervalMs }, n = 1) {
      try {
        const [taken, wait] = (await redis.eval(
          TAKE,
          1,
          hash(name, key),
          burst,
          perInterval,
          intervalMs,
          n,
        )) as [number, number];
        return taken === 1 ? 0 : wait;
      } catch {
        log('warn', 'ratelimit.local', { reason: 'redis-unreachable' });
        return null;
      }
    },
    async close() {
      redis.disconnect();
    },
  };
}

/**
 * One limit: counted in `shared` when given and answering, else in this process's buckets.
 * `take` resolves to 0 when allowed, else the seconds to wait.
 */
export function limit(
  name: string,
  limits: () => BucketLimits,
  shared: SharedLimits | undefined,
  now?: () => number,
): { take(key: string, n?: number): Promise<number>; sweep(): void } {
  const local = new TokenBuckets(limits, now);
  return {
    async take(key, n = 1) {
      const remote = shared ? await shared.take(name, key, limits(), n) : null;
      if (remote !== null) return remote;
      return local.take(key, n) ? 0 : local.retryAfterSeconds(key, n);
    },
    sweep: () => local.sweep(),
  };
}

import { describe, expect, it } from 'vitest';
import { TokenBuckets } from '../../../relay/token-buckets.ts';

function buckets(burst: number, perInterval: number, intervalMs: number, maxKeys = 10_000) {
  let t = 0;
  const b = new TokenBuckets(
    () => ({ burst, perInterval, intervalMs }),
    () => t,
    maxKeys,
  );
  return { b, advance: (ms: number) => (t += ms) };
}

describe('TokenBuckets', () => {
  it('allows a burst, then refuses until time refills it, per key', () => {
    const { b, advance } = buckets(3, 1, 1000);
    expect([b.take('a'), b.take('a'), b.take('a'), b.take('a')]).toEqual([true, true, true, false]);
    expect(b.take('b')).toBe(true); // another key has its own bucket
    expect(b.retryAfterSeconds('a')).toBe(1);
    advance(999);
    expect(b.take('a')).toBe(false);
    advance(1);
    expect(b.take('a')).toBe(true);
  });

  it('takes several tokens at once or none', () => {
    const { b } = buckets(10, 10, 60_000);
    expect(b.take('a', 8)).toBe(true);
    expect(b.take('a', 3)).toBe(false);
    expect(b.take('a', 2)).toBe(true);
    expect(b.retryAfterSeconds('a', 5)).toBe(30);
  });

  it('forgets buckets that are full again, and never keeps more than maxKeys', () => {
    const { b, advance } = buckets(2, 2, 1000, 100);
    for (let i = 0; i < 500; i++) b.take(`k${i}`);
    expect(b.size).toBe(100);
    advance(1000);
    b.sweep();
    expect(b.size).toBe(0);
  });
});

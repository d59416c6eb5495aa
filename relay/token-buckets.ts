/**
 * Rate limits as token buckets, one per key (a client address, a practice, a share link): each
 * holds up to `burst` tokens and refills at `perInterval` tokens every `intervalMs`. Buckets that
 * are full again are forgotten, so memory follows the keys that are actually busy, and at most
 * `maxKeys` are kept (past that the oldest is dropped, which only ever errs towards allowing).
 */
export interface BucketLimits {
  burst: number;
  perInterval: number;
  intervalMs: number;
}

export class TokenBuckets {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly limits: () => BucketLimits,
    private readonly now: () => number = Date.now,
    private readonly maxKeys = 10_000,
  ) {}

  #level(key: string, t: number): number {
    const { burst, perInterval, intervalMs } = this.limits();
    const b = this.#buckets.get(key);
    if (!b) return burst;
    return Math.min(burst, b.tokens + ((t - b.at) / intervalMs) * perInterval);
  }

  /** Takes `n` tokens from `key`'s bucket; false (taking nothing) when it holds fewer. */
  take(key: string, n = 1): boolean {
    const t = this.now();
    const tokens = this.#level(key, t);
    if (tokens < n) {
      this.#set(key, tokens, t);
      return false;
    }
    this.#set(key, tokens - n, t);
    return true;
  }

  /** Whole seconds until `key`'s bucket holds `n` tokens again (at least 1). */
  retryAfterSeconds(key: string, n = 1): number {
    const { perInterval, intervalMs } = this.limits();
    const missing = n - this.#level(key, this.now());
    return Math.max(1, Math.ceil((missing * intervalMs) / perInterval / 1000));
  }

  /** Forgets buckets that are full again (call now and then). */
  sweep(): void {
    const t = this.now();
    const { burst } = this.limits();
    for (const key of [...this.#buckets.keys()]) {
      if (this.#level(key, t) >= burst) this.#buckets.delete(key);
    }
  }

  get size(): number {
    return this.#buckets.size;
  }

  #set(key: string, tokens: number, t: number): void {
    if (tokens >= this.limits().burst) {
      this.#buckets.delete(key);
      return;
    }
    this.#buckets.delete(key); // re-insert: Map order is then least recently used first
    this.#buckets.set(key, { tokens, at: t });
    if (this.#buckets.size > this.maxKeys) {
      this.#buckets.delete(this.#buckets.keys().next().value!);
    }
  }
}

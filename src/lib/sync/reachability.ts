/**
 * One source of truth for "is this device online?" (issue 12). The browser's `navigator.onLine`
 * and its `online`/`offline` events are hints only: Chromium can report online after an offline
 * reload and fire no event, and a browser on a network without the relay is online but cut off.
 * So the answer also counts whether the relay answers: a probe of its health endpoint, and what
 * the relay socket reports (open → answered; closed → probe again).
 *
 * - `online` is false when the browser says offline, or when the relay has not answered since it
 *   last failed; true once the relay answers while the browser says online.
 * - While the relay is unreachable it is probed again with a growing delay (1 s … 30 s); while it
 *   answers, every 30 s (a device with no open socket would otherwise never notice).
 * Plain TypeScript with an injected clock and probe, so it is tested in Node.
 */

export type RelayReach = 'unknown' | 'reachable' | 'unreachable';

export interface NetworkSnapshot {
  /** What the browser claims (navigator.onLine and its events). */
  browserOnline: boolean;
  /** Whether the relay answered last time it was asked. */
  relay: RelayReach;
  /** The verdict: may this device expect to reach the relay? */
  online: boolean;
}

export interface ReachabilityClock {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface ReachabilityOptions {
  /** Resolves true when the relay answered (e.g. GET /healthz returned 200), false otherwise. */
  probe(): Promise<boolean>;
  browserOnline: boolean;
  clock?: ReachabilityClock;
  /** Delay before re-probing an unreachable relay: first, and the cap as it doubles. */
  retryMs?: number;
  maxRetryMs?: number;
  /** Re-probe interval while the relay answers. */
  healthyEveryMs?: number;
}

/**
 * A probe of the relay's health endpoint: true when it answers 200 within `timeoutMs` (the body
 * is discarded); false for any other status. @throws when the request fails or times out
 */
export function healthProbe(
  url: string,
  options: { timeoutMs?: number; fetcher?: typeof fetch } = {},
): () => Promise<boolean> {
  const fetcher = options.fetcher ?? ((input, init) => fetch(input, init));
  return async () => {
    const response = await fetcher(url, {
      cache: 'no-store',
      signal: AbortSignal.timeout(options.timeoutMs ?? 5_000),
    });
    await response.body?.cancel();
    return response.ok;
  };
}

const realClock: ReachabilityClock = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export class NetworkMonitor {
  readonly #probe: () => Promise<boolean>;
  readonly #clock: ReachabilityClock;
  readonly #retryMs: number;
  readonly #maxRetryMs: number;
  readonly #healthyEveryMs: number;
  readonly #listeners = new Set<(snapshot: NetworkSnapshot) => void>();
  #browserOnline: boolean;
  #relay: RelayReach = 'unknown';
  #delay: number;
  #timer: unknown = null;
  /** Increases with every probe started; a late answer of an older probe is ignored. */
  #probeId = 0;
  #stopped = false;

  constructor(options: ReachabilityOptions) {
    this.#probe = options.probe;
    this.#clock = options.clock ?? realClock;
    this.#retryMs = options.retryMs ?? 1_000;
    this.#maxRetryMs = options.maxRetryMs ?? 30_000;
    this.#healthyEveryMs = options.healthyEveryMs ?? 30_000;
    this.#browserOnline = options.browserOnline;
    if (!options.browserOnline) this.#relay = 'unreachable';
    this.#delay = this.#retryMs;
  }

  get snapshot(): NetworkSnapshot {
    return {
      browserOnline: this.#browserOnline,
      relay: this.#relay,
      online: this.#browserOnline && this.#relay !== 'unreachable',
    };
  }

  /** Listens for changes of the snapshot; returns a function that stops listening. */
  subscribe(listener: (snapshot: NetworkSnapshot) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The browser's online/offline event. Going offline is believed at once; online is checked. */
  browserEvent(online: boolean): void {
    this.#set({ browserOnline: online, relay: online ? this.#relay : 'unreachable' });
    this.#delay = this.#retryMs;
    void this.check();
  }

  /** The relay socket opened or a request to the relay succeeded. */
  relayAnswered(): void {
    this.#delay = this.#retryMs;
    this.#probeId += 1; // an older probe's failure must not override this
    this.#set({ relay: 'reachable' });
    this.#schedule(this.#healthyEveryMs);
  }

  /** The relay socket closed or a request to the relay failed: find out whether it answers. */
  relayFailed(): void {
    void this.check();
  }

  /** Probes the relay now. */
  async check(): Promise<void> {
    if (this.#stopped) return;
    this.#cancel();
    const id = ++this.#probeId;
    let answered = false;
    try {
      answered = await this.#probe();
    } catch {
      answered = false;
    }
    if (this.#stopped || id !== this.#probeId) return;
    if (answered) {
      this.#delay = this.#retryMs;
      this.#set({ relay: 'reachable' });
      this.#schedule(this.#healthyEveryMs);
    } else {
      this.#set({ relay: 'unreachable' });
      this.#schedule(this.#delay);
      this.#delay = Math.min(this.#delay * 2, this.#maxRetryMs);
    }
  }

  stop(): void {
    this.#stopped = true;
    this.#cancel();
    this.#listeners.clear();
  }

  #schedule(ms: number): void {
    this.#cancel();
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = null;
      void this.check();
    }, ms);
  }

  #cancel(): void {
    if (this.#timer !== null) this.#clock.clearTimeout(this.#timer);
    this.#timer = null;
  }

  #set(change: Partial<{ browserOnline: boolean; relay: RelayReach }>): void {
    const before = this.snapshot;
    if (change.browserOnline !== undefined) this.#browserOnline = change.browserOnline;
    if (change.relay !== undefined) this.#relay = change.relay;
    const after = this.snapshot;
    if (
      before.online !== after.online ||
      before.relay !== after.relay ||
      before.browserOnline !== after.browserOnline
    ) {
      for (const listener of this.#listeners) listener(after);
    }
  }
}

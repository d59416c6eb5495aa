/**
 * When catch-up passes run (ADR 0007; the passes themselves are catch-up.ts): once started, now,
 * every `everyMs` (15 s), when asked (back online: at once; after a closed document was sealed
 * into: after `debounceMs` of quiet). One pass at a time: a pass asked for while one is under way
 * runs right after it. No pass runs while `online()` is false. Plain TypeScript with an injected
 * clock, tested in Node.
 */
import type { CatchUpDoc, CatchUpOptions, CatchUpReport } from './catch-up';

/** What the practice provides for catch-up of documents that are not open. */
export interface CatchUpSource {
  store: CatchUpOptions['store'];
  /** Every document this device can open, with its room. */
  docs(): Promise<CatchUpDoc[]>;
  receive: CatchUpOptions['receive'];
  isOpen(key: string): boolean;
}

/** The part of catch-up.ts's CatchUp a scheduler drives. */
export interface CatchUpRunner {
  markDirty(key: string): void;
  run(docs: readonly CatchUpDoc[], skip: (key: string) => boolean): Promise<CatchUpReport>;
}

export interface SchedulerClock {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface CatchUpSchedulerOptions {
  /** Makes the runner for a source (at the first pass, so its code can load lazily). */
  create(source: CatchUpSource): Promise<CatchUpRunner>;
  /** Whether the relay may be reached now (lib/sync/reachability.ts). */
  online(): boolean;
  clock?: SchedulerClock;
  everyMs?: number;
  debounceMs?: number;
  /** Called after every pass (finished or failed). */
  onPass?(): void;
}

/** How often the change feed is asked while unlocked and online. */
export const CATCH_UP_EVERY_MS = 15_000;
/** Sealed edits of closed documents are uploaded after this quiet time. */
export const CATCH_UP_DEBOUNCE_MS = 1_000;

const realClock: SchedulerClock = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export class CatchUpScheduler {
  readonly #options: CatchUpSchedulerOptions;
  readonly #clock: SchedulerClock;
  readonly #everyMs: number;
  readonly #debounceMs: number;
  #source: CatchUpSource | null = null;
  #runner: CatchUpRunner | null = null;
  /** Documents marked dirty before the runner existed. */
  readonly #pendingDirty = new Set<string>();
  #timer: unknown = null;
  #every: unknown = null;
  #running: Promise<void> | null = null;
  #again = false;
  #last: CatchUpReport | null = null;
  #error: string | null = null;
  #passes = 0;
  #fullPasses = 0;

  constructor(options: CatchUpSchedulerOptions) {
    this.#options = options;
    this.#clock = options.clock ?? realClock;
    this.#everyMs = options.everyMs ?? CATCH_UP_EVERY_MS;
    this.#debounceMs = options.debounceMs ?? CATCH_UP_DEBOUNCE_MS;
  }

  /** The last finished pass. */
  get lastReport(): CatchUpReport | null {
    return this.#last;
  }
  /** Why the last pass failed (e.g. the relay is unreachable), or null. */
  get error(): string | null {
    return this.#error;
  }
  /** How many passes have finished. */
  get passes(): number {
    return this.#passes;
  }
  /** How many finished passes visited every document (a first pass, a wiped relay). */
  get fullPasses(): number {
    return this.#fullPasses;
  }
  get started(): boolean {
    return this.#source !== null;
  }

  /** Starts passes over `source` (once; later calls are ignored): now and every `everyMs`. */
  start(source: CatchUpSource): void {
    if (this.#source) return;
    this.#source = source;
    const tick = () => {
      this.#every = this.#clock.setTimeout(tick, this.#everyMs);
      this.schedule(0);
    };
    this.#every = this.#clock.setTimeout(tick, this.#everyMs);
    this.schedule(0);
  }

  /** A document was sealed into: make sure the relay gets it even after it is closed. */
  markDirty(key: string): void {
    this.#pendingDirty.add(key);
    this.#runner?.markDirty(key);
    this.schedule(this.#debounceMs);
  }

  /** Runs a pass after `delayMs` (replacing a pass scheduled earlier); nothing before `start`. */
  schedule(delayMs = this.#debounceMs): void {
    if (!this.#source) return;
    if (this.#timer !== null) this.#clock.clearTimeout(this.#timer);
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = null;
      void this.runNow();
    }, delayMs);
  }

  /** Runs one pass (or queues one after the pass under way). */
  runNow(): Promise<void> {
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = this.#pass().finally(() => {
      this.#running = null;
      if (this.#again) {
        this.#again = false;
        this.schedule(0);
      }
    });
    return this.#running;
  }

  /** Stops every timer (the pass under way finishes). */
  stop(): void {
    if (this.#timer !== null) this.#clock.clearTimeout(this.#timer);
    if (this.#every !== null) this.#clock.clearTimeout(this.#every);
    this.#timer = null;
    this.#every = null;
  }

  async #pass(): Promise<void> {
    const source = this.#source;
    if (!source || !this.#options.online()) return;
    try {
      if (!this.#runner) {
        this.#runner = await this.#options.create(source);
        for (const key of this.#pendingDirty) this.#runner.markDirty(key);
      }
      this.#pendingDirty.clear();
      this.#last = await this.#runner.run(await source.docs(), source.isOpen);
      this.#error = null;
      this.#passes += 1;
      if (this.#last.full) this.#fullPasses += 1;
    } catch (error) {
      this.#error = (error as Error).message ?? 'catch-up failed';
    }
    this.#options.onPass?.();
  }
}

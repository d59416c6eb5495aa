/**
 * A manual clock for unit tests: timers fire only when the test advances time, so expiries and
 * retries are tested without real waiting and without flakiness.
 */
export interface ManualClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): number;
  clearTimeout(handle: unknown): void;
  /** Moves time forward, firing every timer that falls due (in order), and lets promises settle. */
  advance(ms: number): Promise<void>;
  /** Timers not yet fired. */
  pending(): number;
}

export function manualClock(start = 0): ManualClock {
  let now = start;
  let nextId = 1;
  const timers = new Map<number, { at: number; fn: () => void }>();
  const settle = async () => {
    for (let i = 0; i < 5; i++) await Promise.resolve();
  };
  return {
    now: () => now,
    setTimeout(fn, ms) {
      const id = nextId++;
      timers.set(id, { at: now + Math.max(0, ms), fn });
      return id;
    },
    clearTimeout(handle) {
      timers.delete(handle as number);
    },
    async advance(ms) {
      const until = now + ms;
      for (;;) {
        await settle();
        let due: [number, { at: number; fn: () => void }] | undefined;
        for (const entry of timers) {
          if (entry[1].at <= until && (!due || entry[1].at < due[1].at)) due = entry;
        }
        if (!due) break;
        timers.delete(due[0]);
        now = due[1].at;
        due[1].fn();
      }
      now = until;
      await settle();
    },
    pending: () => timers.size,
  };
}

/**
 * Long loops over every chart (20,000 at scale) in slices, giving the main thread back between
 * slices, so background sync never holds it for one long task (issue 15: search keystroke →
 * screen ≤ 50 ms p95 while catch-up runs). Slices are counted in items, not timed, so what
 * happens is the same on every machine and tests count the pauses.
 */

/** Gives the event loop a turn: `scheduler.yield()` where the browser has it, else a task. */
export function yieldToMain(): Promise<void> {
  const scheduler = (globalThis as { scheduler?: { yield?: () => Promise<void> } }).scheduler;
  if (typeof scheduler?.yield === 'function') return scheduler.yield();
  return new Promise((resolve) => setTimeout(resolve, 0));
}

export interface SliceOptions {
  /** Items per slice (at least 1). */
  size: number;
  /** Awaited between slices (never before the first, never after the last). */
  pause?: () => Promise<void>;
}

/** `items.filter(keep)`, in slices of `size` with a pause between them. */
export async function filterInSlices<T>(
  items: readonly T[],
  keep: (item: T) => boolean,
  { size, pause = yieldToMain }: SliceOptions,
): Promise<T[]> {
  const step = Math.max(1, Math.floor(size));
  const kept: T[] = [];
  for (let i = 0; i < items.length; i += step) {
    if (i > 0) await pause();
    const end = Math.min(items.length, i + step);
    for (let j = i; j < end; j++) if (keep(items[j]!)) kept.push(items[j]!);
  }
  return kept;
}

/** Runs `each` over `items` in slices of `size` with a pause between them. */
export async function forEachInSlices<T>(
  items: readonly T[],
  each: (item: T, index: number) => void,
  { size, pause = yieldToMain }: SliceOptions,
): Promise<void> {
  const step = Math.max(1, Math.floor(size));
  for (let i = 0; i < items.length; i += step) {
    if (i > 0) await pause();
    const end = Math.min(items.length, i + step);
    for (let j = i; j < end; j++) each(items[j]!, j);
  }
}

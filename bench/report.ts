/** Bench output: one line per measure with workload, value, baseline and ratio. */
import { cpus } from 'node:os';

export function machine(): string {
  return `${cpus()[0]?.model ?? 'unknown cpu'} ×${cpus().length}, Node ${process.version}`;
}

export function line(measure: string, workload: string, value: string, extra = ''): void {
  console.log(`${measure.padEnd(34)} ${workload.padEnd(22)} ${value}${extra ? `  ${extra}` : ''}`);
}

/** Runs fn repeatedly for about `ms` (at least `min` times, at most `max`), returns ops/s. */
export function opsPerSecond(fn: () => void, ms = 400, min = 3, max = 1_000_000): number {
  for (let i = 0; i < 2; i++) fn(); // warm up
  let count = 0;
  const start = performance.now();
  while ((count < min || performance.now() - start < ms) && count < max) {
    fn();
    count++;
  }
  return count / ((performance.now() - start) / 1000);
}

/**
 * Measures two functions in alternating rounds (so machine noise hits both alike) and returns
 * the median ops/s of each.
 */
export function compare(a: () => void, b: () => void, rounds = 7, ms = 150): [number, number] {
  const ra: number[] = [];
  const rb: number[] = [];
  for (let i = 0; i < rounds; i++) {
    ra.push(opsPerSecond(a, ms));
    rb.push(opsPerSecond(b, ms));
  }
  const median = (xs: number[]) => xs.sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
  return [median(ra), median(rb)];
}

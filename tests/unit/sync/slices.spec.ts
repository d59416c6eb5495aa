import fc from 'fast-check';
import { expect, it } from 'vitest';
import { filterInSlices, forEachInSlices } from '../../../src/lib/sync/slices.ts';

/** Records, per stretch between pauses, how many items were handled. */
function stretches() {
  const counts = [0];
  return {
    counts,
    item: () => counts[counts.length - 1]!++,
    pause: async () => void counts.push(0),
  };
}

it('filters like Array.filter, never handling more than a slice between two pauses', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.integer(), { maxLength: 300 }),
      fc.integer({ min: 1, max: 50 }),
      async (items, size) => {
        const s = stretches();
        const kept = await filterInSlices(
          items,
          (x) => {
            s.item();
            return x % 3 === 0;
          },
          { size, pause: s.pause },
        );
        expect(kept).toEqual(items.filter((x) => x % 3 === 0));
        expect(s.counts.length).toBe(Math.max(1, Math.ceil(items.length / size)));
        expect(Math.max(...s.counts)).toBeLessThanOrEqual(size);
        expect(s.counts.reduce((a, b) => a + b, 0)).toBe(items.length);
      },
    ),
  );
});

it('visits each item once, in order, in slices', async () => {
  const s = stretches();
  const seen: number[] = [];
  await forEachInSlices(
    Array.from({ length: 2_500 }, (_, i) => i),
    (x, i) => {
      s.item();
      expect(x).toBe(i);
      seen.push(x);
    },
    { size: 1_000, pause: s.pause },
  );
  expect(seen).toEqual(Array.from({ length: 2_500 }, (_, i) => i));
  expect(s.counts).toEqual([1_000, 1_000, 500]);
  // A size below one still moves on.
  const t = stretches();
  await forEachInSlices([1, 2], t.item, { size: 0, pause: t.pause });
  expect(t.counts).toEqual([1, 1]);
});

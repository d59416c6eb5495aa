import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { filterByWords, queryWords } from '../../../src/lib/chart/text-filter.ts';

const meds = [
  { drug: 'Celecoxib 200 MG Oral Capsule', status: 'active' },
  { drug: 'Simvastatin 20 MG Oral Tablet', status: 'stopped' },
  { drug: 'Acetaminophen 325 MG Oral Tablet', status: 'active' },
];

describe('the list filter', () => {
  it('keeps items containing every word, ignoring case and accents', () => {
    const by = (q: string) => filterByWords(meds, q, (m) => [m.drug, m.status]).map((m) => m.drug);
    expect(by('')).toHaveLength(3);
    expect(by('  ')).toHaveLength(3);
    expect(by('oral tablet')).toEqual([
      'Simvastatin 20 MG Oral Tablet',
      'Acetaminophen 325 MG Oral Tablet',
    ]);
    expect(by('TABLET active')).toEqual(['Acetaminophen 325 MG Oral Tablet']);
    expect(by('celecoxib 325')).toEqual([]);
    expect(filterByWords(['Mariana Acuña'], 'acuna', (s) => s)).toEqual(['Mariana Acuña']);
  });

  it('never adds items and narrows as words are added (fast-check)', () => {
    fc.assert(
      fc.property(fc.array(fc.string()), fc.string(), fc.string(), (items, a, b) => {
        const one = filterByWords(items, a, (s) => s);
        const two = filterByWords(items, `${a} ${b}`, (s) => s);
        expect(one.every((x) => items.includes(x))).toBe(true);
        expect(two.every((x) => one.includes(x))).toBe(true);
        if (queryWords(a).length === 0) expect(one).toEqual(items);
      }),
    );
  });
});

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { tabFromUrl, tabKeyTarget, tabSlug, urlWithTab } from '../../../src/lib/ui/tabs.ts';

describe('chart tabs', () => {
  it('move with arrow keys (wrapping), Home and End; other keys do nothing', () => {
    expect(tabKeyTarget('ArrowRight', 0, 3)).toBe(1);
    expect(tabKeyTarget('ArrowRight', 2, 3)).toBe(0);
    expect(tabKeyTarget('ArrowLeft', 0, 3)).toBe(2);
    expect(tabKeyTarget('Home', 2, 3)).toBe(0);
    expect(tabKeyTarget('End', 0, 3)).toBe(2);
    expect(tabKeyTarget('a', 1, 3)).toBeNull();
    expect(tabKeyTarget('ArrowRight', 0, 0)).toBeNull();
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 50 }), fc.nat(), (count, n) => {
        const at = n % count;
        const right = tabKeyTarget('ArrowRight', at, count)!;
        expect(right).toBeGreaterThanOrEqual(0);
        expect(right).toBeLessThan(count);
        expect(tabKeyTarget('ArrowLeft', right, count)).toBe(at);
      }),
    );
  });

  it('are named in the URL; an unknown or missing name opens the first', () => {
    const tabs = ['Summary', 'Medications', 'Visits'].map((label) => ({
      label,
      slug: tabSlug(label),
    }));
    const base = new URL('http://127.0.0.1/charts/abc');
    expect(tabFromUrl(base, tabs).label).toBe('Summary');
    const meds = urlWithTab(base, 'medications', 'summary');
    expect(meds.search).toBe('?tab=medications');
    expect(tabFromUrl(meds, tabs).label).toBe('Medications');
    expect(urlWithTab(meds, 'summary', 'summary').search).toBe('');
    expect(tabFromUrl(new URL('http://x/?tab=%3Cscript%3E'), tabs).label).toBe('Summary');
    expect(tabSlug('Problems & allergies')).toBe('problems-allergies');
  });
});

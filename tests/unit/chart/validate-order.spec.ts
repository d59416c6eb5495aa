import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Checker, endBeforeStart, ValidationError } from '../../../src/lib/chart/validate.ts';

const isoDate = fc
  .date({
    min: new Date('1800-01-01T00:00:00Z'),
    max: new Date('2200-12-31T00:00:00Z'),
    noInvalidDate: true,
  })
  .map((d) => d.toISOString().slice(0, 10));

describe('Checker.order (an end that must not come before its start)', () => {
  it('flags the end field with the given message when the end is before the start', () => {
    const c = new Checker().order(
      'end',
      '2024-03-10',
      '2024-03-09',
      'End date is before the start date.',
    );
    expect(c.issues).toEqual([{ field: 'end', message: 'End date is before the start date.' }]);
    expect(() => c.done()).toThrow(ValidationError);
    expect(() => c.done()).toThrow('End date is before the start date.');
  });

  it('passes an end on or after the start, and a missing start or end', () => {
    for (const [start, end] of [
      ['2024-03-10', '2024-03-10'],
      ['2024-03-10', '2024-03-11'],
      ['', '2024-03-01'],
      ['2024-03-10', ''],
      [undefined, '2024-03-01'],
      ['2024-03-10', undefined],
      [undefined, undefined],
    ] as const) {
      const c = new Checker().order('end', start, end, 'x');
      expect(c.issues).toEqual([]);
      expect(() => c.done()).not.toThrow();
    }
  });

  it('ignores values that are not strings (a damaged entry) instead of throwing', () => {
    expect(new Checker().order('end', 20240310, '2024-03-09', 'x').issues).toEqual([]);
    expect(new Checker().order('end', '2024-03-10', null, 'x').issues).toEqual([]);
    expect(endBeforeStart({}, [])).toBe(false);
  });

  it('never throws and flags exactly the pairs whose end is before the start (random dates)', () => {
    fc.assert(
      fc.property(isoDate, isoDate, (start, end) => {
        const c = new Checker().order('end', start, end, 'm');
        const expected = Date.parse(end) < Date.parse(start);
        expect(c.issues.length).toBe(expected ? 1 : 0);
        expect(endBeforeStart(start, end)).toBe(expected);
      }),
    );
  });

  it('never throws on any input at all', () => {
    fc.assert(
      fc.property(fc.anything(), fc.anything(), (start, end) => {
        const c = new Checker().order('end', start, end, 'm');
        expect(c.issues.length).toBeLessThanOrEqual(1);
      }),
    );
  });
});

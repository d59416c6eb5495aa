import { describe, expect, it } from 'vitest';
import {
  growthApplies,
  growthView,
  headCircumferenceApplies,
  isAdult,
  unitConverter,
} from '../../../src/lib/state/chart-readings.ts';
import type { Patient, Vitals } from '../../../src/lib/chart/types.ts';

const child: Patient = {
  given: 'Ada',
  family: 'Lind',
  birthDate: '2024-03-01',
  gender: 'female',
  mrn: 'M1',
};

describe('chart readings for the UI', () => {
  it('offer growth charts under 20 with a sex the CDC tables have, head circumference to 36 months', () => {
    expect(growthApplies(child, '2026-12-02')).toBe(true);
    expect(growthApplies({ ...child, birthDate: '2006-12-01' }, '2026-12-02')).toBe(false);
    expect(growthApplies({ ...child, gender: 'unknown' }, '2026-12-02')).toBe(false);
    expect(headCircumferenceApplies(child, '2027-03-01')).toBe(true);
    expect(headCircumferenceApplies(child, '2027-04-01')).toBe(false);
    expect(isAdult(child, '2042-02-28')).toBe(false);
    expect(isAdult(child, '2042-03-01')).toBe(true);
  });

  it('build growth charts from vitals, leaving out entries marked in error', async () => {
    const vitals: Vitals[] = [
      {
        effectiveDate: '2024-09-01',
        weightKg: 7.6,
        heightCm: 66,
        headCircumferenceCm: 42.5,
        status: 'final',
      },
      { effectiveDate: '2025-03-01', weightKg: 40, status: 'entered-in-error' },
    ];
    const view = await growthView(child, vitals);
    expect(view.kind).toBe('charts');
    if (view.kind !== 'charts') return;
    expect(view.charts.map((c) => c.measure)).toEqual(['weight', 'length', 'head']);
    for (const c of view.charts) {
      expect(c.points).toHaveLength(1);
      expect(c.points[0]!.percentile).toBeGreaterThan(3);
      expect(c.points[0]!.percentile).toBeLessThan(97);
    }
    expect(await growthView({ ...child, gender: 'other' }, vitals)).toMatchObject({ kind: 'none' });
    expect(await growthView(child, [])).toEqual({
      kind: 'none',
      reason: 'No weight, length, BMI or head circumference has been recorded before age 20.',
    });
  });

  it('convert between UCUM units once loaded', async () => {
    const convert = await unitConverter();
    expect(convert(1, 'g/dL', 'g/L')).toBeCloseTo(10, 10);
    expect(convert(1, 'g', 'g/L')).toBeNull();
  });
});

import { describe, expect, it } from 'vitest';
import { vitalMeasures, vitals, vitalsLine } from '../../../src/lib/chart/sections/vitals.ts';
import { context, entry, issues, openChart } from './sections/helpers.ts';

describe('vitals as read', () => {
  it('show an imported blood pressure with 13 decimals as whole mmHg, and keep it stored as it came', async () => {
    const measures = vitalMeasures({
      resourceType: 'Observation',
      code: { coding: [{ system: 'http://loinc.org', code: '55284-4' }] },
      component: [
        {
          code: { coding: [{ system: 'http://loinc.org', code: '8480-6' }] },
          valueQuantity: { value: 160.2783029541737, unit: 'mm[Hg]', code: 'mm[Hg]' },
        },
        {
          code: { coding: [{ system: 'http://loinc.org', code: '8462-4' }] },
          valueQuantity: { value: 99.11760331914749, unit: 'mm[Hg]', code: 'mm[Hg]' },
        },
      ],
    })!;
    expect(measures).toEqual({ systolic: 160.2783029541737, diastolic: 99.11760331914749 });
    const line = vitalsLine({
      effectiveDate: '2024-01-01',
      ...measures,
      heartRate: 71.6,
      temperatureC: 37.04,
      bmi: 27.349,
      status: 'final',
    });
    expect(line).toBe('2024-01-01: BP 160/99  HR 72  T 37.0 °C   BMI 27.3');
    expect(line).not.toContain('160.27');
  });

  it('record, export and import head circumference (LOINC 9843-4), within plausible limits', async () => {
    const chart = await openChart();
    chart.recordVitals({ effectiveDate: '2024-01-01', weightKg: 7.2, headCircumferenceCm: 43.1 });
    expect(chart.vitals()[0]!.data.headCircumferenceCm).toBe(43.1);
    expect(
      issues(() => chart.recordVitals({ effectiveDate: '2024-01-01', headCircumferenceCm: 90 })),
    ).toEqual(['headCircumferenceCm: Head circumference 90 cm is not possible (20–75 cm).']);
    const resources = vitals.fhirOut.render(entry(chart.vitals()[0]!.data), context);
    const head = resources.find((r) => JSON.stringify(r.code).includes('9843-4'))!;
    expect(head.valueQuantity).toMatchObject({ value: 43.1, code: 'cm' });
    expect(vitalMeasures(head)).toEqual({ headCircumferenceCm: 43.1 });
  });
});

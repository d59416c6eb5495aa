import { beforeEach, describe, expect, it } from 'vitest';
import type { ChartModel } from '../../../../src/lib/chart/model.ts';
import { today } from '../../../../src/lib/chart/dates.ts';
import { ValidationError } from '../../../../src/lib/chart/validate.ts';
import { vitals, vitalsLine } from '../../../../src/lib/chart/sections/vitals.ts';
import type { FhirResource } from '../../../../src/lib/chart/fhir-codes.ts';
import { context, entry, issues, openChart } from './helpers.ts';

let chart: ChartModel;
beforeEach(async () => {
  chart = await openChart();
});

describe('vitals', () => {
  it('derive BMI, refuse impossible values and ask to confirm outliers', () => {
    const id = chart.recordVitals({
      effectiveDate: today(),
      systolic: 128,
      diastolic: 82,
      weightKg: 70,
      heightCm: 175,
    });
    expect(chart.vitals()[0]).toMatchObject({ id, data: { bmi: 22.9, status: 'final' } });
    expect(
      issues(() => chart.recordVitals({ effectiveDate: today(), systolic: 80, diastolic: 120 })),
    ).toEqual(['diastolic: Diastolic pressure must be lower than systolic.']);
    expect(issues(() => chart.recordVitals({ effectiveDate: today(), heartRate: 400 }))).toEqual([
      'heartRate: Heart rate 400 /min is not possible (20–300 /min).',
    ]);
    let error: unknown;
    try {
      chart.recordVitals({ effectiveDate: today(), heartRate: 180 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).needsConfirmation).toBe(true);
    chart.recordVitals({ effectiveDate: today(), heartRate: 180 }, { confirmOutliers: true });
    expect(chart.vitals()).toHaveLength(2);
    expect(issues(() => chart.recordVitals({ effectiveDate: today() }))).toEqual([
      'systolic: Enter at least one measurement.',
    ]);
  });
});

describe('vitals FHIR', () => {
  it('export one Observation per measure, blood pressure as a panel', () => {
    const set = entry({
      effectiveDate: '2024-01-01',
      systolic: 120,
      diastolic: 80,
      heartRate: 70,
      status: 'final' as const,
    });
    const out = vitals.fhirOut.render(set, context);
    expect(out.map((r) => r.id)).toEqual(['e1-bp', 'e1-8867-4']);
    expect(out[0]!.component).toEqual([
      {
        code: {
          coding: [
            { system: 'http://loinc.org', code: '8480-6', display: 'Systolic blood pressure' },
          ],
          text: 'Systolic blood pressure',
        },
        valueQuantity: {
          value: 120,
          unit: 'mm[Hg]',
          system: 'http://unitsofmeasure.org',
          code: 'mm[Hg]',
        },
      },
      {
        code: {
          coding: [
            { system: 'http://loinc.org', code: '8462-4', display: 'Diastolic blood pressure' },
          ],
          text: 'Diastolic blood pressure',
        },
        valueQuantity: {
          value: 80,
          unit: 'mm[Hg]',
          system: 'http://unitsofmeasure.org',
          code: 'mm[Hg]',
        },
      },
    ]);
    expect(out.every((r) => r.effectiveDateTime === '2024-01-01' && r.status === 'final')).toBe(
      true,
    );
    expect(vitalsLine(set.data)).toBe('2024-01-01: BP 120/80  HR 70   ');
  });

  it('import Observations taken together as one set, converting units', () => {
    const obs = (id: string, code: string, value: number, unit: string): FhirResource => ({
      resourceType: 'Observation',
      id,
      status: 'final',
      category: [{ coding: [{ code: 'vital-signs' }] }],
      code: { coding: [{ system: 'http://loinc.org', code }] },
      effectiveDateTime: '2024-01-01T10:00:00Z',
      valueQuantity: { value, code: unit },
    });
    const a = obs('a', '8867-4', 70, '/min');
    const b = obs('b', '29463-7', 220, '[lb_av]');
    const c = obs('c', '8867-4', 72, '/min');
    const unknown = obs('d', '1234-5', 1, '/min');
    expect(vitals.fhirIn!.matches!(a)).toBe(true);
    const importer = vitals.fhirIn!.importer();
    expect([a, b, c, unknown].map((r) => importer.take(r))).toEqual([
      'gathered',
      'gathered',
      'gathered',
      null,
    ]);
    expect(importer.finish!()).toEqual([
      { heartRate: 70, weightKg: 99.8, effectiveDate: '2024-01-01', status: 'final', fhir: [a, b] },
      { heartRate: 72, effectiveDate: '2024-01-01', status: 'final', fhir: [c] },
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { sectionNamed } from '../../../src/lib/chart/sections/index.ts';
import type { Allergy, Entry, Medication } from '../../../src/lib/chart/types.ts';
import type { ChartView } from '../../../src/lib/state/chart.svelte.ts';
import {
  chartSafetyReport,
  formSafety,
  overridesInChange,
} from '../../../src/lib/state/med-safety.ts';

const entry = <T>(id: string, data: T): Entry<T> => ({
  id,
  data,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  history: [],
});
const med = (id: string, drug: string, status: Medication['status'] = 'active') =>
  entry<Medication>(id, { drug, dose: '', route: 'oral', frequency: '', status });
const allergy = (id: string, substance: string, extra: Partial<Allergy> = {}) =>
  entry<Allergy>(id, {
    substance,
    category: 'medication',
    clinicalStatus: 'active',
    verificationStatus: 'confirmed',
    ...extra,
  });
const view = (medications: Entry<Medication>[], allergies: Entry<Allergy>[]) =>
  ({ medications, allergies }) as unknown as ChartView;

describe('medication safety for the UI (over the chart view)', () => {
  it('the medication form interrupts on high alerts; the allergy form only informs', () => {
    const v = view([med('m1', 'Verapamil 80 MG Oral Tablet')], [allergy('a1', 'Sulfa drugs')]);
    const meds = formSafety(v, sectionNamed('medication')!, { drug: 'Simvastatin 40 MG' });
    expect(meds!.interruptive).toBe(true);
    expect(meds!.report.alerts.map((a) => a.title)).toEqual([
      'Interaction: simvastatin + verapamil',
    ]);
    // Nothing typed yet: nothing to say (no "not checked" either).
    expect(formSafety(v, sectionNamed('medication')!, { drug: ' ' })!.report).toEqual({
      alerts: [],
      unchecked: [],
    });
    const allergies = formSafety(v, sectionNamed('allergy')!, {
      substance: 'verapamil',
      category: 'medication',
    });
    expect(allergies!.interruptive).toBe(false);
    expect(allergies!.report.alerts.map((a) => a.severity)).toEqual(['high']);
    // Sections without checks, or no chart open: nothing.
    expect(formSafety(v, sectionNamed('problem')!, { text: 'x' })).toBeNull();
    expect(formSafety(null, sectionNamed('medication')!, { drug: 'x' })?.report).toEqual({
      alerts: [],
      unchecked: [],
    });
  });

  it('the Summary reads only active medications and active, confirmed allergies', () => {
    const v = view(
      [
        med('m1', 'Verapamil 80 MG Oral Tablet'),
        med('m2', 'Simvastatin 20 MG Oral Tablet', 'stopped'),
        med('m3', 'Amoxicillin 500 MG Oral Capsule'),
      ],
      [
        allergy('a1', 'Penicillin', { verificationStatus: 'entered-in-error' }),
        allergy('a2', 'Penicillin', { clinicalStatus: 'resolved' }),
      ],
    );
    expect(chartSafetyReport(v).alerts).toEqual([]);
  });

  it('an override in a history record reads as words in the Audit tab', () => {
    expect(
      overridesInChange({
        drug: 'Amoxicillin',
        overrides: [{ title: 'Allergy to Penicillin: Amoxicillin', reason: 'Tolerated' }],
      }),
    ).toBe('; safety alert overridden: Allergy to Penicillin: Amoxicillin (reason: Tolerated)');
    expect(overridesInChange({ drug: 'x' })).toBe('');
    expect(overridesInChange({ overrides: 'not a list' })).toBe('');
  });
});

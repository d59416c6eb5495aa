import { beforeEach, describe, expect, it } from 'vitest';
import type { ChartModel } from '../../../../src/lib/chart/model.ts';
import { ChartError } from '../../../../src/lib/chart/errors.ts';
import {
  allergies,
  allergyOf,
  checkAllergy,
} from '../../../../src/lib/chart/sections/allergies.ts';
import { context, entry, issues, openChart } from './helpers.ts';

let chart: ChartModel;
beforeEach(async () => {
  chart = await openChart();
});

describe('allergies', () => {
  it('records "no known allergies" explicitly and refutes it when an allergy is added', () => {
    chart.recordNoKnownAllergies();
    expect(chart.activeAllergies().map((a) => a.data.substance)).toEqual(['No known allergies']);
    chart.addAllergy({
      substance: 'Penicillin',
      category: 'medication',
      criticality: 'high',
      reaction: 'Hives',
    });
    expect(chart.activeAllergies().map((a) => a.data.substance)).toEqual(['Penicillin']);
    expect(() => chart.recordNoKnownAllergies()).toThrow(ChartError);
  });
});

describe('allergies', () => {
  it('need a substance and a known criticality', () => {
    expect(issues(() => checkAllergy({ substance: '', criticality: 'severe' as 'high' }))).toEqual([
      'substance: Substance is required.',
      'criticality: Criticality must be one of: low, high, unable-to-assess.',
    ]);
  });

  it('export "no known allergies" as SNOMED 716186003 and import it back', () => {
    const nka = entry({
      substance: 'No known allergies',
      noKnownAllergies: true,
      clinicalStatus: 'active' as const,
      verificationStatus: 'confirmed' as const,
    });
    const [resource] = allergies.fhirOut.render(nka, context);
    expect(resource!.code).toEqual({
      coding: [
        { system: 'http://snomed.info/sct', code: '716186003', display: 'No known allergy' },
      ],
      text: 'No known allergy',
    });
    expect(resource!.patient).toEqual({ reference: 'Patient/p1' });
    expect(allergyOf(resource!)).toEqual({
      substance: 'No known allergy',
      noKnownAllergies: true,
      clinicalStatus: 'active',
      verificationStatus: 'confirmed',
    });
  });

  it('import reactions, category and criticality; refuted stays refuted', () => {
    expect(
      allergyOf({
        resourceType: 'AllergyIntolerance',
        id: 'a',
        code: { text: 'Peanut' },
        category: ['food'],
        criticality: 'high',
        verificationStatus: { coding: [{ code: 'refuted' }] },
        reaction: [{ manifestation: [{ text: 'Hives' }, { text: 'Wheeze' }] }],
      }),
    ).toEqual({
      substance: 'Peanut',
      category: 'food',
      criticality: 'high',
      reaction: 'Hives, Wheeze',
      clinicalStatus: 'active',
      verificationStatus: 'refuted',
    });
    expect(allergyOf({ resourceType: 'AllergyIntolerance', id: 'b' })).toBeNull();
  });
});

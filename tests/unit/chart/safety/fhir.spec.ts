import { beforeEach, describe, expect, it } from 'vitest';
import type { ChartModel } from '../../../../src/lib/chart/model.ts';
import { planImport } from '../../../../src/lib/chart/fhir-in.ts';
import { chartToFhir } from '../../../../src/lib/chart/fhir-out.ts';
import { checkResource } from '../../../../src/lib/fhir/r4/index.ts';
import { openChart } from '../sections/helpers.ts';

let chart: ChartModel;
beforeEach(async () => {
  chart = await openChart();
});

describe('overridden safety alerts in FHIR', () => {
  it('each override is exported as a DetectedIssue implicating the MedicationRequest, with the reason as its mitigation', async () => {
    const allergy = chart.addAllergy({ substance: 'Penicillin', category: 'medication' });
    const id = chart.addFromForm(
      'medication',
      { drug: 'Amoxicillin 500 MG Oral Capsule', dose: '500 mg', route: 'oral', frequency: '' },
      { overrides: [{ alert: `allergy:${allergy}:723`, reason: 'Tolerated in 2023' }] },
    );
    const resources = chartToFhir(chart, 'p1');
    const issues = resources.filter((r) => r.resourceType === 'DetectedIssue');
    expect(issues).toHaveLength(1);
    const at = chart.medications()[0]!.data.overrides![0]!.at;
    expect(issues[0]).toEqual({
      resourceType: 'DetectedIssue',
      id: `${id}-alert-1`,
      status: 'final',
      code: { text: 'Drug-allergy alert' },
      severity: 'high',
      patient: { reference: 'Patient/p1' },
      identifiedDateTime: at,
      implicated: [{ reference: `MedicationRequest/${id}` }],
      detail:
        'Allergy to Penicillin: Amoxicillin 500 MG Oral Capsule. Amoxicillin 500 MG Oral Capsule contains amoxicillin, of the Penicillins class, the class of the allergy. The patient has a recorded allergy to Penicillin. Source: FDA pharmacologic class (NLM RxClass).',
      mitigation: [
        { action: { text: 'Overridden by the prescriber: Tolerated in 2023' }, date: at },
      ],
    });
    for (const r of resources)
      expect(await checkResource({ resource: r, where: `${r.resourceType}/${r.id}` })).toEqual([]);
    // Imported elsewhere, the DetectedIssue is kept verbatim (Folio does not model it).
    const plan = planImport(resources);
    expect(plan.kept.filter((r) => r.resourceType === 'DetectedIssue')).toEqual(issues);
    // A medication without overrides exports no DetectedIssue.
    chart.addMedication({ drug: 'Lisinopril 10 MG', dose: '', route: 'oral', frequency: '' });
    expect(chartToFhir(chart, 'p1').filter((r) => r.resourceType === 'DetectedIssue')).toHaveLength(
      1,
    );
  });
});

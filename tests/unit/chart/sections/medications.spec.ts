import { beforeEach, describe, expect, it } from 'vitest';
import type { ChartModel } from '../../../../src/lib/chart/model.ts';
import {
  checkMedication,
  medicationOf,
  medications,
} from '../../../../src/lib/chart/sections/medications.ts';
import { context, entry, issues, openChart } from './helpers.ts';

let chart: ChartModel;
beforeEach(async () => {
  chart = await openChart();
});

describe('medications', () => {
  it('medications stop with a date and keep their history', () => {
    const id = chart.addMedication({
      drug: 'Lisinopril 10 mg tablet',
      dose: '10 mg',
      route: 'oral',
      frequency: 'once daily',
      startDate: '2025-01-01',
    });
    chart.stopMedication(id, '2026-01-01', 'Course complete');
    expect(chart.medications()[0]!.data).toMatchObject({
      status: 'stopped',
      endDate: '2026-01-01',
    });
  });

  it('need a drug and an end date not before the start', () => {
    expect(issues(() => checkMedication({ drug: '' }))).toEqual(['drug: Medication is required.']);
    expect(
      issues(() => checkMedication({ drug: 'X', startDate: '2024-02-01', endDate: '2024-01-01' })),
    ).toEqual(['endDate: End date is before the start date.']);
  });

  it('export a MedicationRequest with its dosage and import it back', () => {
    const med = entry({
      drug: 'Lisinopril',
      dose: '10 mg',
      route: 'oral',
      frequency: 'daily',
      startDate: '2025-01-01',
      status: 'active' as const,
    });
    const [resource] = medications.fhirOut.render(med, context);
    expect(resource).toMatchObject({
      resourceType: 'MedicationRequest',
      intent: 'order',
      dosageInstruction: [
        {
          text: '10 mg oral daily',
          route: { text: 'oral' },
          timing: { code: { text: 'daily' }, repeat: { boundsPeriod: { start: '2025-01-01' } } },
        },
      ],
    });
    expect(medicationOf(resource!)).toEqual({ ...med.data, dose: '10 mg oral daily' });
    expect(
      medicationOf({
        resourceType: 'MedicationStatement',
        id: 's',
        status: 'on-hold',
        medicationCodeableConcept: { text: 'Aspirin' },
        effectivePeriod: { start: '2020-01-01', end: '2020-02-01' },
      }),
    ).toEqual({
      drug: 'Aspirin',
      dose: '',
      route: '',
      frequency: '',
      startDate: '2020-01-01',
      endDate: '2020-02-01',
      status: 'active',
    });
  });
});

import { beforeEach, describe, expect, it } from 'vitest';
import type { ChartModel } from '../../../../src/lib/chart/model.ts';
import { today } from '../../../../src/lib/chart/dates.ts';
import { VACCINES } from '../../../../src/lib/chart/cvx.ts';
import { immunizationOf, immunizations } from '../../../../src/lib/chart/sections/immunizations.ts';
import { context, entry, issues, openChart } from './helpers.ts';

let chart: ChartModel;
beforeEach(async () => {
  chart = await openChart();
});

describe('immunizations', () => {
  it('immunizations need a CVX code from the shipped list', () => {
    expect(VACCINES.length).toBeGreaterThan(250);
    expect(issues(() => chart.addImmunization({ cvx: '9999', occurrenceDate: today() }))).toEqual([
      'cvx: “9999” is not a CVX code: CVX codes are numbers of up to three digits (e.g. 208).',
    ]);
    expect(issues(() => chart.addImmunization({ cvx: '555', occurrenceDate: today() }))).toEqual([
      'cvx: Choose a vaccine from the CVX list.',
    ]);
    chart.addImmunization({ cvx: '03', occurrenceDate: '2020-01-02', lotNumber: 'X1' });
    expect(chart.immunizations()[0]!.data).toMatchObject({
      cvx: '03',
      vaccine: 'measles, mumps and rubella virus vaccine',
    });
  });

  it('export the CVX code and import it back, with the shipped vaccine name if none is given', () => {
    const given = entry({
      cvx: '03',
      vaccine: 'MMR',
      occurrenceDate: '2020-01-02',
      lotNumber: 'X1',
      status: 'completed' as const,
    });
    const [resource] = immunizations.fhirOut.render(given, context);
    expect(resource).toEqual({
      resourceType: 'Immunization',
      id: 'e1',
      status: 'completed',
      vaccineCode: {
        coding: [{ system: 'http://hl7.org/fhir/sid/cvx', code: '03', display: 'MMR' }],
        text: 'MMR',
      },
      patient: { reference: 'Patient/p1' },
      occurrenceDateTime: '2020-01-02',
      recorded: '2024-01-02T03:04:05.000Z',
      lotNumber: 'X1',
    });
    expect(immunizationOf(resource!)).toEqual(given.data);
    expect(
      immunizationOf({
        resourceType: 'Immunization',
        id: 'i',
        status: 'completed',
        vaccineCode: { coding: [{ system: 'http://hl7.org/fhir/sid/cvx', code: '03' }] },
        occurrenceDateTime: '2020-01-02T09:00:00Z',
      })?.vaccine,
    ).toBe('measles, mumps and rubella virus vaccine');
    expect(immunizationOf({ ...resource!, status: 'not-done' })).toBeNull();
  });
});

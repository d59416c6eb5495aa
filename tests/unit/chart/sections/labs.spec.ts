import { beforeEach, describe, expect, it } from 'vitest';
import type { ChartModel } from '../../../../src/lib/chart/model.ts';
import { today } from '../../../../src/lib/chart/dates.ts';
import { interpret, labOf, labs } from '../../../../src/lib/chart/sections/labs.ts';
import { context, entry, issues, openChart } from './helpers.ts';

let chart: ChartModel;
beforeEach(async () => {
  chart = await openChart();
});

describe('labs', () => {
  it('labs derive their interpretation from the reference range', () => {
    chart.addLab({
      loinc: '2345-7',
      name: 'Glucose',
      value: 180,
      unit: 'mg/dL',
      low: 70,
      high: 99,
      effectiveDate: today(),
    });
    expect(chart.labs()[0]!.data.interpretation).toBe('H');
    expect(
      issues(() => chart.addLab({ loinc: 'abc', name: 'X', value: 1, effectiveDate: today() })),
    ).toEqual(['loinc: LOINC codes look like 2345-7.']);
  });

  it('need a test name, a date and a range that is not reversed; a LOINC code when given is valid', () => {
    expect(
      issues(() =>
        chart.addLab({ loinc: '', name: '', value: 1, low: 5, high: 1, effectiveDate: '' }),
      ),
    ).toEqual([
      'name: Test is required.',
      'effectiveDate: Date is required.',
      'low: The reference range is reversed.',
    ]);
    const base = { loinc: '1-1', name: 'X', effectiveDate: '2024-01-01' };
    expect(interpret({ ...base, value: 50, low: 70 })).toBe('L');
    expect(interpret({ ...base, value: 80, low: 70, high: 99 })).toBe('N');
    expect(interpret({ ...base, value: 'pos', low: 70 })).toBeUndefined();
    expect(interpret({ ...base, value: 80 })).toBeUndefined();
  });

  it('may be uncoded (a test outside the shipped LOINC list): kept by name, exported as text', () => {
    const id = chart.addLab({
      loinc: '',
      name: 'Anti-Xa level (send-out)',
      value: 0.6,
      unit: '[IU]/mL',
      effectiveDate: '2024-01-01',
    });
    const lab = chart.labs().find((l) => l.id === id)!;
    expect(lab.data.name).toBe('Anti-Xa level (send-out)');
    expect(lab.data.loinc ?? '').toBe('');
    const [resource] = labs.fhirOut.render(lab, context);
    expect(resource!.code).toEqual({ text: 'Anti-Xa level (send-out)' });
    // Imported back, it is the same uncoded test (not dropped).
    expect(labOf(resource!)).toMatchObject({
      loinc: '',
      name: 'Anti-Xa level (send-out)',
      value: 0.6,
    });
    expect(
      issues(() =>
        chart.addLab({ loinc: 'HbA1c', name: 'X', value: 1, effectiveDate: '2024-01-01' }),
      ),
    ).toHaveLength(1);
  });

  it('export a laboratory Observation and import it back', () => {
    const glucose = entry({
      loinc: '2345-7',
      name: 'Glucose',
      value: 180,
      unit: 'mg/dL',
      low: 70,
      high: 99,
      interpretation: 'H' as const,
      effectiveDate: '2024-01-01',
      status: 'final' as const,
    });
    const [resource] = labs.fhirOut.render(glucose, context);
    expect(resource).toMatchObject({
      resourceType: 'Observation',
      category: [{ coding: [{ code: 'laboratory' }] }],
      valueQuantity: {
        value: 180,
        unit: 'mg/dL',
        system: 'http://unitsofmeasure.org',
        code: 'mg/dL',
      },
      interpretation: [{ coding: [{ code: 'H' }] }],
      referenceRange: [{ low: { value: 70 }, high: { value: 99 } }],
    });
    expect(labs.fhirIn!.matches!(resource!)).toBe(true);
    expect(labOf(resource!)).toEqual(glucose.data);
    const text = labs.fhirOut.render(entry({ ...glucose.data, value: 'positive' }), context)[0]!;
    expect(text.valueString).toBe('positive');
    expect(text.valueQuantity).toBeUndefined();
    expect(labOf({ ...resource!, valueQuantity: undefined })).toBeNull();
  });
});

describe('the lab form', () => {
  it('reads numbers (decimal comma too) and keeps other values as text', () => {
    chart.addFromForm('lab', {
      loinc: ' 2345-7 ',
      name: 'Glucose',
      value: '5,5',
      unit: 'mmol/L',
      low: '3,9',
      high: '',
      effectiveDate: '2024-01-01',
    });
    chart.addFromForm('lab', {
      loinc: '2345-7',
      name: 'Glucose',
      value: ' positive ',
      unit: '',
      low: '',
      high: '',
      effectiveDate: '2024-01-02',
    });
    expect(chart.labs().map((l) => l.data)).toEqual([
      {
        loinc: '2345-7',
        name: 'Glucose',
        value: 'positive',
        effectiveDate: '2024-01-02',
        status: 'final',
      },
      {
        loinc: '2345-7',
        name: 'Glucose',
        value: 5.5,
        unit: 'mmol/L',
        low: 3.9,
        interpretation: 'N',
        effectiveDate: '2024-01-01',
        status: 'final',
      },
    ]);
    const keep = labs.form!.fields.filter((f) => f.keep).map((f) => f.key);
    expect(keep).toEqual(['effectiveDate']);
  });
});

describe('every section form', () => {
  it('adds through the section command (other sections, one entry each)', () => {
    chart.addFromForm('medication', {
      drug: 'Aspirin',
      dose: '75 mg',
      route: 'oral',
      frequency: 'daily',
      startDate: '',
    });
    chart.addFromForm('allergy', {
      substance: 'Latex',
      category: 'environment',
      criticality: 'low',
      reaction: '',
    });
    chart.addFromForm('immunization', { cvx: '03', occurrenceDate: '2020-01-02', lotNumber: '' });
    expect(chart.medications()[0]!.data).toEqual({
      drug: 'Aspirin',
      dose: '75 mg',
      route: 'oral',
      frequency: 'daily',
      status: 'active',
    });
    expect(chart.allergies()[0]!.data).toEqual({
      substance: 'Latex',
      category: 'environment',
      criticality: 'low',
      clinicalStatus: 'active',
      verificationStatus: 'confirmed',
    });
    expect(chart.immunizations()[0]!.data).toMatchObject({
      cvx: '03',
      occurrenceDate: '2020-01-02',
      status: 'completed',
    });
    expect(() => chart.addFromForm('vitals', {})).toThrow('no form for vitals');
  });
});

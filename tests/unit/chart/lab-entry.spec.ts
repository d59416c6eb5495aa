import { beforeAll, describe, expect, it } from 'vitest';
import type { ChartModel } from '../../../src/lib/chart/model.ts';
import { implausibleReason, labEntryIssues } from '../../../src/lib/chart/lab-entry.ts';
import { loadUnits, type Units } from '../../../src/lib/chart/units.ts';
import { issues, openChart } from './sections/helpers.ts';

let units: Units;
beforeAll(async () => {
  units = await loadUnits();
});

const hb = { loinc: '718-7', name: 'Hemoglobin' };
const messages = (input: Parameters<typeof labEntryIssues>[0], previousUnit?: string) =>
  labEntryIssues(input, { units, previousUnit }).map((i) => `${i.field}: ${i.message}`);

describe('typed lab results', () => {
  it('accept a plausible value in the usual unit or a commensurable one', () => {
    expect(messages({ ...hb, value: 13.5, unit: 'g/dL' })).toEqual([]);
    expect(messages({ ...hb, value: 135, unit: 'g/L' })).toEqual([]);
    // Glucose in mmol/L converts to mg/dL through its molecular weight.
    expect(messages({ loinc: '2339-0', name: 'Glucose', value: 5.5, unit: 'mmol/L' })).toEqual([]);
    expect(messages({ ...hb, value: 'see report', unit: '' })).toEqual([]);
  });

  it('say when mg was typed where the test is in g/dL (the value becomes impossible)', () => {
    expect(messages({ ...hb, value: 14, unit: 'mg/dL' })).toEqual([
      'unit: Hemoglobin 14 mg/dL is 0.014 g/dL, which is not possible (1–30 g/dL). Check the unit.',
    ]);
  });

  it('say when the unit cannot express the test at all', () => {
    expect(messages({ ...hb, value: 14, unit: 'mg' })).toEqual([
      'unit: mg (milligram) cannot express Hemoglobin, which is reported in g/dL (gram per deciliter).',
    ]);
    expect(messages({ loinc: '4548-4', name: 'HbA1c', value: 53, unit: 'mmol/mol' })).toEqual([
      'unit: HbA1c is recorded in %; mmol/mol is not converted to it. Enter the result in %.',
    ]);
  });

  it('refuse codes that are not UCUM, with a suggestion when there is one', () => {
    expect(messages({ ...hb, value: 14, unit: 'gm per dl' })[0]).toMatch(
      /^unit: “gm per dl” is not a UCUM unit/,
    );
    expect(messages({ loinc: '8480-6', name: 'Systolic', value: 120, unit: 'mmHg' })).toEqual([
      'unit: “mmHg” is not a UCUM unit. Did you mean mm[Hg]?',
    ]);
  });

  it('refuse negative and impossible values, and a missing value', () => {
    expect(messages({ ...hb, value: -2, unit: 'g/dL' })).toEqual([
      'value: Hemoglobin cannot be negative.',
      'value: Hemoglobin -2 g/dL is not possible (1–30 g/dL).',
    ]);
    expect(messages({ loinc: '4548-4', name: 'HbA1c', value: 72, unit: '%' })).toEqual([
      'value: HbA1c 72 % is not possible (2–25 %).',
    ]);
    expect(messages({ ...hb, value: '' })).toEqual(['value: Value is required.']);
    expect(messages({ ...hb, value: 14 })).toEqual([]);
    // A test without a table entry: the unit its earlier results had is the one expected.
    expect(messages({ loinc: '1234-5', name: 'Ferritin', value: 40, unit: 'mg' }, 'ng/mL')).toEqual(
      [
        'unit: mg (milligram) cannot express Ferritin, which is reported in ng/mL (nanogram per millliiter).',
      ],
    );
    expect(
      messages({ loinc: '1234-5', name: 'Ferritin', value: 0.04, unit: 'ug/mL' }, 'ng/mL'),
    ).toEqual([]);
  });

  it('while UCUM is loading, accept only the units the test is known in', () => {
    const early = (unit: string) =>
      labEntryIssues({ ...hb, value: 13, unit }, { units: null }).map((i) => i.message);
    expect(early('g/dL')).toEqual([]);
    expect(early('g/L')).toEqual([]);
    expect(early('mg/dL')).toEqual(['The unit check is still loading. Try Save again.']);
  });
});

describe('the lab form', () => {
  let chart: ChartModel;
  beforeAll(async () => {
    chart = await openChart();
  });
  const form = (value: string, unit: string) => ({
    loinc: '718-7',
    name: 'Hemoglobin',
    value,
    unit,
    low: '',
    high: '',
    effectiveDate: '2024-01-01',
  });

  it('refuses a unit mismatch with the message on the unit field and stores nothing', () => {
    expect(issues(() => chart.addFromForm('lab', form('14', 'mg/dL')))).toEqual([
      'unit: Hemoglobin 14 mg/dL is 0.014 g/dL, which is not possible (1–30 g/dL). Check the unit.',
    ]);
    expect(issues(() => chart.addFromForm('lab', { ...form('', ''), name: '' }))).toEqual([
      'name: Test is required.',
      'value: Value is required.',
    ]);
    expect(chart.labs()).toEqual([]);
  });

  it('stores the value as typed, in the unit typed', () => {
    chart.addFromForm('lab', form('135', 'g/L'));
    expect(chart.labs()[0]!.data).toMatchObject({ value: 135, unit: 'g/L' });
  });
});

describe('stored results that cannot be right (imports are kept, and flagged)', () => {
  const stored = (value: number | string, unit?: string, loinc = '718-7') => ({
    loinc,
    name: 'Hemoglobin',
    value,
    ...(unit ? { unit } : {}),
    effectiveDate: '2024-01-01',
    status: 'final' as const,
  });
  const convert = (v: number, from: string, to: string, mw?: number) =>
    units.convert(v, from, to, mw);

  it('name a value outside what is possible, in the usual unit or once converted', () => {
    expect(implausibleReason(stored(13.5, 'g/dL'))).toBeNull();
    expect(implausibleReason(stored(135, 'g/L'), convert)).toBeNull();
    expect(implausibleReason(stored(140, 'g/dL'))).toBe('Outside what is possible (1–30 g/dL).');
    expect(implausibleReason(stored(14, 'mg/dL'), convert)).toBe(
      'Outside what is possible (1–30 g/dL) once in g/dL: check the unit.',
    );
    // Without a converter another unit cannot be judged; text and unitless values are not.
    expect(implausibleReason(stored(14, 'mg/dL'))).toBeNull();
    expect(implausibleReason(stored('see report'))).toBeNull();
    expect(implausibleReason(stored(500))).toBeNull();
    expect(implausibleReason(stored(-1, 'U/L', '1742-6'))).toBe(
      'A negative value is not possible for this test.',
    );
    // Glucose in mmol/L goes through its molecular weight.
    expect(implausibleReason(stored(5.5, 'mmol/L', '2339-0'), convert)).toBeNull();
    expect(implausibleReason(stored(550, 'mmol/L', '2339-0'), convert)).toMatch(/check the unit/);
  });
});

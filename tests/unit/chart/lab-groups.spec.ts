import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { filterGroups, flagOf, flowsheet, groupLabs } from '../../../src/lib/chart/lab-groups.ts';
import { keyResults } from '../../../src/lib/chart/key-results.ts';
import { labOf } from '../../../src/lib/chart/sections/labs.ts';
import type { FhirResource } from '../../../src/lib/chart/fhir-codes.ts';
import type { Entry, LabResult } from '../../../src/lib/chart/types.ts';
import { loadUnits, type Units } from '../../../src/lib/chart/units.ts';
import { entry } from './sections/helpers.ts';

const JONELLE = new URL(
  '../../fixtures/fhir/synthea-r4/Jonelle_Kohler_5fb0178e-9765-4750-9ae5-cad09fd70a17.json',
  import.meta.url,
);

let n = 0;
const lab = (fields: Partial<LabResult> & { loinc: string; value: LabResult['value'] }) =>
  entry<LabResult>(
    { name: fields.loinc, effectiveDate: '2024-01-01', status: 'final', ...fields },
    `l${++n}`,
  );

let units: Units;
beforeAll(async () => {
  units = await loadUnits();
});

describe('labs grouped by test (a Synthea diabetic patient, 154 results)', () => {
  const bundle = JSON.parse(readFileSync(JONELLE, 'utf8')) as {
    entry: { resource: FhirResource }[];
  };
  const observations = bundle.entry
    .map((e) => e.resource)
    .filter(
      (r) =>
        r.resourceType === 'Observation' && JSON.stringify(r.category).includes('"laboratory"'),
    );
  const labs = observations.flatMap((r, i) => {
    const data = labOf(r);
    return data ? [entry(data, `o${i}`)] : [];
  });

  it('makes one group per LOINC code, with the latest result first', () => {
    expect(labs).toHaveLength(154);
    const groups = groupLabs(labs);
    expect(groups).toHaveLength(new Set(labs.map((l) => l.data.loinc)).size);
    const a1c = groups.find((g) => g.loinc === '4548-4')!;
    const a1cDates = labs.filter((l) => l.data.loinc === '4548-4').map((l) => l.data.effectiveDate);
    expect(a1c.date).toBe(a1cDates.sort().at(-1));
    expect(a1c.latestText).toBe('6.2');
    expect(a1c.unit).toBe('%');
    expect(a1c.points).toHaveLength(a1cDates.length);
    expect(a1c.points.map((p) => p.date)).toEqual([...a1cDates].sort());
    expect(a1c.trend).toBe('down');
    for (const g of groups) expect(g.results.every((r) => r.data.loinc === g.loinc)).toBe(true);
  });

  it('puts the latest HbA1c, lipids and kidney function in the key results', () => {
    const key = keyResults(labs);
    expect(key[0]).toMatchObject({ label: 'HbA1c', value: '6.2', unit: '%', date: '2021-01-18' });
    expect(key.map((k) => k.label)).toEqual(
      expect.arrayContaining(['HbA1c', 'LDL cholesterol', 'HDL cholesterol', 'Triglycerides']),
    );
    for (const k of key) expect(k.value).not.toMatch(/\.\d{3,}/);
  });

  it('builds a flowsheet of tests × dates, newest date first', () => {
    const groups = groupLabs(labs);
    const sheet = flowsheet(groups);
    const dates = [...new Set(labs.map((l) => l.data.effectiveDate))].sort().reverse();
    expect(sheet.dates).toEqual(dates);
    expect(sheet.rows).toHaveLength(groups.length);
    const filled = sheet.rows.reduce(
      (s, r) => s + r.cells.reduce((t, c) => t + (c ? 1 + c.more : 0), 0),
      0,
    );
    expect(filled).toBe(154);
  });
});

describe('lab groups', () => {
  it('flag the latest result against its own reference range, and trend at display precision', () => {
    const groups = groupLabs([
      lab({ loinc: '2339-0', value: 180, unit: 'mg/dL', high: 99, effectiveDate: '2024-03-01' }),
      lab({ loinc: '2339-0', value: 179.6, unit: 'mg/dL', effectiveDate: '2024-02-01' }),
      lab({ loinc: '718-7', value: 10.04, unit: 'g/dL', low: 12, effectiveDate: '2024-03-01' }),
      lab({ loinc: '718-7', value: 10.01, unit: 'g/dL', effectiveDate: '2024-01-01' }),
      lab({
        loinc: '718-7',
        value: 2,
        unit: 'g/dL',
        effectiveDate: '2024-04-01',
        status: 'entered-in-error',
      }),
    ]);
    const [glucose, hb] = [
      groups.find((g) => g.loinc === '2339-0')!,
      groups.find((g) => g.loinc === '718-7')!,
    ];
    expect(glucose).toMatchObject({ flag: 'H', trend: 'same', latestText: '180', high: 99 });
    expect(hb).toMatchObject({ flag: 'L', trend: 'same', date: '2024-03-01' });
    expect(hb.results).toHaveLength(2);
  });

  it('put results in other units into the group unit when UCUM is at hand, and count them when not', () => {
    const labs = [
      lab({ loinc: '33914-3', value: 58.4, unit: 'mL/min/{1.73_m2}', effectiveDate: '2024-03-01' }),
      lab({ loinc: '33914-3', value: 61, unit: 'mL/min', effectiveDate: '2024-01-01' }),
    ];
    const convert = (v: number, from: string, to: string) => units.convert(v, from, to);
    expect(groupLabs(labs, convert)[0]!.points.map((p) => Math.round(p.value))).toEqual([61, 58]);
    expect(groupLabs(labs, convert)[0]!.trend).toBe('down');
    const plain = groupLabs(labs)[0]!;
    expect(plain.points).toHaveLength(1);
    expect(plain.otherUnits).toBe(1);
    expect(plain.trend).toBeUndefined();
  });

  it('mark results that cannot be right, keeping them in the group', () => {
    const labs = [
      lab({ loinc: '718-7', value: 14, unit: 'mg/dL', effectiveDate: '2024-03-01' }),
      lab({ loinc: '718-7', value: 13.2, unit: 'g/dL', effectiveDate: '2024-01-01' }),
    ];
    const convert = (v: number, from: string, to: string, mw?: number) =>
      units.convert(v, from, to, mw);
    const [group] = groupLabs(labs, convert);
    expect(group!.results).toHaveLength(2);
    expect(group!.implausible).toEqual({
      [labs[0]!.id]: 'Outside what is possible (1–30 g/dL) once in g/dL: check the unit.',
    });
    expect(groupLabs(labs)[0]!.implausible).toEqual({});
  });

  it('filter by every word of the query in the name or LOINC code', () => {
    const groups = groupLabs([
      lab({ loinc: '4548-4', name: 'Hemoglobin A1c/Hemoglobin.total in Blood', value: 7 }),
      lab({ loinc: '718-7', name: 'Hemoglobin [Mass/volume] in Blood', value: 13 }),
      lab({ loinc: '2093-3', name: 'Cholesterol [Mass/volume] in Serum or Plasma', value: 200 }),
    ]);
    expect(
      filterGroups(groups, 'hemoglobin')
        .map((g) => g.loinc)
        .sort(),
    ).toEqual(['4548-4', '718-7']);
    expect(filterGroups(groups, 'hemoglobin a1c').map((g) => g.loinc)).toEqual(['4548-4']);
    expect(filterGroups(groups, ' 2093 ').map((g) => g.loinc)).toEqual(['2093-3']);
    expect(filterGroups(groups, '')).toHaveLength(3);
  });

  it('flag text results by what was recorded', () => {
    expect(flagOf({ ...lab({ loinc: '1-1', value: 'positive' }).data, interpretation: 'H' })).toBe(
      'H',
    );
    expect(flagOf(lab({ loinc: '1-1', value: 5 }).data)).toBeUndefined();
  });

  it('keep every live result exactly once, whatever the order (property)', () => {
    const arb = fc.array(
      fc.record({
        loinc: fc.constantFrom('4548-4', '718-7', '2093-3'),
        value: fc.oneof(fc.double({ min: 0, max: 500, noNaN: true }), fc.constant('pos')),
        effectiveDate: fc.constantFrom('2023-01-01', '2024-01-01', '2024-06-30'),
        status: fc.constantFrom('final' as const, 'entered-in-error' as const),
      }),
    );
    fc.assert(
      fc.property(arb, (rows) => {
        const labs: Entry<LabResult>[] = rows.map((r) => lab({ ...r, unit: 'x' }));
        const groups = groupLabs(labs);
        const liveIds = labs.filter((l) => l.data.status === 'final').map((l) => l.id);
        expect(groups.flatMap((g) => g.results.map((r) => r.id)).sort()).toEqual(liveIds.sort());
        for (const g of groups)
          expect(g.date).toBe(
            g.results
              .map((r) => r.data.effectiveDate)
              .sort()
              .at(-1),
          );
        const sheet = flowsheet(groups);
        expect(sheet.dates).toEqual([...sheet.dates].sort().reverse());
      }),
    );
  });
});

describe('uncoded labs', () => {
  it('group by test name (never all together under an empty code), with distinct keys', () => {
    const groups = groupLabs([
      lab({ loinc: '', name: 'Anti-Xa level', value: 0.6, effectiveDate: '2024-02-01' }),
      lab({ loinc: '', name: 'anti-xa LEVEL', value: 0.4, effectiveDate: '2024-01-01' }),
      lab({ loinc: '', name: 'Vitamin K1', value: 1.1 }),
      lab({ loinc: '2339-0', name: 'Glucose', value: 90, unit: 'mg/dL' }),
    ]);
    expect(groups.map((g) => [g.name, g.results.length])).toEqual([
      ['Anti-Xa level', 2],
      ['Glucose', 1],
      ['Vitamin K1', 1],
    ]);
    const keys = groups.map((g) => g.key);
    expect(new Set(keys).size).toBe(3);
    for (const key of keys) expect(key).toMatch(/^[A-Za-z0-9-]+$/);
    expect(flowsheet(groups).rows.map((r) => r.key)).toEqual(keys);
  });
});

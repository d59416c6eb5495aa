/**
 * The key results a summary leads with: the latest HbA1c, lipids, kidney function and a few
 * more, each found by any of the LOINC codes laboratories report it under, with its value at
 * clinical precision, unit, date and flag. One pass over the chart's results.
 */
import { flagOf, type LabFlag } from './lab-groups';
import { formatLabValue, unitLabel } from './precision';
import type { Entry, LabResult } from './types';

export const KEY_TESTS: readonly { label: string; codes: readonly string[] }[] = [
  { label: 'HbA1c', codes: ['4548-4', '17856-6'] },
  { label: 'LDL cholesterol', codes: ['18262-6', '13457-7', '2089-1'] },
  { label: 'HDL cholesterol', codes: ['2085-9'] },
  { label: 'Total cholesterol', codes: ['2093-3'] },
  { label: 'Triglycerides', codes: ['2571-8'] },
  { label: 'eGFR', codes: ['33914-3', '62238-1', '48642-3', '48643-1', '98979-8', '69405-9'] },
  { label: 'Creatinine', codes: ['38483-4', '2160-0'] },
  { label: 'Urine albumin/creatinine', codes: ['9318-7', '14959-1', '32294-1'] },
  { label: 'Potassium', codes: ['6298-4', '2823-3'] },
  { label: 'Hemoglobin', codes: ['718-7'] },
  { label: 'TSH', codes: ['3016-3', '11580-8'] },
];

export interface KeyResult {
  label: string;
  loinc: string;
  /** At clinical precision. */
  value: string;
  /** For people (`mL/min/1.73 m²`). */
  unit: string;
  date: string;
  flag?: LabFlag;
  id: string;
}

const SLOT = new Map<string, number>();
KEY_TESTS.forEach((t, i) => t.codes.forEach((c) => SLOT.set(c, i)));

/** The latest result of each key test the chart has, in KEY_TESTS order. */
export function keyResults(labs: readonly Entry<LabResult>[]): KeyResult[] {
  const latest: (Entry<LabResult> | undefined)[] = KEY_TESTS.map(() => undefined);
  for (const e of labs) {
    if (e.data.status === 'entered-in-error') continue;
    const slot = SLOT.get(e.data.loinc);
    if (slot === undefined) continue;
    const best = latest[slot];
    if (!best || e.data.effectiveDate > best.data.effectiveDate) latest[slot] = e;
  }
  return latest.flatMap((e, i) => {
    if (!e) return [];
    const flag = flagOf(e.data);
    return [
      {
        label: KEY_TESTS[i]!.label,
        loinc: e.data.loinc,
        value: formatLabValue(e.data),
        unit: unitLabel(e.data.unit),
        date: e.data.effectiveDate,
        id: e.id,
        ...(flag ? { flag } : {}),
      },
    ];
  });
}

/**
 * The chart read for people (issue 13 items 4–5), for the UI: values at clinical precision, labs
 * by test with the flowsheet, key results, and growth charts. Plain functions over the open
 * chart's view (lib/chart does the work and is tested there); the UCUM library and the growth
 * tables are loaded only when a screen asks for them.
 */
import { ageInYears, today } from '$lib/chart/dates';
import {
  ageInMonths,
  growthCharts,
  growthTablesFor,
  sexOf,
  type GrowthChart,
  type GrowthMeasure,
} from '$lib/chart/growth';
import { loadGrowthTables } from '$lib/chart/growth-tables';
import type { UnitConverter } from '$lib/chart/precision';
import type { Patient, Vitals } from '$lib/chart/types';
import { loadUnits } from '$lib/chart/units';

export { keyResults, type KeyResult } from '$lib/chart/key-results';
export {
  filterGroups,
  flowsheet,
  groupLabs,
  type Flowsheet,
  type FlowsheetCell,
  type LabFlag,
  type LabGroup,
  type TrendDirection,
} from '$lib/chart/lab-groups';
export {
  formatBloodPressure,
  formatLabValue,
  formatVital,
  unitLabel,
  type VitalPrecisionKey,
} from '$lib/chart/precision';
export { formatPercentile, type GrowthChart, type GrowthPoint } from '$lib/chart/growth';

/** The UCUM converter (loads the library the first time; the lab form's checks use it too). */
export async function unitConverter(): Promise<UnitConverter> {
  const units = await loadUnits();
  return (value, from, to, molecularWeight) => units.convert(value, from, to, molecularWeight);
}

/** Growth charts are for patients under 20 with a sex the CDC tables have. */
export function growthApplies(patient: Patient, on?: string): boolean {
  return (
    Boolean(patient.birthDate) &&
    ageInYears(patient.birthDate, on) < 20 &&
    sexOf(patient.gender) !== null
  );
}

/** 18 or older: adult reference ranges (heart rate, BMI) apply. */
export function isAdult(patient: Patient, on?: string): boolean {
  return Boolean(patient.birthDate) && ageInYears(patient.birthDate, on) >= 18;
}

/** Head circumference is charted to 36 months (CDC infant charts). */
export function headCircumferenceApplies(patient: Patient, on: string = today()): boolean {
  return Boolean(patient.birthDate) && ageInMonths(patient.birthDate, on) <= 36;
}

export type GrowthView =
  { kind: 'charts'; charts: GrowthChart[] } | { kind: 'none'; reason: string };

/** The growth charts of a patient's vitals (loads only the tables their ages need). */
export async function growthView(patient: Patient, vitals: readonly Vitals[]): Promise<GrowthView> {
  const sex = sexOf(patient.gender);
  if (!sex)
    return {
      kind: 'none',
      reason: 'Growth charts need the sex recorded as male or female (the CDC charts are by sex).',
    };
  const live = vitals.filter((v) => v.status !== 'entered-in-error');
  const names = growthTablesFor(patient.birthDate, live);
  const tables = await loadGrowthTables(names);
  const charts = growthCharts({ birthDate: patient.birthDate, sex, vitals: live, tables });
  return charts.length
    ? { kind: 'charts', charts }
    : {
        kind: 'none',
        reason: 'No weight, length, BMI or head circumference has been recorded before age 20.',
      };
}

export const GROWTH_MEASURE_LABEL: Record<GrowthMeasure, string> = {
  weight: 'Weight',
  length: 'Length/stature',
  bmi: 'BMI',
  head: 'Head circumference',
};

export type UnitConverterFn = UnitConverter;

/**
 * Vitals (a set of FHIR Observations, category vital-signs: one per measure, blood pressure as
 * the 85354-9 panel with 8480-6 / 8462-4 components, as US Core does): plausibility limits,
 * commands, FHIR out and in (Observations taken at the same moment become one set).
 */
import {
  BP_DIASTOLIC,
  BP_PANEL,
  BP_SYSTOLIC,
  VITAL_MEASURES,
  type FhirResource,
} from '../fhir-codes';
import { SYSTEMS, type Entry, type Vitals } from '../types';
import { formatBloodPressure, formatVital } from '../precision';
import { Checker } from '../validate';
import { arr, codingOf, dateOf, isCategory, obj, str, type Json } from './fhir-read';
import { loinc, OBSERVATION_CATEGORY, quantity } from './fhir-write';
import { defineSection, type EntryStore, type PlannedFields } from './section';

/** Plausibility limits: [impossible below, unusual below, unusual above, impossible above]. */
export const VITAL_LIMITS = {
  systolic: { label: 'Systolic BP', unit: 'mmHg', limits: [40, 70, 200, 300] },
  diastolic: { label: 'Diastolic BP', unit: 'mmHg', limits: [20, 40, 130, 200] },
  heartRate: { label: 'Heart rate', unit: '/min', limits: [20, 40, 150, 300] },
  respiratoryRate: { label: 'Respiratory rate', unit: '/min', limits: [4, 8, 30, 80] },
  temperatureC: { label: 'Temperature', unit: '°C', limits: [25, 35, 40, 45] },
  spo2: { label: 'SpO₂', unit: '%', limits: [50, 88, 100, 100] },
  weightKg: { label: 'Weight', unit: 'kg', limits: [0.3, 2, 250, 500] },
  heightCm: { label: 'Height', unit: 'cm', limits: [20, 45, 220, 260] },
  headCircumferenceCm: { label: 'Head circumference', unit: 'cm', limits: [20, 30, 62, 75] },
} as const satisfies Record<
  string,
  { label: string; unit: string; limits: [number, number, number, number] }
>;

export type VitalKey = keyof typeof VITAL_LIMITS;

/** @throws ValidationError (outliers pass only when `confirmOutliers`) */
export function checkVitals(v: Partial<Vitals>, confirmOutliers = false): void {
  const c = new Checker().date('effectiveDate', v.effectiveDate, 'Date', { required: true });
  let any = false;
  for (const [key, spec] of Object.entries(VITAL_LIMITS) as [
    VitalKey,
    (typeof VITAL_LIMITS)[VitalKey],
  ][]) {
    if (v[key] !== undefined) any = true;
    c.range(
      key,
      v[key],
      spec.label,
      spec.unit,
      spec.limits as unknown as [number, number, number, number],
    );
  }
  if (!any) c.issues.push({ field: 'systolic', message: 'Enter at least one measurement.' });
  if ((v.systolic === undefined) !== (v.diastolic === undefined)) {
    c.issues.push({
      field: 'diastolic',
      message: 'Blood pressure needs both systolic and diastolic values.',
    });
  } else if (v.systolic !== undefined && v.diastolic !== undefined && v.diastolic >= v.systolic) {
    c.issues.push({
      field: 'diastolic',
      message: 'Diastolic pressure must be lower than systolic.',
    });
  }
  c.done(confirmOutliers);
}

/** BMI from kg and cm, one decimal; undefined unless both are present. */
export function bmi(weightKg?: number, heightCm?: number): number | undefined {
  if (!weightKg || !heightCm) return undefined;
  return Math.round((weightKg / (heightCm / 100) ** 2) * 10) / 10;
}

export const vitalsCommands = {
  list: (store: EntryStore) => store.list<Vitals>('vitals', 'effectiveDate'),
  latest: (store: EntryStore) =>
    vitalsCommands.list(store).find((v) => v.data.status !== 'entered-in-error'),
  record(
    store: EntryStore,
    input: Omit<Vitals, 'status' | 'bmi'>,
    options: { confirmOutliers?: boolean } = {},
  ): string {
    checkVitals(input, options.confirmOutliers);
    return store.add('vitals', {
      ...input,
      bmi: bmi(input.weightKg, input.heightCm),
      status: 'final',
    });
  },
};

export function vitalsObservations(entry: Entry<Vitals>, subject: object): FhirResource[] {
  const v = entry.data;
  const common = {
    resourceType: 'Observation',
    status: v.status === 'entered-in-error' ? 'entered-in-error' : 'final',
    category: [
      { coding: [{ system: OBSERVATION_CATEGORY, code: 'vital-signs', display: 'Vital Signs' }] },
    ],
    subject,
    ...(v.encounter ? { encounter: { reference: v.encounter } } : {}),
    effectiveDateTime: v.effectiveDate,
  };
  const out: FhirResource[] = [];
  if (v.systolic !== undefined || v.diastolic !== undefined) {
    out.push({
      ...common,
      id: `${entry.id}-bp`,
      code: loinc(BP_PANEL.loinc, BP_PANEL.display),
      component: [
        ...(v.systolic !== undefined
          ? [
              {
                code: loinc(BP_SYSTOLIC.loinc, BP_SYSTOLIC.display),
                valueQuantity: quantity(v.systolic, 'mm[Hg]'),
              },
            ]
          : []),
        ...(v.diastolic !== undefined
          ? [
              {
                code: loinc(BP_DIASTOLIC.loinc, BP_DIASTOLIC.display),
                valueQuantity: quantity(v.diastolic, 'mm[Hg]'),
              },
            ]
          : []),
      ],
    });
  }
  for (const m of VITAL_MEASURES) {
    const value = v[m.key];
    if (typeof value !== 'number') continue;
    out.push({
      ...common,
      id: `${entry.id}-${m.loinc}`,
      code: loinc(m.loinc, m.display),
      valueQuantity: quantity(value, m.ucum),
    });
  }
  return out;
}

/** UCUM conversions into the units Folio's vitals use. */
function inUnit(q: Json, unit: string): number | undefined {
  const value = q.value;
  if (typeof value !== 'number' || !Number.isFinite(value)) return undefined;
  const code = str(q.code) || str(q.unit);
  if (code === unit) return value;
  if (unit === 'Cel' && code === '[degF]') return Math.round(((value - 32) * 5 * 10) / 9) / 10;
  if (unit === 'kg' && code === '[lb_av]') return Math.round(value * 0.45359237 * 10) / 10;
  if (unit === 'kg' && code === 'g') return value / 1000;
  if (unit === 'cm' && code === '[in_i]') return Math.round(value * 2.54 * 10) / 10;
  if (unit === 'cm' && code === 'm') return value * 100;
  if (unit === 'mm[Hg]' && code === 'mmHg') return value;
  if (
    unit === '/min' &&
    (code === '{beats}/min' || code === 'beats/min' || code === '{breaths}/min')
  )
    return value;
  return undefined;
}

const BP_PANELS = new Set(['85354-9', '55284-4']);
const SPO2_CODES = new Set(['2708-6', '59408-5']);

/** The vitals measures of one vital-signs Observation, or null if Folio does not model it. */
export function vitalMeasures(r: Json): Partial<Vitals> | null {
  const code = codingOf(r.code, [SYSTEMS.loinc])?.code ?? '';
  if (BP_PANELS.has(code)) {
    const out: Partial<Vitals> = {};
    for (const c of arr(r.component).map(obj)) {
      const cc = codingOf(c.code, [SYSTEMS.loinc])?.code;
      const v = inUnit(obj(c.valueQuantity), 'mm[Hg]');
      if (cc === BP_SYSTOLIC.loinc && v !== undefined) out.systolic = v;
      if (cc === BP_DIASTOLIC.loinc && v !== undefined) out.diastolic = v;
    }
    return out.systolic !== undefined || out.diastolic !== undefined ? out : null;
  }
  const measure = SPO2_CODES.has(code)
    ? VITAL_MEASURES.find((m) => m.key === 'spo2')
    : VITAL_MEASURES.find((m) => m.loinc === code);
  if (!measure) return null;
  const value = inUnit(obj(r.valueQuantity), measure.ucum);
  return value === undefined ? null : { [measure.key]: value };
}

/** Vitals taken at the same moment become one set (a measure seen twice starts a new set). */
function vitalsImporter() {
  const vitalSets = new Map<string, { fields: Partial<Vitals>; fhir: FhirResource[] }[]>();
  return {
    take(r: FhirResource): 'gathered' | null {
      const measures = vitalMeasures(r);
      const when = str(r.effectiveDateTime);
      const date = dateOf(when);
      if (!measures || !date || str(r.status) === 'entered-in-error') return null;
      const sets = vitalSets.get(when) ?? [];
      let set = sets.find((s) => Object.keys(measures).every((k) => !(k in s.fields)));
      if (!set) {
        set = { fields: {}, fhir: [] };
        sets.push(set);
        vitalSets.set(when, sets);
      }
      Object.assign(set.fields, measures);
      set.fhir.push(r);
      return 'gathered';
    },
    finish(): PlannedFields[] {
      const out: PlannedFields[] = [];
      for (const [when, sets] of vitalSets) {
        // BMI is kept as the source gave it, never derived on import (the export must match).
        for (const set of sets)
          out.push({ ...set.fields, effectiveDate: dateOf(when), status: 'final', fhir: set.fhir });
      }
      return out;
    },
  };
}

/** The latest set in a few words at clinical precision (e.g. `2024-01-01: BP 120/80  HR 70`). */
export function vitalsLine(v: Vitals): string {
  return [
    `${v.effectiveDate}:`,
    v.systolic ? `BP ${formatBloodPressure(v.systolic, v.diastolic)}` : '',
    v.heartRate ? ` HR ${formatVital('heartRate', v.heartRate)}` : '',
    v.temperatureC ? ` T ${formatVital('temperatureC', v.temperatureC)} °C` : '',
    v.spo2 ? ` SpO₂ ${formatVital('spo2', v.spo2)}%` : '',
    v.bmi ? ` BMI ${formatVital('bmi', v.bmi)}` : '',
  ].join(' ');
}

export const vitals = defineSection<Vitals>({
  name: 'vitals',
  label: 'Vitals',
  tab: 'Vitals',
  viewKey: 'vitals',
  sortBy: 'effectiveDate',
  errorField: 'status',
  summaryLine: (e) => vitalsLine(e.data),
  summary: {
    title: 'Latest vitals',
    empty: 'None',
    as: 'text',
    pick: (entries) => entries.filter((v) => v.data.status === 'final').slice(0, 1),
  },
  fhirOut: {
    types: ['Observation'],
    render: (e, { subject }) => vitalsObservations(e, subject),
  },
  fhirIn: {
    types: ['Observation'],
    matches: (r) => isCategory(r, 'vital-signs'),
    importer: vitalsImporter,
  },
});

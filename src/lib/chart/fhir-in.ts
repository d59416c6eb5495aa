/**
 * FHIR R4 resources of ONE patient → Folio chart entries (`Import FHIR`). Input is expected to be
 * schema-valid and calendar-checked already (lib/fhir); this maps what Folio models into chart
 * sections, so imported data appears in the UI and can be edited, and keeps everything else
 * verbatim for re-export. Each mapped entry also keeps its source resource(s) (`fhir`), so an
 * unedited entry is exported exactly as it came in, and an edited one as the source with only the
 * edited fields laid over it (fhir-source.ts). Statuses Folio does not model are shown as the
 * nearest Folio status (remission → inactive, on-hold → active, provisional → confirmed, …) but
 * stay as they came in the source.
 */
import { vaccineByCode } from './cvx';
import { isCalendarDate } from './dates';
import { BP_DIASTOLIC, BP_SYSTOLIC, VITAL_MEASURES, type FhirResource } from './fhir-codes';
import {
  SYSTEMS,
  type AdministrativeGender,
  type Allergy,
  type Coding,
  type Immunization,
  type LabResult,
  type Medication,
  type Patient,
  type Problem,
  type Section,
  type Vitals,
} from './types';

type Json = Record<string, unknown>;

export interface PlannedEntry {
  section: Section;
  fields: Record<string, unknown>;
}

export interface ImportPlan {
  patient: Patient;
  /** The source Patient resource (its id becomes the chart's FHIR id on export). */
  patientResource: FhirResource;
  entries: PlannedEntry[];
  /** Resources Folio does not model, kept verbatim. */
  kept: FhirResource[];
  /** Per resource type: how many were mapped into sections and how many kept verbatim. */
  counts: Record<string, { mapped: number; kept: number }>;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const obj = (v: unknown): Json =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {};
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const codings = (v: unknown): Json[] => arr(obj(v).coding).map(obj);
const firstCode = (v: unknown) => str(codings(v)[0]?.code);

/** The calendar date of a FHIR date/dateTime ('' when absent or not a real date). */
function dateOf(value: unknown): string {
  const d = str(value).slice(0, 10);
  return isCalendarDate(d) ? d : '';
}

function conceptText(v: unknown): string {
  const c = obj(v);
  return str(c.text) || str(codings(c)[0]?.display) || str(codings(c)[0]?.code);
}

/** The first coding of a concept (system + code + display), preferring `systems` in order. */
function codingOf(v: unknown, systems: string[] = []): Coding | undefined {
  const all = codings(v).filter((c) => str(c.code));
  const pick = systems.map((s) => all.find((c) => str(c.system) === s)).find(Boolean) ?? all[0];
  return pick
    ? { system: str(pick.system), code: str(pick.code), display: str(pick.display) }
    : undefined;
}

const isCategory = (r: Json, code: string) =>
  arr(r.category).some((c) => codings(c).some((x) => str(x.code) === code));

/** A FHIR Patient's demographics as Folio keeps them. */
export function patientOf(r: Json): Patient {
  const name = obj(arr(r.name).find((n) => str(obj(n).use) === 'official') ?? arr(r.name)[0]);
  const identifiers = arr(r.identifier).map(obj);
  const mrn =
    identifiers.find((i) => codings(i.type).some((c) => str(c.code) === 'MR')) ??
    identifiers.find((i) => str(i.system) === 'urn:folio:mrn') ??
    identifiers[0];
  const telecom = arr(r.telecom).map(obj);
  const address = obj(arr(r.address)[0]);
  const gender = str(r.gender);
  return {
    given: arr(name.given).map(str).join(' ') || str(name.text),
    family: str(name.family),
    birthDate: dateOf(r.birthDate),
    gender: (['female', 'male', 'other', 'unknown'].includes(gender)
      ? gender
      : 'unknown') as AdministrativeGender,
    mrn: str(mrn?.value),
    ...(str(telecom.find((t) => t.system === 'phone')?.value)
      ? { phone: str(telecom.find((t) => t.system === 'phone')?.value) }
      : {}),
    ...(str(telecom.find((t) => t.system === 'email')?.value)
      ? { email: str(telecom.find((t) => t.system === 'email')?.value) }
      : {}),
    ...(arr(address.line).length ? { addressLine: arr(address.line).map(str).join(', ') } : {}),
    ...(str(address.city) ? { city: str(address.city) } : {}),
    ...(str(address.state) ? { state: str(address.state) } : {}),
    ...(str(address.postalCode) ? { postalCode: str(address.postalCode) } : {}),
    ...(conceptText(obj(arr(r.communication)[0]).language)
      ? { language: conceptText(obj(arr(r.communication)[0]).language) }
      : {}),
  };
}

function problemOf(r: Json): Problem | null {
  const text = conceptText(r.code);
  if (!text) return null;
  const clinical = firstCode(r.clinicalStatus);
  const verification = firstCode(r.verificationStatus);
  return {
    text,
    ...(codingOf(r.code, [SYSTEMS.icd10cm, SYSTEMS.snomed])
      ? { code: codingOf(r.code, [SYSTEMS.icd10cm, SYSTEMS.snomed]) }
      : {}),
    ...(dateOf(r.onsetDateTime ?? obj(r.onsetPeriod).start)
      ? { onsetDate: dateOf(r.onsetDateTime ?? obj(r.onsetPeriod).start) }
      : {}),
    ...(dateOf(r.abatementDateTime) ? { abatementDate: dateOf(r.abatementDateTime) } : {}),
    clinicalStatus:
      clinical === 'resolved'
        ? 'resolved'
        : clinical === 'inactive' || clinical === 'remission'
          ? 'inactive'
          : 'active',
    verificationStatus: verification === 'entered-in-error' ? 'entered-in-error' : 'confirmed',
  };
}

const MED_STATUS: Record<string, Medication['status']> = {
  active: 'active',
  'on-hold': 'active',
  intended: 'active',
  completed: 'completed',
  stopped: 'stopped',
  cancelled: 'stopped',
  'not-taken': 'stopped',
  'entered-in-error': 'entered-in-error',
};

function medicationOf(r: Json): Medication | null {
  const drug = conceptText(r.medicationCodeableConcept) || str(obj(r.medicationReference).display);
  const status = MED_STATUS[str(r.status)];
  if (!drug || !status) return null;
  const dosage = obj(arr(r.dosageInstruction ?? r.dosage)[0]);
  const bounds = obj(obj(obj(dosage.timing).repeat).boundsPeriod);
  const period = obj(r.effectivePeriod);
  const start = dateOf(bounds.start ?? period.start ?? r.authoredOn ?? r.effectiveDateTime);
  const end = dateOf(bounds.end ?? period.end);
  const code = codingOf(r.medicationCodeableConcept, [SYSTEMS.rxnorm]);
  return {
    drug,
    ...(code ? { code } : {}),
    dose: str(dosage.text),
    route: conceptText(dosage.route),
    frequency: conceptText(obj(dosage.timing).code),
    ...(start ? { startDate: start } : {}),
    ...(end ? { endDate: end } : {}),
    status,
  };
}

function allergyOf(r: Json): Allergy | null {
  const isNka = codings(r.code).some((c) => str(c.code) === '716186003');
  const substance = conceptText(r.code);
  if (!substance) return null;
  const category = str(arr(r.category)[0]);
  const criticality = str(r.criticality);
  const clinical = firstCode(r.clinicalStatus);
  const verification = firstCode(r.verificationStatus);
  const reaction = arr(r.reaction)
    .flatMap((x) => arr(obj(x).manifestation).map(conceptText))
    .filter(Boolean)
    .join(', ');
  return {
    substance,
    ...(isNka ? { noKnownAllergies: true } : {}),
    ...(['food', 'medication', 'environment', 'biologic'].includes(category)
      ? { category: category as Allergy['category'] }
      : {}),
    ...(['low', 'high', 'unable-to-assess'].includes(criticality)
      ? { criticality: criticality as Allergy['criticality'] }
      : {}),
    ...(reaction ? { reaction } : {}),
    clinicalStatus:
      clinical === 'resolved' ? 'resolved' : clinical === 'inactive' ? 'inactive' : 'active',
    verificationStatus:
      verification === 'entered-in-error'
        ? 'entered-in-error'
        : verification === 'refuted'
          ? 'refuted'
          : 'confirmed',
  };
}

function immunizationOf(r: Json): Immunization | null {
  const cvx = codings(r.vaccineCode).find((c) => str(c.system) === SYSTEMS.cvx);
  const date = dateOf(r.occurrenceDateTime);
  const status = str(r.status);
  if (!cvx || !date || (status !== 'completed' && status !== 'entered-in-error')) return null;
  const code = str(cvx.code);
  return {
    cvx: code,
    vaccine: str(cvx.display) || vaccineByCode(code)?.name || conceptText(r.vaccineCode) || code,
    occurrenceDate: date,
    ...(str(r.lotNumber) ? { lotNumber: str(r.lotNumber) } : {}),
    status,
  };
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
function vitalMeasures(r: Json): Partial<Vitals> | null {
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

function labOf(r: Json): LabResult | null {
  const code = codingOf(r.code, [SYSTEMS.loinc]);
  const date = dateOf(r.effectiveDateTime ?? obj(r.effectivePeriod).start);
  if (!code || str(code.system) !== SYSTEMS.loinc || !date) return null;
  const q = obj(r.valueQuantity);
  const value =
    typeof q.value === 'number'
      ? q.value
      : str(r.valueString) || conceptText(r.valueCodeableConcept);
  if (value === '') return null;
  const range = obj(arr(r.referenceRange)[0]);
  const low = obj(range.low).value;
  const high = obj(range.high).value;
  const flag = firstCode(arr(r.interpretation)[0]);
  return {
    loinc: code.code,
    name: conceptText(r.code) || code.display,
    value,
    ...(str(q.unit) || str(q.code) ? { unit: str(q.unit) || str(q.code) } : {}),
    ...(typeof low === 'number' ? { low } : {}),
    ...(typeof high === 'number' ? { high } : {}),
    ...(flag === 'H' || flag === 'L' || flag === 'N' ? { interpretation: flag } : {}),
    effectiveDate: date,
    status: str(r.status) === 'entered-in-error' ? 'entered-in-error' : 'final',
  };
}

/**
 * Plans the import of one patient's resources (the Patient plus everything in its compartment).
 * @throws Error when there is no Patient resource.
 */
export function planImport(resources: readonly FhirResource[]): ImportPlan {
  const patientResource = resources.find((r) => r.resourceType === 'Patient');
  if (!patientResource) throw new Error('no Patient resource');
  const plan: ImportPlan = {
    patient: patientOf(patientResource),
    patientResource,
    entries: [],
    kept: [],
    counts: {},
  };
  const count = (type: string, how: 'mapped' | 'kept') => {
    plan.counts[type] ??= { mapped: 0, kept: 0 };
    plan.counts[type][how]++;
  };
  /** Vitals taken at the same moment become one set (a measure seen twice starts a new set). */
  const vitalSets = new Map<string, { fields: Partial<Vitals>; fhir: FhirResource[] }[]>();

  for (const r of resources) {
    if (r === patientResource) continue;
    const type = r.resourceType;
    let mapped: PlannedEntry | null = null;
    if (type === 'Condition') {
      const p = problemOf(r);
      if (p) mapped = { section: 'problem', fields: { ...p } };
    } else if (type === 'MedicationRequest' || type === 'MedicationStatement') {
      const m = medicationOf(r);
      if (m) mapped = { section: 'medication', fields: { ...m } };
    } else if (type === 'AllergyIntolerance') {
      const a = allergyOf(r);
      if (a) mapped = { section: 'allergy', fields: { ...a } };
    } else if (type === 'Immunization') {
      const i = immunizationOf(r);
      if (i) mapped = { section: 'immunization', fields: { ...i } };
    } else if (type === 'Observation' && isCategory(r, 'vital-signs')) {
      const measures = vitalMeasures(r);
      const when = str(r.effectiveDateTime);
      const date = dateOf(when);
      if (measures && date && str(r.status) !== 'entered-in-error') {
        const sets = vitalSets.get(when) ?? [];
        let set = sets.find((s) => Object.keys(measures).every((k) => !(k in s.fields)));
        if (!set) {
          set = { fields: {}, fhir: [] };
          sets.push(set);
          vitalSets.set(when, sets);
        }
        Object.assign(set.fields, measures);
        set.fhir.push(r);
        count(type, 'mapped');
        continue;
      }
    } else if (type === 'Observation' && isCategory(r, 'laboratory')) {
      const l = labOf(r);
      if (l) mapped = { section: 'lab', fields: { ...l } };
    }
    if (mapped) {
      plan.entries.push({ ...mapped, fields: { ...mapped.fields, fhir: r } });
      count(type, 'mapped');
    } else {
      plan.kept.push(r);
      count(type, 'kept');
    }
  }
  for (const [when, sets] of vitalSets) {
    for (const set of sets) {
      // BMI is kept as the source gave it, never derived on import (the export must match).
      plan.entries.push({
        section: 'vitals',
        fields: { ...set.fields, effectiveDate: dateOf(when), status: 'final', fhir: set.fhir },
      });
    }
  }
  return plan;
}

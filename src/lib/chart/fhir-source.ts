/**
 * An imported entry exported as its source resource(s) (fhir-out.ts): byte-for-byte the source
 * while nobody edited it; after an edit, the source with only the FHIR elements that correspond
 * to the Folio fields actually edited taken from Folio's own rendering of the entry. Everything
 * else of the source is kept — in particular a status Folio cannot represent (Condition
 * verification `provisional`, clinical status `remission`, allergy `unconfirmed`, Observation
 * `amended`/`corrected`, MedicationRequest `on-hold`, …) stays as it came in unless that very
 * field was edited.
 *
 * What was edited comes from the entry's history: its first record is the creation (the imported
 * fields), every later record names the fields it changed. A later change that replaces the
 * source (`fhir`) starts again from that source.
 */
import type { FhirResource } from './fhir-codes';
import type { Entry } from './types';

type Json = Record<string, unknown>;

/** The Folio fields changed since the entry's source was imported (or last replaced). */
export function editedFields(history: Entry<unknown>['history']): Set<string> {
  const edited = new Set<string>();
  for (const record of history.slice(1)) {
    const keys = Object.keys(record.changes ?? {});
    if (keys.includes('fhir')) edited.clear();
    for (const k of keys) if (k !== 'fhir') edited.add(k);
  }
  return edited;
}

/**
 * Per source resource type: Folio field → the FHIR elements it is written to. `name[x]` is a
 * choice element: every variant (`onsetDateTime`, `onsetPeriod`, `_onsetDateTime`, …) is replaced.
 */
const ELEMENTS: Record<string, Record<string, string[]>> = {
  Condition: {
    clinicalStatus: ['clinicalStatus'],
    verificationStatus: ['verificationStatus'],
    abatementDate: ['abatement[x]'],
    onsetDate: ['onset[x]'],
    text: ['code'],
    code: ['code'],
  },
  AllergyIntolerance: {
    clinicalStatus: ['clinicalStatus'],
    verificationStatus: ['verificationStatus'],
    category: ['category'],
    criticality: ['criticality'],
    substance: ['code'],
    noKnownAllergies: ['code'],
    reaction: ['reaction'],
  },
  MedicationRequest: {
    status: ['status'],
    drug: ['medication[x]'],
    code: ['medication[x]'],
    dose: ['dosageInstruction'],
    route: ['dosageInstruction'],
    frequency: ['dosageInstruction'],
  },
  MedicationStatement: {
    status: ['status'],
    drug: ['medication[x]'],
    code: ['medication[x]'],
  },
  Immunization: {
    status: ['status'],
    cvx: ['vaccineCode'],
    vaccine: ['vaccineCode'],
    occurrenceDate: ['occurrence[x]'],
    lotNumber: ['lotNumber'],
  },
  Encounter: {
    status: ['status'],
    type: ['type'],
    code: ['type'],
    class: ['class'],
    start: ['period'],
    end: ['period'],
    reason: ['reasonCode', 'reasonReference'],
    practitioner: ['participant'],
    location: ['location'],
    serviceProvider: ['serviceProvider'],
  },
  Coverage: {
    status: ['status'],
    payor: ['payor'],
    plan: ['class'],
    group: ['class'],
    subscriberId: ['subscriberId'],
    relationship: ['relationship'],
    type: ['type'],
    start: ['period'],
    end: ['period'],
  },
  // Labs; vitals sets (several Observations per entry) take only their status.
  Observation: {
    status: ['status'],
    loinc: ['code'],
    name: ['code'],
    value: ['value[x]'],
    unit: ['value[x]'],
    low: ['referenceRange'],
    high: ['referenceRange'],
    interpretation: ['interpretation'],
    effectiveDate: ['effective[x]'],
  },
};

const isVariant = (key: string, choice: string) =>
  new RegExp(`^_?${choice}[A-Z]`).test(key) || key === choice || key === `_${choice}`;

function replaceElement(merged: Json, generated: Json, element: string): void {
  if (element.endsWith('[x]')) {
    const choice = element.slice(0, -3);
    for (const k of Object.keys(merged)) if (isVariant(k, choice)) delete merged[k];
    for (const [k, v] of Object.entries(generated)) if (isVariant(k, choice)) merged[k] = v;
    return;
  }
  if (element in generated) merged[element] = generated[element];
  else delete merged[element];
}

const obj = (v: unknown): Json =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {};

/** A medication's start/stop dates, written where its source type keeps them. */
function medicationDates(merged: Json, data: Json, edited: Set<string>): void {
  const dates = Object.fromEntries(
    (
      [
        ['startDate', 'start'],
        ['endDate', 'end'],
      ] as const
    )
      .filter(([field]) => edited.has(field))
      .map(([field, key]) => [key, data[field]]),
  );
  if (Object.keys(dates).length === 0) return;
  const setPeriod = (period: Json) => {
    const next = { ...period };
    for (const [k, v] of Object.entries(dates)) {
      if (typeof v === 'string' && v) next[k] = v;
      else delete next[k];
    }
    return next;
  };
  if (merged.resourceType === 'MedicationStatement') {
    const start = typeof merged.effectiveDateTime === 'string' ? merged.effectiveDateTime : '';
    const period = setPeriod({ ...(start ? { start } : {}), ...obj(merged.effectivePeriod) });
    for (const k of Object.keys(merged)) if (isVariant(k, 'effective')) delete merged[k];
    merged.effectivePeriod = period;
    return;
  }
  // MedicationRequest: the first dosage's timing bounds (as Folio's own export writes them).
  const dosages = Array.isArray(merged.dosageInstruction) ? [...merged.dosageInstruction] : [{}];
  const dosage = { ...obj(dosages[0]) };
  const timing = { ...obj(dosage.timing) };
  const repeat = { ...obj(timing.repeat) };
  const period = setPeriod(obj(repeat.boundsPeriod));
  for (const k of Object.keys(repeat)) if (isVariant(k, 'bounds')) delete repeat[k];
  repeat.boundsPeriod = period;
  timing.repeat = repeat;
  dosage.timing = timing;
  dosages[0] = dosage;
  merged.dosageInstruction = dosages;
}

/**
 * The entry's source resource(s) as they should be exported: verbatim while unedited, else with
 * the edited fields laid over from `generated` (Folio's rendering of the entry). Null when the
 * entry has no source (it was made in Folio).
 */
export function fromSource(
  entry: Entry<unknown>,
  generated: readonly FhirResource[],
): FhirResource[] | null {
  const data = obj(entry.data);
  const src = data.fhir;
  if (!src || typeof src !== 'object') return null;
  const sources = (Array.isArray(src) ? src : [src]) as FhirResource[];
  const edited = editedFields(entry.history);
  if (edited.size === 0) return sources;
  const several = sources.length > 1;
  const rendering = (generated[0] ?? {}) as Json;
  return sources.map((source) => {
    const merged: Json = { ...source };
    const map = ELEMENTS[source.resourceType] ?? {};
    for (const field of edited) {
      if (several && field !== 'status') continue;
      for (const element of map[field] ?? []) replaceElement(merged, rendering, element);
    }
    if (source.resourceType.startsWith('Medication')) medicationDates(merged, data, edited);
    // con-5 / ait-2: no clinical status once the entry is entered in error.
    if (edited.has('verificationStatus') && data.verificationStatus === 'entered-in-error')
      delete merged.clinicalStatus;
    return merged as FhirResource;
  });
}

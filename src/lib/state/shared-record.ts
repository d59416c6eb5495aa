/**
 * A shared FHIR Bundle (from any SMART Health Link) as a read-only view model. The content is
 * untrusted: only plain values are read (strings and numbers, by known paths), never narrative
 * markup; anything unexpected is skipped rather than thrown, and counted so the reader knows. The
 * values are read with the chart's readers of untrusted FHIR (lib/chart/sections/fhir-read.ts), the
 * same ones `Import FHIR` uses.
 */
import {
  arr,
  conceptLabel as conceptText,
  firstCodeText as firstCode,
  isCategory,
  obj,
  text as str,
} from '$lib/chart/sections/fhir-read';

export interface SharedRecord {
  patient: { name: string; birthDate: string; gender: string } | null;
  problems: { text: string; code: string; status: string; onset: string }[];
  medications: { text: string; dosage: string; status: string }[];
  allergies: { text: string; criticality: string; reaction: string; status: string }[];
  immunizations: { text: string; date: string; status: string }[];
  /** Vital-sign series by measure, oldest first (for trends). */
  vitals: { name: string; unit: string; points: { date: string; value: number }[] }[];
  labs: { name: string; value: string; date: string; flag: string }[];
  notes: { date: string; title: string; text: string }[];
  /** Resources shown as counts only (types Folio's viewer does not render). */
  other: Record<string, number>;
  skipped: number;
}

function decodeBase64Text(data: string): string {
  try {
    const binary = atob(data);
    return new TextDecoder('utf-8', { fatal: true }).decode(
      Uint8Array.from(binary, (c) => c.charCodeAt(0)),
    );
  } catch {
    return '';
  }
}

const VITAL_CATEGORY = 'vital-signs';

export function readSharedBundle(bundle: unknown): SharedRecord {
  const out: SharedRecord = {
    patient: null,
    problems: [],
    medications: [],
    allergies: [],
    immunizations: [],
    vitals: [],
    labs: [],
    notes: [],
    other: {},
    skipped: 0,
  };
  const b = obj(bundle);
  const resources =
    str(b.resourceType) === 'Bundle'
      ? arr(b.entry).map((e) => obj(obj(e).resource))
      : str(b.resourceType)
        ? [b]
        : [];
  const series = new Map<string, SharedRecord['vitals'][number]>();
  const addPoint = (name: string, unit: string, date: string, value: unknown) => {
    if (typeof value !== 'number' || !Number.isFinite(value)) return;
    const s = series.get(name) ?? { name, unit, points: [] };
    s.points.push({ date, value });
    series.set(name, s);
  };
  for (const r of resources) {
    const type = str(r.resourceType);
    const status = str(r.status) || firstCode(r.clinicalStatus);
    if (status === 'entered-in-error' || firstCode(r.verificationStatus) === 'entered-in-error')
      continue;
    switch (type) {
      case 'Patient': {
        const name = obj(arr(r.name)[0]);
        const text =
          str(name.text) ||
          [arr(name.given).map(str).join(' '), str(name.family)].filter(Boolean).join(' ');
        out.patient = { name: text, birthDate: str(r.birthDate), gender: str(r.gender) };
        break;
      }
      case 'Condition':
        out.problems.push({
          text: conceptText(r.code),
          code: firstCode(r.code),
          status: firstCode(r.clinicalStatus),
          onset: str(r.onsetDateTime) || str(obj(r.onsetPeriod).start),
        });
        break;
      case 'MedicationRequest':
      case 'MedicationStatement':
        out.medications.push({
          text: conceptText(r.medicationCodeableConcept) || str(obj(r.medicationReference).display),
          dosage: arr(r.dosageInstruction ?? r.dosage)
            .map((d) => str(obj(d).text))
            .filter(Boolean)
            .join('; '),
          status,
        });
        break;
      case 'AllergyIntolerance':
        out.allergies.push({
          text: conceptText(r.code),
          criticality: str(r.criticality),
          reaction: arr(r.reaction)
            .flatMap((x) => arr(obj(x).manifestation).map(conceptText))
            .filter(Boolean)
            .join(', '),
          status: firstCode(r.clinicalStatus),
        });
        break;
      case 'Immunization':
        out.immunizations.push({
          text: conceptText(r.vaccineCode),
          date: str(r.occurrenceDateTime),
          status,
        });
        break;
      case 'Observation': {
        const date = str(r.effectiveDateTime) || str(obj(r.effectivePeriod).start);
        const name = conceptText(r.code);
        if (isCategory(r, VITAL_CATEGORY)) {
          const components = arr(r.component).map(obj);
          if (components.length > 0) {
            for (const c of components) {
              const q = obj(c.valueQuantity);
              addPoint(conceptText(c.code), str(q.unit) || str(q.code), date, q.value);
            }
          } else {
            const q = obj(r.valueQuantity);
            addPoint(name, str(q.unit) || str(q.code), date, q.value);
          }
        } else {
          const q = obj(r.valueQuantity);
          const value =
            q.value !== undefined
              ? `${str(q.value)} ${str(q.unit) || str(q.code)}`.trim()
              : str(r.valueString) || conceptText(r.valueCodeableConcept);
          out.labs.push({ name, value, date, flag: firstCode(arr(r.interpretation)[0]) });
        }
        break;
      }
      case 'DocumentReference': {
        const texts = arr(r.content)
          .map((c) => obj(obj(c).attachment))
          .filter((a) => str(a.contentType).startsWith('text/plain') && str(a.data))
          .map((a) => decodeBase64Text(str(a.data)));
        out.notes.push({
          date: str(obj(obj(r.context).period).start) || str(r.date),
          title: str(r.description) || conceptText(r.type),
          text: texts.join('\n\n'),
        });
        break;
      }
      case '':
        out.skipped++;
        break;
      default:
        out.other[type] = (out.other[type] ?? 0) + 1;
    }
  }
  for (const s of series.values()) s.points.sort((a, b) => a.date.localeCompare(b.date));
  out.vitals = [...series.values()];
  return out;
}

/**
 * The visit list's view model: what was recorded in each visit (entries of every section whose
 * `encounter` names it, and resources kept verbatim whose FHIR `encounter` reference does), and
 * the filter over visits. Plain functions over a chart, computed once per chart change and only
 * when the visit list is shown.
 */
import { filterByWords } from './text-filter';
import type { FhirResource } from './fhir-codes';
import type { ChartModel } from './model';
import { SECTIONS } from './sections';
import { encounterKey, type Encounter } from './sections/encounters';
import { arr, conceptLabel, dateOf, obj, str } from './sections/fhir-read';
import type { Entry } from './types';

export interface VisitItem {
  id: string;
  /** The section or resource kind, plural (e.g. "Problems", "Procedures"). */
  kind: string;
  text: string;
  inError: boolean;
}

const KEPT_LABELS: Record<string, string> = {
  Procedure: 'Procedures',
  DiagnosticReport: 'Reports',
  CarePlan: 'Care plans',
  CareTeam: 'Care teams',
  ImagingStudy: 'Imaging',
  MedicationAdministration: 'Medications given',
  MedicationDispense: 'Medications dispensed',
  MedicationRequest: 'Medication orders',
  Media: 'Media',
  DocumentReference: 'Documents',
  Observation: 'Observations',
  Condition: 'Conditions',
  ServiceRequest: 'Orders',
  Device: 'Devices',
  SupplyDelivery: 'Supplies',
};

/** The visit key (`Encounter/<id>`) a kept resource names, or ''. */
function keptEncounter(r: FhirResource): string {
  const ref = str(obj(r.encounter ?? arr(obj(r.context).encounter)[0] ?? r.context).reference);
  const m = /(?:^|\/)Encounter\/([^/]+)$/.exec(ref);
  return m ? `Encounter/${m[1]}` : ref.startsWith('urn:uuid:') ? `Encounter/${ref.slice(9)}` : '';
}

function keptText(r: FhirResource): string {
  const what =
    conceptLabel(r.code) ||
    conceptLabel(arr(r.category)[0]) ||
    conceptLabel(r.type) ||
    conceptLabel(r.medicationCodeableConcept) ||
    str(r.description);
  const when = dateOf(r.performedDateTime ?? obj(r.performedPeriod).start ?? r.effectiveDateTime);
  return [what || r.resourceType, when].filter(Boolean).join(' · ');
}

/** Visit key → what was recorded in it, in section order. */
export function recordedInVisits(model: ChartModel): Map<string, VisitItem[]> {
  const byVisit = new Map<string, VisitItem[]>();
  const add = (key: string, item: VisitItem) => {
    const list = byVisit.get(key);
    if (list) list.push(item);
    else byVisit.set(key, [item]);
  };
  for (const section of SECTIONS) {
    if (section.name === 'encounter' || section.name === 'coverage') continue;
    for (const e of model.entries(section.name)) {
      const data = e.data as {
        encounter?: unknown;
        status?: unknown;
        verificationStatus?: unknown;
      };
      if (typeof data.encounter !== 'string' || !data.encounter) continue;
      add(data.encounter, {
        id: e.id,
        kind: section.label,
        text: section.summaryLine(e),
        inError:
          data.status === 'entered-in-error' || data.verificationStatus === 'entered-in-error',
      });
    }
  }
  for (const r of model.keptResources()) {
    const key = keptEncounter(r);
    if (!key) continue;
    add(key, {
      id: `${r.resourceType}/${r.id}`,
      kind: KEPT_LABELS[r.resourceType] ?? r.resourceType,
      text: keptText(r),
      inError: r.status === 'entered-in-error',
    });
  }
  return byVisit;
}

/** The items of a visit grouped by kind, in first-seen order. */
export function groupItems(items: readonly VisitItem[]): { kind: string; items: VisitItem[] }[] {
  const groups = new Map<string, VisitItem[]>();
  for (const item of items) {
    const list = groups.get(item.kind);
    if (list) list.push(item);
    else groups.set(item.kind, [item]);
  }
  return [...groups].map(([kind, list]) => ({ kind, items: list }));
}

/** Visits whose kind, date, reason, practitioner or place contain every word of `query`. */
export function filterVisits(
  visits: readonly Entry<Encounter>[],
  query: string,
): Entry<Encounter>[] {
  return filterByWords(visits, query, ({ data: d }) => [
    d.type,
    d.start,
    d.end,
    d.reason,
    d.practitioner,
    d.location,
    d.serviceProvider,
    d.status,
  ]);
}

export { encounterKey };

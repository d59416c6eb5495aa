/**
 * Where an imported entry came from. The entry's own `createdAt`/`createdBy` say who imported it
 * and when (the verified signature); its `origin` field says when and by whom the source system
 * recorded it, taken from the resource (recordedDate, authoredOn, issued, …, its recorder or
 * performer), its Provenance resources (target → agent.who, onBehalfOf, recorded) and the
 * encounter it was recorded in (participant, serviceProvider), plus the file(s) it came in.
 * Imported entries also keep the encounter they point at (`encounter`: `Encounter/<id>`), so the
 * visit list can show what was recorded in each visit.
 *
 * Input is untrusted FHIR: anything of an unexpected shape reads as absent; nothing throws.
 */
import type { FhirResource } from './fhir-codes';
import { arr, dateOf, humanName, obj, officialName, str, type Json } from './sections/fhir-read';
import type { Entry } from './types';

export interface Origin {
  /** When the source recorded it (a FHIR date or dateTime, as given). */
  recorded?: string;
  /** Who recorded or performed it in the source (a person's name). */
  author?: string;
  /** The organization or system it came from. */
  organization?: string;
  /** The import it came in (file names). */
  importedFrom?: string;
}

/** The resources of one import, indexed for reference lookups and by Provenance target. */
export interface ImportIndex {
  resolve(reference: unknown): FhirResource | undefined;
  /** Provenance resources naming the resource as a target. */
  provenance(resource: FhirResource): Json[];
}

/** `Type/id` for a relative, absolute or versioned reference; the urn itself for `urn:uuid:`. */
function refKey(reference: string): string {
  if (reference.startsWith('urn:')) return reference;
  const path = reference.split('/_history/')[0]!.split('/');
  return path.length >= 2 ? `${path[path.length - 2]}/${path[path.length - 1]}` : reference;
}

export function importIndex(resources: readonly FhirResource[]): ImportIndex {
  const byKey = new Map<string, FhirResource>();
  for (const r of resources) {
    if (typeof r?.resourceType !== 'string' || typeof r.id !== 'string') continue;
    byKey.set(`${r.resourceType}/${r.id}`, r);
    // Bundles of Synthea and others name entries `urn:uuid:<id>`.
    byKey.set(`urn:uuid:${r.id}`, r);
  }
  const keyOf = (r: FhirResource) => `${r.resourceType}/${r.id}`;
  const targets = new Map<string, Json[]>();
  for (const p of resources) {
    if (p?.resourceType !== 'Provenance') continue;
    for (const t of arr(p.target)) {
      const target = byKey.get(refKey(str(obj(t).reference)));
      if (!target) continue;
      const list = targets.get(keyOf(target)) ?? [];
      if (!list.includes(p)) list.push(p);
      targets.set(keyOf(target), list);
    }
  }
  return {
    resolve: (reference) => {
      const ref = str(obj(reference).reference);
      return ref ? byKey.get(refKey(ref)) : undefined;
    },
    provenance: (resource) => targets.get(keyOf(resource)) ?? [],
  };
}

const EMPTY_INDEX: ImportIndex = { resolve: () => undefined, provenance: () => [] };

/** A reference's name: its display, else the name of the resource it points at in the import. */
function nameOf(reference: unknown, index: ImportIndex): string {
  const display = str(obj(reference).display);
  if (display) return display;
  const target = index.resolve(reference);
  if (!target) return '';
  return str(target.name) || humanName(officialName(target.name), { prefix: true });
}

const isOrganization = (reference: unknown, index: ImportIndex) =>
  str(obj(reference).reference).includes('Organization/') ||
  index.resolve(reference)?.resourceType === 'Organization';

/** The resource's own "recorded" date, in the order FHIR resources carry one. */
function recordedDate(r: Json): string {
  const candidates = [
    r.recordedDate,
    r.recorded,
    r.authoredOn,
    r.issued,
    r.dateAsserted,
    r.date,
    r.occurrenceDateTime,
    r.effectiveDateTime,
    obj(r.effectivePeriod).start,
    r.onsetDateTime,
    obj(r.onsetPeriod).start,
    r.performedDateTime,
    obj(r.performedPeriod).start,
    obj(r.period).start,
  ];
  for (const c of candidates) if (dateOf(c)) return str(c);
  return '';
}

/** The people a resource names as its author or performer (in that order). */
function authorsOf(r: Json): unknown[] {
  return [
    r.recorder,
    r.asserter,
    r.requester,
    ...arr(r.performer).map((p) => (obj(p).actor ? obj(p).actor : p)),
    ...arr(r.author),
    ...arr(r.participant).map((p) => obj(p).individual),
  ].filter((x) => x && typeof x === 'object');
}

/** Where a resource names its encounter (`encounter`, DocumentReference `context.encounter`, …). */
const encounterReference = (r: Json): unknown =>
  r.encounter ?? arr(obj(r.context).encounter)[0] ?? r.context;

/** The origin of one imported resource. */
export function originOf(
  resource: FhirResource,
  index: ImportIndex = EMPTY_INDEX,
  importedFrom?: string,
): Origin {
  const r = resource as Json;
  let author = '';
  let organization = '';
  for (const who of authorsOf(r)) {
    if (isOrganization(who, index)) organization ||= nameOf(who, index);
    else author ||= nameOf(who, index);
  }
  let recorded = recordedDate(r);
  for (const p of index.provenance(resource)) {
    recorded ||= dateOf(p.recorded) ? str(p.recorded) : '';
    const agents = arr(p.agent).map(obj);
    const authorFirst = [
      ...agents.filter((a) => JSON.stringify(a.type ?? '').includes('"author"')),
      ...agents,
    ];
    for (const a of authorFirst) {
      if (isOrganization(a.who, index)) organization ||= nameOf(a.who, index);
      else author ||= nameOf(a.who, index);
      organization ||= nameOf(a.onBehalfOf, index);
    }
  }
  // What the encounter it was recorded in says (Synthea names people only there).
  const encounter = index.resolve(encounterReference(r));
  if (encounter?.resourceType === 'Encounter') {
    author ||=
      arr(encounter.participant)
        .map((p) => nameOf(obj(p).individual, index))
        .find(Boolean) ?? '';
    organization ||= nameOf(encounter.serviceProvider, index);
  }
  organization ||= str(obj(r.meta).source);
  return {
    ...(recorded ? { recorded } : {}),
    ...(author ? { author } : {}),
    ...(organization ? { organization } : {}),
    ...(importedFrom ? { importedFrom } : {}),
  };
}

/** The visit an imported resource was recorded in, as `Encounter/<id>` ('' when none). */
export function encounterRefOf(resource: FhirResource, index: ImportIndex): string {
  const ref = encounterReference(resource as Json);
  const target = index.resolve(ref);
  if (target?.resourceType === 'Encounter') return `Encounter/${target.id}`;
  const raw = str(obj(ref).reference);
  return raw && refKey(raw).startsWith('Encounter/') ? refKey(raw) : '';
}

/**
 * Adds `origin` and `encounter` to planned entries (fhir-in.ts), from their source resource(s)
 * and the rest of the import.
 */
export function annotateImport(
  entries: readonly { fields: Record<string, unknown> }[],
  resources: readonly FhirResource[],
  importedFrom?: string,
): void {
  const index = importIndex(resources);
  for (const entry of entries) {
    const source = [entry.fields.fhir].flat()[0] as FhirResource | undefined;
    if (!source || typeof source !== 'object') continue;
    const origin = originOf(source, index, importedFrom?.slice(0, 300));
    if (Object.keys(origin).length) entry.fields.origin = origin;
    const encounter = source.resourceType === 'Encounter' ? '' : encounterRefOf(source, index);
    if (encounter) entry.fields.encounter = encounter;
  }
}

/** What the chart shows about an entry's origin; null for entries made in Folio. */
export interface EntryOrigin extends Origin {
  /** When and by whom it was imported (the verified signature of the import). */
  importedAt: string;
  importedBy?: string;
}

export function entryOrigin(entry: Entry<unknown>): EntryOrigin | null {
  const data = obj(entry.data);
  const source = [data.fhir].flat()[0] as FhirResource | undefined;
  if (!source || typeof source !== 'object') return null;
  // Charts imported before origins were kept: what the resource itself says.
  const stored = obj(data.origin);
  const origin: Origin = Object.keys(stored).length
    ? {
        ...(str(stored.recorded) ? { recorded: str(stored.recorded) } : {}),
        ...(str(stored.author) ? { author: str(stored.author) } : {}),
        ...(str(stored.organization) ? { organization: str(stored.organization) } : {}),
        ...(str(stored.importedFrom) ? { importedFrom: str(stored.importedFrom) } : {}),
      }
    : originOf(source);
  return {
    ...origin,
    importedAt: entry.createdAt,
    ...(entry.createdBy ? { importedBy: entry.createdBy.memberName } : {}),
  };
}

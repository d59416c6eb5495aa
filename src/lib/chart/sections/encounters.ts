/**
 * Visits (FHIR Encounter): validation, commands, FHIR out and in, and the visit list's view model
 * (what was recorded in each visit, filtering). Imported encounters keep their source resource;
 * the entries recorded during a visit point at it through their `encounter` field (set at import
 * from the resource's own `encounter` reference, origin.ts).
 */
import type { FhirResource } from '../fhir-codes';
import { SYSTEMS, type Coding, type Entry } from '../types';
import { Checker, endBeforeStart } from '../validate';
import { arr, codingOf, conceptText, dateOf, obj, str } from './fhir-read';
import { compact, concept } from './fhir-write';
import { defineSection, oneToOne, type EntryStore, type ExportContext } from './section';

export const ENCOUNTER_STATUSES = [
  'planned',
  'arrived',
  'triaged',
  'in-progress',
  'onleave',
  'finished',
  'cancelled',
  'entered-in-error',
  'unknown',
] as const;
export type EncounterStatus = (typeof ENCOUNTER_STATUSES)[number];

/** A visit (FHIR Encounter). */
export interface Encounter {
  /** What kind of visit (Encounter.type, as text). */
  type: string;
  code?: Coding;
  /** Encounter.class (v3 ActCode: AMB, VR, HH, EMER, IMP, …). */
  class?: string;
  /** Encounter.period.start: a date or a dateTime, as recorded (absent only on an import). */
  start?: string;
  end?: string;
  reason?: string;
  /** The practitioners who took part (participant.individual), as names. */
  practitioner?: string;
  location?: string;
  /** The organization responsible (serviceProvider). */
  serviceProvider?: string;
  status: EncounterStatus;
  /** When a visit started in Folio was signed off (the signer is the signing change's author). */
  signedAt?: string;
  /** What did not add up in an imported encounter (shown beside it; the source is kept). */
  conflicts?: string[];
}

export const ENCOUNTER_CLASSES: readonly { value: string; label: string }[] = [
  { value: 'AMB', label: 'Office visit' },
  { value: 'VR', label: 'Virtual visit' },
  { value: 'HH', label: 'Home visit' },
  { value: 'EMER', label: 'Emergency' },
  { value: 'IMP', label: 'Inpatient stay' },
];
const CLASS_DISPLAY: Record<string, string> = {
  AMB: 'ambulatory',
  VR: 'virtual',
  HH: 'home health',
  EMER: 'emergency',
  IMP: 'inpatient encounter',
};

export type EncounterInput = Omit<Encounter, 'status' | 'conflicts'>;

/** @throws ValidationError */
export function checkEncounter(input: Partial<EncounterInput>): void {
  const c = new Checker()
    .required('type', input.type, 'Visit type')
    .maxLength('type', input.type, 200, 'Visit type')
    .date('start', input.start, 'Date', { required: true })
    .date('end', input.end, 'End date')
    .maxLength('reason', input.reason, 300, 'Reason')
    .maxLength('practitioner', input.practitioner, 200, 'Practitioner')
    .maxLength('location', input.location, 200, 'Location');
  if (input.class && !ENCOUNTER_CLASSES.some((k) => k.value === input.class))
    c.issues.push({ field: 'class', message: 'Choose a kind of visit from the list.' });
  c.done();
  new Checker().order('end', input.start, input.end, 'End date is before the visit date.').done();
}

export const encounterCommands = {
  list: (store: EntryStore) => store.list<Encounter>('encounter', 'start'),
  add(store: EntryStore, input: EncounterInput): string {
    checkEncounter(input);
    return store.add('encounter', { ...input, status: 'finished' });
  },
};

/** The reference other resources use for this visit (`Encounter/<id>` as exported). */
export function encounterKey(e: Entry<Encounter>): string {
  const source = obj((e.data as { fhir?: unknown }).fhir);
  return `Encounter/${str(source.id) || e.id}`;
}

/**
 * The problems addressed in a visit: their entry ids and the Condition each is exported as (the
 * encounter holds `addressed/<problem id>`: that reference, or false once un-addressed; visit.ts).
 */
export function addressedProblems(d: object): { id: string; reference: string }[] {
  return Object.entries(d).flatMap(([k, v]) =>
    k.startsWith('addressed/') && typeof v === 'string' && v.startsWith('Condition/')
      ? [{ id: k.slice('addressed/'.length), reference: v }]
      : [],
  );
}

/**
 * A visit as FHIR Encounter: its reason, the problems addressed in it as `diagnosis` (Condition
 * references), and whoever signed it off as a participant (the verified signer, never a typed
 * name). Its vitals, medications, prescriptions and note point back at it with `encounter`.
 */
export function encounterToFhir(e: Entry<Encounter>, { subject }: ExportContext): FhirResource {
  const d = e.data;
  const cls = d.class ?? 'AMB';
  const addressed = addressedProblems(d);
  const signer = e.history.find((h) => typeof h.changes.signedAt === 'string')?.by?.memberName;
  const participants = [
    ...(d.practitioner ? [{ individual: { display: d.practitioner } }] : []),
    ...(signer && signer !== d.practitioner
      ? [
          {
            type: [
              {
                coding: [
                  {
                    system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType',
                    code: 'ATND',
                    display: 'attender',
                  },
                ],
              },
            ],
            individual: { display: signer },
          },
        ]
      : []),
  ];
  return compact({
    resourceType: 'Encounter',
    id: e.id,
    status: d.status,
    class: {
      system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode',
      code: cls,
      ...(CLASS_DISPLAY[cls] ? { display: CLASS_DISPLAY[cls] } : {}),
    },
    type: [concept(d.type, d.code)],
    subject,
    participant: participants.length ? participants : undefined,
    period: compact({ start: d.start, end: d.end }),
    reasonCode: d.reason ? [{ text: d.reason }] : undefined,
    diagnosis: addressed.length
      ? addressed.map((a, i) => ({ condition: { reference: a.reference }, rank: i + 1 }))
      : undefined,
    location: d.location ? [{ location: { display: d.location } }] : undefined,
    serviceProvider: d.serviceProvider ? { display: d.serviceProvider } : undefined,
  });
}

const joinUnique = (values: string[]) => [...new Set(values.filter(Boolean))].join('; ');

/** A FHIR dateTime (or date) as given, when its date part is a real date; else ''. */
const dateTimeOf = (v: unknown) => (dateOf(v) ? str(v) : '');

/**
 * An imported Encounter as a visit (null when it has neither a kind nor a start: it is then kept
 * verbatim). Values that do not add up are listed in `conflicts`; nothing is dropped.
 */
export function encounterOf(r: FhirResource): Encounter | null {
  const period = obj(r.period);
  const start = dateTimeOf(period.start);
  const end = dateTimeOf(period.end);
  const type =
    arr(r.type).map(conceptText).find(Boolean) ||
    conceptText(r.serviceType) ||
    str(obj(r.class).display) ||
    str(obj(r.class).code);
  if (!type && !start) return null;
  const status = str(r.status);
  const conflicts: string[] = [];
  if (!start) conflicts.push('The visit has no start date.');
  if (str(period.start) && !start)
    conflicts.push(`Its start "${str(period.start)}" is not a date.`);
  if (endBeforeStart(start.slice(0, 10), end.slice(0, 10)))
    conflicts.push(`It ends (${end.slice(0, 10)}) before it starts (${start.slice(0, 10)}).`);
  const code = codingOf(arr(r.type)[0], [SYSTEMS.snomed]);
  const reason = joinUnique([
    ...arr(r.reasonCode).map(conceptText),
    ...arr(r.reasonReference).map((x) => str(obj(x).display)),
  ]);
  const participants = arr(r.participant).map(obj);
  const practitioner = joinUnique(participants.map((p) => str(obj(p.individual).display)));
  const location = joinUnique(arr(r.location).map((l) => str(obj(obj(l).location).display)));
  const serviceProvider = str(obj(r.serviceProvider).display);
  return {
    type: type || 'Visit',
    ...(code ? { code } : {}),
    ...(str(obj(r.class).code) ? { class: str(obj(r.class).code) } : {}),
    ...(start ? { start } : {}),
    ...(end ? { end } : {}),
    ...(reason ? { reason } : {}),
    ...(practitioner ? { practitioner } : {}),
    ...(location ? { location } : {}),
    ...(serviceProvider ? { serviceProvider } : {}),
    status: (ENCOUNTER_STATUSES as readonly string[]).includes(status)
      ? (status as EncounterStatus)
      : 'unknown',
    ...(conflicts.length ? { conflicts } : {}),
  };
}

export const encounters = defineSection<Encounter>({
  name: 'encounter',
  label: 'Visits',
  tab: 'Visits',
  viewKey: 'encounters',
  sortBy: 'start',
  errorField: 'status',
  summaryLine: (e) =>
    [(e.data.start ?? '').slice(0, 10), e.data.type, e.data.practitioner]
      .filter(Boolean)
      .join(' · '),
  summary: {
    title: 'Recent visits',
    empty: 'None recorded',
    as: 'list',
    pick: (entries) => entries.filter((e) => e.data.status !== 'entered-in-error').slice(0, 3),
  },
  form: {
    title: 'New visit',
    addLabel: 'Record visit',
    fields: [
      {
        key: 'class',
        label: 'Kind of visit',
        kind: 'select',
        initial: 'AMB',
        keep: true,
        options: ENCOUNTER_CLASSES,
      },
      { key: 'type', label: 'Visit type', placeholder: 'e.g. Follow-up', errors: true },
      { key: 'start', label: 'Date', kind: 'date', initial: 'today', past: true, errors: true },
      { key: 'reason', label: 'Reason', errors: true },
      { key: 'practitioner', label: 'Practitioner', errors: true },
      { key: 'location', label: 'Location', errors: true },
    ],
    submit: (store, v) =>
      encounterCommands.add(store, {
        type: v.type ?? '',
        class: v.class || undefined,
        start: v.start ?? '',
        reason: v.reason || undefined,
        practitioner: v.practitioner || undefined,
        location: v.location || undefined,
      }),
  },
  fhirOut: {
    types: ['Encounter'],
    render: (e, context) => [encounterToFhir(e, context)],
  },
  fhirIn: { types: ['Encounter'], importer: oneToOne(encounterOf) },
});

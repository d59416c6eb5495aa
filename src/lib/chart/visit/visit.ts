/**
 * A visit started in Folio (issue 16 item 2): one encounter and what was done in it — the reason,
 * the vitals taken, the medication reconciliation, the problems addressed, the note, the orders —
 * and its sign-off.
 *
 * Invariants:
 * - Every part is an entry of its own section whose `encounter` is the visit's key
 *   (`Encounter/<id>`, encounters.ts `encounterKey`); the encounter entry holds only the visit's
 *   own facts: reason, period, status, and one field per decision (`reconciled/<medication id>`,
 *   `addressed/<problem id>`), so decisions made on two devices at once both survive the merge.
 * - A visit is `in-progress` until signed off; sign-off needs a reason, a decision on every active
 *   medication that did not start in the visit (stop and change with a reason), a note with text
 *   and no draft prescription. It signs the visit's draft notes, records the time (the signer is
 *   the verified author of the signing change, as for notes and prescriptions) and makes the
 *   encounter `finished`: after that nothing is added to it; its note changes only by addendum.
 */
import { checkReason, isBlankNote } from '../destructive';
import { isCalendarDate, today } from '../dates';
import { ChartError } from '../errors';
import { prescriptionCommands, type Prescription } from '../rx/prescriptions';
import {
  addressedProblems,
  ENCOUNTER_CLASSES,
  encounterKey,
  type Encounter,
} from '../sections/encounters';
import { medicationCommands } from '../sections/medications';
import { noteCommands, type NoteEntry } from '../sections/notes';
import { problemCommands } from '../sections/problems';
import type { EntryStore } from '../sections/section';
import { vitalsCommands } from '../sections/vitals';
import {
  SOAP_FIELDS,
  type Actor,
  type Entry,
  type Medication,
  type Problem,
  type Vitals,
} from '../types';
import { Checker, ValidationError, type Issue } from '../validate';

/** How far ahead of this device's clock a visit may start (other devices' clocks drift). */
export const VISIT_CLOCK_SKEW_MS = 5 * 60_000;

export const RECONCILE_DECISIONS = ['continue', 'change', 'stop'] as const;
export type ReconcileDecision = (typeof RECONCILE_DECISIONS)[number];

/** One reconciliation decision, as stored in the encounter (`reconciled/<medication id>`). */
export interface Reconciliation {
  decision: ReconcileDecision;
  drug: string;
  /** Why it was stopped or changed (required for those). */
  reason?: string;
  /** A change: the dose and frequency before and after. */
  from?: { dose: string; frequency: string };
  to?: { dose: string; frequency: string };
  at: string;
}

const RECONCILED = 'reconciled/';
const ADDRESSED = 'addressed/';

/** The reconciliation decisions recorded in a visit, by medication id. */
export function decisionsOf(encounter: object): Map<string, Reconciliation> {
  const out = new Map<string, Reconciliation>();
  for (const [k, v] of Object.entries(encounter)) {
    if (!k.startsWith(RECONCILED) || !v || typeof v !== 'object') continue;
    const r = v as Reconciliation;
    if ((RECONCILE_DECISIONS as readonly string[]).includes(r.decision))
      out.set(k.slice(RECONCILED.length), r);
  }
  return out;
}

/** The ids of the problems addressed in a visit. */
export const addressedOf = (encounter: object): string[] =>
  addressedProblems(encounter).map((a) => a.id);

/** The Condition a problem entry is exported as (an imported one keeps its source id). */
function conditionReference(fields: Record<string, unknown>, id: string): string {
  const source = [fields.fhir].flat()[0] as { id?: unknown } | undefined;
  return `Condition/${typeof source?.id === 'string' && source.id ? source.id : id}`;
}

export interface StartVisitInput {
  reason: string;
  /** Visit type (Encounter.type); "Office visit" when blank. */
  type?: string;
  /** Encounter.class (ENCOUNTER_CLASSES); AMB when blank. */
  class?: string;
  /** When it starts: a date, a local date-time (`2026-12-02T09:30`) or an ISO instant; now if blank. */
  start?: string;
  practitioner?: string;
  location?: string;
}

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?$/;

/**
 * An instant as a FHIR dateTime in this device's time zone, to the second
 * (`2026-12-02T09:30:00-05:00`): its date part is the local calendar date the clinician sees.
 */
export function localDateTime(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  const offset = -d.getTimezoneOffset();
  const sign = offset >= 0 ? '+' : '-';
  const abs = Math.abs(offset);
  return `${today(d)}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/**
 * The start of a visit as a FHIR dateTime (local, with its offset; or a date), checked against the
 * clock: not in the future beyond VISIT_CLOCK_SKEW_MS. @throws ValidationError
 */
export function visitStart(value: string | undefined, now: string): string {
  const at = Date.parse(now);
  const v = (value ?? '').trim();
  if (!v) return localDateTime(at);
  const c = new Checker();
  if (/^\d{4}-\d{2}-\d{2}$/.test(v)) {
    c.date('start', v, 'Visit date', { past: false });
    if (c.issues.length === 0 && v > today(new Date(at)))
      c.issues.push({ field: 'start', message: 'The visit cannot start on a future date.' });
    c.done();
    return v;
  }
  const parsed = DATE_TIME.test(v) ? Date.parse(v) : NaN;
  if (!Number.isFinite(parsed) || !isCalendarDate(v.slice(0, 10)))
    c.issues.push({ field: 'start', message: 'Visit start is not a real date and time.' });
  else if (parsed > at + VISIT_CLOCK_SKEW_MS)
    c.issues.push({
      field: 'start',
      message:
        'The visit cannot start in the future (check the date, time and this device’s clock).',
    });
  c.done();
  return localDateTime(parsed);
}

/** @throws ValidationError */
function checkStart(input: StartVisitInput): void {
  const c = new Checker()
    .required('reason', input.reason, 'Reason for visit')
    .maxLength('reason', input.reason, 300, 'Reason for visit')
    .maxLength('type', input.type, 200, 'Visit type')
    .maxLength('practitioner', input.practitioner, 200, 'Practitioner')
    .maxLength('location', input.location, 200, 'Location');
  if (input.class && !ENCOUNTER_CLASSES.some((k) => k.value === input.class))
    c.issues.push({ field: 'class', message: 'Choose a kind of visit from the list.' });
  c.done();
}

/** What a visit is read from: the chart's lists (ChartModel, or the UI's ChartView). */
export interface VisitSource {
  encounters: readonly Entry<Encounter>[];
  medications: readonly Entry<Medication>[];
  problems: readonly Entry<Problem>[];
  vitals: readonly Entry<Vitals>[];
  notes: readonly NoteEntry[];
  prescriptions: readonly Entry<Prescription>[];
}

export interface VisitMedication {
  entry: Entry<Medication>;
  decision?: Reconciliation;
}

export interface VisitProblem {
  entry: Entry<Problem>;
  addressed: boolean;
  /** Recorded in this visit. */
  added: boolean;
}

/** One visit as its screen shows it. */
export interface VisitView {
  id: string;
  /** `Encounter/<id>`: what its parts' `encounter` names. */
  key: string;
  encounter: Entry<Encounter>;
  /** In progress: parts may be added; otherwise read-only (addenda only). */
  open: boolean;
  signedAt?: string;
  /** The verified author of the sign-off. */
  signedBy?: Actor;
  vitals: Entry<Vitals>[];
  /** The medications to reconcile (active, or decided in this visit), in list order. */
  reconcile: VisitMedication[];
  /** Medications started in this visit (no decision needed). */
  started: Entry<Medication>[];
  /** Active problems, and any addressed in or added by this visit. */
  problems: VisitProblem[];
  notes: NoteEntry[];
  prescriptions: Entry<Prescription>[];
  /** Why it cannot be signed off yet (empty: it can). */
  blockers: Issue[];
}

const inError = (s: unknown) => s === 'entered-in-error';
const of = (data: object): string | undefined => {
  const e = (data as { encounter?: unknown }).encounter;
  return typeof e === 'string' ? e : undefined;
};

/** Active medications that did not start in the visit and have no decision yet. */
export function unreconciled(
  medications: readonly Entry<Medication>[],
  decisions: ReadonlyMap<string, Reconciliation>,
  key: string,
): Entry<Medication>[] {
  return medications.filter(
    (m) => m.data.status === 'active' && of(m.data) !== key && !decisions.has(m.id),
  );
}

/** The visit's view model. @throws ChartError('no-entry') */
export function visitView(source: VisitSource, id: string): VisitView {
  const encounter = source.encounters.find((e) => e.id === id);
  if (!encounter) throw new ChartError('no-entry', 'That visit no longer exists.');
  const key = encounterKey(encounter);
  const d = encounter.data;
  const addressed = new Set(addressedOf(d));
  const here = <T extends object>(list: readonly Entry<T>[]) =>
    list.filter((e) => of(e.data) === key);
  // A prescription signed in this visit that renewed an active medication decided it (a change).
  const renewed = here(source.prescriptions).flatMap((rx): [string, Reconciliation][] =>
    rx.data.status === 'active' && rx.data.medicationId && rx.data.signedAt
      ? [
          [
            rx.data.medicationId,
            {
              decision: 'change',
              drug: rx.data.drug,
              reason: 'Renewed by a prescription in this visit',
              at: rx.data.signedAt,
            },
          ],
        ]
      : [],
  );
  const decisions = new Map([...renewed, ...decisionsOf(d)]);
  const reconcile = source.medications
    .filter((m) => decisions.has(m.id) || (m.data.status === 'active' && of(m.data) !== key))
    .map((entry) => ({ entry, decision: decisions.get(entry.id) }));
  const started = here(source.medications).filter((m) => !decisions.has(m.id));
  const problems = source.problems
    .filter(
      (p) =>
        addressed.has(p.id) ||
        of(p.data) === key ||
        (p.data.clinicalStatus === 'active' && !inError(p.data.verificationStatus)),
    )
    .map((entry) => ({
      entry,
      addressed: addressed.has(entry.id) || of(entry.data) === key,
      added: of(entry.data) === key,
    }));
  const notes = here(source.notes);
  const prescriptions = here(source.prescriptions);
  const signing = encounter.history.find((h) => typeof h.changes.signedAt === 'string');
  const open = d.status === 'in-progress';
  const view: VisitView = {
    id,
    key,
    encounter,
    open,
    ...(typeof (d as { signedAt?: unknown }).signedAt === 'string'
      ? { signedAt: (d as { signedAt?: string }).signedAt }
      : {}),
    ...(signing?.by ? { signedBy: signing.by } : {}),
    vitals: here(source.vitals),
    reconcile,
    started,
    problems,
    notes,
    prescriptions,
    blockers: [],
  };
  view.blockers = open ? blockersOf(view, unreconciled(source.medications, decisions, key)) : [];
  return view;
}

function blockersOf(v: VisitView, gaps: readonly Entry<Medication>[]): Issue[] {
  const out: Issue[] = [];
  if (!v.encounter.data.reason?.trim())
    out.push({ field: 'reason', message: 'Give the reason for the visit.' });
  if (gaps.length > 0)
    out.push({
      field: 'reconciliation',
      message: `Reconcile every active medication (continue, change or stop): ${gaps.map((m) => m.data.drug).join(', ')}.`,
    });
  const notes = v.notes.filter((n) => !inError(n.data.status));
  const blank = (n: NoteEntry) =>
    n.data.status === 'draft' && isBlankNote(SOAP_FIELDS.map((f) => n.data[f] ?? ''));
  if (notes.length === 0 || notes.every(blank))
    out.push({ field: 'note', message: 'Write the visit note before signing off.' });
  else if (notes.some(blank))
    out.push({
      field: 'note',
      message: 'A note of this visit is empty: write it or mark it entered in error.',
    });
  for (const rx of v.prescriptions.filter((p) => p.data.status === 'draft'))
    out.push({
      field: 'orders',
      message: `Sign or cancel the draft prescription for ${rx.data.drug}.`,
    });
  return out;
}

/** The visit's parts as the store holds them. */
export function visitSource(store: EntryStore): VisitSource {
  return {
    encounters: store.list<Encounter>('encounter', 'start'),
    medications: medicationCommands.list(store),
    problems: problemCommands.list(store),
    vitals: vitalsCommands.list(store),
    notes: noteCommands.list(store),
    prescriptions: prescriptionCommands.list(store),
  };
}

/** The encounter id a visit key (`Encounter/<id>`) names, if it is an open visit of this chart. */
function openVisit(store: EntryStore, idOrKey: string): { id: string; key: string } {
  const id = idOrKey.startsWith('Encounter/') ? idOrKey.slice('Encounter/'.length) : idOrKey;
  const found = store
    .list<Encounter>('encounter', 'start')
    .find((e) => e.id === id || encounterKey(e) === idOrKey);
  if (!found) throw new ChartError('no-entry', 'That visit no longer exists.');
  if (found.data.status !== 'in-progress')
    throw new ChartError(
      'visit-signed',
      'This visit is signed off: nothing more is added to it; its note changes only by addendum.',
    );
  return { id: found.id, key: encounterKey(found) };
}

export const visitCommands = {
  /**
   * Starts a visit now (or at `start`): an in-progress encounter and its draft note.
   * @throws ValidationError (blank reason, a start in the future)
   */
  start(store: EntryStore, input: StartVisitInput): { id: string; noteId: string } {
    checkStart(input);
    const start = visitStart(input.start, store.now());
    const type = input.type?.trim() || 'Office visit';
    const id = store.add('encounter', {
      type,
      class: input.class || 'AMB',
      start,
      reason: input.reason.trim(),
      practitioner: input.practitioner,
      location: input.location,
      status: 'in-progress',
    });
    const key = `Encounter/${id}`;
    const noteId = noteCommands.add(store, {
      date: start.slice(0, 10),
      title: `${type}: ${input.reason.trim()}`.slice(0, 200),
      encounter: key,
    });
    return { id, noteId };
  },
  /**
   * Throws unless `encounter` (a visit key or id) is an open visit: parts are added only to a
   * visit in progress. @throws ChartError('no-entry' | 'visit-signed')
   */
  assertOpen(store: EntryStore, encounter: string): string {
    return openVisit(store, encounter).key;
  },
  /** Changes the reason for the visit. @throws ValidationError, ChartError('visit-signed') */
  setReason(store: EntryStore, visitId: string, reason: string): void {
    const { id } = openVisit(store, visitId);
    new Checker()
      .required('reason', reason, 'Reason for visit')
      .maxLength('reason', reason, 300, 'Reason for visit')
      .done();
    store.update(id, { reason: reason.trim() });
  },
  /**
   * Records a reconciliation decision on an active medication. `stop` stops it now with the
   * reason; `change` sets its new dose and frequency (the old ones stay in its history).
   * @throws ValidationError (missing reason, nothing changed), ChartError('visit-signed' | 'not-active')
   */
  reconcile(
    store: EntryStore,
    visitId: string,
    medicationId: string,
    input: { decision: ReconcileDecision; reason?: string; dose?: string; frequency?: string },
  ): void {
    const { id } = openVisit(store, visitId);
    if (!(RECONCILE_DECISIONS as readonly string[]).includes(input.decision))
      throw new ValidationError([
        { field: 'decision', message: 'Choose continue, change or stop.' },
      ]);
    const med = store.entry(medicationId, 'medication');
    if (med.fields.status !== 'active')
      throw new ChartError('not-active', 'Only an active medication is reconciled.');
    const drug = String(med.fields.drug ?? '');
    const at = store.now();
    let record: Reconciliation = { decision: input.decision, drug, at };
    if (input.decision === 'stop') {
      const reason = checkReason(input.reason, 'Reason for stopping');
      medicationCommands.stop(store, medicationId, today(new Date(at)), reason);
      record = { ...record, reason };
    } else if (input.decision === 'change') {
      const c = new Checker()
        .required('reason', input.reason, 'Reason for the change')
        .maxLength('reason', input.reason, 500, 'Reason for the change')
        .maxLength('dose', input.dose, 100, 'Dose')
        .maxLength('frequency', input.frequency, 100, 'Frequency');
      const from = {
        dose: String(med.fields.dose ?? ''),
        frequency: String(med.fields.frequency ?? ''),
      };
      const to = {
        dose: input.dose?.trim() || from.dose,
        frequency: input.frequency?.trim() || from.frequency,
      };
      if (to.dose === from.dose && to.frequency === from.frequency)
        c.issues.push({ field: 'dose', message: 'Give the new dose or frequency.' });
      c.done();
      store.update(medicationId, to);
      record = { ...record, reason: input.reason!.trim(), from, to };
    } else if (input.reason?.trim()) {
      record = { ...record, reason: checkReason(input.reason) };
    }
    store.update(id, { [`${RECONCILED}${medicationId}`]: record as unknown as object });
  },
  /** Marks a problem addressed (or not) in the visit. @throws ChartError('visit-signed' | 'no-entry' | 'entered-in-error') */
  address(store: EntryStore, visitId: string, problemId: string, addressed = true): void {
    const { id } = openVisit(store, visitId);
    const problem = store.entry(problemId, 'problem');
    if (inError(problem.fields.verificationStatus))
      throw new ChartError('entered-in-error', 'That problem was entered in error.');
    store.update(id, {
      [`${ADDRESSED}${problemId}`]: addressed
        ? conditionReference(problem.fields, problemId)
        : false,
    });
  },
  /**
   * Signs the visit off: refuses while anything is missing (every reason in one error), then
   * signs its draft notes and records the sign-off time; the encounter is finished.
   * @throws ValidationError (what is missing), ChartError('visit-signed')
   */
  signOff(store: EntryStore, visitId: string): void {
    const { id } = openVisit(store, visitId);
    const view = visitView(visitSource(store), id);
    if (view.blockers.length > 0) throw new ValidationError(view.blockers);
    for (const n of view.notes) if (n.data.status === 'draft') noteCommands.sign(store, n.id);
    const at = store.now();
    store.update(id, { status: 'finished', end: localDateTime(Date.parse(at)), signedAt: at });
  },
};

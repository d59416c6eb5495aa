/**
 * The chart's commands and readers, over a ChartDoc from lib/crdt. Every command validates its
 * input first (ValidationError lists every problem) and writes only when it is valid. Nothing is
 * deleted: mistakes are marked entered-in-error; a signed note changes only by addendum.
 */
import type { ChartDoc, EntryRecord, Fields, RichTextHandle } from '$lib/crdt/chart-doc';
import { today } from './dates';
import type { FhirResource } from './fhir-codes';
import type { ImportPlan } from './fhir-in';
import { checkReason } from './destructive';
import {
  demographicChanges,
  demographicIssues,
  editedSinceImport,
  withSourceFields,
} from './demographics';
import { patientOf } from './patient-fhir';
import { coverageCommands } from './sections/coverage';
import { ChartError } from './errors';
import { sectionNamed } from './sections';
import { allergyCommands, type AllergyInput } from './sections/allergies';
import { immunizationCommands, type ImmunizationInput } from './sections/immunizations';
import { labCommands, type LabInput } from './sections/labs';
import { medicationCommands } from './sections/medications';
import { noteCommands, type NoteEntry } from './sections/notes';
import { problemCommands, type ProblemInput } from './sections/problems';
import { vitalsCommands } from './sections/vitals';
import { prescriptionCommands, type Prescription } from './rx/prescriptions';
import { letterCommands, type SavedLetter } from './letters/documents';
import type { LetterKind } from './letters/compose';
import type { EntryStore, SubmitOptions } from './sections/section';
import {
  visitCommands,
  visitSource,
  visitView,
  type ReconcileDecision,
  type StartVisitInput,
  type VisitView,
} from './visit/visit';
import { Checker, ValidationError } from './validate';
import {
  SHAREABLE_SECTIONS,
  SHARE_PURPOSES,
  type Addendum,
  type Allergy,
  type Consent,
  type Entry,
  type Immunization,
  type LabResult,
  type Medication,
  type Patient,
  type Problem,
  type Section,
  type ShareableSection,
  type ShareLink,
  type SoapField,
  type Vitals,
} from './types';

export { ChartError };

const GENDERS = ['female', 'male', 'other', 'unknown'] as const;

/** Checks demographics; used for new patients and edits. @throws ValidationError */
export function checkPatient(p: Partial<Patient>): void {
  new Checker()
    .required('given', p.given, 'Given name')
    .required('family', p.family, 'Family name')
    .maxLength('given', p.given, 100, 'Given name')
    .maxLength('family', p.family, 100, 'Family name')
    .date('birthDate', p.birthDate, 'Date of birth', { required: true, notBefore: '1900-01-01' })
    .oneOf('gender', p.gender, GENDERS, 'Sex')
    .required('mrn', p.mrn, 'MRN')
    .maxLength('mrn', p.mrn, 40, 'MRN')
    .done();
}

function clean(fields: object): Fields {
  const out: Fields = {};
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined || v === '') continue;
    out[k] = typeof v === 'string' ? v.trim() : (v as Fields[string]);
  }
  return out;
}

function toEntry<T>(record: EntryRecord): Entry<T> {
  return {
    id: record.id,
    data: record.fields as unknown as T,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    createdBy: record.createdBy,
    changedBy: record.changedBy,
    history: record.history,
  };
}

/** Newest first by a clinical date field, then by when it was recorded. */
const byDateDesc = (key: string) => (a: Entry<unknown>, b: Entry<unknown>) =>
  String((b.data as Record<string, unknown>)[key] ?? b.createdAt).localeCompare(
    String((a.data as Record<string, unknown>)[key] ?? a.createdAt),
  ) || b.createdAt.localeCompare(a.createdAt);

export class ChartModel {
  readonly #doc: ChartDoc;
  readonly #now: () => string;

  /** Entries grouped by section, rebuilt lazily after each change. */
  #bySection: Map<string, EntryRecord[]> | null = null;

  constructor(doc: ChartDoc, now: () => string = () => new Date().toISOString()) {
    this.#doc = doc;
    this.#now = now;
    doc.onChange(() => {
      // Any change, text included: cached entries carry text field values.
      this.#bySection = null;
    });
  }

  #records(section?: Section): EntryRecord[] {
    let grouped = this.#bySection;
    if (!grouped) {
      grouped = new Map();
      for (const record of this.#doc.entries()) {
        const list = grouped.get(record.section) ?? [];
        list.push(record);
        grouped.set(record.section, list);
      }
      this.#bySection = grouped;
    }
    if (section) return grouped.get(section) ?? [];
    return [...grouped.values()].flat();
  }

  get schemaVersion(): number {
    return this.#doc.schemaVersion;
  }

  /** Sets up a new chart. @throws ValidationError */
  create(patient: Patient): void {
    checkPatient(patient);
    this.#doc.init(clean(patient));
  }

  patient(): Patient {
    const stored = this.#doc.patient() as unknown as Patient;
    const source = this.sourcePatient();
    return source
      ? withSourceFields(stored, patientOf(source), this.#doc.patientHistory())
      : stored;
  }

  /**
   * Edits demographics (an emptied field is cleared); the change goes to the patient's change log
   * (`patientHistory`). Format checks apply to the fields changed. @throws ValidationError
   */
  updatePatient(edit: Partial<Patient>): void {
    const current = this.patient();
    const changes = demographicChanges(current, edit);
    const next = { ...current } as Record<string, unknown>;
    for (const [k, v] of Object.entries(changes)) {
      if (v === null) delete next[k];
      else next[k] = v;
    }
    const c = new Checker();
    try {
      checkPatient(next as Partial<Patient>);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      c.issues.push(...error.issues);
    }
    c.issues.push(...demographicIssues(next as Partial<Patient>, new Set(Object.keys(changes))));
    c.done();
    if (Object.keys(changes).length) this.#doc.setPatient(changes, this.#now());
  }

  /** The demographic edits, oldest first, each with its verified author. */
  patientHistory(): {
    at: string;
    by?: Entry<unknown>['createdBy'];
    changes: Record<string, unknown>;
  }[] {
    return this.#doc.patientHistory();
  }

  /** Demographic fields changed in Folio since the import (laid over the source on export). */
  patientEdits(): Set<string> {
    const source = this.sourcePatient();
    if (!source) return new Set();
    return editedSinceImport(this.#doc.patientHistory(), patientOf(source), this.patient());
  }

  /** Ends an insurance coverage on `end`. @throws ValidationError */
  endCoverage(id: string, end: string): void {
    coverageCommands.end(this.#store, id, end);
  }

  #list<T>(section: Section, dateKey: string): Entry<T>[] {
    return this.#records(section)
      .map((r) => toEntry<T>(r))
      .sort(byDateDesc(dateKey));
  }

  #entry(id: string, section?: Section): EntryRecord {
    const found = this.#records(section).find((e) => e.id === id);
    if (!found) throw new ChartError('no-entry', 'That entry no longer exists.');
    return found;
  }

  #add(
    section: Section,
    fields: object,
    texts?: Record<string, string>,
    richTexts?: Record<string, string>,
  ): string {
    return this.#doc.addEntry(section, clean(fields), this.#now(), texts, richTexts);
  }

  #update(id: string, changes: object): void {
    this.#doc.updateEntry(id, clean(changes), this.#now());
  }

  /** What the sections' commands (sections/*.ts) write through. */
  readonly #store: EntryStore = {
    list: (section, dateKey) => this.#list(section, dateKey),
    entry: (id, section) => this.#entry(id, section),
    add: (section, fields, texts, richTexts) => this.#add(section, fields, texts, richTexts),
    update: (id, changes) => this.#update(id, changes),
    text: (id, field) => this.#doc.text(id, field),
    richText: (id, field) => this.#doc.richText(id, field),
    now: () => this.#now(),
  };

  /**
   * Marks any entry as entered in error, with the clinician's reason (it stays visible in
   * history, struck through). @throws ValidationError without a reason, ChartError if retracted
   */
  markEnteredInError(id: string, reason: string): void {
    const why = checkReason(reason);
    const entry = this.#entry(id);
    const key = sectionNamed(entry.section)?.errorField ?? 'status';
    if (entry.fields[key] === 'entered-in-error')
      throw new ChartError('entered-in-error', 'This entry is already marked entered in error.');
    this.#update(id, { [key]: 'entered-in-error', enteredInErrorReason: why });
  }

  /** A registry section's entries, newest first by its clinical date. */
  entries<T>(name: ShareableSection): Entry<T>[] {
    const section = sectionNamed(name);
    if (!section) throw new Error(`no section ${name}`);
    return this.#list<T>(name, section.sortBy);
  }

  /** Adds an entry from a section's add-entry form (sections/<name>.ts `form`). */
  addFromForm(
    name: ShareableSection,
    values: Record<string, string>,
    options?: SubmitOptions,
  ): string {
    const form = sectionNamed(name)?.form;
    if (!form) throw new Error(`no form for ${name}`);
    const visit = this.#inVisit(values.encounter);
    const id = form.submit(this.#store, values, options);
    // A problem recorded in a visit is one it addressed.
    if (visit && name === 'problem') visitCommands.address(this.#store, visit, id);
    return id;
  }

  /** The visit an entry is being added to, checked to be in progress (else undefined). */
  #inVisit(encounter: unknown): string | undefined {
    if (typeof encounter !== 'string' || encounter.trim() === '') return undefined;
    return visitCommands.assertOpen(this.#store, encounter.trim());
  }

  // Visits (visit/visit.ts): one encounter, its parts and its sign-off.
  /** Starts a visit and its draft note. @throws ValidationError (blank reason, future start) */
  startVisit(input: StartVisitInput): { id: string; noteId: string } {
    return this.#doc.batch(() => visitCommands.start(this.#store, input));
  }
  /** A visit's view model. @throws ChartError('no-entry') */
  visit(id: string): VisitView {
    return visitView(visitSource(this.#store), id);
  }
  /** @throws ValidationError, ChartError('visit-signed') */
  setVisitReason(visitId: string, reason: string): void {
    visitCommands.setReason(this.#store, visitId, reason);
  }
  /** @throws ValidationError, ChartError('visit-signed' | 'not-active') */
  reconcileMedication(
    visitId: string,
    medicationId: string,
    input: { decision: ReconcileDecision; reason?: string; dose?: string; frequency?: string },
  ): void {
    this.#doc.batch(() => visitCommands.reconcile(this.#store, visitId, medicationId, input));
  }
  /** @throws ChartError('visit-signed' | 'no-entry' | 'entered-in-error') */
  addressProblem(visitId: string, problemId: string, addressed = true): void {
    visitCommands.address(this.#store, visitId, problemId, addressed);
  }
  /** Signs a visit off (and its draft notes). @throws ValidationError (what is missing), ChartError */
  signOffVisit(visitId: string): void {
    this.#doc.batch(() => visitCommands.signOff(this.#store, visitId));
  }

  // The sections' commands (sections/<name>.ts), run on this chart's entries.
  problems(): Entry<Problem>[] {
    return problemCommands.list(this.#store);
  }
  addProblem(input: ProblemInput): string {
    return problemCommands.add(this.#store, input);
  }
  resolveProblem(id: string, abatementDate?: string): void {
    problemCommands.resolve(this.#store, id, abatementDate);
  }

  medications(): Entry<Medication>[] {
    return medicationCommands.list(this.#store);
  }
  /** @throws ValidationError, ChartError('safety-override-needed') (lib/chart/safety) */
  addMedication(input: Omit<Medication, 'status'>, options?: SubmitOptions): string {
    return medicationCommands.add(this.#store, input, options);
  }
  stopMedication(id: string, endDate: string, reason: string): void {
    medicationCommands.stop(this.#store, id, endDate, reason);
  }

  /** Prescriptions (rx/prescriptions.ts), newest first. */
  prescriptions(): Entry<Prescription>[] {
    return prescriptionCommands.list(this.#store);
  }
  /** Saves a draft prescription from its form. @throws ValidationError */
  draftPrescription(values: Record<string, string>): string {
    this.#inVisit(values.encounter);
    return prescriptionCommands.draft(this.#store, values);
  }
  /**
   * Signs a draft after the safety checks; adds or renews the medication-list entry (its id).
   * @throws ValidationError, ChartError('not-draft' | 'safety-override-needed')
   */
  signPrescription(id: string, options?: SubmitOptions): string {
    return prescriptionCommands.sign(this.#store, id, options);
  }
  /** Cancels a prescription with a reason. @throws ValidationError, ChartError('not-cancellable') */
  cancelPrescription(id: string, reason: string): void {
    prescriptionCommands.cancel(this.#store, id, reason);
  }

  /** Letters kept in the chart (letters/documents.ts), newest first. */
  letters(): Entry<SavedLetter>[] {
    return letterCommands.list(this.#store);
  }
  /**
   * Keeps a letter's PDF in the chart, from a visit.
   * @throws ValidationError (too large, not a PDF), ChartError('no-entry' | 'entered-in-error')
   */
  saveLetter(input: {
    kind: LetterKind;
    title: string;
    encounterId: string;
    encounter: string;
    pdf: Uint8Array;
    pages: number;
  }): string {
    return letterCommands.add(this.#store, input);
  }

  allergies(): Entry<Allergy>[] {
    return allergyCommands.list(this.#store);
  }
  /** Active, confirmed allergies (what the banner shows). */
  activeAllergies(): Entry<Allergy>[] {
    return allergyCommands.active(this.#store);
  }
  addAllergy(input: AllergyInput): string {
    return allergyCommands.add(this.#store, input);
  }
  /** Records "no known allergies" explicitly. @throws ChartError('has-active-allergies') */
  recordNoKnownAllergies(): string {
    return allergyCommands.recordNoKnownAllergies(this.#store);
  }

  immunizations(): Entry<Immunization>[] {
    return immunizationCommands.list(this.#store);
  }
  addImmunization(input: ImmunizationInput): string {
    return immunizationCommands.add(this.#store, input);
  }

  vitals(): Entry<Vitals>[] {
    return vitalsCommands.list(this.#store);
  }
  latestVitals(): Entry<Vitals> | undefined {
    return vitalsCommands.latest(this.#store);
  }
  recordVitals(
    input: Omit<Vitals, 'status' | 'bmi'>,
    options: { confirmOutliers?: boolean } = {},
  ): string {
    this.#inVisit(input.encounter);
    return vitalsCommands.record(this.#store, input, options);
  }

  labs(): Entry<LabResult>[] {
    return labCommands.list(this.#store);
  }
  addLab(input: LabInput): string {
    return labCommands.add(this.#store, input);
  }

  notes(): NoteEntry[] {
    return noteCommands.list(this.#store);
  }
  newNote(input: { date: string; title: string; encounter?: string }): string {
    this.#inVisit(input.encounter);
    return noteCommands.add(this.#store, input);
  }
  /** The live text of a draft note section. @throws ChartError('note-signed') */
  noteText(id: string, field: SoapField): RichTextHandle {
    return noteCommands.text(this.#store, id, field);
  }
  /** Adds text (an expanded template) to a draft note's sections. @throws ChartError('note-signed') */
  insertIntoNote(id: string, texts: Partial<Record<SoapField, string>>): void {
    noteCommands.insert(this.#store, id, texts);
  }
  /** Signs a note: its text is frozen as signed; later changes go in addenda. */
  signNote(id: string): void {
    noteCommands.sign(this.#store, id);
  }
  addAddendum(noteId: string, text: string): string {
    return noteCommands.addAddendum(this.#store, noteId, text);
  }
  addenda(noteId: string): Entry<Addendum>[] {
    return noteCommands.addenda(this.#store, noteId);
  }

  // Consent and share links
  consents(): Entry<Consent>[] {
    return this.#list<Consent>('consent', 'createdAt');
  }
  /** Records the patient's consent to share (FHIR Consent). @throws ValidationError */
  recordConsent(input: Omit<Consent, 'status'>): string {
    const c = new Checker()
      .required('recipient', input.recipient, 'Recipient')
      .maxLength('recipient', input.recipient, 200, 'Recipient')
      .date('expires', input.expires, 'Consent ends', {
        required: true,
        past: false,
        notBefore: today(new Date(this.#now())),
      });
    if (!(input.purpose in SHARE_PURPOSES))
      c.issues.push({ field: 'purpose', message: 'Choose a purpose.' });
    if (
      input.scope !== 'all' &&
      (!Array.isArray(input.scope) ||
        input.scope.length === 0 ||
        !input.scope.every((s) => (SHAREABLE_SECTIONS as readonly string[]).includes(s)))
    )
      c.issues.push({ field: 'scope', message: 'Choose what to share.' });
    c.done();
    return this.#add('consent', { ...input, recipient: input.recipient.trim(), status: 'active' });
  }
  /** Withdraws a consent (its links should be revoked by the caller first). */
  withdrawConsent(id: string): void {
    this.#entry(id, 'consent');
    this.#update(id, { status: 'inactive' });
  }
  shareLinks(): Entry<ShareLink>[] {
    return this.#list<ShareLink>('share', 'createdAt');
  }
  addShareLink(input: Omit<ShareLink, 'status'>): string {
    const consent = this.#entry(input.consentId, 'consent');
    if (consent.fields.status !== 'active')
      throw new ChartError('no-consent', 'A link needs an active consent.');
    return this.#add('share', { ...input, status: 'active' });
  }
  markShareLinkRevoked(id: string): void {
    this.#entry(id, 'share');
    this.#update(id, { status: 'revoked' });
  }

  // Import (FHIR)
  /**
   * Writes a planned FHIR import (fhir-in.ts) into this chart: mapped entries into their sections
   * with their source resources, everything else kept verbatim — all in one change of the chart
   * (ChartDoc.batch: one update, one envelope), a new chart's demographics included.
   * @throws ValidationError
   */
  applyImport(plan: ImportPlan): { added: number; skipped: number } {
    checkPatient(plan.patient);
    return this.#doc.batch(() => this.#writeImport(plan));
  }
  #writeImport(plan: ImportPlan): { added: number; skipped: number } {
    const fresh = Object.keys(this.patient()).length === 0;
    if (fresh) this.#doc.init(clean(plan.patient));
    // Importing the same resources again (an update) adds only what is new.
    const held = this.#importedKeys();
    const key = (r: FhirResource) => `${r.resourceType}/${r.id}`;
    let added = 0;
    let skipped = 0;
    if (!this.sourcePatient())
      this.#add('source', { resource: plan.patientResource, role: 'patient' });
    for (const entry of plan.entries) {
      const sources = [entry.fields.fhir].flat() as FhirResource[];
      if (sources.every((r) => held.has(key(r)))) {
        skipped += sources.length;
        continue;
      }
      this.#add(entry.section, entry.fields);
      added += sources.length;
    }
    for (const resource of plan.kept) {
      if (held.has(key(resource))) {
        skipped++;
        continue;
      }
      this.#add('source', { resource, role: 'kept' });
      added++;
    }
    return { added, skipped };
  }
  #importedKeys(): Set<string> {
    const keys = new Set<string>();
    for (const record of this.#records()) {
      const sources = [record.fields.fhir ?? record.fields.resource].flat();
      for (const r of sources) {
        const res = r as { resourceType?: unknown; id?: unknown } | undefined;
        if (res && typeof res.resourceType === 'string') keys.add(`${res.resourceType}/${res.id}`);
      }
    }
    return keys;
  }
  /** The imported Patient resource, if this chart came from an import. */
  sourcePatient(): FhirResource | undefined {
    return this.#records('source').find((r) => r.fields.role === 'patient')?.fields
      .resource as unknown as FhirResource | undefined;
  }
  /** Resources kept verbatim from imports (types Folio does not model). */
  keptResources(): FhirResource[] {
    return this.#records('source')
      .filter((r) => r.fields.role === 'kept')
      .map((r) => r.fields.resource as unknown as FhirResource);
  }

  // Audit
  recordAudit(type: 'view' | 'print' | 'export' | 'share', detail?: string): void {
    this.#doc.addAudit(type, this.#now(), detail);
  }
  audit() {
    return this.#doc.audit();
  }

  /** After each change; `textOnly` when only note text changed (lists need no rebuild). */
  onChange(listener: (change: { textOnly: boolean }) => void): () => void {
    return this.#doc.onChange(listener);
  }
}

/**
 * The chart's commands and readers, over a ChartDoc from lib/crdt. Every command validates its
 * input first (ValidationError lists every problem) and writes only when it is valid. Nothing is
 * deleted: mistakes are marked entered-in-error; a signed note changes only by addendum.
 */
import type { ChartDoc, EntryRecord, Fields, TextHandle } from '$lib/crdt/chart-doc';
import { vaccineByCode } from './cvx';
import { today } from './dates';
import type { FhirResource } from './fhir-codes';
import type { ImportPlan } from './fhir-in';
import { ChartError } from './errors';
import { sectionNamed } from './sections';
import { problemCommands, type ProblemInput } from './sections/problems';
import type { EntryStore } from './sections/section';
import { Checker, bmi, checkVitals, ValidationError } from './validate';
import {
  SHAREABLE_SECTIONS,
  SHARE_PURPOSES,
  SOAP_FIELDS,
  type Addendum,
  type Allergy,
  type Consent,
  type Entry,
  type Immunization,
  type LabResult,
  type Medication,
  type Note,
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
    return this.#doc.patient() as unknown as Patient;
  }

  updatePatient(changes: Partial<Patient>): void {
    checkPatient({ ...this.patient(), ...changes });
    this.#doc.setPatient(clean(changes));
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

  #add(section: Section, fields: object, texts?: Record<string, string>): string {
    return this.#doc.addEntry(section, clean(fields), this.#now(), texts);
  }

  #update(id: string, changes: object): void {
    this.#doc.updateEntry(id, clean(changes), this.#now());
  }

  /** What the sections' commands (sections/*.ts) write through. */
  readonly #store: EntryStore = {
    list: (section, dateKey) => this.#list(section, dateKey),
    entry: (id, section) => this.#entry(id, section),
    add: (section, fields, texts) => this.#add(section, fields, texts),
    update: (id, changes) => this.#update(id, changes),
    text: (id, field) => this.#doc.text(id, field),
    now: () => this.#now(),
  };

  /** Marks any entry as entered in error (it stays visible in history, struck through). */
  markEnteredInError(id: string): void {
    const entry = this.#entry(id);
    const key =
      sectionNamed(entry.section)?.errorField ??
      (entry.section === 'allergy' ? 'verificationStatus' : 'status');
    this.#update(id, { [key]: 'entered-in-error' });
  }

  /** A registry section's entries, newest first by its clinical date. */
  entries<T>(name: ShareableSection): Entry<T>[] {
    const section = sectionNamed(name);
    if (!section) throw new Error(`no section ${name}`);
    return this.#list<T>(name, section.sortBy);
  }

  // Problems (Condition)
  problems(): Entry<Problem>[] {
    return problemCommands.list(this.#store);
  }
  addProblem(input: ProblemInput): string {
    return problemCommands.add(this.#store, input);
  }
  resolveProblem(id: string, abatementDate?: string): void {
    problemCommands.resolve(this.#store, id, abatementDate);
  }

  // Medications (MedicationRequest)
  medications(): Entry<Medication>[] {
    return this.#list<Medication>('medication', 'startDate');
  }
  addMedication(input: Omit<Medication, 'status'>): string {
    new Checker()
      .required('drug', input.drug, 'Medication')
      .maxLength('drug', input.drug, 200, 'Medication')
      .date('startDate', input.startDate, 'Start date', { past: false })
      .date('endDate', input.endDate, 'End date', { past: false })
      .done();
    if (input.startDate && input.endDate && input.endDate < input.startDate) {
      throw new ValidationError([
        { field: 'endDate', message: 'End date is before the start date.' },
      ]);
    }
    return this.#add('medication', { ...input, status: 'active' });
  }
  stopMedication(id: string, endDate: string): void {
    new Checker().date('endDate', endDate, 'Stop date', { required: true, past: false }).done();
    this.#entry(id, 'medication');
    this.#update(id, { status: 'stopped', endDate });
  }

  // Allergies (AllergyIntolerance)
  allergies(): Entry<Allergy>[] {
    return this.#list<Allergy>('allergy', 'createdAt');
  }
  /** Active, confirmed allergies (what the banner shows). */
  activeAllergies(): Entry<Allergy>[] {
    return this.allergies().filter(
      (a) => a.data.clinicalStatus === 'active' && a.data.verificationStatus === 'confirmed',
    );
  }
  addAllergy(
    input: Omit<Allergy, 'clinicalStatus' | 'verificationStatus' | 'noKnownAllergies'>,
  ): string {
    new Checker()
      .required('substance', input.substance, 'Substance')
      .maxLength('substance', input.substance, 200, 'Substance')
      .oneOf(
        'criticality',
        input.criticality ?? 'unable-to-assess',
        ['low', 'high', 'unable-to-assess'],
        'Criticality',
      )
      .done();
    // A real allergy refutes an earlier "no known allergies".
    for (const nka of this.activeAllergies().filter((a) => a.data.noKnownAllergies)) {
      this.#update(nka.id, { clinicalStatus: 'inactive', verificationStatus: 'refuted' });
    }
    return this.#add('allergy', {
      ...input,
      clinicalStatus: 'active',
      verificationStatus: 'confirmed',
    });
  }
  /** Records "no known allergies" explicitly. @throws ChartError('has-active-allergies') */
  recordNoKnownAllergies(): string {
    if (this.activeAllergies().some((a) => !a.data.noKnownAllergies)) {
      throw new ChartError('has-active-allergies', 'This patient has active allergies recorded.');
    }
    return this.#add('allergy', {
      substance: 'No known allergies',
      noKnownAllergies: true,
      clinicalStatus: 'active',
      verificationStatus: 'confirmed',
    });
  }

  // Immunizations
  immunizations(): Entry<Immunization>[] {
    return this.#list<Immunization>('immunization', 'occurrenceDate');
  }
  addImmunization(input: { cvx: string; occurrenceDate: string; lotNumber?: string }): string {
    const c = new Checker().date('occurrenceDate', input.occurrenceDate, 'Date given', {
      required: true,
    });
    const vaccine = vaccineByCode(input.cvx);
    if (!vaccine) c.issues.push({ field: 'cvx', message: 'Choose a vaccine from the CVX list.' });
    c.maxLength('lotNumber', input.lotNumber, 40, 'Lot number').done();
    return this.#add('immunization', {
      ...input,
      vaccine: vaccine!.name,
      status: 'completed',
    });
  }

  // Vitals
  vitals(): Entry<Vitals>[] {
    return this.#list<Vitals>('vitals', 'effectiveDate');
  }
  latestVitals(): Entry<Vitals> | undefined {
    return this.vitals().find((v) => v.data.status !== 'entered-in-error');
  }
  recordVitals(
    input: Omit<Vitals, 'status' | 'bmi'>,
    options: { confirmOutliers?: boolean } = {},
  ): string {
    checkVitals(input, options.confirmOutliers);
    return this.#add('vitals', {
      ...input,
      bmi: bmi(input.weightKg, input.heightCm),
      status: 'final',
    });
  }

  // Labs
  labs(): Entry<LabResult>[] {
    return this.#list<LabResult>('lab', 'effectiveDate');
  }
  addLab(input: Omit<LabResult, 'status' | 'interpretation'>): string {
    const c = new Checker()
      .required('loinc', input.loinc, 'LOINC code')
      .required('name', input.name, 'Test')
      .date('effectiveDate', input.effectiveDate, 'Date', { required: true });
    if (input.loinc && !/^\d{1,7}-\d$/.test(input.loinc))
      c.issues.push({ field: 'loinc', message: 'LOINC codes look like 2345-7.' });
    if (input.low !== undefined && input.high !== undefined && input.low > input.high) {
      c.issues.push({ field: 'low', message: 'The reference range is reversed.' });
    }
    c.done();
    const v = typeof input.value === 'number' ? input.value : Number.NaN;
    const interpretation =
      Number.isFinite(v) && (input.low !== undefined || input.high !== undefined)
        ? input.high !== undefined && v > input.high
          ? 'H'
          : input.low !== undefined && v < input.low
            ? 'L'
            : 'N'
        : undefined;
    return this.#add('lab', { ...input, interpretation, status: 'final' });
  }

  // Notes
  notes(): Entry<Note & Record<SoapField, string>>[] {
    return this.#list<Note & Record<SoapField, string>>('note', 'date');
  }
  newNote(input: { date: string; title: string }): string {
    new Checker()
      .date('date', input.date, 'Visit date', { required: true })
      .required('title', input.title, 'Title')
      .done();
    const texts = Object.fromEntries(SOAP_FIELDS.map((f) => [f, '']));
    return this.#add('note', { ...input, status: 'draft' }, texts);
  }
  /** The live text of a draft note section. @throws ChartError('note-signed') */
  noteText(id: string, field: SoapField): TextHandle {
    const note = this.#entry(id, 'note');
    if (note.fields.status !== 'draft') {
      throw new ChartError('note-signed', 'A signed note changes only by addendum.');
    }
    return this.#doc.text(id, field);
  }
  /** Signs a note: its text is frozen as signed; later changes go in addenda. */
  signNote(id: string): void {
    const note = this.#entry(id, 'note');
    if (note.fields.status !== 'draft')
      throw new ChartError('note-signed', 'This note is already signed.');
    const signedText = Object.fromEntries(
      SOAP_FIELDS.map((f) => [f, this.#doc.text(id, f).value()]),
    );
    this.#update(id, { status: 'signed', signedAt: this.#now(), signedText });
  }
  addAddendum(noteId: string, text: string): string {
    const note = this.#entry(noteId, 'note');
    if (note.fields.status !== 'signed')
      throw new ChartError('note-signed', 'Addenda are for signed notes.');
    new Checker()
      .required('text', text, 'Addendum')
      .maxLength('text', text, 20_000, 'Addendum')
      .done();
    return this.#add('addendum', { noteId, text });
  }
  addenda(noteId: string): Entry<Addendum>[] {
    return this.#list<Addendum>('addendum', 'createdAt')
      .filter((a) => a.data.noteId === noteId)
      .reverse();
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
   * with their source resources, everything else kept verbatim. @throws ValidationError
   */
  applyImport(plan: ImportPlan): { added: number; skipped: number } {
    checkPatient(plan.patient);
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

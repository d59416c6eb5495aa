/**
 * What every chart section (sections/<name>.ts) declares, and the shared machinery its commands
 * run on. The registry (sections/index.ts) lists the sections in tab order; the chart model,
 * FHIR export and import, the chart UI and the share scopes all go through it.
 */
import type { EntryRecord, RichTextHandle, TextHandle } from '$lib/crdt/chart-doc';
import type { FhirResource } from '../fhir-codes';
import type { CodeFieldSpec } from '../terminology/picker';
import type { Addendum, Entry, Section, ShareableSection } from '../types';
import type { SafetyContext } from '../safety/chart-items';
import type { SafetyReport } from '../safety/check';

/** The entry store a section's commands write through (ChartModel provides it). */
export interface EntryStore {
  /** The section's entries, newest first by `dateKey` (then by when recorded). */
  list<T>(section: Section, dateKey: string): Entry<T>[];
  /** @throws ChartError('no-entry') */
  entry(id: string, section?: Section): EntryRecord;
  add(
    section: Section,
    fields: object,
    texts?: Record<string, string>,
    richTexts?: Record<string, string>,
  ): string;
  update(id: string, changes: object): void;
  text(id: string, field: string): TextHandle;
  /** A rich-text field (legacy plain text migrates on its first edit, not on a read; ADR 0012). */
  richText(id: string, field: string): RichTextHandle;
  now(): string;
}

/** What a section's FHIR rendering needs besides the entry. */
export interface ExportContext {
  subject: { reference: string };
  addenda(noteId: string): Entry<Addendum>[];
}

/** Fields of one planned chart entry (the source resource(s) go in `fhir`). */
export type PlannedFields = Record<string, unknown>;

/**
 * Reads the resources of an import for one section. `take` answers the fields of the entry a
 * resource becomes, `'gathered'` when it was taken into an entry `finish` makes (several
 * resources per entry), or null when Folio does not model it (it is then kept verbatim).
 */
export interface SectionImporter {
  take(resource: FhirResource): PlannedFields | 'gathered' | null;
  finish?(): PlannedFields[];
}

/** One field of a section's add-entry form (the UI renders them all with one component). */
export interface FormField {
  key: string;
  label: string;
  kind?: 'text' | 'date' | 'select' | 'decimal' | 'code';
  /** kind 'code': a "Search codes" picker of a shipped terminology that fills other fields. */
  code?: CodeFieldSpec;
  placeholder?: string;
  options?: readonly { value: string; label: string }[];
  /** A disabled first option asking for a choice. */
  prompt?: string;
  /** The value a new form starts with; `today` is today's date. */
  initial?: string;
  /** A date that cannot be in the future (the picker stops at today). */
  past?: boolean;
  /** Kept as entered after a save (other fields are cleared). */
  keep?: boolean;
  /** Validation messages for this field are shown under it. */
  errors?: boolean;
}

/** Options a form's submit passes to its add command. */
export interface SubmitOptions {
  /** Medication-safety alerts the clinician overrode, by key, each with a reason. */
  overrides?: readonly { alert: string; reason: string }[];
}

export interface EntryForm {
  title: string;
  addLabel: string;
  fields: readonly FormField[];
  /**
   * Runs the section's add command with the form's values.
   * @throws ValidationError, ChartError('safety-override-needed')
   */
  submit(store: EntryStore, values: Record<string, string>, options?: SubmitOptions): string;
  /**
   * Medication-safety checks of the entry the form would add, against the chart (shown before
   * saving). `interruptive`: a high-severity alert stops the save until overridden with a reason
   * (the add command enforces it too); otherwise alerts only inform.
   */
  safety?: {
    interruptive: boolean;
    check(values: Record<string, string>, chart: SafetyContext): SafetyReport;
  };
}

export interface SectionDescriptor<T = unknown> {
  /** The section name entries are stored under (the Yjs layout) and consents name. */
  name: ShareableSection;
  /** Plural label (share scopes, headings). */
  label: string;
  /** The chart tab. */
  tab: string;
  /** The ChartView / ChartModel list this section's entries are read from. */
  viewKey: string;
  /** The clinical date entries are sorted by (newest first). */
  sortBy: string;
  /** The field `markEnteredInError` sets. */
  errorField: 'status' | 'verificationStatus';
  /** One line describing an entry (summary, lists). */
  summaryLine(entry: Entry<T>): string;
  /** The Summary tab's panel for this section, if it has one. */
  summary?: {
    title: string;
    /** Shown when nothing is picked. */
    empty: string;
    /** What the panel lists; a `text` panel shows the first only, as a paragraph. */
    pick(entries: Entry<T>[]): Entry<T>[];
    as: 'list' | 'text';
    tone?: 'alert';
  };
  /** The add-entry form, for sections whose entries are added with a plain form. */
  form?: EntryForm;
  fhirOut: {
    /** The resource types an entry is exported as. */
    types: readonly string[];
    /** Folio's own rendering of an entry (fhir-out lays it over an imported source). */
    render(entry: Entry<T>, context: ExportContext): FhirResource[];
  };
  /** How imported resources become entries of this section (absent: never imported). */
  fhirIn?: {
    types: readonly string[];
    /** A finer test than the resource type (e.g. an Observation's category). */
    matches?(resource: FhirResource): boolean;
    importer(): SectionImporter;
  };
}

/** An importer for sections where one resource makes one entry. */
export function oneToOne(read: (resource: FhirResource) => object | null): () => SectionImporter {
  return () => ({
    take: (resource) => {
      const fields = read(resource);
      return fields ? { ...fields } : null;
    },
  });
}

/** Identity helper that keeps a descriptor's entry type. */
export const defineSection = <T>(descriptor: SectionDescriptor<T>): SectionDescriptor<T> =>
  descriptor;

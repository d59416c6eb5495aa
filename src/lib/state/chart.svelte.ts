/**
 * One open chart: a reactive view of its sections and the commands the UI may run. Validation
 * problems come back as data (never thrown into the UI); edits are sealed within ~20 ms and
 * flushed before lock and on pagehide.
 */
import {
  ChartError,
  ChartModel,
  ValidationError,
  type Addendum,
  type Allergy,
  type Consent,
  type Coverage,
  type Encounter,
  type Entry,
  type Immunization,
  type Issue,
  type LabResult,
  type Medication,
  type Note,
  type Patient,
  type Prescription,
  type Problem,
  type ShareLink,
  type ShareableSection,
  type SoapField,
  SOAP_FIELDS as NOTE_FIELDS,
  type Vitals,
  type VisitItem,
  type VisitView,
  visitView,
} from '$lib/chart';
import {
  CHART_SCHEMA_VERSION,
  ChartDoc,
  type AuditRecord,
  type RichTextHandle,
  type TextHandle,
} from '$lib/crdt/chart-doc';
import type { SealedDoc } from '$lib/crdt/sealed-doc';
import { nowIso } from '$lib/chart/dates';
import { chartToFhir, collectionBundle, type FhirResource } from '$lib/chart/fhir-out';
import { recordedInVisits } from '$lib/chart/visits';
import { expandTemplate } from '$lib/chart/templates/expand';
import type { SavedLetter } from '$lib/chart/letters/documents';
import { patientFhirId } from './fhir-id';
import { practice } from './practice.svelte';
import { ShareState } from './share.svelte';
import { session } from './session.svelte';
import { sync, type JoinedRoom } from './sync.svelte';
import { ChartOpenError } from './chart-open-error';
import {
  caretColor,
  caretFromPresence,
  decodePresence,
  encodePresence,
  PresenceTracker,
} from '$lib/sync/presence';

export type {
  Addendum,
  Allergy,
  AuditRecord,
  Coverage,
  Encounter,
  Entry,
  Immunization,
  Issue,
  LabResult,
  Medication,
  Note,
  Patient,
  Prescription,
  Problem,
  RichTextHandle,
  SoapField,
  TextHandle,
  Vitals,
  VisitItem,
  VisitView,
};
export {
  GENDER_IDENTITIES,
  LANGUAGES,
  PRONOUNS,
  ageLabel,
  ENCOUNTER_CLASSES,
  encounterKey,
  entryOrigin,
  filterVisits,
  groupItems,
  isDeceased,
  labelOf,
  panelTitle,
  patientConflicts,
  statusLabel,
  type EntryOrigin,
  SECTIONS,
  SOAP_FIELDS,
  VACCINES,
  VITAL_LIMITS,
  formatAge,
  today,
  type SectionDescriptor,
} from '$lib/chart';

export interface ChartView {
  patient: Patient;
  problems: Entry<Problem>[];
  medications: Entry<Medication>[];
  /** Prescriptions, newest first (lib/chart/rx). */
  prescriptions: Entry<Prescription>[];
  /** Letters kept in the chart, newest first (lib/chart/letters). */
  letters: Entry<SavedLetter>[];
  allergies: Entry<Allergy>[];
  activeAllergies: Entry<Allergy>[];
  immunizations: Entry<Immunization>[];
  vitals: Entry<Vitals>[];
  labs: Entry<LabResult>[];
  notes: Entry<Note & Record<SoapField, string>>[];
  encounters: Entry<Encounter>[];
  coverage: Entry<Coverage>[];
  /** Demographic edits, oldest first, with their verified authors. */
  patientHistory: ReturnType<ChartModel['patientHistory']>;
  consents: Entry<Consent>[];
  shareLinks: Entry<ShareLink>[];
  audit: AuditRecord[];
}

const PRESENCE_EVERY_MS = 15_000;
/** Caret moves are announced at most this often (each is a sealed presence envelope). */
const CARET_EVERY_MS = 120;

/** Where this member's caret is: a note section and JSON relative positions (ADR 0012). */
export interface CaretPlace {
  noteId: string;
  field: SoapField;
  anchor: unknown;
  head: unknown;
}

/** Another member's caret in an open note, from verified presence. */
export interface RemoteCaretPlace extends CaretPlace {
  key: string;
  name: string;
  color: string;
}

const PRESENCE_FRESH_MS = 45_000;

export type CommandResult<T> =
  { ok: true; value: T } | { ok: false; message: string; issues: Issue[]; outliers: Issue[] };

/** The chart edits the UI may make, by name: each is a command of ChartModel. */
export type ChartCommandName =
  | 'newNote'
  | 'addAddendum'
  | 'signNote'
  | 'recordNoKnownAllergies'
  | 'markEnteredInError'
  | 'addFromForm'
  | 'stopMedication'
  | 'resolveProblem'
  | 'recordVitals'
  | 'updatePatient'
  | 'endCoverage'
  | 'draftPrescription'
  | 'signPrescription'
  | 'cancelPrescription'
  | 'saveLetter'
  | 'startVisit'
  | 'setVisitReason'
  | 'reconcileMedication'
  | 'addressProblem'
  | 'signOffVisit';

export class ChartState {
  #doc: SealedDoc | null = null;
  #model: ChartModel | null = null;
  #view = $state<ChartView | null>(null);
  #error = $state('');
  #saveState = $state<'saved' | 'saving' | 'failed'>('saved');
  #rejected = $state(0);
  #cleanup: (() => void)[] = [];
  #scheduled = false;

  get view(): ChartView | null {
    return this.#view;
  }
  /** Why the chart could not be opened ('' when fine). */
  get error(): string {
    return this.#error;
  }
  get saveState(): 'saved' | 'saving' | 'failed' {
    return this.#saveState;
  }
  /** Stored changes that failed verification and were skipped. */
  get rejected(): number {
    return this.#rejected;
  }

  #share: ShareState | null = null;

  /** Sharing for this chart (consents and links); kept by the chart so `L` links stay current. */
  get share(): ShareState | null {
    return this.#share;
  }

  #chartId = '';
  /** The open chart's id ('' before `open`). */
  get chartId(): string {
    return this.#chartId;
  }

  async open(chartId: string): Promise<void> {
    this.#chartId = chartId;
    try {
      this.#doc = await practice.openChart(chartId);
    } catch (error) {
      const code = error instanceof ChartOpenError ? error.code : null;
      this.#error =
        code === 'no-chart-key'
          ? 'This device cannot open this chart: your role holds no key for it.'
          : code === 'no-such-chart'
            ? 'There is no such chart in this practice.'
            : 'The chart could not be opened. Nothing stored was changed.';
      return;
    }
    this.#model = new ChartModel(new ChartDoc(this.#doc));
    if (this.#model.schemaVersion > CHART_SCHEMA_VERSION) {
      this.#error = 'This chart was saved by a newer version of Folio. Update Folio to open it.';
      await this.#doc.close();
      this.#doc = null;
      this.#model = null;
      return;
    }
    // Typing in a note updates its own textarea; lists are rebuilt only for other changes.
    this.#cleanup.push(
      this.#model.onChange(({ textOnly }) => (textOnly ? this.#textChanged() : this.#schedule())),
    );
    this.#cleanup.push(this.#doc.onChange(() => this.#refreshStatus()));
    this.#cleanup.push(session.beforeLock(() => this.#doc!.flush()));
    const onHide = () => void this.#doc?.flush().catch(() => undefined);
    addEventListener('pagehide', onHide);
    this.#cleanup.push(() => removeEventListener('pagehide', onHide));
    this.#model.recordAudit('view');
    // The patient list shows what the chart holds (e.g. a death recorded on another device, or
    // in a chart imported before the list kept it); nothing is written when it already does.
    void practice.updateIndex(chartId, this.#model.patient());
    this.#share = new ShareState(this, chartId);
    this.#cleanup.push(() => this.#share?.destroy());
    const doc = this.#doc;
    const joined = sync.attach(doc);
    this.#cleanup.push(() => void joined.then((room) => room.leave()));
    void joined.then((room) => this.#startPresence(doc, room));
    this.#refresh();
  }

  #others = $state<string[]>([]);

  /** Other members who have this chart open now (from verified, recent presence envelopes). */
  get others(): string[] {
    return this.#others;
  }

  #carets = $state<RemoteCaretPlace[]>([]);

  /** Other members' carets in notes of this chart (verified, recent presence). */
  get carets(): RemoteCaretPlace[] {
    return this.#carets;
  }

  #caret: CaretPlace | null = null;
  #announce: (() => void) | null = null;
  #caretTimer: ReturnType<typeof setTimeout> | null = null;

  /**
   * Records where this member's caret is (null: not in a note) and announces it in sealed
   * presence, at most every 120 ms.
   */
  setCaret(place: CaretPlace | null): void {
    if (!place && !this.#caret) return;
    this.#caret = place;
    this.#caretTimer ??= setTimeout(() => {
      this.#caretTimer = null;
      this.#announce?.();
    }, CARET_EVERY_MS);
  }

  /** The presence announcements heard (lib/sync/presence.ts); the result goes to #others. */
  readonly #heard = new PresenceTracker(PRESENCE_FRESH_MS);

  /** Announces this member's presence every 15 s (sealed) and reads others'. */
  #startPresence(doc: SealedDoc, room: JoinedRoom): void {
    if (this.#doc !== doc) return;
    const announce = async () => {
      try {
        const payload = new TextEncoder().encode(
          JSON.stringify({ at: Date.now(), caret: this.#caret }),
        );
        const { envelope } = await session.port.seal({
          docId: doc.docId,
          generation: 0,
          kind: 'presence',
          payload,
        });
        room.setPresence(encodePresence(envelope));
      } catch {
        // Locked or closing: no presence.
      }
    };
    const read = async () => {
      const blobs = room.presence();
      if (blobs.length === 0) {
        this.#others = [];
        this.#carets = [];
        return;
      }
      const envelopes = blobs.map(decodePresence).filter((e) => e !== null);
      const me = session.self;
      // A local accumulator, not state (the result is assigned to #others below).
      // eslint-disable-next-line svelte/prefer-svelte-reactivity
      const names = new Set<string>();
      const carets: RemoteCaretPlace[] = [];
      for (const r of await session.port.openMany(envelopes)) {
        if (
          !r.ok ||
          r.kind !== 'presence' ||
          (me && r.author.member === me.member && r.author.device === me.device)
        )
          continue;
        const author = `${r.author.member}:${r.author.device}`;
        this.#heard.heard(author, r.seq);
        if (!this.#heard.fresh(author)) continue;
        names.add(r.author.memberName);
        let payload: unknown = null;
        try {
          payload = JSON.parse(new TextDecoder().decode(r.payload));
        } catch {
          payload = null;
        }
        const caret = caretFromPresence(payload, NOTE_FIELDS);
        if (caret)
          carets.push({
            ...caret,
            field: caret.field as SoapField,
            key: author,
            name: r.author.memberName,
            color: caretColor(author),
          });
      }
      this.#others = [...names].sort();
      this.#carets = carets;
    };
    this.#announce = () => void announce();
    void announce();
    const timer = setInterval(() => {
      void announce();
      void read();
    }, PRESENCE_EVERY_MS);
    const off = room.onPresence(() => void read());
    this.#cleanup.push(() => {
      clearInterval(timer);
      if (this.#caretTimer) clearTimeout(this.#caretTimer);
      this.#caretTimer = null;
      this.#announce = null;
      off();
    });
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#scheduled = false;
      this.#refresh();
    });
  }

  #refresh(): void {
    const m = this.#model;
    const doc = this.#doc;
    if (!m || !doc) return;
    this.#view = {
      patient: m.patient(),
      problems: m.problems(),
      medications: m.medications(),
      prescriptions: m.prescriptions(),
      letters: m.letters(),
      allergies: m.allergies(),
      activeAllergies: m.activeAllergies(),
      immunizations: m.immunizations(),
      vitals: m.vitals(),
      labs: m.labs(),
      notes: m.notes(),
      encounters: m.entries<Encounter>('encounter'),
      coverage: m.entries<Coverage>('coverage'),
      patientHistory: m.patientHistory(),
      consents: m.consents(),
      shareLinks: m.shareLinks(),
      audit: m.audit(),
    };
    // Long-term links are re-published after each change (debounced) by whichever device has
    // the chart open.
    this.#share?.chartChanged();
    this.#refreshStatus();
  }

  #refreshStatus(): void {
    const doc = this.#doc;
    if (!doc) return;
    this.#rejected = doc.rejections.reduce((n, r) => n + r.count, 0);
    this.#saveState = doc.writeError ? 'failed' : doc.unsavedChanges > 0 ? 'saving' : 'saved';
  }

  /** A plain-words description of why the last save failed, or ''. */
  get saveError(): string {
    const e = this.#doc?.writeError;
    if (!e) return '';
    return e.code === 'quota-exceeded'
      ? 'This device is out of storage space. Your changes are kept open here and will be saved when space is freed.'
      : 'Saving failed; Folio keeps retrying. Do not close this tab.';
  }

  /**
   * Runs one named chart command (the edits the UI may make; the UI never holds the model):
   * `chart.do('signNote', noteId)`. Validation problems come back as data.
   */
  do<N extends ChartCommandName>(
    name: N,
    ...args: Parameters<ChartModel[N]>
  ): CommandResult<ReturnType<ChartModel[N]>> {
    return this.run((model) => {
      const command = model[name] as (...a: Parameters<ChartModel[N]>) => ReturnType<ChartModel[N]>;
      return command.apply(model, args);
    });
  }

  /**
   * Runs a chart command given the model — for the state layer (e.g. sharing, which records a
   * link and its audit entry in one command); the UI uses `do` (enforced by ESLint).
   */
  run<T>(command: (model: ChartModel) => T): CommandResult<T> {
    if (!this.#model)
      return { ok: false, message: 'The chart is not open.', issues: [], outliers: [] };
    try {
      const value = command(this.#model);
      this.#refresh();
      return { ok: true, value };
    } catch (error) {
      if (error instanceof ValidationError) {
        return {
          ok: false,
          message: error.message,
          issues: error.issues,
          outliers: error.outliers,
        };
      }
      if (error instanceof ChartError)
        return { ok: false, message: error.message, issues: [], outliers: [] };
      return {
        ok: false,
        message: 'That did not work. Nothing was changed.',
        issues: [],
        outliers: [],
      };
    }
  }

  /**
   * The live rich text of a draft note's section, or null once the note is signed. Reading
   * writes nothing: a legacy plain-text section has no binding until `edit()` (ADR 0012).
   */
  noteText(noteId: string, field: SoapField): RichTextHandle | null {
    try {
      return this.#model?.noteText(noteId, field) ?? null;
    } catch {
      return null;
    }
  }

  /**
   * Inserts a practice template into a draft note: its smart phrases are expanded against the
   * chart as it is now (a snapshot) and the text goes into the note's shared sections, so it
   * syncs like typing. An unknown phrase comes back as an issue naming it.
   */
  insertTemplate(
    noteId: string,
    template: { name: string; sections: Partial<Record<SoapField, string>> },
  ): CommandResult<void> {
    return this.run((model) =>
      model.insertIntoNote(
        noteId,
        expandTemplate(template, {
          vitals: model.vitals(),
          medications: model.medications(),
          allergies: model.allergies(),
          problems: model.problems(),
          labs: model.labs(),
        }),
      ),
    );
  }

  /** Records a print or export of this chart in its audit trail. */
  recordAudit(type: 'print' | 'export' | 'share', detail?: string): void {
    this.#model?.recordAudit(type, detail);
  }

  /** The chart (or the consented sections) as FHIR resources; reads only, changes nothing. */
  fhirResources(chartId: string, sections: 'all' | ShareableSection[]): FhirResource[] {
    if (!this.#model) throw new Error('The chart is not open.');
    return chartToFhir(this.#model, patientFhirId(chartId), [], { sections, consents: false });
  }

  /** The whole chart as a FHIR R4 Bundle file (`Export FHIR`); recorded in the audit trail. */
  exportFhir(chartId: string): { blob: Blob; filename: string } | null {
    const m = this.#model;
    if (!m) return null;
    const at = nowIso();
    const bundle = collectionBundle(chartToFhir(m, patientFhirId(chartId)), at);
    m.recordAudit('export', 'FHIR R4 Bundle');
    const p = m.patient();
    const name = `${p.family}-${p.given}`.replace(/[^\p{L}\p{N}-]+/gu, '_');
    return {
      blob: new Blob([JSON.stringify(bundle, null, 2)], { type: 'application/fhir+json' }),
      filename: `${name}-fhir-${at.slice(0, 10)}.json`,
    };
  }

  #visits: { view: ChartView; items: ReadonlyMap<string, VisitItem[]> } | null = null;

  /** What was recorded in each visit (visit key → items); computed once per chart change. */
  recordedInVisits(): ReadonlyMap<string, VisitItem[]> {
    const view = this.#view;
    // A read-only empty answer, not state (it is recomputed with each new view).
    // eslint-disable-next-line svelte/prefer-svelte-reactivity
    if (!this.#model || !view) return new Map();
    if (this.#visits?.view !== view) this.#visits = { view, items: recordedInVisits(this.#model) };
    return this.#visits.items;
  }

  addenda(noteId: string): Entry<Addendum>[] {
    return this.#model?.addenda(noteId) ?? [];
  }

  #visitId = $state<string | null>(null);
  /** Bumped (at most every 300 ms) after note typing, which leaves the view as it is. */
  #textTick = $state(0);
  #textTimer: ReturnType<typeof setTimeout> | null = null;

  #textChanged(): void {
    if (!this.#visitId || this.#textTimer) return;
    this.#textTimer = setTimeout(() => {
      this.#textTimer = null;
      this.#textTick++;
    }, 300);
  }

  /** The visit shown on the visit screen (null: the chart's tabs). */
  get visitId(): string | null {
    return this.#visitId;
  }
  /** Shows a visit's screen (null: back to the chart's tabs). */
  openVisit(id: string | null): void {
    this.#visitId = id;
  }

  /**
   * A visit's view model (lib/chart/visit), read from the current view; null when the chart is
   * not open or the visit is not in it (e.g. not synced to this device yet).
   */
  visit(id: string): VisitView | null {
    const view = this.#view;
    void this.#textTick; // the sign-off checks read the note's text
    if (!view || !this.#model) return null;
    if (!view.encounters.some((e) => e.id === id)) return null;
    return visitView({ ...view, notes: this.#model.notes() }, id);
  }

  /** Updates demographics in the chart and in the patient list. */
  updatePatient(changes: Partial<Patient>, chartId: string): CommandResult<void> {
    const result = this.run((m) => m.updatePatient(changes));
    if (result.ok && this.#model) void practice.updateIndex(chartId, this.#model.patient());
    return result;
  }

  async close(): Promise<void> {
    for (const fn of this.#cleanup.splice(0)) fn();
    if (this.#textTimer) clearTimeout(this.#textTimer);
    this.#textTimer = null;
    if (this.#doc) practice.forget(this.#doc);
    await this.#doc?.close();
    this.#doc = null;
    this.#model = null;
  }
}

/**
 * The practice: the patient list (practice index document), search, new patients and opening
 * charts. Everything is opened after unlock through the vault Worker; nothing readable is stored.
 */
import { PatientSearch } from '$lib/chart/search';
import { letterheadIssues, noPrescriberDetails } from '$lib/chart/rx/identifiers';
import type { Issue } from '$lib/chart/validate';
import type { AdministrativeGender, Patient } from '$lib/chart/types';
import { fromBase64Url, toBase64Url } from '$lib/crypto/bytes';
import type { MemberList } from '$lib/crypto/member-list';
import type { Signer } from '$lib/crdt/sealed-doc';
import type { GrantJson } from '$lib/vault/service';
import { nowIso } from '$lib/chart/dates';
import type { ImportPlan } from '$lib/chart/fhir-in';
import type { FhirResource } from '$lib/chart/fhir-out';
import { patientFhirId } from './fhir-id';
/**
 * The chart model (every section's validation and FHIR mapping, the CVX table) loads when a chart
 * is created, imported or exported — not with the patient list before unlock (the initial-JS
 * budget, bench/browser.ts).
 */
const chartModel = () => import('$lib/chart/model');

/** How long index changes gather before the list, members and catch-up look at them. */
const INDEX_SETTLE_MS = 150;

export { formatAge } from '$lib/chart/dates';
export { ageLabel } from '$lib/chart/deceased';
import { isDeceased } from '$lib/chart/deceased';
import { autoCompact, type AutoCompaction } from '$lib/crdt/auto-compact';
import { ChartDoc } from '$lib/crdt/chart-doc';
import { openEnvelopeStore, type EnvelopeStore } from '$lib/crdt/envelope-store';
import { chartKeyWraps, IndexDoc, type IndexEntry } from '$lib/crdt/index-doc';
import { SealedDoc } from '$lib/crdt/sealed-doc';
import type { CatchUpDoc } from '$lib/sync/catch-up';
import { removeFromPractice } from '$lib/sync/removal';
import { CatchUpDocs } from './catch-up-docs';
import { ChartOpenError } from './chart-open-error';
import { session } from './session.svelte';
import { sync } from './sync.svelte';

/** Whether a member is an admin of the practice now (from the vault's verified member list). */
function isAdmin(member: string): boolean {
  return (session.session?.members ?? []).some((m) => m.member === member && m.role === 'admin');
}

export interface PatientSummary {
  chartId: string;
  given: string;
  family: string;
  birthDate: string;
  gender: AdministrativeGender;
  mrn: string;
  /** Present when the patient died: the date of death ('' when not known). */
  deceasedDate?: string;
}

/**
 * Compaction thresholds: a document whose current generation holds more envelopes than this is
 * compacted (lib/crdt/auto-compact.ts) — a chart while it is open, the practice index (one
 * envelope per patient added or changed) for the whole session.
 */
const COMPACT_AFTER = 200;
const INDEX_COMPACT_AFTER = 500;

/** The practice as opened after unlock (`practice.open()`). */
export interface OpenedPractice {
  /** This device's sealed log. */
  readonly store: EnvelopeStore;
  /** The practice index (patient list, member lists, grants). */
  readonly index: IndexDoc;
  /** The index's sealed document. */
  readonly indexDoc: SealedDoc;
  /** The member who unlocked (as when the practice was opened). */
  readonly self: Signer;
}

function summaryOf(entry: IndexEntry): PatientSummary {
  return {
    chartId: entry.chartId,
    given: entry.given,
    family: entry.family,
    birthDate: entry.birthDate,
    gender: entry.gender as AdministrativeGender,
    mrn: entry.mrn,
    ...(entry.deceasedDate !== undefined ? { deceasedDate: entry.deceasedDate } : {}),
  };
}

/** The index's death field for a patient (absent when alive, '' when the date is unknown). */
const deceasedOf = (p: Patient) => (isDeceased(p) ? { deceasedDate: p.deceasedDate ?? '' } : {});

class PracticeState {
  #opened: OpenedPractice | null = null;
  #opening: Promise<OpenedPractice> | null = null;
  #patients = $state<PatientSummary[]>([]);
  /** Reactive, so an open patient list updates when patients arrive from other devices. */
  #search = $state.raw<PatientSearch<PatientSummary>>(new PatientSearch([]));
  #ready = $state(false);
  /**
   * Every MRN in the list, plus those this device listed since (the list itself settles
   * INDEX_SETTLE_MS after a change): a new chart never takes an MRN already given.
   */
  #mrns = new Set<string>();
  #rejected = $state(0);

  get ready(): boolean {
    return this.#ready;
  }
  get patients(): PatientSummary[] {
    return this.#patients;
  }
  /** Envelopes of the practice index that failed verification. */
  get rejected(): number {
    return this.#rejected;
  }

  /** Opens the practice index (once per unlocked session); resolves to the opened practice. */
  open(): Promise<OpenedPractice> {
    this.#opening ??= (async () => {
      const self = session.self;
      if (!self) throw new Error('locked');
      const store = await openEnvelopeStore();
      const { docId } = await session.vault.call('practiceIndex');
      const indexDoc = await SealedDoc.open({ docId, port: session.port, store, self });
      const index = new IndexDoc(indexDoc);
      autoCompact(indexDoc, INDEX_COMPACT_AFTER);
      const opened: OpenedPractice = { store, index, indexDoc, self };
      this.#opened = opened;
      this.#open.add(indexDoc);
      // A burst of index changes (an import, a catch-up pass: one per patient) is handled once
      // per INDEX_SETTLE_MS, not once per change: each handling reads every entry, so handling
      // each change made an import of n patients cost n² (bench/scale.ts: 5.5× the time per
      // 4× patients).
      let pending: ReturnType<typeof setTimeout> | null = null;
      index.onChange(() => {
        pending ??= setTimeout(() => {
          pending = null;
          if (this.#opened !== opened) return;
          this.#refresh(opened);
          void this.#learnMembers(opened);
          sync.scheduleCatchUp();
        }, INDEX_SETTLE_MS);
      });
      await this.publishMembers();
      session.beforeLock(() => indexDoc.flush());
      addEventListener('pagehide', () => void indexDoc.flush());
      this.#refresh(opened);
      this.#ready = true;
      void sync.attach(indexDoc);
      sync.startCatchUp({
        store,
        docs: () => this.#catchUpDocs(opened),
        receive: (doc, envelopes) => this.#receiveClosed(opened, doc.docId, envelopes),
        isOpen: (key) => this.#openDoc(key) !== undefined,
      });
      return opened;
    })();
    return this.#opening;
  }

  /**
   * The letterhead of this member's prescriptions: the practice's address and phone (shared by
   * the practice, set by an admin) and this member's own credentials, NPI and DEA number (read
   * only when this member wrote them), as form values.
   */
  async letterhead(): Promise<Record<string, string>> {
    const { index, self } = await this.open();
    const practiceDetails = index.practiceDetails(isAdmin) ?? {};
    const mine = index.prescriberDetails(self.member) ?? {};
    const text = (v: unknown) => (typeof v === 'string' ? v : '');
    return {
      practiceAddress: text(practiceDetails.address),
      practicePhone: text(practiceDetails.phone),
      credentials: text(mine.credentials),
      npi: text(mine.npi),
      dea: text(mine.dea),
    };
  }

  /**
   * Saves the letterhead after the same checks as a prescription; answers the problems ([] when
   * saved). Only an admin changes the practice's address and phone; anyone else saves their own
   * prescriber details and is told when they tried to change the practice's.
   */
  async saveLetterhead(values: Record<string, string>): Promise<Issue[]> {
    const { index, indexDoc, self } = await this.open();
    // An admin who does not prescribe (a practice manager) sets the practice's part alone.
    const practiceOnly = isAdmin(self.member) && noPrescriberDetails(values);
    const issues = letterheadIssues(values, { prescriber: !practiceOnly });
    if (issues.length > 0) return issues;
    const address = (values.practiceAddress ?? '').trim();
    const phone = (values.practicePhone ?? '').trim();
    if (isAdmin(self.member)) {
      index.setPracticeDetails(self.member, { address, phone }, nowIso());
    } else {
      const current = index.practiceDetails(isAdmin) ?? {};
      const message = 'Only an admin can change the practice’s address and phone.';
      if (address !== (current.address ?? '')) return [{ field: 'practiceAddress', message }];
      if (phone !== (current.phone ?? '')) return [{ field: 'practicePhone', message }];
    }
    if (!practiceOnly)
      index.setPrescriberDetails(self.member, {
        credentials: (values.credentials ?? '').trim(),
        npi: (values.npi ?? '').trim(),
        dea: (values.dea ?? '').trim().toUpperCase(),
      });
    await indexDoc.flush();
    return [];
  }

  readonly #open = new Set<SealedDoc>();
  readonly #compacting = new Map<SealedDoc, AutoCompaction>();
  /** How many list and grant candidates the index held when they were last given to the vault. */
  #knownCandidates = -1;
  #learning: Promise<void> = Promise.resolve();

  /** Puts this member's member-list chain into the practice index (other devices learn it). */
  async publishMembers(): Promise<void> {
    const lists = await session.vault.call('memberLists');
    this.#opened?.index.publishMemberLists(lists);
    await this.#opened?.indexDoc.flush();
  }

  /**
   * The index changed: learn a newer member list and any key grants for this device (a removal
   * elsewhere rotated the keys), then retry envelopes parked for an unknown author or key. Lists
   * and grants are untrusted candidates anyone in the practice can write: the vault takes the
   * chain and the grants that verify, each on its own, and what it refuses is reported as a sync
   * warning (`member-list:<code>`, `grant:<code>`) on the index document. Any list of the chain
   * this device holds that is missing from the index (or was overwritten) is published again.
   */
  #learnMembers({ index, indexDoc }: OpenedPractice): Promise<void> {
    this.#learning = this.#learning.then(async () => {
      const lists = index.memberLists() as unknown as MemberList[];
      const grants = index.grants() as unknown as GrantJson[];
      if (lists.length + grants.length === this.#knownCandidates) {
        // A chart may have been given a new key (lazy rotation) by another device.
        await this.#reloadOpenKeys(index, indexDoc);
        return;
      }
      this.#knownCandidates = lists.length + grants.length;
      let changed = false;
      try {
        const learned = await session.vault.call('updateMemberLists', { lists });
        changed ||= learned.changed;
        indexDoc.setRefusals('member-list', learned.refused);
      } catch {
        // Locked meanwhile: the next change retries.
        this.#knownCandidates = -1;
      }
      try {
        const rotation = await session.vault.call('acceptRotation', { grants });
        changed ||= rotation.changed;
        indexDoc.setRefusals('grant', rotation.refused);
      } catch {
        this.#knownCandidates = -1;
      }
      try {
        index.publishMemberLists(await session.vault.call('memberLists'));
      } catch {
        // Locked meanwhile.
      }
      if (changed) {
        const status = await session.vault.call('status');
        if (status.session) session.updateSummary(status.session);
        sync.scheduleCatchUp(0);
      }
      await this.#reloadOpenKeys(index, indexDoc);
    });
    return this.#learning;
  }

  /** Loads every key of the open charts from the index, then retries their parked envelopes. */
  async #reloadOpenKeys(index: IndexDoc, indexDoc: SealedDoc): Promise<void> {
    const wraps = [...this.#open]
      .filter((doc) => doc !== indexDoc)
      .flatMap((doc) => {
        const entry = index.entry(toBase64Url(doc.docId));
        return entry ? chartKeyWraps(entry) : [];
      });
    if (wraps.length > 0) await session.vault.call('loadChartKeys', { charts: wraps });
    for (const doc of this.#open) await doc.retryParked();
  }

  /**
   * Admin: removes a device (or a member with all their devices) — lib/sync/removal.ts: member
   * list v+1 recording the highest seq verified from each author, published with the new keys'
   * grants in the index under the current key before the new epoch is used.
   * @throws RotationError / VaultError
   */
  async removeDevice(target: { member: string; device?: string }): Promise<void> {
    const opened = await this.open();
    const summary = await removeFromPractice({
      envelopes: async () => {
        await this.#catchUpDocs(opened); // loads every chart key this member holds
        return (await opened.store.exportAll()).map((r) => r.env);
      },
      openMany: (envelopes) => session.vault.call('openMany', { envelopes }),
      remove: (lastSeqs) => session.vault.call('removeMember', { ...target, lastSeqs }),
      index: opened.index,
      flush: () => opened.indexDoc.flush(),
      activate: () => session.vault.call('activateRemoval'),
    });
    session.updateSummary(summary);
  }

  /** Stops tracking a chart document that was closed. */
  forget(doc: SealedDoc): void {
    this.#open.delete(doc);
    this.#compacting.get(doc)?.stop();
    this.#compacting.delete(doc);
  }

  #refresh({ index, indexDoc }: OpenedPractice): void {
    const list = index.entries().map(summaryOf);
    this.#patients = list;
    this.#mrns = new Set(list.map((p) => p.mrn));
    this.#search = new PatientSearch(list);
    this.#rejected = indexDoc.rejections.reduce((n, r) => n + r.count, 0);
  }

  search(query: string, limit = 50): PatientSummary[] {
    return this.#search.search(query, limit);
  }

  /** Patients with the same name and date of birth (a likely duplicate). */
  possibleDuplicates(p: Pick<Patient, 'given' | 'family' | 'birthDate'>): PatientSummary[] {
    const norm = (s: string) => s.trim().toLowerCase();
    return this.#patients.filter(
      (x) =>
        norm(x.given) === norm(p.given) &&
        norm(x.family) === norm(p.family) &&
        x.birthDate === p.birthDate,
    );
  }

  /** A new medical record number: practice-unique, never reused. */
  nextMrn(): string {
    for (;;) {
      const mrn = `F${Math.floor(100000 + Math.random() * 900000)}`;
      if (!this.#mrns.has(mrn)) return mrn;
    }
  }

  /** Opens a sealed document of this practice (a chart). */
  #sealed(opened: OpenedPractice, docId: Uint8Array): Promise<SealedDoc> {
    return SealedDoc.open({
      docId,
      port: session.port,
      store: opened.store,
      self: session.self ?? opened.self,
    });
  }

  /** Creates the chart and its index entry. @throws ValidationError */
  async createPatient(patient: Patient): Promise<string> {
    const { ChartModel, checkPatient } = await chartModel();
    checkPatient(patient);
    const opened = await this.open();
    const { docId, epoch, wrappedKey } = await session.vault.call('createChartKey');
    const chartDoc = await this.#sealed(opened, docId);
    new ChartModel(new ChartDoc(chartDoc)).create(patient);
    await chartDoc.close();
    return this.#listChart(opened, docId, patient, epoch, wrappedKey);
  }

  /**
   * Creates a chart from an imported patient (FHIR import, or a share link's record), with a
   * Provenance naming where it came from and who imported it. A missing or already-used MRN gets
   * a new one (the source identifiers stay in the imported Patient). @throws ValidationError
   */
  async importChart(plan: ImportPlan, source: string): Promise<{ chartId: string; added: number }> {
    const { ChartModel, checkPatient } = await chartModel();
    const opened = await this.open();
    const mrn =
      plan.patient.mrn && !this.#mrns.has(plan.patient.mrn) ? plan.patient.mrn : this.nextMrn();
    const patient = { ...plan.patient, mrn };
    checkPatient(patient);
    const provenance = {
      resourceType: 'Provenance',
      id: crypto.randomUUID(),
      target: [{ reference: `Patient/${plan.patientResource.id}` }],
      recorded: nowIso(),
      agent: [{ who: { display: session.self?.memberName ?? 'Folio' } }],
      entity: [{ role: 'source', what: { display: source.slice(0, 200) } }],
    };
    const { docId, epoch, wrappedKey } = await session.vault.call('createChartKey');
    const chartDoc = await this.#sealed(opened, docId);
    let added = 0;
    try {
      // A new chart: applyImport sets up its demographics in the same single change.
      const model = new ChartModel(new ChartDoc(chartDoc));
      added = model.applyImport({ ...plan, patient, kept: [...plan.kept, provenance] }).added;
    } finally {
      await chartDoc.close();
    }
    const chartId = await this.#listChart(opened, docId, patient, epoch, wrappedKey);
    return { chartId, added };
  }

  /**
   * Imports into an existing chart (the user confirmed an exact identifier match): adds only the
   * resources it does not hold yet. @throws ValidationError, ChartOpenError
   */
  async importInto(chartId: string, plan: ImportPlan): Promise<{ added: number }> {
    const { ChartModel } = await chartModel();
    const doc = await this.openChart(chartId);
    try {
      const model = new ChartModel(new ChartDoc(doc));
      const { added } = model.applyImport({ ...plan, patient: { ...model.patient() } });
      return { added };
    } finally {
      this.forget(doc);
      await doc.close();
    }
  }

  /** A chart's FHIR resources (for the practice export); the chart is opened and closed. */
  async chartResources(chartId: string): Promise<FhirResource[]> {
    const [{ ChartModel }, { chartToFhir }] = await Promise.all([
      chartModel(),
      import('$lib/chart/fhir-out'),
    ]);
    const doc = await this.openChart(chartId);
    try {
      const model = new ChartModel(new ChartDoc(doc));
      model.recordAudit('export', 'EHI export (FHIR NDJSON)');
      return chartToFhir(model, patientFhirId(chartId));
    } finally {
      this.forget(doc);
      await doc.close();
    }
  }

  /** Charts whose patient has this identifier value and birth date (an exact match for updates). */
  exactMatches(mrn: string, birthDate: string): PatientSummary[] {
    return this.#patients.filter((p) => mrn !== '' && p.mrn === mrn && p.birthDate === birthDate);
  }

  /** Adds a new chart to the patient list (with its wrapped key) and queues its upload. */
  async #listChart(
    { index, indexDoc }: OpenedPractice,
    docId: Uint8Array,
    patient: Patient,
    epoch: number,
    wrappedKey: Uint8Array,
  ): Promise<string> {
    const chartId = toBase64Url(docId);
    sync.markDirty(chartId);
    this.#mrns.add(patient.mrn.trim());
    index.addEntry(
      chartId,
      {
        given: patient.given.trim(),
        family: patient.family.trim(),
        birthDate: patient.birthDate,
        gender: patient.gender,
        mrn: patient.mrn.trim(),
        ...deceasedOf(patient),
      },
      { epoch, wrappedKey: toBase64Url(wrappedKey) },
    );
    await indexDoc.flush();
    return chartId;
  }

  /** Keeps the index entry in step with the chart's demographics. */
  async updateIndex(chartId: string, patient: Patient): Promise<void> {
    const opened = this.#opened;
    // Nothing to say before the chart's contents have arrived (a chart created elsewhere).
    if (!opened || !patient.birthDate) return;
    const { given, family, birthDate, gender, mrn } = patient;
    const demographics = { given, family, birthDate, gender, mrn, ...deceasedOf(patient) };
    if (!opened.index.updateDemographics(chartId, demographics)) {
      return;
    }
    await opened.indexDoc.flush();
  }

  /**
   * Opens a chart's sealed document.
   * @throws ChartOpenError('no-such-chart' | 'no-chart-key')
   */
  async openChart(chartId: string): Promise<SealedDoc> {
    const opened = await this.open();
    const entry = opened.index.entry(chartId);
    if (!entry) throw new ChartOpenError('no-such-chart');
    const docId = fromBase64Url(chartId);
    const charts = chartKeyWraps(entry);
    const { failed } = await session.vault.call('loadChartKeys', { charts });
    // A removed device may hold only older keys: it opens what it had, nothing newer.
    if (failed.length === charts.length) throw new ChartOpenError('no-chart-key');
    // After a removal, the first device to open a chart gives it a new key (lazy rotation).
    const rotated = await session.vault.call('rotateChartKeyIfStale', { docId });
    if (rotated) {
      opened.index.rotateKey(
        chartId,
        { epoch: rotated.epoch, wrappedKey: toBase64Url(rotated.wrappedKey) },
        charts.map((c) => ({ epoch: c.epoch, wrappedKey: toBase64Url(c.wrappedKey) })),
      );
      await opened.indexDoc.flush();
    }
    const doc = await this.#sealed(opened, docId);
    this.#compacting.set(doc, autoCompact(doc, COMPACT_AFTER));
    doc.onSealed(() => sync.markDirty(chartId));
    this.#open.add(doc);
    return doc;
  }

  #openDoc(key: string): SealedDoc | undefined {
    for (const doc of this.#open) if (toBase64Url(doc.docId) === key) return doc;
    return undefined;
  }

  /** Every chart this device can open, with its sync room (catch-up of charts not open). */
  /** Every chart this device can open, with its room; the vault is asked only about new ones. */
  #catchUpDocs({ index }: OpenedPractice): Promise<CatchUpDoc[]> {
    return this.#catchUpCache.docs(index.entries());
  }

  readonly #catchUpCache = new CatchUpDocs({
    loadChartKeys: (charts) => session.vault.call('loadChartKeys', { charts }),
    // One call for every new chart (issue 15: one vault round trip per chart dominated a pass).
    roomsFor: (docIds) => session.vault.call('roomsFor', { docIds, generation: 0 }),
  });

  /** Verifies and stores envelopes for a chart that is not open (catch-up). */
  async #receiveClosed(
    opened: OpenedPractice,
    docId: Uint8Array,
    envelopes: Uint8Array[],
  ): Promise<void> {
    const open = this.#openDoc(toBase64Url(docId));
    if (open) {
      await open.receive(envelopes);
      return;
    }
    const doc = await this.#sealed(opened, docId);
    try {
      await doc.receive(envelopes);
    } finally {
      await doc.close();
    }
  }
}

export const practice = new PracticeState();

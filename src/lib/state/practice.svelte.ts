/**
 * The practice: the patient list (practice index document), search, new patients and opening
 * charts. Everything is opened after unlock through the vault Worker; nothing readable is stored.
 */
import { PatientSearch, type AdministrativeGender, type Patient } from '$lib/chart';
import { fromBase64Url, toBase64Url } from '$lib/crypto/bytes';
import type { MemberList } from '$lib/crypto/member-list';
import type { GrantJson } from '$lib/vault/service';
import { nowIso } from '$lib/chart/dates';
import type { ImportPlan } from '$lib/chart/fhir-in';
import { chartToFhir, type FhirResource } from '$lib/chart/fhir-out';
import { patientFhirId } from './fhir-id';
import { ChartModel, checkPatient } from '$lib/chart/model';
import { ChartDoc, type Json } from '$lib/crdt/chart-doc';
import { openEnvelopeStore, type EnvelopeStore } from '$lib/crdt/envelope-store';
import { IndexDoc } from '$lib/crdt/index-doc';
import { SealedDoc } from '$lib/crdt/sealed-doc';
import type { CatchUpDoc } from '$lib/sync/catch-up';
import { session } from './session.svelte';
import { sync } from './sync.svelte';

export interface PatientSummary {
  chartId: string;
  given: string;
  family: string;
  birthDate: string;
  gender: AdministrativeGender;
  mrn: string;
}

/** Compaction threshold: a document with more envelopes than this is compacted after opening. */
const COMPACT_AFTER = 200;

/** Every wrapped key of a chart in its index entry: the current one and those before a rotation. */
function chartWraps(
  chartId: string,
  fields: Record<string, Json>,
): { docId: Uint8Array; epoch: number; wrappedKey: Uint8Array }[] {
  const docId = fromBase64Url(chartId);
  const older = Array.isArray(fields.olderKeys) ? fields.olderKeys : [];
  return [
    ...older.flatMap((k) => {
      const o = k as { epoch?: unknown; wrappedKey?: unknown } | null;
      return typeof o?.wrappedKey === 'string' && Number.isSafeInteger(o.epoch)
        ? [{ docId, epoch: o.epoch as number, wrappedKey: fromBase64Url(o.wrappedKey) }]
        : [];
    }),
    {
      docId,
      epoch: Number(fields.keyEpoch ?? 0),
      wrappedKey: fromBase64Url(String(fields.wrappedKey)),
    },
  ];
}

class PracticeState {
  #store: EnvelopeStore | null = null;
  #index: IndexDoc | null = null;
  #indexDoc: SealedDoc | null = null;
  #opening: Promise<void> | null = null;
  #patients = $state<PatientSummary[]>([]);
  /** Reactive, so an open patient list updates when patients arrive from other devices. */
  #search = $state.raw<PatientSearch<PatientSummary>>(new PatientSearch([]));
  #ready = $state(false);
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

  /** Opens the practice index (once per unlocked session). */
  open(): Promise<void> {
    this.#opening ??= (async () => {
      const self = session.self;
      if (!self) throw new Error('locked');
      this.#store = await openEnvelopeStore();
      const { docId } = await session.vault.call('practiceIndex');
      this.#indexDoc = await SealedDoc.open({
        docId,
        port: session.port,
        store: this.#store,
        self,
      });
      this.#index = new IndexDoc(this.#indexDoc);
      this.#open.add(this.#indexDoc);
      this.#index.onChange(() => {
        this.#refresh();
        void this.#learnMembers();
        sync.scheduleCatchUp();
      });
      await this.publishMembers();
      session.beforeLock(() => this.#indexDoc!.flush());
      addEventListener('pagehide', () => void this.#indexDoc?.flush());
      this.#refresh();
      this.#ready = true;
      void sync.attach(this.#indexDoc);
      sync.startCatchUp({
        store: this.#store,
        docs: () => this.#catchUpDocs(),
        receive: (doc, envelopes) => this.#receiveClosed(doc.docId, envelopes),
        isOpen: (key) => this.#openDoc(key) !== undefined,
      });
    })();
    return this.#opening;
  }

  readonly #open = new Set<SealedDoc>();
  /** How many list and grant candidates the index held when they were last given to the vault. */
  #knownCandidates = -1;
  #learning: Promise<void> = Promise.resolve();

  /** Puts this member's member-list chain into the practice index (other devices learn it). */
  async publishMembers(): Promise<void> {
    const lists = await session.vault.call('memberLists');
    this.#index?.publishMemberLists(lists);
    await this.#indexDoc?.flush();
  }

  /**
   * The index changed: learn a newer member list and any key grants for this device (a removal
   * elsewhere rotated the keys), then retry envelopes parked for an unknown author or key. Lists
   * and grants are untrusted candidates anyone in the practice can write: the vault takes the
   * chain and the grants that verify, each on its own, and what it refuses is reported as a sync
   * warning (`member-list:<code>`, `grant:<code>`) on the index document. Any list of the chain
   * this device holds that is missing from the index (or was overwritten) is published again.
   */
  #learnMembers(): Promise<void> {
    this.#learning = this.#learning.then(async () => {
      const lists = (this.#index?.memberLists() ?? []) as unknown as MemberList[];
      const grants = (this.#index?.grants() ?? []) as unknown as GrantJson[];
      if (lists.length + grants.length === this.#knownCandidates) {
        // A chart may have been given a new key (lazy rotation) by another device.
        await this.#reloadOpenKeys();
        return;
      }
      this.#knownCandidates = lists.length + grants.length;
      let changed = false;
      try {
        const learned = await session.vault.call('updateMemberLists', { lists });
        changed ||= learned.changed;
        this.#indexDoc?.setRefusals('member-list', learned.refused);
      } catch {
        // Locked meanwhile: the next change retries.
        this.#knownCandidates = -1;
      }
      try {
        const rotation = await session.vault.call('acceptRotation', { grants });
        changed ||= rotation.changed;
        this.#indexDoc?.setRefusals('grant', rotation.refused);
      } catch {
        this.#knownCandidates = -1;
      }
      try {
        this.#index?.publishMemberLists(await session.vault.call('memberLists'));
      } catch {
        // Locked meanwhile.
      }
      if (changed) {
        const status = await session.vault.call('status');
        if (status.session) session.updateSummary(status.session);
        sync.scheduleCatchUp(0);
      }
      await this.#reloadOpenKeys();
    });
    return this.#learning;
  }

  /** Loads every key of the open charts from the index, then retries their parked envelopes. */
  async #reloadOpenKeys(): Promise<void> {
    const wraps = [...this.#open]
      .filter((doc) => doc !== this.#indexDoc)
      .flatMap((doc) => {
        const chartId = toBase64Url(doc.docId);
        const fields = this.#index?.get(chartId);
        return fields ? chartWraps(chartId, fields) : [];
      });
    if (wraps.length > 0) await session.vault.call('loadChartKeys', { charts: wraps });
    for (const doc of this.#open) await doc.retryParked();
  }

  /**
   * Admin: removes a device (or a member with all their devices). The highest seq this device has
   * verified from each author is recorded in the new member list (earlier edits stay valid); the
   * list and the new keys' grants are published in the index under the current key, and only then
   * is the new epoch used — so remaining devices can read the grants and the removed one cannot
   * read anything written afterwards. @throws RotationError / VaultError
   */
  async removeDevice(target: { member: string; device?: string }): Promise<void> {
    await this.open();
    const lastSeqs = await this.#highestSeqs();
    const { lists, grants } = await session.vault.call('removeMember', { ...target, lastSeqs });
    this.#index!.publishMemberLists(lists);
    this.#index!.publishGrants(grants);
    await this.#indexDoc!.flush();
    const summary = await session.vault.call('activateRemoval');
    session.updateSummary(summary);
  }

  /** The highest seq per author device among every envelope this device holds and can open. */
  async #highestSeqs(): Promise<Record<string, number>> {
    await this.#catchUpDocs(); // loads every chart key this member holds
    const highest: Record<string, number> = {};
    const records = await this.#store!.exportAll();
    for (let i = 0; i < records.length; i += 500) {
      const batch = records.slice(i, i + 500).map((r) => r.env);
      for (const r of await session.vault.call('openMany', { envelopes: batch })) {
        if (!r.ok) continue;
        const key = `${r.author.member}:${r.author.device}`;
        highest[key] = Math.max(highest[key] ?? -1, r.seq);
      }
    }
    return highest;
  }

  /** Stops tracking a chart document that was closed. */
  forget(doc: SealedDoc): void {
    this.#open.delete(doc);
  }

  #refresh(): void {
    const list: PatientSummary[] = this.#index!.list().map(({ chartId, fields }) => ({
      chartId,
      given: String(fields.given ?? ''),
      family: String(fields.family ?? ''),
      birthDate: String(fields.birthDate ?? ''),
      gender: (fields.gender as AdministrativeGender) ?? 'unknown',
      mrn: String(fields.mrn ?? ''),
    }));
    this.#patients = list;
    this.#search = new PatientSearch(list);
    this.#rejected = this.#indexDoc?.rejections.reduce((n, r) => n + r.count, 0) ?? 0;
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
    const taken = new Set(this.#patients.map((p) => p.mrn));
    for (;;) {
      const mrn = `F${Math.floor(100000 + Math.random() * 900000)}`;
      if (!taken.has(mrn)) return mrn;
    }
  }

  /** Creates the chart and its index entry. @throws ValidationError */
  async createPatient(patient: Patient): Promise<string> {
    checkPatient(patient);
    await this.open();
    const { docId, epoch, wrappedKey } = await session.vault.call('createChartKey');
    const chartDoc = await SealedDoc.open({
      docId,
      port: session.port,
      store: this.#store!,
      self: session.self!,
    });
    new ChartModel(new ChartDoc(chartDoc)).create(patient);
    await chartDoc.close();
    return this.#listChart(docId, patient, epoch, wrappedKey);
  }

  /**
   * Creates a chart from an imported patient (FHIR import, or a share link's record), with a
   * Provenance naming where it came from and who imported it. A missing or already-used MRN gets
   * a new one (the source identifiers stay in the imported Patient). @throws ValidationError
   */
  async importChart(plan: ImportPlan, source: string): Promise<{ chartId: string; added: number }> {
    await this.open();
    const taken = new Set(this.#patients.map((p) => p.mrn));
    const mrn =
      plan.patient.mrn && !taken.has(plan.patient.mrn) ? plan.patient.mrn : this.nextMrn();
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
    const chartDoc = await SealedDoc.open({
      docId,
      port: session.port,
      store: this.#store!,
      self: session.self!,
    });
    let added = 0;
    try {
      const model = new ChartModel(new ChartDoc(chartDoc));
      model.create(patient);
      added = model.applyImport({ ...plan, patient, kept: [...plan.kept, provenance] }).added;
    } finally {
      await chartDoc.close();
    }
    return { chartId: await this.#listChart(docId, patient, epoch, wrappedKey), added };
  }

  /**
   * Imports into an existing chart (the user confirmed an exact identifier match): adds only the
   * resources it does not hold yet. @throws ValidationError, Error('no-chart-key')
   */
  async importInto(chartId: string, plan: ImportPlan): Promise<{ added: number }> {
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
    docId: Uint8Array,
    patient: Patient,
    epoch: number,
    wrappedKey: Uint8Array,
  ): Promise<string> {
    const chartId = toBase64Url(docId);
    sync.markDirty(chartId);
    const fields: Record<string, Json> = {
      given: patient.given.trim(),
      family: patient.family.trim(),
      birthDate: patient.birthDate,
      gender: patient.gender,
      mrn: patient.mrn.trim(),
      keyEpoch: epoch,
      wrappedKey: toBase64Url(wrappedKey),
    };
    this.#index!.put(chartId, fields);
    await this.#indexDoc!.flush();
    return chartId;
  }

  /** Keeps the index entry in step with the chart's demographics. */
  async updateIndex(chartId: string, patient: Patient): Promise<void> {
    const current = this.#index?.get(chartId);
    if (!current) return;
    this.#index!.put(chartId, {
      ...current,
      given: patient.given,
      family: patient.family,
      birthDate: patient.birthDate,
      gender: patient.gender,
      mrn: patient.mrn,
    });
    await this.#indexDoc!.flush();
  }

  /**
   * Opens a chart's sealed document.
   * @throws Error('no-such-chart' | 'no-chart-key')
   */
  async openChart(chartId: string): Promise<SealedDoc> {
    await this.open();
    const entry = this.#index!.get(chartId);
    if (!entry) throw new Error('no-such-chart');
    const docId = fromBase64Url(chartId);
    const charts = chartWraps(chartId, entry);
    const { failed } = await session.vault.call('loadChartKeys', { charts });
    // A removed device may hold only older keys: it opens what it had, nothing newer.
    if (failed.length === charts.length) throw new Error('no-chart-key');
    // After a removal, the first device to open a chart gives it a new key (lazy rotation).
    const rotated = await session.vault.call('rotateChartKeyIfStale', { docId });
    if (rotated) {
      this.#index!.put(chartId, {
        ...entry,
        keyEpoch: rotated.epoch,
        wrappedKey: toBase64Url(rotated.wrappedKey),
        olderKeys: charts.map((c) => ({ epoch: c.epoch, wrappedKey: toBase64Url(c.wrappedKey) })),
      });
      await this.#indexDoc!.flush();
    }
    const doc = await SealedDoc.open({
      docId,
      port: session.port,
      store: this.#store!,
      self: session.self!,
    });
    if (doc.envelopeCount > COMPACT_AFTER) void doc.compact().catch(() => undefined);
    doc.onSealed(() => sync.markDirty(chartId));
    this.#open.add(doc);
    return doc;
  }

  #openDoc(key: string): SealedDoc | undefined {
    for (const doc of this.#open) if (toBase64Url(doc.docId) === key) return doc;
    return undefined;
  }

  /** Every chart this device can open, with its sync room (catch-up of charts not open). */
  async #catchUpDocs(): Promise<CatchUpDoc[]> {
    const list = (this.#index?.list() ?? []).filter(
      ({ fields }) => typeof fields.wrappedKey === 'string',
    );
    const wraps = list.flatMap(({ chartId, fields }) => chartWraps(chartId, fields));
    if (wraps.length === 0) return [];
    const { failed } = await session.vault.call('loadChartKeys', { charts: wraps });
    // A chart is reachable when at least one of its keys opened.
    const failures: Record<string, number> = {};
    for (const f of failed) {
      const key = toBase64Url(f.docId);
      failures[key] = (failures[key] ?? 0) + 1;
    }
    const docs: CatchUpDoc[] = [];
    for (const { chartId, fields } of list) {
      if ((failures[chartId] ?? 0) >= chartWraps(chartId, fields).length) continue;
      const chart = { chartId, docId: fromBase64Url(chartId) };
      const { room, capability } = await session.vault.call('roomFor', {
        docId: chart.docId,
        generation: 0,
      });
      docs.push({ key: chart.chartId, docId: chart.docId, room, capability });
    }
    return docs;
  }

  /** Verifies and stores envelopes for a chart that is not open (catch-up). */
  async #receiveClosed(docId: Uint8Array, envelopes: Uint8Array[]): Promise<void> {
    const open = this.#openDoc(toBase64Url(docId));
    if (open) {
      await open.receive(envelopes);
      return;
    }
    const doc = await SealedDoc.open({
      docId,
      port: session.port,
      store: this.#store!,
      self: session.self!,
    });
    try {
      await doc.receive(envelopes);
    } finally {
      await doc.close();
    }
  }

  /** The practice's sealed envelopes and the store, for the encrypted backup. */
  get store(): EnvelopeStore | null {
    return this.#store;
  }
}

export const practice = new PracticeState();

/**
 * In-browser chart benchmarks (docs/design.md §10), driven by bench/charts.ts through Playwright.
 * Uses Folio's real vault Worker, sealed log and chart document, against plain y-indexeddb
 * holding the same Yjs content, measured in the same page.
 */
import * as Y from 'yjs';
import { IndexeddbPersistence } from 'y-indexeddb';
import { planImport } from '$lib/chart/fhir-in';
import { ChartModel } from '$lib/chart/model';
import { PatientSearch } from '$lib/chart/search';
import { ChartDoc } from '$lib/crdt/chart-doc';
import { openEnvelopeStore, type EnvelopeStore } from '$lib/crdt/envelope-store';
import { SealedDoc, type SealingPort, type Signer } from '$lib/crdt/sealed-doc';
import { VaultClient } from '$lib/vault/client';

const client = new VaultClient();
let port: SealingPort;
let self: Signer;
let store: EnvelopeStore;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const p95 = (xs: number[]) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))]!;

async function setup(): Promise<void> {
  const { session } = await client.call('createPractice', {
    practiceName: 'Bench',
    memberName: 'Bench',
    deviceName: 'Bench',
    passphrase: 'benchmark passphrase 2026',
  });
  self = { member: session.memberKey, device: session.deviceKey, memberName: session.memberName };
  port = {
    seal: (input) => client.call('seal', input),
    openMany: (envelopes) => client.call('openMany', { envelopes }),
  };
  store = await openEnvelopeStore('bench-sealed');
}

const text = (n: number) => 'Patient reports '.repeat(Math.ceil(n / 16)).slice(0, n);

function fill(chart: ChartDoc, encounters: number, observations: number): void {
  const codes = ['8867-4', '8480-6', '8462-4', '29463-7', '2345-7', '718-7', '4548-4', '2093-3'];
  for (let i = 0; i < observations; i++) {
    chart.addEntry(
      'lab',
      {
        loinc: codes[i % codes.length]!,
        name: 'Observation',
        value: 50 + (i % 100),
        unit: 'mg/dL',
        effectiveDate: '2020-01-01',
        status: 'final',
      },
      '2020-01-01T00:00:00.000Z',
    );
  }
  for (let i = 0; i < encounters; i++) {
    chart.addEntry(
      'note',
      { date: '2020-01-01', title: 'Office visit', status: 'signed' },
      '2020-01-01T00:00:00.000Z',
      {
        subjective: text(300),
        objective: text(200),
        assessment: text(150),
        plan: text(150),
      },
    );
  }
}

async function plainOpen(
  name: string,
): Promise<{ ms: number; doc: Y.Doc; persistence: IndexeddbPersistence }> {
  const t0 = performance.now();
  const doc = new Y.Doc();
  const persistence = new IndexeddbPersistence(name, doc);
  await persistence.whenSynced;
  return { ms: performance.now() - t0, doc, persistence };
}

async function bytesOfDb(name: string, storeName: string): Promise<number> {
  const db = await new Promise<IDBDatabase>((resolve) => {
    const r = indexedDB.open(name);
    r.onsuccess = () => resolve(r.result);
  });
  const all = await new Promise<unknown[]>((resolve) => {
    const r = db.transaction(storeName).objectStore(storeName).getAll();
    r.onsuccess = () => resolve(r.result);
  });
  db.close();
  let n = 0;
  for (const v of all) {
    if (v instanceof Uint8Array) n += v.byteLength;
    else if (v && typeof v === 'object' && (v as { env?: Uint8Array }).env)
      n += (v as { env: Uint8Array }).env.byteLength;
  }
  return n;
}

/** Builds a chart of the given size in both forms and measures open, edit and storage. */
async function chartWorkload(label: string, encounters: number, observations: number) {
  const { docId } = await client.call('createChartKey');
  const key = btoa(String.fromCharCode(...docId))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
  const build = await SealedDoc.open({ docId, port, store, self });
  const chart = new ChartDoc(build);
  build.ydoc.transact(() => fill(chart, encounters, observations));
  await build.flush();
  await build.compact();
  const state = Y.encodeStateAsUpdate(build.ydoc);
  await build.close();

  const plainName = `bench-plain-${label}`;
  {
    const doc = new Y.Doc();
    Y.applyUpdate(doc, state);
    const p = new IndexeddbPersistence(plainName, doc);
    await p.whenSynced;
    await p.destroy();
  }

  const sealedTimes: number[] = [];
  const plainTimes: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    const doc = await SealedDoc.open({ docId, port, store, self });
    sealedTimes.push(performance.now() - t0);
    await doc.close();
    const plain = await plainOpen(plainName);
    plainTimes.push(plain.ms);
    await plain.persistence.destroy();
  }

  // Edit → durable: one keystroke in a note, until its write is committed.
  const sealedEdits: number[] = [];
  const relaxedEdits: number[] = [];
  const relaxedStore = await openEnvelopeStore('bench-sealed', { durability: 'relaxed' });
  const relaxed = await SealedDoc.open({ docId, port, store: relaxedStore, self });
  const relaxedHandle = new ChartDoc(relaxed).text(
    new ChartDoc(relaxed).entries('note')[0]!.id,
    'assessment',
  );
  const plainEdits: number[] = [];
  const sealed = await SealedDoc.open({ docId, port, store, self });
  const sealedChart = new ChartDoc(sealed);
  const noteId = sealedChart.entries('note')[0]!.id;
  const handle = sealedChart.text(noteId, 'plan');
  const plain = await plainOpen(plainName);
  const plainText = plain.doc.getMap('texts').get(`${noteId}/plan`) as Y.Text;
  for (let i = 0; i < 60; i++) {
    let t0 = performance.now();
    handle.set(handle.value() + 'x');
    await sealed.flush();
    sealedEdits.push(performance.now() - t0);
    t0 = performance.now();
    plainText.insert(plainText.length, 'x');
    await new Promise<void>((resolve) => {
      // IndexedDB runs transactions on one store in order: this one commits after y-indexeddb's.
      const tx = (plain.persistence as unknown as { db: IDBDatabase }).db.transaction(
        ['updates'],
        'readwrite',
      );
      tx.oncomplete = () => resolve();
    });
    plainEdits.push(performance.now() - t0);
    t0 = performance.now();
    relaxedHandle.set(relaxedHandle.value() + 'x');
    await relaxed.flush();
    relaxedEdits.push(performance.now() - t0);
  }
  await relaxed.close();
  relaxedStore.close();
  await sealed.close();
  await plain.persistence.destroy();

  const sealedBytes = (await store.exportAll())
    .filter((r) => r.doc === key)
    .reduce((n, r) => n + r.env.byteLength, 0);
  const plainBytes = await bytesOfDb(plainName, 'updates');
  return {
    label,
    encounters,
    observations,
    openSealedMs: median(sealedTimes),
    openPlainMs: median(plainTimes),
    editSealedP95: p95(sealedEdits),
    editPlainP95: p95(plainEdits),
    editRelaxedP95: p95(relaxedEdits),
    sealedBytes,
    plainBytes,
  };
}

/** Open time with N uncompacted update envelopes (one small edit each). */
async function uncompacted(counts: number[]) {
  const out: { envelopes: number; openMs: number; sealMs: number }[] = [];
  for (const n of counts) {
    const { docId } = await client.call('createChartKey');
    const doc = await SealedDoc.open({ docId, port, store, self });
    const chart = new ChartDoc(doc);
    const t0 = performance.now();
    const updates: Uint8Array[] = [];
    const capture = (u: Uint8Array) => updates.push(u);
    doc.ydoc.on('update', capture);
    for (let i = 0; i < n; i++)
      chart.addEntry('lab', { loinc: '8867-4', value: i }, '2020-01-01T00:00:00.000Z');
    doc.ydoc.off('update', capture);
    // Seal each edit as its own envelope (pipelined, 500 at a time), as a long offline session would.
    const key = btoa(String.fromCharCode(...docId))
      .replace(/\+/g, '-')
      .replace(/\//g, '_')
      .replace(/=+$/, '');
    for (let i = 0; i < updates.length; i += 500) {
      const batch = await Promise.all(
        updates
          .slice(i, i + 500)
          .map((payload) => port.seal({ docId, generation: 0, kind: 'update', payload })),
      );
      await store.append(
        key,
        0,
        batch.map((b) => b.envelope),
      );
    }
    const sealMs = performance.now() - t0;
    (doc as unknown as { ydoc: Y.Doc }).ydoc.destroy();
    const t1 = performance.now();
    const opened = await SealedDoc.open({ docId, port, store, self });
    out.push({ envelopes: opened.envelopeCount, openMs: performance.now() - t1, sealMs });
    opened.ydoc.destroy();
  }
  return out;
}

function search(count: number) {
  const given = ['Ana', 'John', 'Maria', 'Wei', 'Fatima', 'Olga', 'Kwame', 'Lucía'];
  const family = ['Smith', 'García', 'Nguyen', 'Okafor', 'Müller', 'Kowalski', 'Haddad', 'Silva'];
  const people = Array.from({ length: count }, (_, i) => ({
    chartId: `c${i}`,
    given: given[i % 8]!,
    family: `${family[(i >> 3) % 8]}${i}`,
    birthDate: `19${String(20 + (i % 80)).padStart(2, '0')}-${String(1 + (i % 12)).padStart(2, '0')}-${String(1 + (i % 28)).padStart(2, '0')}`,
    mrn: `F${100000 + i}`,
  }));
  const t0 = performance.now();
  const index = new PatientSearch(people);
  const buildMs = performance.now() - t0;
  const times: number[] = [];
  for (let i = 0; i < 40; i++) {
    for (const q of ['smi', 'maria garc', 'lucia', '1980-05-05', 'F119999', 'zzz']) {
      const s = performance.now();
      index.search(q, 100);
      times.push(performance.now() - s);
    }
  }
  return { count, buildMs, p95: p95(times), median: median(times) };
}

/** What one sealed import measured (bench/fhir.ts reads it). */
export interface SealedImport {
  ms: number;
  readMs: number;
  validateMs: number;
  planMs: number;
  applyMs: number;
  sealMs: number;
  resources: number;
  patients: number;
  sealedBytes: number;
}

/**
 * Imports one FHIR file the way `Import FHIR` does: read (JSON.parse + bundle walk), validate
 * against R4 and group, plan each patient's chart, apply it to a sealed chart, seal and store.
 * Not included: the practice index entry and chart key listing (`importChart`'s `#listChart`),
 * the preview screen, and moving the file into the page.
 */
async function importFhir(text: string): Promise<SealedImport> {
  const r4 = await import('$lib/fhir/r4');
  const t0 = performance.now();
  const inputs = r4.readImport(text);
  const t1 = performance.now();
  const prepared = await r4.prepareImport(inputs);
  const t2 = performance.now();
  let resources = 0;
  let patients = 0;
  let sealedBytes = 0;
  let planMs = 0;
  let applyMs = 0;
  let sealMs = 0;
  for (const p of prepared.patients) {
    if (!p.ok) continue;
    const a = performance.now();
    const plan = planImport(p.resources);
    const b = performance.now();
    const { docId } = await client.call('createChartKey');
    const sealed = await SealedDoc.open({ docId, port, store, self });
    const c = performance.now();
    new ChartModel(new ChartDoc(sealed)).applyImport(plan);
    const d = performance.now();
    await sealed.flush();
    const e = performance.now();
    sealedBytes += sealed.envelopes.reduce((n, env) => n + env.length, 0);
    await sealed.close();
    planMs += b - a;
    applyMs += d - c;
    sealMs += e - d;
    resources += p.resources.length;
    patients++;
  }
  return {
    ms: performance.now() - t0,
    readMs: t1 - t0,
    validateMs: t2 - t1,
    planMs,
    applyMs,
    sealMs,
    resources,
    patients,
    sealedBytes,
  };
}

let plainDb: IDBDatabase | null = null;

/**
 * The plain baseline for `importFhir`: JSON.parse of the bundle, then every resource put as it
 * is into IndexedDB (same page, same profile, same strict durability as the sealed log), in one
 * transaction per patient (resource group), as the app writes one chart per patient. No
 * validation, no mapping, no encryption.
 */
async function plainFhir(text: string): Promise<{ ms: number; resources: number }> {
  plainDb ??= await new Promise<IDBDatabase>((resolve, reject) => {
    const r = indexedDB.open('bench-plain-fhir', 1);
    r.onupgradeneeded = () => r.result.createObjectStore('resources');
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
  const db = plainDb;
  const t0 = performance.now();
  const bundle = JSON.parse(text) as {
    resourceType?: string;
    entry?: { resource: { resourceType: string; id?: string } }[];
  };
  const all =
    bundle.resourceType === 'Bundle'
      ? (bundle.entry ?? []).map((e) => e.resource)
      : [bundle as { resourceType: string; id?: string }];
  // Synthea writes one patient per bundle: one group, one transaction.
  const groupId = crypto.randomUUID();
  await new Promise<void>((resolve, reject) => {
    const tx = db.transaction('resources', 'readwrite', { durability: 'strict' });
    const os = tx.objectStore('resources');
    for (const r of all) os.put(r, `${groupId}/${r.resourceType}/${r.id ?? ''}`);
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
  });
  return { ms: performance.now() - t0, resources: all.length };
}

(window as unknown as { folioBench: unknown }).folioBench = {
  setup,
  chartWorkload,
  uncompacted,
  search,
  importFhir,
  plainFhir,
};
document.title = 'ready';

/**
 * Scale (issue 15 items 2, 3 and 5): a practice of 1,000 and 5,000 patients (20,000 with
 * FOLIO_BENCH_SCALE=1000,5000,20000), stored as the app stores them — imported through the real
 * Import FHIR screen of the built app, one sealed chart and one sealed index entry per patient —
 * in Debian Chromium with an on-disk profile (withAppOnDisk). For each size:
 *   - import: click "Import N patients" → "Imported" shown (patients per second);
 *   - unlock → patient list: Lock, then click Unlock → the list's count shows all N patients;
 *     reported as the whole and as the part after "unlocked" (Argon2id, about 1 s on this
 *     machine, is the part before it and does not grow with patients);
 *   - search keystroke → screen: typing a surname one letter at a time into the list's search
 *     box, from the input event to the next animation frame after the list re-rendered (p50/p95);
 *   - the page's JS heap after the list is open (CDP JSHeapUsedSize; the vault worker's heap is
 *     not included) and storage used per patient (navigator.storage.estimate: IndexedDB and
 *     caches of this origin, including the app's own cached files).
 * Then the growth factor of each figure per step in patients against the step itself (linear
 * work grows by the same factor; the goal is ≤ 4.5× per 4× patients).
 *   - the first catch-up pass after an unlock of a settled practice (a pass finished before the
 *     lock): Unlock → that pass done, whether it was a full one and how many charts it visited,
 *     and search keystrokes typed right after the unlock, while it runs.
 * Not included: catch-up passes against a relay holding changes from other devices, and sync
 * latency (bench/sync.ts, bench/note-editor.ts).
 */
import type { Page } from '@playwright/test';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH_PASSPHRASE, createBenchPractice, withAppOnDisk } from './chromium.ts';
import { line } from './report.ts';

const FAMILIES = ['Marsh', 'Okafor', 'Lindqvist', 'Haddad', 'Moreau', 'Tanaka', 'Novak', 'Reyes'];
const SYLLABLES = ['ar', 'bel', 'cor', 'dan', 'el', 'fin', 'gar', 'hol', 'is', 'jor', 'kel', 'lan'];
const GIVEN = ['Ada', 'Bo', 'Cora', 'Dev', 'Eli', 'Fay', 'Gus', 'Hana', 'Ivo', 'Jun', 'Kai', 'Lea'];

/** A deterministic PRNG (mulberry32), so every run stores the same practice. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A FHIR R4 collection Bundle of `n` Patients with distinct surnames, dates of birth and MRNs. */
export function patientsBundle(n: number): object {
  const next = random(n);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)]!;
  const entry = Array.from({ length: n }, (_, i) => {
    const family = `${pick(FAMILIES)}${pick(SYLLABLES)}${pick(SYLLABLES)}`;
    const year = 1930 + Math.floor(next() * 90);
    const month = String(1 + Math.floor(next() * 12)).padStart(2, '0');
    const day = String(1 + Math.floor(next() * 28)).padStart(2, '0');
    const id = `scale-${n}-${i}`;
    return {
      fullUrl: `urn:uuid:${id}`,
      resource: {
        resourceType: 'Patient',
        id,
        identifier: [
          { system: 'http://example.org/folio-bench/mrn', value: `B${String(i).padStart(7, '0')}` },
        ],
        name: [{ use: 'official', family, given: [pick(GIVEN)] }],
        gender: next() < 0.5 ? 'female' : 'male',
        birthDate: `${year}-${month}-${day}`,
      },
    };
  });
  return { resourceType: 'Bundle', type: 'collection', entry };
}

interface Figures {
  n: number;
  importMs: number;
  unlockMs: number;
  listAfterUnlockMs: number;
  searchP50: number;
  searchP95: number;
  heapMb: number;
  bytesPerPatient: number;
  /** Unlock of a settled practice (a pass finished) → the first catch-up pass after it done. */
  firstPassMs: number;
  firstPassFull: string;
  firstPassVisited: string;
  /** Search keystrokes typed right after that unlock, while its first pass runs. */
  searchDuringP95: number;
  searchDuringP50: number;
}

/** The status pill's catch-up markers (lib/ui/SyncStatus.svelte). */
async function catchUpMarkers(page: Page) {
  const status = page.getByRole('status').first();
  return {
    passes: Number(await status.getAttribute('data-catch-up-passes')),
    full: (await status.getAttribute('data-catch-up-full-passes')) ?? '?',
    visited: (await status.getAttribute('data-catch-up-visited')) ?? '?',
  };
}

async function waitForPass(page: Page, timeout: number): Promise<void> {
  const deadline = Date.now() + timeout;
  while ((await catchUpMarkers(page)).passes < 1) {
    if (Date.now() > deadline) throw new Error('no catch-up pass finished in time');
    await page.waitForTimeout(20);
  }
}

const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;

/** Types `text` into the patient search one letter at a time: ms from input to the next frame. */
async function searchKeystrokes(page: Page, text: string): Promise<number[]> {
  // A string, not a function: tsx would wrap named inner functions in a helper the page lacks.
  return page.evaluate(`(async () => {
    const input = document.querySelector('input[type=search]');
    const set = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
    const times = [];
    for (const q of ['', ...${JSON.stringify(text)}.split('').map((_, i, all) => all.slice(0, i + 1).join(''))]) {
      const start = performance.now();
      set.call(input, q);
      input.dispatchEvent(new Event('input', { bubbles: true }));
      await new Promise((r) => requestAnimationFrame(() => r()));
      if (q) times.push(performance.now() - start);
      await new Promise((r) => setTimeout(r, 30));
    }
    return times;
  })()`);
}

async function measureAt(n: number): Promise<Figures> {
  const dir = await mkdtemp(join(tmpdir(), 'folio-scale-'));
  const file = join(dir, `patients-${n}.json`);
  await writeFile(file, JSON.stringify(patientsBundle(n)));
  let figures: Figures | undefined;
  try {
    await withAppOnDisk(async (page, context) => {
      await createBenchPractice(page);
      await page.getByRole('link', { name: 'Import FHIR' }).click();
      await page.getByLabel('FHIR files', { exact: true }).setInputFiles(file);
      const button = page.getByRole('button', { name: `Import ${n} patients` });
      await button.waitFor({ timeout: 60_000 + n * 20 });
      let start = performance.now();
      await button.click();
      await page.getByRole('heading', { name: 'Imported' }).waitFor({ timeout: 120_000 + n * 200 });
      const importMs = performance.now() - start;
      await page.getByRole('link', { name: 'Patients' }).click();

      const unlock: number[] = [];
      const after: number[] = [];
      for (let round = 0; round < 3; round++) {
        await page.getByRole('button', { name: 'Lock' }).click();
        await page.getByRole('heading', { name: 'Folio is locked' }).waitFor();
        await page.getByLabel('Passphrase', { exact: true }).fill(BENCH_PASSPHRASE);
        start = performance.now();
        await page.getByRole('button', { name: 'Unlock' }).click();
        await page.getByRole('heading', { name: 'Bench', level: 1 }).waitFor({ timeout: 60_000 });
        const unlocked = performance.now();
        await page
          .locator('p.count', { hasText: `matching ${n} patients` })
          .waitFor({ timeout: 120_000 });
        unlock.push(performance.now() - start);
        after.push(performance.now() - unlocked);
      }
      const typed: number[] = [];
      for (const family of FAMILIES.slice(0, 4))
        typed.push(...(await searchKeystrokes(page, family)));

      const cdp = await context.newCDPSession(page);
      await cdp.send('Performance.enable');
      await cdp.send('HeapProfiler.collectGarbage');
      const { metrics } = await cdp.send('Performance.getMetrics');
      const heap = metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? NaN;
      const usage = await page.evaluate(
        async () => (await navigator.storage.estimate()).usage ?? 0,
      );

      // Catch-up after an unlock of a settled practice: let a pass finish (the first ever, or
      // one resuming it), then lock, unlock, type a search at once, and time the first pass.
      await waitForPass(page, 600_000);
      await page.getByRole('button', { name: 'Lock' }).click();
      await page.getByRole('heading', { name: 'Folio is locked' }).waitFor();
      await page.getByLabel('Passphrase', { exact: true }).fill(BENCH_PASSPHRASE);
      start = performance.now();
      await page.getByRole('button', { name: 'Unlock' }).click();
      await page
        .locator('p.count', { hasText: `matching ${n} patients` })
        .waitFor({ timeout: 120_000 });
      const during = await searchKeystrokes(page, FAMILIES[4]!);
      await waitForPass(page, 600_000);
      const firstPassMs = performance.now() - start;
      const first = await catchUpMarkers(page);
      figures = {
        n,
        importMs,
        unlockMs: pct(unlock, 0.5),
        listAfterUnlockMs: pct(after, 0.5),
        searchP50: pct(typed, 0.5),
        searchP95: pct(typed, 0.95),
        heapMb: heap / 1e6,
        bytesPerPatient: usage / n,
        firstPassMs,
        firstPassFull: first.full,
        firstPassVisited: first.visited,
        searchDuringP50: pct(during, 0.5),
        searchDuringP95: pct(during, 0.95),
      };
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return figures!;
}

export async function benchScale(sizes: number[]): Promise<void> {
  const all: Figures[] = [];
  for (const n of sizes) {
    const f = await measureAt(n);
    all.push(f);
    line(
      'scale: import (Import FHIR)',
      `${n} patients`,
      `${(f.importMs / 1000).toFixed(1)} s, ${((n / f.importMs) * 1000).toFixed(0)} patients/s`,
    );
    line(
      'scale: unlock → patient list',
      `${n} patients`,
      `${f.unlockMs.toFixed(0)} ms median of 3 (after "unlocked": ${f.listAfterUnlockMs.toFixed(0)} ms)`,
      `budget ≤ 1,000 ms excluding Argon2id: ${(f.listAfterUnlockMs / 1000).toFixed(2)} of budget`,
    );
    line(
      'scale: search keystroke → frame',
      `${n} patients`,
      `p50 ${f.searchP50.toFixed(1)} ms, p95 ${f.searchP95.toFixed(1)} ms`,
      `budget p95 ≤ 50 ms (no catch-up running here): ${(f.searchP95 / 50).toFixed(2)} of budget`,
    );
    line(
      'scale: first catch-up pass after an unlock',
      `${n} patients`,
      `${(f.firstPassMs / 1000).toFixed(1)} s from Unlock (full passes: ${f.firstPassFull}, charts visited: ${f.firstPassVisited})`,
      `search typed right after the unlock: p50 ${f.searchDuringP50.toFixed(1)} ms, p95 ${f.searchDuringP95.toFixed(1)} ms`,
    );
    line(
      'scale: memory and storage',
      `${n} patients`,
      `page heap ${f.heapMb.toFixed(1)} MB; storage ${(f.bytesPerPatient / 1024).toFixed(1)} KB per patient`,
    );
  }
  for (let i = 1; i < all.length; i++) {
    const a = all[i - 1]!;
    const b = all[i]!;
    const step = b.n / a.n;
    const g = (x: (f: Figures) => number) => `${(x(b) / x(a)).toFixed(2)}×`;
    line(
      'scale: growth',
      `${a.n} → ${b.n} (${step}×)`,
      `import ${g((f) => f.importMs)}, list after unlock ${g((f) => f.listAfterUnlockMs)}, search p95 ${g((f) => f.searchP95)}, heap ${g((f) => f.heapMb)}, storage ${g((f) => f.bytesPerPatient * f.n)}`,
      `linear work grows ${step}×`,
    );
  }
}

// `npx tsx bench/scale.ts [sizes]` runs it alone (needs `npm run build`).
if (import.meta.url === `file://${process.argv[1]}`) {
  const sizes = (process.argv[2] ?? process.env.FOLIO_BENCH_SCALE ?? '1000,5000')
    .split(',')
    .map(Number);
  await benchScale(sizes);
}

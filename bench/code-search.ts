/**
 * Code search in the real app (issue 13 item 1, budget: a keystroke in the ICD-10-CM picker shows
 * results within 30 ms p95 in Chromium). The built app served by the relay (in this Node
 * process), Debian Chromium with an on-disk profile; a new problem's "Search codes (ICD-10-CM)"
 * picker over all 98,186 codes. Queries are typed key by key (80 ms apart, a fast typist); for
 * every keystroke, the time from its input event to the next frame after the listbox shows that
 * query's results (the terminology worker's answer rendered by Svelte). The first search, which
 * starts the worker and loads the ICD-10-CM pack, is reported apart and not in the p95.
 *
 *   npx tsx bench/code-search.ts     (alone; needs `npm run build`)
 */
import type { Page } from '@playwright/test';
import { createBenchPractice, withAppOnDisk } from './chromium.ts';
import { line } from './report.ts';

const QUERIES = [
  'diab',
  'E11',
  'hypert',
  'fractur',
  'fracture of femur',
  'e119',
  'asthma',
  'chronic kidney',
  'pneumonia',
  'S72.0',
  'type 2 diabetes',
  'otitis media',
];
const ROUNDS = 3;
const BUDGET_MS = 30;
const PICKER = 'Search codes (ICD-10-CM)';

const quantile = (xs: number[], q: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))]!;

/**
 * Installs the in-page probe: each input event of the picker is timed, and each change of the
 * listbox's `data-query` (the query whose results it shows) is timed at the next frame.
 */
async function installProbe(page: Page): Promise<void> {
  // A string, not a function: tsx would wrap named inner functions in a helper the page lacks.
  await page.evaluate(`(() => {
    const input = document.querySelector('[role=combobox]');
    const list = document.getElementById(input.getAttribute('aria-controls'));
    const probe = { typed: [], shown: [], dom: [] };
    window.__codeProbe = probe;
    input.addEventListener('input', (e) => probe.typed.push({ q: input.value, t: e.timeStamp }));
    new MutationObserver(() => {
      const q = list.dataset.query;
      probe.dom.push({ q, t: performance.now() });
      requestAnimationFrame(() => probe.shown.push({ q, t: performance.now() }));
    }).observe(list, { attributes: true, attributeFilter: ['data-query'], childList: true, subtree: true });
  })()`);
}

type Stamp = { q: string; t: number };
type Probe = { typed: Stamp[]; shown: Stamp[]; dom: Stamp[] };

/** Waits until the listbox shows the results of `query`. */
const shows = (page: Page, query: string, timeout = 10_000) =>
  page.waitForFunction(
    (q) => document.querySelector('[role=listbox]')?.getAttribute('data-query') === q,
    query,
    { timeout },
  );

async function typeQuery(page: Page, query: string): Promise<void> {
  const box = page.getByRole('combobox', { name: PICKER });
  await box.fill('');
  await shows(page, '');
  await box.pressSequentially(query, { delay: 80 });
  await shows(page, query);
  await page.waitForTimeout(50);
}

export async function benchCodeSearch(): Promise<void> {
  await withAppOnDisk(async (page) => {
    await createBenchPractice(page);
    await page.getByRole('link', { name: 'New patient' }).click();
    await page.getByLabel('Given name').fill('Bench');
    await page.getByLabel('Family name').fill('Coder');
    await page.getByLabel('Date of birth').fill('1970-01-01');
    await page.getByLabel('Sex').selectOption('female');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('tab', { name: 'Problems' }).click();
    await page.getByRole('button', { name: 'Add problem' }).click();
    await installProbe(page);

    // First search: starts the worker and loads the pack (not part of the per-keystroke p95).
    const box = page.getByRole('combobox', { name: PICKER });
    const coldStart = performance.now();
    await box.press('d');
    await shows(page, 'd', 30_000);
    const cold = performance.now() - coldStart;

    const samples: number[] = [];
    const toDom: number[] = [];
    let missed = 0;
    for (let round = 0; round < ROUNDS; round++) {
      for (const query of QUERIES) {
        await page.evaluate(`Object.assign(window.__codeProbe, { typed: [], shown: [], dom: [] })`);
        await typeQuery(page, query);
        const probe = (await page.evaluate('window.__codeProbe')) as Probe;
        for (const typed of probe.typed.filter((t) => t.q !== '')) {
          const shown = probe.shown.find((s) => s.q === typed.q && s.t >= typed.t);
          const dom = probe.dom.find((s) => s.q === typed.q && s.t >= typed.t);
          if (shown && dom) {
            samples.push(shown.t - typed.t);
            toDom.push(dom.t - typed.t);
          } else missed++;
        }
      }
    }
    const p95 = quantile(samples, 0.95);
    line(
      'ICD-10-CM picker keystroke',
      `${samples.length} keys, 98,186 codes`,
      `p95 ${p95.toFixed(1)} ms (p50 ${quantile(samples, 0.5).toFixed(1)}, max ${Math.max(...samples).toFixed(1)}; DOM updated p95 ${quantile(toDom, 0.95).toFixed(1)} ms; ${missed} superseded)`,
      `budget ≤ ${BUDGET_MS} ms: ${(p95 / BUDGET_MS).toFixed(2)} of budget; first search (worker start + pack load) ${cold.toFixed(0)} ms`,
    );
  });
}

if (import.meta.url === `file://${process.argv[1]}`) await benchCodeSearch();

/**
 * Chart rendering in the real app (issue 13 item 8): the built app served by the relay (in this
 * Node process, as in bench/browser.ts), Debian Chromium with an on-disk profile. The heaviest
 * Synthea patient (Fletcher Hyatt, 1,366 resources) is imported through
 * Import FHIR; then, from the patient list, the time from the click to a rendered Summary (open
 * chart: vault opens and verifies every envelope, the chart model builds, Svelte renders, next
 * frame), and from a tab click to its rendered panel, for every tab. Baseline in the same run:
 * the smallest Synthea patient (Clemente Kreiger, 61 resources) through the same steps.
 * Not included: unlock, the import itself, and paint work after the first frame (plots drawn
 * lazily after it).
 */
import type { Page } from '@playwright/test';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createBenchPractice, withAppOnDisk } from './chromium.ts';
import { line } from './report.ts';

const DIR = join(import.meta.dirname, '..', '..', 'shared', 'fixtures', 'fhir', 'synthea-r4');
const HEAVY = {
  file: 'Fletcher_Hyatt_fe0562b5-f517-4951-8366-32fdab088930.json',
  name: 'Hyatt, Fletcher',
};
const LIGHT = {
  file: 'Clemente_Kreiger_1484a42d-0eaf-4654-9cbf-6b050a5cd73b.json',
  name: 'Kreiger, Clemente',
};
const ROUNDS = 5;
const TAB_TIMEOUT_MS = 10_000;

/** Clicks `click` in the page and resolves with the ms until `selector` exists, plus a frame. */
function timeTo(page: Page, click: string, selector: string): Promise<number> {
  // A string, not a function: tsx would wrap named inner functions in a helper the page lacks.
  return page.evaluate(`new Promise((done, fail) => {
    const start = performance.now();
    const timer = setTimeout(() => fail(new Error(${JSON.stringify(`${selector} did not render`)})), ${TAB_TIMEOUT_MS});
    const check = () => {
      if (document.querySelector(${JSON.stringify(selector)})) {
        requestAnimationFrame(() => { clearTimeout(timer); done(performance.now() - start); });
      } else requestAnimationFrame(check);
    };
    document.querySelector(${JSON.stringify(click)}).click();
    check();
  })`);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function importPatient(page: Page, file: string, name: string) {
  await page.getByRole('link', { name: 'Patients' }).click();
  await page.getByRole('link', { name: 'Import FHIR' }).click();
  await page.getByLabel('FHIR files', { exact: true }).setInputFiles(join(DIR, file));
  await page.getByRole('button', { name: 'Import 1 patient' }).click({ timeout: 120_000 });
  await page.getByRole('link', { name }).waitFor({ timeout: 120_000 });
}

/** Open-to-summary and per-tab times for one patient (medians over ROUNDS). */
async function measure(page: Page, name: string) {
  const open: number[] = [];
  const tabs = new Map<string, number[]>();
  for (let round = 0; round < ROUNDS; round++) {
    await page.getByRole('link', { name: 'Patients' }).click();
    await page.getByRole('link', { name }).waitFor();
    const href = await page.getByRole('link', { name }).getAttribute('href');
    open.push(await timeTo(page, `a[href="${href}"]`, '#panel-summary #summary-h'));
    const slugs = await page.$$eval('[role=tab]', (els) => els.map((e) => e.id.slice(4)));
    for (const slug of slugs.filter((s) => s !== 'summary')) {
      // A panel that never renders is reported (NaN), not hidden.
      const ms = await timeTo(
        page,
        `#tab-${slug}`,
        `#panel-${slug} :is(h2, h3, table, ul, p)`,
      ).catch(() => NaN);
      tabs.set(slug, [...(tabs.get(slug) ?? []), ms]);
    }
    await timeTo(page, '#tab-summary', '#panel-summary #summary-h');
  }
  return {
    first: open[0]!,
    open: median(open),
    tabs: [...tabs].map(([slug, ms]) => [slug, median(ms)] as const),
  };
}

export async function benchChartRender(): Promise<void> {
  if (!existsSync(join(DIR, HEAVY.file))) {
    line('chart render', 'skipped', `no fixtures at ${DIR}`);
    return;
  }
  await withAppOnDisk(async (page) => {
    await createBenchPractice(page);
    await importPatient(page, LIGHT.file, LIGHT.name);
    await importPatient(page, HEAVY.file, HEAVY.name);
    const light = await measure(page, LIGHT.name);
    const heavy = await measure(page, HEAVY.name);
    line(
      'open chart → rendered summary',
      'heavy (1,366 res)',
      `${heavy.open.toFixed(0)} ms (median of ${ROUNDS}; first ${heavy.first.toFixed(0)} ms) vs light (61 res) ${light.open.toFixed(0)} ms`,
      `ratio ${(heavy.open / light.open).toFixed(2)}×; budget ≤ 300 ms: ${(heavy.open / 300).toFixed(2)} of budget`,
    );
    const lightTabs = new Map(light.tabs);
    for (const [slug, ms] of heavy.tabs) {
      const base = lightTabs.get(slug) ?? NaN;
      line(
        'tab → rendered panel',
        `heavy, ${slug}`,
        `${ms.toFixed(0)} ms vs light ${base.toFixed(0)} ms`,
        `ratio ${(ms / base).toFixed(2)}×; budget ≤ 200 ms: ${(ms / 200).toFixed(2)} of budget`,
      );
    }
  });
}

if (import.meta.url === `file://${process.argv[1]}`) await benchChartRender();

/**
 * Readable charts (issue 13 items 4–5): an imported diabetic patient's summary leads with key
 * results at clinical precision, labs are grouped by test with a filter and a flowsheet, plots
 * have a table alternative, typed lab units are checked, and a child's vitals tab has growth
 * charts with percentiles. Every screen fits 390 px and passes axe.
 */
import { fileURLToPath } from 'node:url';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures.ts';
import { axeViolations, createPractice } from './helpers.ts';

const fixture = (name: string) =>
  fileURLToPath(new URL(`../fixtures/fhir/synthea-r4/${name}.json`, import.meta.url));
const JONELLE = fixture('Jonelle_Kohler_5fb0178e-9765-4750-9ae5-cad09fd70a17');
const MAO = fixture('Mao_Kilback_93cfa114-ace6-4e01-b30b-73863b9339a5');

async function importChart(page: Page, file: string, link: string): Promise<void> {
  await page.getByRole('link', { name: 'Import FHIR' }).click();
  await page.getByLabel('FHIR files', { exact: true }).setInputFiles(file);
  await expect(page.getByRole('heading', { name: 'Preview' })).toBeVisible({ timeout: 60_000 });
  await page.getByRole('button', { name: 'Import 1 patient' }).click();
  await page.getByRole('link', { name: link }).click({ timeout: 60_000 });
  await expect(page.getByRole('tab', { name: 'Summary' })).toBeVisible({ timeout: 30_000 });
}

const scrollsSideways = (page: Page) =>
  page.evaluate(() => document.scrollingElement!.scrollWidth > window.innerWidth);

test('an imported diabetic chart reads well: key results, labs by test, flowsheet, plots with tables, unit checks', async ({
  page,
}) => {
  test.setTimeout(180_000);
  await createPractice(page);
  await importChart(page, JONELLE, 'Kohler, Jonelle');

  // Summary: the latest HbA1c with unit and date; vitals at clinical precision.
  const key = page.getByRole('heading', { name: 'Key results' }).locator('..');
  await expect(key.getByRole('listitem').filter({ hasText: 'HbA1c' })).toContainText(
    '6.2 % 2021-01-18',
  );
  await expect(key.getByRole('listitem').filter({ hasText: 'LDL cholesterol' })).toContainText(
    'mg/dL',
  );
  const vitalsPanel = page.getByRole('heading', { name: 'Latest vitals' }).locator('..');
  await expect(vitalsPanel).toContainText(/BP \d{2,3}\/\d{2,3}\b/);
  await expect(vitalsPanel).not.toContainText(/\d\.\d{3,}/);
  // Active medications apart from the stopped ones.
  const stopped = page.getByRole('heading', { name: 'Stopped medications' }).locator('..');
  await expect(stopped.getByText('6 stopped or completed')).toBeVisible();
  expect(await axeViolations(page)).toEqual([]);

  // Labs: one row per test (32 tests for 154 results), a filter, a plot with its table.
  await page.getByRole('tab', { name: 'Labs' }).click();
  await expect(page.getByText('32 tests, 154 results')).toBeVisible();
  const tests = page.getByRole('list', { name: 'Lab tests' }).getByRole('listitem');
  await expect(tests).toHaveCount(32);
  await page.getByLabel('Filter').fill('a1c');
  await expect(page.getByText('1 of 32 tests match')).toBeVisible();
  await expect(tests).toHaveCount(1);
  await expect(tests.first().getByTestId('lab-latest')).toContainText('6.2 %');
  await tests
    .first()
    .getByRole('button', { name: /Hemoglobin A1c/ })
    .click();
  const plot = page.getByRole('figure', { name: /Hemoglobin A1c/ });
  await expect(plot.locator('canvas').first()).toBeAttached();
  await plot.getByRole('button', { name: /Show as table/ }).click();
  await expect(plot.getByRole('row', { name: '2021-01-18 6.2' })).toBeVisible();
  expect(await axeViolations(page)).toEqual([]);

  // The flowsheet: tests × dates in a box of its own.
  await page.getByLabel('Filter').fill('');
  await page.getByRole('button', { name: 'Flowsheet' }).click();
  const sheet = page.getByRole('region', { name: 'Flowsheet (scrolls sideways)' });
  await expect(sheet.getByRole('columnheader', { name: '2021-01-18' })).toBeVisible();
  await expect(sheet.getByRole('rowheader', { name: /Hemoglobin A1c/ })).toBeVisible();
  expect(await axeViolations(page)).toEqual([]);

  // A typed result in mg where the test is in g/dL: a clear message, nothing stored.
  await page.getByRole('button', { name: 'Add lab result' }).click();
  await page.getByLabel('LOINC code', { exact: true }).fill('718-7');
  await page.getByLabel('Test', { exact: true }).fill('Hemoglobin');
  await page.getByLabel('Value', { exact: true }).fill('14');
  // The LOINC lookup fills the test's usual unit; the user then types another over it.
  await expect(page.getByLabel('Unit', { exact: true })).toHaveValue('g/dL');
  await page.getByLabel('Unit', { exact: true }).fill('mg/dL');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(
    page.getByText(
      'Hemoglobin 14 mg/dL is 0.014 g/dL, which is not possible (1–30 g/dL). Check the unit.',
    ),
  ).toBeVisible();
  // The message is part of the field's label now (it is inside it), so match its start.
  await page.getByLabel(/^Unit/).fill('g/dL');
  await page.getByLabel('Reference low').fill('12');
  await page.getByLabel('Reference high').fill('16');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('button', { name: 'By test' }).click();
  await expect(page.getByText('32 tests, 155 results')).toBeVisible();
  await expect(
    tests.filter({ has: page.getByRole('button', { name: 'Hemoglobin', exact: true }) }),
  ).toContainText('14.0 g/dL');
  // Its plot shades the reference range, and says so.
  await page.getByRole('button', { name: 'Hemoglobin', exact: true }).click();
  await expect(page.getByRole('figure', { name: /^Plot: Hemoglobin, in g\/dL/ })).toContainText(
    'reference range 12.0–16.0 g/dL',
  );

  // Vitals: time plots with dates and units, each with a table.
  await page.getByRole('tab', { name: 'Vitals' }).click();
  const bp = page.getByRole('figure', { name: /Blood pressure/ });
  await expect(bp.locator('canvas').first()).toBeAttached();
  await bp.getByRole('button', { name: /Show as table/ }).click();
  await expect(bp.getByRole('columnheader', { name: 'Systolic (mmHg)' })).toBeVisible();
  await expect(bp.getByRole('table')).not.toContainText(/\d\.\d/);
  // Adult reference ranges are shaded (and named) behind heart rate and BMI.
  await expect(page.getByRole('figure', { name: /^Plot: BMI, in kg\/m²/ })).toContainText(
    'reference range 18.5–24.9 kg/m²',
  );
  // An adult has no growth charts (asserted once the plots are in).
  await expect(page.getByRole('heading', { name: 'Growth charts' })).toHaveCount(0);
  await page.getByRole('button', { name: 'Record vitals' }).click();
  await expect(page.getByLabel('Weight (kg)', { exact: true })).toBeVisible();
  await expect(page.getByLabel('Head circumference (cm)')).toHaveCount(0);
  await page.getByRole('button', { name: 'Cancel' }).click();
  expect(await axeViolations(page)).toEqual([]);

  // A long medication list has a filter box that says how many it shows.
  await page.getByRole('tab', { name: 'Medications' }).click();
  const filter = page.getByRole('searchbox', { name: 'Filter medications' });
  await expect(page.getByText('9 in all')).toBeVisible();
  await filter.fill('simvistatin 10');
  await expect(page.getByText('2 of 9 shown')).toBeVisible();
  await expect(page.locator('li[id^="entry-"]')).toHaveCount(2);
  await filter.fill('warfarin');
  await expect(page.getByText('Nothing matches the filter.')).toBeVisible();
  await expect(page.locator('li[id^="entry-"]')).toHaveCount(0);
  await filter.fill('');
  await expect(page.locator('li[id^="entry-"]')).toHaveCount(9);

  // 390 px wide: tables scroll inside their boxes, the page never sideways.
  await page.setViewportSize({ width: 390, height: 844 });
  for (const tab of ['Summary', 'Labs', 'Vitals', 'Medications']) {
    await page.getByRole('tab', { name: tab }).click();
    await expect(page.getByRole('tab', { name: tab })).toHaveAttribute('aria-selected', 'true');
    if (tab === 'Labs') await page.getByRole('button', { name: 'Flowsheet' }).click();
    expect(await scrollsSideways(page), tab).toBe(false);
  }
});

test('a child’s vitals have growth charts with percentiles and z-scores', async ({ page }) => {
  test.setTimeout(120_000);
  await createPractice(page);
  await importChart(page, MAO, 'Kilback, Mao');
  await page.getByRole('tab', { name: 'Vitals' }).click();
  await expect(page.getByRole('heading', { name: 'Growth charts' })).toBeVisible();
  const weight = page.getByRole('figure', { name: /Weight-for-age/ });
  await expect(weight.locator('canvas').first()).toBeAttached();
  const latest = page.getByTestId('growth-latest');
  await expect(latest.first()).toContainText(
    /kg at \d+ y( \d+ mo)?: [\d.<>]+th percentile \(z −?\d\.\d\d\)/,
  );
  await expect(latest).toHaveCount(3); // weight, length/stature, BMI (no head circumference)
  await weight.getByRole('button', { name: /Show as table/ }).click();
  await expect(weight.getByRole('columnheader', { name: 'Percentile' })).toBeVisible();
  await expect(weight.getByRole('columnheader', { name: 'z-score' })).toBeVisible();
  expect(await axeViolations(page)).toEqual([]);
  await page.setViewportSize({ width: 390, height: 844 });
  await expect(weight).toBeVisible();
  expect(await scrollsSideways(page)).toBe(false);
});

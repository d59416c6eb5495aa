/**
 * Coded entry (issue 13 item 1): problems, medications, labs and immunizations are coded by
 * picking from a "Search codes" combobox whose search runs in the terminology worker over code
 * lists precached by the service worker — so it works with the network off.
 */
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures.ts';
import { axeViolations, createPractice, newPatient } from './helpers.ts';

async function waitForController(page: Page): Promise<void> {
  await page.waitForFunction(() => navigator.serviceWorker?.controller !== null, undefined, {
    timeout: 20_000,
  });
}

/** The list entry (one li of the section's list) that shows `text`. */
const entry = (page: Page, text: string) =>
  page.locator('ul.entries > li').filter({ has: page.getByText(text, { exact: true }) });

test('problems, medications, labs and immunizations are coded from "Search codes", offline', async ({
  page,
  context,
  relayHandle,
}) => {
  test.setTimeout(120_000);
  await page.setViewportSize({ width: 390, height: 844 });
  await createPractice(page);
  await newPatient(page, { given: 'Odalys', family: 'Quennford', birthDate: '1961-07-14' });
  await expect(page.getByRole('heading', { name: 'Quennford, Odalys' })).toBeVisible();
  await waitForController(page);
  // From here on nothing comes from the network: the code lists are in the worker's cache.
  await context.setOffline(true);
  await relayHandle.relay.close();

  // Problems: ICD-10-CM, picked with the keyboard.
  await page.getByRole('tab', { name: 'Problems' }).click();
  await page.getByRole('button', { name: 'Add problem' }).click();
  const icd = page.getByRole('combobox', { name: 'Search codes (ICD-10-CM)' });
  await icd.pressSequentially('type 2 diab');
  const listbox = page.getByRole('listbox', { name: 'Search codes (ICD-10-CM): results' });
  await expect(
    listbox.getByRole('option', { name: 'E11.9 — Type 2 diabetes mellitus without complications' }),
  ).toBeVisible();
  await expect(icd).toHaveAttribute('aria-expanded', 'true');
  // The open picker passes axe, and fits a 390 px screen.
  expect(await axeViolations(page)).toEqual([]);
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await expect(listbox.getByRole('option').first()).toHaveAttribute('aria-selected', 'true');
  await icd.press('Enter');
  await expect(icd).toHaveAttribute('aria-expanded', 'false');
  await expect(page.getByLabel('Problem', { exact: true })).toHaveValue(
    'Type 2 diabetes mellitus without complications',
  );
  await expect(page.getByLabel('ICD-10-CM code')).toHaveValue('E11.9');
  await expect(page.getByText('Coded: ICD-10-CM E11.9 — Type 2 diabetes')).toBeVisible();
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(
    entry(page, 'Type 2 diabetes mellitus without complications').getByText('ICD-10-CM E11.9'),
  ).toBeVisible();

  // A code typed by hand: arrow keys to a code prefix match, and a code typed into the code field.
  await page.getByRole('button', { name: 'Add problem' }).click();
  await icd.pressSequentially('i10');
  await expect(
    listbox.getByRole('option', { name: 'I10 — Essential (primary) hypertension' }),
  ).toBeVisible();
  await icd.press('Escape');
  await expect(icd).toHaveAttribute('aria-expanded', 'false');

  // "HYPERTENSION" is not an ICD-10-CM code: refused with a clear message, nothing stored.
  await page.getByLabel('Problem', { exact: true }).fill('High blood pressure');
  await page.getByLabel('ICD-10-CM code').fill('HYPERTENSION');
  const notACode =
    '“HYPERTENSION” is not an ICD-10-CM code: codes are a letter and two more characters, a digit among them, then up to four more after a dot (e.g. E11.9).';
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('alert')).toHaveText('Check the fields marked below.');
  await expect(page.locator('.field-error', { hasText: notACode })).toBeVisible();
  // A well-formed code that is not in FY2026 is refused too.
  await page.getByLabel('ICD-10-CM code').fill('E11.99');
  await expect(page.getByText('E11.99 is not in ICD-10-CM FY2026.').first()).toBeVisible();
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.locator('.field-error', { hasText: 'E11.99 is not in' })).toBeVisible();
  // Typed by hand and found: the code is accepted (the text typed is kept).
  await page.getByLabel('ICD-10-CM code').fill('i10');
  await expect(
    page.getByText('Coded: ICD-10-CM I10 — Essential (primary) hypertension'),
  ).toBeVisible();
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(entry(page, 'High blood pressure').getByText('ICD-10-CM I10')).toBeVisible();

  // Free text stays possible, marked uncoded; text typed in the search and not picked is kept.
  await page.getByRole('button', { name: 'Add problem' }).click();
  await icd.pressSequentially('Zyglotic wobble');
  await expect(page.getByText('No codes match: the text can be saved uncoded.')).toBeVisible();
  await icd.press('Escape');
  await expect(page.getByLabel('Problem', { exact: true })).toHaveValue('Zyglotic wobble');
  await expect(
    page.getByText('Uncoded: no ICD-10-CM code, the entry is saved as free text.'),
  ).toBeVisible();
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(entry(page, 'Zyglotic wobble').getByText('uncoded', { exact: true })).toBeVisible();

  // Medications: RxNorm, picked with the mouse; an A* ingredient the source lacks is findable.
  await page.getByRole('tab', { name: 'Medications' }).click();
  await page.getByRole('button', { name: 'Add medication' }).click();
  const rx = page.getByRole('combobox', { name: 'Search codes (RxNorm)' });
  await rx.pressSequentially('amoxicillin');
  await expect(page.getByRole('option', { name: /^723 — amoxicillin ingredient$/ })).toBeVisible();
  await rx.fill('');
  await rx.pressSequentially('lisinopril 10');
  await page.getByRole('option', { name: /^314076 — lisinopril 10 MG Oral Tablet/ }).click();
  await expect(page.getByLabel('Medication', { exact: true })).toHaveValue(
    'lisinopril 10 MG Oral Tablet',
  );
  await expect(page.getByLabel('RxNorm code (RxCUI)')).toHaveValue('314076');
  await page.getByLabel('Dose', { exact: true }).fill('1 tablet');
  await page.getByLabel('Frequency', { exact: true }).fill('once daily');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(
    entry(page, 'lisinopril 10 MG Oral Tablet').getByText('RxNorm 314076'),
  ).toBeVisible();

  // Labs: LOINC fills the test name and its usual UCUM unit.
  await page.getByRole('tab', { name: 'Labs' }).click();
  await page.getByRole('button', { name: 'Add lab result' }).click();
  const loinc = page.getByRole('combobox', { name: 'Search codes (LOINC)' });
  await loinc.pressSequentially('glucose blood');
  await page.getByRole('option', { name: /^2339-0 — Glucose \[Mass\/volume\] in Blood/ }).click();
  await expect(page.getByLabel('LOINC code', { exact: true })).toHaveValue('2339-0');
  await expect(page.getByLabel('Test', { exact: true })).toHaveValue(
    'Glucose [Mass/volume] in Blood',
  );
  await expect(page.getByLabel('Unit', { exact: true })).toHaveValue('mg/dL');
  await page.getByLabel('Value', { exact: true }).fill('95');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByText('Glucose [Mass/volume] in Blood').first()).toBeVisible();
  // A test outside the shipped LOINC list is saved uncoded, by its name, and marked so.
  await page.getByRole('button', { name: 'Add lab result' }).click();
  await page.getByLabel('Test', { exact: true }).fill('Anti-Xa level (send-out)');
  await page.getByLabel('Value', { exact: true }).fill('0.6');
  await page.getByRole('button', { name: 'Save' }).click();
  const uncodedLab = page.getByRole('listitem').filter({ hasText: 'Anti-Xa level (send-out)' });
  await expect(uncodedLab).toContainText('uncoded');

  // Immunizations: CVX by its abbreviation.
  await page.getByRole('tab', { name: 'Immunizations' }).click();
  await page.getByRole('button', { name: 'Add immunization' }).click();
  const cvx = page.getByRole('combobox', { name: 'Search codes (CVX)' });
  await cvx.pressSequentially('MMR');
  await expect(
    page.getByRole('listbox', { name: 'Search codes (CVX): results' }).getByRole('option').first(),
  ).toHaveAccessibleName(/^03 — measles, mumps and rubella virus vaccine/);
  await cvx.press('Enter');
  await expect(page.getByLabel('Vaccine (CVX)')).toHaveValue('03');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(
    page.getByText('measles, mumps and rubella virus vaccine', { exact: true }),
  ).toBeVisible();
  await expect(page.getByTestId('save-state')).toHaveText('All changes saved on this device');
});

test('the About page shows the LOINC notice and the terminology sources', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto('/about');
  await expect(page.getByRole('heading', { name: 'About Folio', level: 1 })).toBeVisible();
  await expect(page.getByText(/^This material contains content from LOINC/)).toContainText(
    'LOINC(R) is a registered United States trademark of Regenstrief Institute, Inc.',
  );
  for (const name of ['ICD-10-CM', 'RxNorm', 'LOINC', 'CVX'])
    await expect(page.getByRole('heading', { name, level: 3 })).toBeVisible();
  const licence = await page.request.get(
    (await page
      .getByRole('link', { name: 'LOINC licence (full text) (LOINC)' })
      .getAttribute('href'))!,
  );
  expect(await licence.text()).toContain('Regenstrief');
  expect(await axeViolations(page)).toEqual([]);
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
});

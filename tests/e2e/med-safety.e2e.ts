/**
 * Medication safety (issue 13 item 2): a high-severity alert interrupts prescribing in an alert
 * dialog (Cancel saves nothing; overriding needs a reason, which the chart keeps and shows in its
 * history); moderate and low alerts only inform; recording an allergy checks the active
 * medications; an imported chart's existing conflicts are on its Summary.
 */
import { fileURLToPath } from 'node:url';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures.ts';
import { axeViolations, createPractice, newPatient } from './helpers.ts';

const TREY = fileURLToPath(
  new URL('../fixtures/fhir/synthea-r4/Trey_Berge_med-safety.json', import.meta.url),
);

async function startMedication(page: Page, drug: string): Promise<void> {
  await page.getByRole('tab', { name: 'Medications' }).click();
  await page.getByRole('button', { name: 'Add medication' }).click();
  await page.getByLabel('Medication', { exact: true }).fill(drug);
  await page.getByLabel('Dose', { exact: true }).fill('1 tablet');
}

const scrollsSideways = (page: Page) =>
  page.evaluate(() => document.scrollingElement!.scrollWidth > window.innerWidth);

test('prescribing: penicillin allergy + amoxicillin interrupts; cancel saves nothing; an override needs a reason and is in the history', async ({
  page,
}) => {
  test.setTimeout(120_000);
  await createPractice(page);
  await newPatient(page, { given: 'Ilsabet', family: 'Quorrendale', birthDate: '1958-03-02' });

  await page.getByRole('tab', { name: 'Allergies' }).click();
  await page.getByRole('button', { name: 'Add allergy' }).click();
  await page.getByLabel('Substance', { exact: true }).fill('Penicillin');
  await page.getByLabel('Criticality').selectOption('high');
  await page.getByLabel('Reaction', { exact: true }).fill('Hives');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByTestId('banner-allergies')).toHaveText('Penicillin (high risk)');

  await page.setViewportSize({ width: 390, height: 844 });
  await startMedication(page, 'Amoxicillin 500 MG Oral Capsule');
  // Shown while the form is filled in, before saving.
  const checks = page.getByRole('status', { name: 'Medication safety checks' });
  await expect(checks).toContainText('Allergy to Penicillin: Amoxicillin 500 MG Oral Capsule');
  await page.getByRole('button', { name: 'Save' }).click();

  const dialog = page.getByRole('alertdialog', {
    name: 'Safety alert: Amoxicillin 500 MG Oral Capsule',
  });
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText(
    'Amoxicillin 500 MG Oral Capsule contains amoxicillin, of the Penicillins class, the class of the allergy. The patient has a recorded allergy to Penicillin (reaction: Hives, criticality high).',
  );
  await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
  expect(await axeViolations(page)).toEqual([]);
  expect(await scrollsSideways(page)).toBe(false);

  // Cancel: nothing is saved.
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByText('No medications recorded.')).toBeVisible();
  // Escape is Cancel too.
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(dialog).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(page.getByText('No medications recorded.')).toBeVisible();

  // Overriding needs a reason.
  await page.getByRole('button', { name: 'Save' }).click();
  await dialog.getByRole('button', { name: 'Override and save' }).click();
  await expect(dialog.getByRole('alert')).toHaveText('Give the reason for overriding this alert.');
  await expect(dialog.getByLabel('Reason for overriding')).toBeFocused();
  await expect(page.getByText('No medications recorded.')).toBeVisible();
  await dialog
    .getByLabel('Reason for overriding')
    .fill('Took amoxicillin in 2023 without reaction');
  await dialog.getByRole('button', { name: 'Override and save' }).click();
  await expect(dialog).toBeHidden();
  await expect(
    page.getByText(
      'Safety alert overridden by Dr. Quillon Marsh: Allergy to Penicillin: Amoxicillin 500 MG Oral Capsule. Reason: Took amoxicillin in 2023 without reaction',
    ),
  ).toBeVisible();

  // The chart's history keeps it (signed by the prescriber).
  await page.getByRole('tab', { name: 'Audit' }).click();
  await expect(
    page.getByRole('row').filter({ hasText: 'Dr. Quillon Marsh' }).filter({
      hasText:
        'safety alert overridden: Allergy to Penicillin: Amoxicillin 500 MG Oral Capsule (reason: Took amoxicillin in 2023 without reaction)',
    }),
  ).toHaveCount(1);

  // The Summary lists the conflict with the reason it was overridden.
  await page.getByRole('tab', { name: 'Summary' }).click();
  const panel = page.getByRole('region', { name: 'Medication safety' });
  await expect(panel).toContainText(
    'Overridden when prescribed: Took amoxicillin in 2023 without reaction',
  );
});

test('warfarin + ibuprofen interrupts; the same drug twice informs; a new allergy is checked against active medications', async ({
  page,
}) => {
  test.setTimeout(120_000);
  await createPractice(page);
  await newPatient(page, { given: 'Marvoleth', family: 'Ashcombe', birthDate: '1949-11-20' });

  await startMedication(page, 'Warfarin Sodium 5 MG Oral Tablet');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByText('Warfarin Sodium 5 MG Oral Tablet', { exact: true })).toBeVisible();

  await startMedication(page, 'Ibuprofen 400 MG Oral Tablet');
  await page.getByRole('button', { name: 'Save' }).click();
  const dialog = page.getByRole('alertdialog', {
    name: 'Safety alert: Ibuprofen 400 MG Oral Tablet',
  });
  await expect(dialog).toContainText('Interaction: ibuprofen + warfarin');
  await expect(dialog).toContainText('FDA warfarin label, section 7.2');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toBeHidden();
  await page.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByText('Ibuprofen 400 MG Oral Tablet', { exact: true })).toHaveCount(0);

  // Duplicate therapy is moderate: shown in the form, saved without a dialog.
  await startMedication(page, 'Warfarin Sodium 2 MG Oral Tablet');
  const checks = page.getByRole('status', { name: 'Medication safety checks' });
  await expect(checks).toContainText('Duplicate therapy: warfarin');
  await expect(checks).toContainText('Moderate');
  expect(await axeViolations(page)).toEqual([]);
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByText('Warfarin Sodium 2 MG Oral Tablet', { exact: true })).toBeVisible();
  await expect(page.getByRole('alertdialog')).toHaveCount(0);

  // An allergy recorded while the drug is active: shown before saving, never blocks.
  await page.getByRole('tab', { name: 'Allergies' }).click();
  await page.getByRole('button', { name: 'Add allergy' }).click();
  await page.getByLabel('Substance', { exact: true }).fill('Warfarin');
  await expect(page.getByRole('status', { name: 'Medication safety checks' })).toContainText(
    'Allergy to Warfarin: Warfarin Sodium 5 MG Oral Tablet',
  );
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByTestId('banner-allergies')).toContainText('Warfarin');

  await page.getByRole('tab', { name: 'Summary' }).click();
  const panel = page.getByRole('region', { name: 'Medication safety' });
  await expect(panel.getByTestId('safety-alert')).toHaveText([
    /High severity.*Allergy to Warfarin: Warfarin Sodium 2 MG Oral Tablet/,
    /High severity.*Allergy to Warfarin: Warfarin Sodium 5 MG Oral Tablet/,
    /Moderate.*Duplicate therapy: warfarin/,
  ]);
  expect(await axeViolations(page)).toEqual([]);
});

test('an imported chart whose active medications already conflict shows them on its Summary (Synthea: verapamil + simvastatin)', async ({
  page,
}) => {
  test.setTimeout(120_000);
  await createPractice(page);
  await page.getByRole('link', { name: 'Import FHIR' }).click();
  await page.getByLabel('FHIR files', { exact: true }).setInputFiles(TREY);
  await expect(page.getByRole('heading', { name: 'Preview' })).toBeVisible({ timeout: 60_000 });
  await page.getByRole('button', { name: 'Import 1 patient' }).click();
  await page.getByRole('link', { name: 'Berge, Trey' }).click({ timeout: 60_000 });

  const panel = page.getByRole('region', { name: 'Medication safety' });
  await expect(panel).toContainText(
    'among the active medications and allergies. Nothing was changed',
  );
  const alerts = panel.getByTestId('safety-alert');
  await expect(alerts.filter({ hasText: 'Interaction: simvastatin + verapamil' })).toContainText(
    'Simvastatin 20 MG Oral Tablet (simvastatin) with Verapamil Hydrochloride 40 MG (verapamil): listed in the ONC high-priority interaction list (Phansalkar et al. 2012).',
  );
  await expect(alerts.filter({ hasText: 'Interaction: clopidogrel + warfarin' })).toContainText(
    'High severity',
  );
  // Nothing stored was changed: the medications are all still there and active.
  await page.getByRole('tab', { name: 'Medications' }).click();
  await expect(page.getByText('Verapamil Hydrochloride 40 MG', { exact: true })).toBeVisible();
  await expect(page.getByText('Simvastatin 20 MG Oral Tablet', { exact: true })).toBeVisible();
  await page.getByRole('tab', { name: 'Summary' }).click();
  expect(await axeViolations(page)).toEqual([]);
});

test('a drug picked from RxNorm is checked by its ingredients', async ({ page }) => {
  test.setTimeout(120_000);
  await createPractice(page);
  await newPatient(page, { given: 'Corvinah', family: 'Tulleworth', birthDate: '1990-07-09' });
  await page.getByRole('tab', { name: 'Allergies' }).click();
  await page.getByRole('button', { name: 'Add allergy' }).click();
  await page.getByLabel('Substance', { exact: true }).fill('Sulfa drugs');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByTestId('banner-allergies')).toContainText('Sulfa drugs');

  await page.getByRole('tab', { name: 'Medications' }).click();
  await page.getByRole('button', { name: 'Add medication' }).click();
  const rx = page.getByRole('combobox', { name: 'Search codes (RxNorm)' });
  await rx.pressSequentially('sulfamethoxazole');
  await page.getByRole('option', { name: /^10180 — sulfamethoxazole ingredient$/ }).click();
  await expect(page.getByLabel('RxNorm code (RxCUI)')).toHaveValue('10180');
  await page.getByRole('button', { name: 'Save' }).click();
  const dialog = page.getByRole('alertdialog', { name: 'Safety alert: sulfamethoxazole' });
  await expect(dialog).toContainText('of the Sulfonamide antibacterials class');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByText('No medications recorded.')).toBeVisible();
});

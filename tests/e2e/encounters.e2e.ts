/**
 * Issue 13 items 6-7: visits, where imported items came from, a deceased patient, and
 * demographics with insurance — shown, edited with clear messages, exported. Every new screen
 * gets an axe scan and a 390 px check.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures.ts';
import { axeViolations, createPractice, newPatient } from './helpers.ts';

/** US Core patient 85 (Synthea-made): died 1977, 60 encounters, a Provenance, a Coverage. */
const PATIENT_85 = fileURLToPath(
  new URL('../fixtures/fhir/us-core-inferno/uscore_bundle_patient_85.json', import.meta.url),
);

const scrollsSideways = (page: Page) =>
  page.evaluate(() => document.scrollingElement!.scrollWidth > window.innerWidth);

const tab = (page: Page, name: string) =>
  page.getByRole('tablist', { name: 'Chart sections' }).getByRole('tab', { name, exact: true });

test('an imported chart: visits with what was recorded, original dates and sources, a deceased patient', async ({
  page,
}) => {
  test.setTimeout(180_000);
  await createPractice(page);
  await page.getByRole('link', { name: 'Import FHIR' }).click();
  await page.getByLabel('FHIR files', { exact: true }).setInputFiles(PATIENT_85);
  await expect(page.getByRole('heading', { name: 'Preview' })).toBeVisible({ timeout: 60_000 });
  await page.getByRole('button', { name: 'Import 1 patient' }).click();
  // Values that do not add up are named after the import (and imported as recorded).
  const odd = page.getByText('4 values that do not add up (imported as recorded)');
  await expect(odd).toBeVisible({ timeout: 60_000 });
  await odd.click();
  await expect(
    page.getByText(/Coverage\/.*: Dated 2020-01-01, after the patient's death \(1977-07-14\)\./),
  ).toBeVisible();

  // The patient list does not age the dead.
  await page.getByRole('link', { name: 'Patients' }).click();
  await expect(
    page
      .getByRole('row', { name: /Bosco882, Lucien408/ })
      .getByText(/died 1977-07-14, 37 y at death/),
  ).toBeVisible();
  await page.getByRole('link', { name: 'Bosco882, Lucien408' }).click();

  // Banner: deceased, age at death; the summary reads as history.
  const banner = page.getByRole('region', { name: 'Patient' });
  await expect(banner.getByTestId('banner-deceased')).toHaveText(/Deceased\s*1977-07-14/);
  await expect(banner.getByTestId('banner-age')).toHaveText('37 y at death');
  await expect(page.getByRole('heading', { name: 'Problems active at death' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Medications active at death' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Active problems' })).toHaveCount(0);

  // An imported problem: its original date and source, not "recorded today by the importer".
  await tab(page, 'Problems').click();
  const entries = page.locator('ul.entries > li');
  const chf = entries.filter({ hasText: 'Chronic congestive heart failure' });
  await expect(chf).toContainText('active at death');
  await expect(chf.locator('summary')).toContainText(
    'Recorded 1974-03-29 01:11 by Dr. Melvin857 Torp761, PCP87052 · imported by Dr. Quillon Marsh',
  );
  await chf.locator('summary').click();
  await expect(chf).toContainText(
    'Source: PCP87052 (Dr. Melvin857 Torp761); imported from uscore_bundle_patient_85.json.',
  );

  // Visits: 60, twenty at a time, each with type, date and practitioner.
  await tab(page, 'Visits').click();
  await expect(page.getByRole('heading', { name: 'Visits', level: 2 })).toBeVisible();
  await expect(page.getByTestId('visit-count')).toHaveText(/Showing 20 of 60 visits/);
  const visits = page.locator('ul.visits > li');
  await expect(visits).toHaveCount(20);
  await page.getByRole('button', { name: 'Show 20 more visits' }).click();
  await expect(visits).toHaveCount(40);
  const oldest = visits.filter({
    has: page.getByRole('heading', { name: /Well child visit \(procedure\)\s*1940-03-29 00:11/ }),
  });
  await page.getByLabel('Filter visits').fill('1940-03-29');
  await expect(page.getByTestId('visit-count')).toHaveText(/Showing 1 of 1 visit matching/);
  await expect(oldest).toContainText(/Practitioner\s*Dr\. Melvin857 Torp761/);
  await expect(oldest).toContainText(/Where\s*PCP87052/);

  // What was recorded in the visit where heart failure was diagnosed.
  await page.getByLabel('Filter visits').fill('1974-03-29');
  const visit = page.locator('ul.visits > li').first();
  await expect(page.getByTestId('visit-count')).toHaveText(/of 1 visit/);
  await visit.getByText(/Recorded in this visit \(\d+\)/).click();
  await expect(visit.getByRole('heading', { name: 'Problems', level: 4 })).toBeVisible();
  await expect(
    visit.locator('details ul > li').filter({ hasText: 'Chronic congestive heart failure' }),
  ).toBeVisible();
  expect(await axeViolations(page)).toEqual([]);

  // 390 px: the visit list and the demographics fit.
  await page.getByLabel('Filter visits').fill('');
  await page.setViewportSize({ width: 390, height: 844 });
  expect(await scrollsSideways(page), 'Visits at 390 px').toBe(false);
  await tab(page, 'Demographics').click();
  await expect(page.getByRole('heading', { name: 'Insurance' })).toBeVisible();
  await expect(page.locator('ul.entries > li').filter({ hasText: 'Acme Gold Plan' })).toContainText(
    /Member ID\s*888009335/,
  );
  await expect(page.getByTestId('demographics')).toContainText(
    /Preferred language\s*English \(United States\)/,
  );
  expect(await scrollsSideways(page), 'Demographics at 390 px').toBe(false);
  expect(await axeViolations(page)).toEqual([]);
});

test('demographics: edited with clear messages, shown, kept in history and exported as FHIR', async ({
  page,
}) => {
  test.setTimeout(120_000);
  await createPractice(page);
  await newPatient(page, { given: 'Oriane', family: 'Vasquez-Thorn', birthDate: '1962-08-14' });
  await expect(page.getByRole('heading', { name: 'Vasquez-Thorn, Oriane' })).toBeVisible();
  await tab(page, 'Demographics').click();
  await expect(page.getByTestId('demographics')).toContainText(/Phone\s*Not recorded/);
  await page.getByRole('button', { name: 'Edit demographics' }).click();
  const form = page.getByRole('form', { name: 'Edit demographics' });
  expect(await axeViolations(page)).toEqual([]);

  // Impossible values: one message per field, nothing saved.
  await form.getByLabel('Email').fill('oriane@');
  await form.getByLabel('Phone', { exact: true }).fill('12');
  await form.getByLabel('Postal code').fill('ABC');
  await form.getByLabel('Patient has died').check();
  await form.getByLabel('Date of death').fill('1950-01-01');
  await form.getByRole('button', { name: 'Save' }).click();
  await expect(form.getByRole('alert')).toHaveText('Check the fields marked below.');
  await expect(form.getByLabel('Email')).toHaveAccessibleDescription(
    'Email is not an address (e.g. name@example.org).',
  );
  await expect(form.getByLabel('Phone', { exact: true })).toHaveAccessibleDescription(
    /Phone needs 7 to 15 digits/,
  );
  await expect(form.getByLabel('Postal code')).toHaveAccessibleDescription(/US ZIP code/);
  await expect(form.getByLabel('Date of death')).toHaveAccessibleDescription(
    'Date of death is before the date of birth (1962-08-14).',
  );
  expect(await axeViolations(page)).toEqual([]);

  // Corrected and completed.
  await form.getByLabel('Patient has died').uncheck();
  await form.getByLabel('Email').fill('oriane@example.org');
  await form.getByLabel('Phone', { exact: true }).fill('+1 617 555 0142');
  await form.getByLabel('Street address').fill('48 Quillfeather Lane');
  await form.getByLabel('City').fill('Boston');
  await form.getByLabel('State').fill('MA');
  await form.getByLabel('Postal code').fill('02110');
  await form.getByLabel('Country').fill('US');
  await form.getByLabel('Preferred language').selectOption({ label: 'Portuguese' });
  await form
    .getByLabel('Gender identity', { exact: true })
    .selectOption({ label: 'Identifies as nonbinary gender' });
  await form.getByLabel('Pronouns', { exact: true }).selectOption({ label: 'Other pronouns…' });
  await form.getByLabel('Other pronouns').fill('xe/xem');
  await form.getByLabel('Contact name').fill('Teodoro Vasquez');
  await form.getByLabel('Relationship').fill('brother');
  await form.getByLabel('Contact phone').fill('617-555-0199');
  await form.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Demographics saved.' })).toBeVisible();
  const shown = page.getByTestId('demographics');
  await expect(shown).toContainText(/Email\s*oriane@example\.org/);
  await expect(shown).toContainText(/Address\s*48 Quillfeather Lane, Boston, MA 02110, US/);
  await expect(shown).toContainText(/Preferred language\s*Portuguese/);
  await expect(shown).toContainText(/Gender identity\s*Identifies as nonbinary gender/);
  await expect(shown).toContainText(/Pronouns\s*xe\/xem/);
  await expect(shown).toContainText(/Emergency contact\s*Teodoro Vasquez \(brother\) 617-555-0199/);
  await expect(page.getByRole('region', { name: 'Patient' })).toContainText(/Pronouns\s*xe\/xem/);
  await page.getByText('Changes to demographics (1)').click();
  await expect(page.getByText(/Dr\. Quillon Marsh: .*email = oriane@example\.org/)).toBeVisible();

  // Insurance.
  await page.getByRole('button', { name: 'Add insurance' }).click();
  const policy = page.getByRole('form', { name: 'New insurance' });
  await policy.getByLabel('Insurer').fill('Harborview Mutual');
  await policy.getByLabel('Plan').fill('Silver PPO');
  await policy.getByLabel('Member ID').fill('HVM-448812');
  await policy.getByLabel('Coverage start').fill('2024-01-01');
  await policy.getByLabel('Coverage end').fill('2023-01-01');
  await policy.getByRole('button', { name: 'Save' }).click();
  await expect(policy.getByText('Coverage end is before coverage start.')).toBeVisible();
  await policy.getByLabel('Coverage end').fill('');
  await policy.getByRole('button', { name: 'Save' }).click();
  await expect(
    page.locator('ul.entries > li').filter({ hasText: 'Harborview Mutual' }),
  ).toContainText(/Member ID\s*HVM-448812/);
  expect(await axeViolations(page)).toEqual([]);

  // Exported as FHIR-shaped fields.
  await page.getByRole('button', { name: 'Export FHIR' }).click();
  const download = page.waitForEvent('download');
  await page.getByTestId('fhir-download').click();
  const bundle = JSON.parse(await readFile(await (await download).path(), 'utf8')) as {
    entry: { resource: Record<string, unknown> & { resourceType: string } }[];
  };
  const resources = bundle.entry.map((e) => e.resource);
  const patient = resources.find((r) => r.resourceType === 'Patient')!;
  expect(patient).toMatchObject({
    telecom: [
      { system: 'phone', value: '+1 617 555 0142' },
      { system: 'email', value: 'oriane@example.org' },
    ],
    address: [
      {
        line: ['48 Quillfeather Lane'],
        city: 'Boston',
        state: 'MA',
        postalCode: '02110',
        country: 'US',
      },
    ],
    communication: [
      { language: { coding: [{ system: 'urn:ietf:bcp:47', code: 'pt' }], text: 'Portuguese' } },
    ],
    contact: [{ name: { text: 'Teodoro Vasquez' }, telecom: [{ value: '617-555-0199' }] }],
  });
  expect(JSON.stringify(patient.extension)).toContain(
    'http://hl7.org/fhir/StructureDefinition/individual-genderIdentity',
  );
  expect(JSON.stringify(patient.extension)).toContain('33791000087105');
  expect(JSON.stringify(patient.extension)).toContain('"text":"xe/xem"');
  expect(resources.find((r) => r.resourceType === 'Coverage')).toMatchObject({
    status: 'active',
    subscriberId: 'HVM-448812',
    payor: [{ display: 'Harborview Mutual' }],
    period: { start: '2024-01-01' },
  });
});

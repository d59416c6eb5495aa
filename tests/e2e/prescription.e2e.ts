/**
 * Prescriptions (issue 16 item 4): written with the RxNorm picker and a structured sig; an
 * impossible dose is refused with a message and nothing typed is lost; signing runs the
 * medication-safety checks (penicillin allergy + amoxicillin: the alert dialog, an override
 * with a reason); the signed drug is on the medication list; "Print" lays it out on the
 * practice's letterhead, printed to PDF by Chromium and read back with pdf.js.
 */
import type { Page } from '@playwright/test';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { expect, test } from './fixtures.ts';
import { checkRecordsAtRest } from './at-rest.ts';
import { axeViolations, bytesIn, createPractice, dumpStorage, newPatient } from './helpers.ts';

const scrollsSideways = (page: Page) =>
  page.evaluate(() => document.scrollingElement!.scrollWidth > window.innerWidth);

/** The text of every page of a PDF, lines joined by spaces. */
async function pdfText(pdf: Buffer): Promise<string> {
  const doc = await getDocument({ data: new Uint8Array(pdf), useSystemFonts: false }).promise;
  const pages: string[] = [];
  for (let i = 1; i <= doc.numPages; i++) {
    const content = await (await doc.getPage(i)).getTextContent();
    pages.push(content.items.map((item) => ('str' in item ? item.str : '')).join(' '));
  }
  await doc.destroy();
  return pages.join('\n').replace(/\s+/g, ' ');
}

test('prescribing amoxicillin to a patient allergic to penicillin: impossible dose refused, safety override, signed, on the medication list, printed on the letterhead', async ({
  page,
}) => {
  test.setTimeout(150_000);
  await createPractice(page, 'Zebrafinch Clinic QX7', 'Dr. Quillon Marsh');

  // Settings: the letterhead, checked (NPI check digit) before it is saved.
  await page.getByRole('link', { name: 'Settings' }).click();
  const letterhead = page.getByRole('form', { name: 'Prescription letterhead' });
  await letterhead.getByLabel('Practice address').fill('14 Wrenfield Road, Springfield, IL 62704');
  await letterhead.getByLabel('Practice phone').fill('+1 217 555 0142');
  await letterhead.getByLabel('Your credentials (e.g. MD)').fill('MD');
  await letterhead.getByLabel('Your NPI').fill('1234567894');
  await letterhead.getByRole('button', { name: 'Save letterhead' }).click();
  await expect(
    letterhead.getByText('This NPI fails its check digit: check for a mistyped digit.'),
  ).toBeVisible();
  await letterhead.getByLabel('Your NPI').fill('1234567893');
  await letterhead.getByRole('button', { name: 'Save letterhead' }).click();
  await expect(letterhead.getByRole('status')).toHaveText(
    'Saved. New prescriptions start with these details.',
  );
  expect(await axeViolations(page)).toEqual([]);
  await page.getByRole('link', { name: 'Patients' }).click();
  await newPatient(page, { given: 'Ilsabet', family: 'Quorrendale', birthDate: '1958-03-02' });

  await page.getByRole('tab', { name: 'Allergies' }).click();
  await page.getByRole('button', { name: 'Add allergy' }).click();
  await page.getByLabel('Substance', { exact: true }).fill('Penicillin');
  await page.getByLabel('Criticality').selectOption('high');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByTestId('banner-allergies')).toHaveText('Penicillin (high risk)');

  await page.setViewportSize({ width: 390, height: 844 });
  await page.getByRole('tab', { name: 'Medications' }).click();
  await page.getByRole('button', { name: 'New prescription' }).click();
  const form = page.getByRole('form', { name: 'New prescription' });
  const rx = form.getByRole('combobox', { name: 'Search codes (RxNorm)' });
  await rx.pressSequentially('amoxicillin');
  await page.getByRole('option', { name: /^723 — amoxicillin ingredient$/ }).click();
  await expect(form.getByLabel('Medication', { exact: true })).toHaveValue('amoxicillin');
  await expect(form.getByLabel('RxNorm code (RxCUI)')).toHaveValue('723');

  // An impossible dose: refused with the reason, everything typed is kept.
  await form.getByLabel('Dose', { exact: true }).fill('5000');
  await form.getByLabel('Dose unit').selectOption('capsule');
  await form.getByLabel('Route').selectOption('oral');
  await form.getByLabel('Frequency').selectOption('TID');
  await form.getByLabel('Duration (days)').fill('10');
  await form.getByLabel('Quantity to dispense').fill('30');
  await form.getByLabel('Quantity unit').selectOption('capsule');
  await form.getByLabel('Refills (0–11)').fill('1');
  await form.getByLabel('Substitution').selectOption('no');
  // The letterhead comes from Settings.
  await expect(form.getByLabel('Prescriber credentials')).toHaveValue('MD');
  await expect(form.getByLabel('Prescriber NPI')).toHaveValue('1234567893');
  await expect(form.getByLabel('Practice phone')).toHaveValue('+1 217 555 0142');
  await form.getByLabel('Prescriber NPI').fill('1234567890');
  await form.getByRole('button', { name: 'Save draft' }).click();
  await expect(form.getByRole('alert')).toHaveText('Check the fields marked below.');
  await expect(
    form.getByText(
      'A single dose of 5000 capsules is not plausible (at most 10 capsules). Check the dose and its unit.',
    ),
  ).toBeVisible();
  await expect(
    form.getByText('This NPI fails its check digit: check for a mistyped digit.'),
  ).toBeVisible();
  await expect(form.getByLabel('Dose', { exact: true })).toHaveAttribute('aria-invalid', 'true');
  await expect(form.getByLabel('Dose', { exact: true })).toHaveValue('5000');
  await expect(form.getByLabel('Medication', { exact: true })).toHaveValue('amoxicillin');
  await expect(form.getByLabel('Practice address')).toHaveValue(
    '14 Wrenfield Road, Springfield, IL 62704',
  );
  await expect(page.getByText('No prescriptions.')).toBeVisible();
  await form.getByLabel('Dose', { exact: true }).fill('-1');
  await form.getByRole('button', { name: 'Save draft' }).click();
  await expect(form.getByText('Dose cannot be negative.')).toBeVisible();

  // Corrected: the preview says the sig in words and shows the allergy before saving.
  await form.getByLabel('Dose', { exact: true }).fill('1');
  await form.getByLabel('Prescriber NPI').fill('1234567893');
  const preview = form.getByRole('region', { name: 'Prescription preview' });
  await expect(preview).toContainText(
    'Sig: Take 1 capsule by mouth three times a day for 10 days.',
  );
  await expect(preview).toContainText('Dispense: thirty (30) capsules; one (1) refill');
  await expect(preview.getByRole('status', { name: 'Medication safety checks' })).toContainText(
    'Allergy to Penicillin: amoxicillin',
  );
  expect(await axeViolations(page)).toEqual([]);
  expect(await scrollsSideways(page)).toBe(false);
  await form.getByRole('button', { name: 'Save draft' }).click();
  await expect(form).toBeHidden();

  const item = page.getByRole('listitem', { name: 'Prescription: amoxicillin' });
  await expect(item).toContainText('Draft (not signed)');
  await expect(page.getByText('No medications recorded.')).toBeVisible();

  // Signing: the same safety dialog; cancel signs nothing; an override needs a reason.
  await item.getByRole('button', { name: 'Sign prescription' }).click();
  const dialog = page.getByRole('alertdialog', { name: 'Safety alert: amoxicillin' });
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText('the class of the allergy');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toBeHidden();
  await expect(item).toContainText('Draft (not signed)');
  await item.getByRole('button', { name: 'Sign prescription' }).click();
  await expect(dialog).toContainText('Signing this prescription needs a reason to override');
  await dialog.getByLabel('Reason for overriding').fill('Tolerated amoxicillin in 2024');
  await dialog.getByRole('button', { name: 'Override and sign' }).click();
  await expect(dialog).toBeHidden();
  await expect(item).toContainText('Signed on');
  await expect(item).toContainText(
    'Overridden when signed: Allergy to Penicillin: amoxicillin. Reason: Tolerated amoxicillin in 2024',
  );
  await expect(item.getByRole('button', { name: 'Sign prescription' })).toHaveCount(0);

  // The medication list has it, once.
  const medEntry = page.locator('[id^="entry-"]').filter({ hasText: 'amoxicillin' });
  await expect(medEntry).toHaveCount(1);
  await expect(medEntry).toContainText('1 capsule oral three times a day — active');

  // Print: the letterhead view, printed to PDF and read back.
  await page.evaluate(() => {
    window.print = () => document.body.setAttribute('data-printed', 'yes');
  });
  await page.setViewportSize({ width: 1000, height: 900 });
  await item.getByRole('button', { name: 'Print' }).click();
  const sheet = page.getByRole('article', { name: 'Printable prescription' });
  await expect(sheet).toBeVisible();
  await expect(page.locator('body')).toHaveAttribute('data-printed', 'yes');
  await page.emulateMedia({ media: 'print' });
  const text = await pdfText(await page.pdf({ format: 'Letter' }));
  for (const expected of [
    'Zebrafinch Clinic QX7',
    '14 Wrenfield Road, Springfield, IL 62704',
    'Phone +1 217 555 0142',
    'Dr. Quillon Marsh, MD',
    'NPI 1234567893',
    'Patient Ilsabet Quorrendale',
    'Date of birth 1958-03-02',
    'amoxicillin (RxNorm 723)',
    'Sig Take 1 capsule by mouth three times a day for 10 days.',
    'Dispense thirty (30) capsules',
    'Refills one (1) refill',
    'Dispense as written',
  ])
    expect(text).toContain(expected);
  // Only the prescription is printed: not the chart around it.
  expect(text).not.toContain('New prescription');
  expect(text).not.toContain('DEA');
  await page.emulateMedia({ media: 'screen' });
  await sheet.getByRole('button', { name: 'Close print view' }).click();
  await expect(sheet).toHaveCount(0);

  // The print is in the chart's audit trail.
  await page.getByRole('tab', { name: 'Audit' }).click();
  await expect(page.getByText('Prescription: amoxicillin')).toBeVisible();

  // Cancelling a signed prescription needs a reason; the medication stays until stopped.
  await page.getByRole('tab', { name: 'Medications' }).click();
  await item.getByRole('button', { name: 'Cancel prescription' }).click();
  const confirm = page.getByRole('alertdialog', {
    name: 'Cancel the prescription for amoxicillin?',
  });
  await confirm.getByRole('button', { name: 'Cancel prescription' }).click();
  await expect(confirm.getByRole('alert')).toHaveText('Reason for cancelling is required.');
  await confirm.getByLabel('Reason for cancelling (required)').fill('Switched to a macrolide');
  await confirm.getByRole('button', { name: 'Cancel prescription' }).click();
  await expect(confirm).toBeHidden();
  await expect(item).toContainText('Cancelled: Switched to a macrolide');
  await expect(item.getByRole('button', { name: 'Print' })).toHaveCount(0);
  await expect(medEntry).toContainText('— active');

  // Nothing of the prescription or the letterhead is readable at rest.
  const dump = await dumpStorage(page);
  const stored = JSON.stringify(dump);
  const allBytes = Buffer.concat(dump.records.flatMap((r) => bytesIn(r.value)));
  for (const secret of ['Quorrendale', 'Wrenfield', '1234567893', 'Tolerated amoxicillin']) {
    expect(stored, secret).not.toContain(secret);
    expect(allBytes.includes(Buffer.from(secret, 'utf8')), secret).toBe(false);
  }
  expect(await checkRecordsAtRest(dump.records)).toContain('folio-sealed/envelopes');
});

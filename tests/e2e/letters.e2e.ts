/**
 * Letters (issue 16 item 6): from a visit, an after-visit summary and a referral letter on the
 * practice's letterhead. Without a letterhead the user is told how to fix it; a referral without
 * recipient or reason is refused with the fields named. Each letter is printed to PDF by
 * Chromium and read back with pdf.js; each is kept in the chart as a PDF written in the page,
 * and the FHIR export carries it as a DocumentReference naming the visit.
 */
import { readFile } from 'node:fs/promises';
import type { Page } from '@playwright/test';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { expect, test } from './fixtures.ts';
import { axeViolations, bytesIn, createPractice, dumpStorage, newPatient } from './helpers.ts';

/** The text of every page of a PDF, lines joined by spaces. */
async function pdfText(pdf: Uint8Array): Promise<string> {
  const doc = await getDocument({ data: new Uint8Array(pdf), useSystemFonts: false, verbosity: 0 })
    .promise;
  const pages: string[] = [];
  for (let i = 1; i <= doc.numPages; i++) {
    const content = await (await doc.getPage(i)).getTextContent();
    pages.push(content.items.map((item) => ('str' in item ? item.str : '')).join(' '));
  }
  await doc.destroy();
  return pages.join('\n').replace(/\s+/g, ' ');
}

const tab = (page: Page, name: string) =>
  page.getByRole('tablist', { name: 'Chart sections' }).getByRole('tab', { name, exact: true });

/** Prints the open print view to PDF (print media) and reads the text back. */
async function printed(page: Page): Promise<string> {
  await page.emulateMedia({ media: 'print' });
  const text = await pdfText(await page.pdf({ format: 'Letter' }));
  await page.emulateMedia({ media: 'screen' });
  return text;
}

test('after-visit summary and referral letter from a visit: printed on the letterhead, kept as PDF, exported as DocumentReference', async ({
  page,
}) => {
  test.setTimeout(150_000);
  await createPractice(page, 'Zebrafinch Clinic QX7', 'Dr. Quillon Marsh');
  await newPatient(page, { given: 'Ilsabet', family: 'Quorrendale', birthDate: '1958-03-02' });
  await page.evaluate(() => {
    window.print = () => document.body.setAttribute('data-printed', String(Date.now()));
  });

  await tab(page, 'Visits').click();
  await page.getByRole('button', { name: 'Record visit' }).click();
  await page.getByLabel('Visit type').fill('Follow-up');
  await page.getByLabel('Reason').fill('Blood pressure review');
  await page.getByLabel('Practitioner').fill('Dr. Quillon Marsh');
  await page.getByRole('button', { name: 'Save' }).click();
  const row = page.locator('ul.visits > li').filter({ hasText: 'Follow-up' });
  await expect(row).toContainText('Blood pressure review');

  // No letterhead yet: the letter is refused with where to fix it.
  await row.getByRole('button', { name: 'Letters' }).click();
  const panel = row.getByRole('region', { name: 'Letters from this visit' });
  await panel.getByRole('button', { name: 'Write after-visit summary' }).click();
  let form = panel.getByRole('form', { name: 'After-visit summary' });
  await form.getByLabel('Instructions for the patient').fill('Take amlodipine every morning.');
  await form.getByRole('button', { name: 'Preview and print' }).click();
  await expect(form.getByRole('alert')).toContainText(
    'The practice letterhead has no address or phone yet. An admin adds them in Settings → Prescription letterhead',
  );
  await expect(form.getByLabel('Instructions for the patient')).toHaveValue(
    'Take amlodipine every morning.',
  );

  await page.getByRole('link', { name: 'Settings' }).click();
  const letterhead = page.getByRole('form', { name: 'Prescription letterhead' });
  await letterhead.getByLabel('Practice address').fill('14 Wrenfield Road, Springfield, IL 62704');
  await letterhead.getByLabel('Practice phone').fill('+1 217 555 0142');
  await letterhead.getByLabel('Your credentials (e.g. MD)').fill('MD');
  await letterhead.getByLabel('Your NPI').fill('1234567893');
  await letterhead.getByRole('button', { name: 'Save letterhead' }).click();
  await expect(letterhead.getByRole('status')).toContainText('Saved.');
  await page.getByRole('link', { name: 'Patients' }).click();
  await page.getByRole('link', { name: 'Quorrendale, Ilsabet' }).click();
  await page.evaluate(() => {
    window.print = () => document.body.setAttribute('data-printed', String(Date.now()));
  });
  await tab(page, 'Visits').click();

  // The after-visit summary.
  await row.getByRole('button', { name: 'Letters' }).click();
  await panel.getByRole('button', { name: 'Write after-visit summary' }).click();
  form = panel.getByRole('form', { name: 'After-visit summary' });
  await form.getByLabel('Instructions for the patient').fill('Take amlodipine every morning.');
  await form.getByLabel('Follow-up').fill('Come back in 4 weeks.');
  await form.getByRole('button', { name: 'Preview and print' }).click();
  const sheet = page.getByRole('article', { name: 'Printable letter' });
  await expect(sheet).toBeVisible();
  await expect(page.locator('body')).toHaveAttribute('data-printed', /\d+/);
  expect(await axeViolations(page)).toEqual([]);
  let text = await printed(page);
  for (const expected of [
    'Zebrafinch Clinic QX7',
    '14 Wrenfield Road, Springfield, IL 62704',
    'Phone +1 217 555 0142',
    'Patient Ilsabet Quorrendale',
    'Date of birth 1958-03-02',
    'Why you came: Blood pressure review',
    'You saw: Dr. Quillon Marsh',
    'Take amlodipine every morning.',
    'Come back in 4 weeks.',
    'Dr. Quillon Marsh, MD',
  ])
    expect(text).toContain(expected);
  // Only the letter is printed, not the chart around it.
  expect(text).not.toContain('Record visit');
  await sheet.getByRole('button', { name: 'Save to chart as PDF' }).click();
  await expect(sheet.getByRole('status')).toHaveText(
    /^Saved to the chart as a PDF: After-visit summary, \d{4}-\d{2}-\d{2}\.$/,
  );
  // Kept once: saving again would keep a copy.
  await expect(sheet.getByRole('button', { name: 'Save to chart as PDF' })).toBeDisabled();
  await sheet.getByRole('button', { name: 'Close print view' }).click();
  await expect(sheet).toHaveCount(0);

  // The referral letter: recipient and reason are required.
  await panel.getByRole('button', { name: 'Write referral letter' }).click();
  form = panel.getByRole('form', { name: 'Referral letter' });
  await form.getByRole('button', { name: 'Preview and print' }).click();
  await expect(form.getByRole('alert')).toHaveText('Check the fields marked below.');
  await expect(form.getByText('Recipient name is required.')).toBeVisible();
  await expect(form.getByText('Reason for referral is required.')).toBeVisible();
  await page.setViewportSize({ width: 390, height: 844 });
  expect(await axeViolations(page)).toEqual([]);
  expect(
    await page.evaluate(() => document.scrollingElement!.scrollWidth > window.innerWidth),
    'letters at 390 px',
  ).toBe(false);
  await page.setViewportSize({ width: 1000, height: 900 });
  await form.getByLabel('Recipient name (required)').fill('Dr. Ana Villanueva');
  await form.getByLabel('Recipient specialty').fill('Cardiology');
  await form.getByLabel('Recipient address').fill('200 Heart Lane, Springfield, IL 62701');
  await form
    .getByLabel('Reason for referral (required)')
    .fill('Resistant hypertension (3 agents).');
  await form.getByRole('button', { name: 'Preview and print' }).click();
  await expect(sheet).toBeVisible();
  text = await printed(page);
  for (const expected of [
    'Zebrafinch Clinic QX7',
    'Dr. Ana Villanueva',
    'Cardiology',
    'Reason for referral',
    'Resistant hypertension (3 agents).',
    'I am referring Ilsabet Quorrendale (date of birth 1958-03-02)',
    'Allergies not recorded',
  ])
    expect(text).toContain(expected);
  await sheet.getByRole('button', { name: 'Save to chart as PDF' }).click();
  await expect(sheet.getByRole('status')).toContainText('Saved to the chart as a PDF: Referral');
  await sheet.getByRole('button', { name: 'Close print view' }).click();
  await expect(panel.getByRole('listitem')).toHaveCount(2);
  // A kept letter downloads as the PDF kept.
  await panel
    .getByRole('listitem')
    .filter({ hasText: 'Referral letter' })
    .getByRole('button', { name: 'Get PDF' })
    .click();
  const kept = page.waitForEvent('download');
  await row.getByRole('link', { name: /^Save Referral_letter.*\.pdf$/ }).click();
  const keptPdf = new Uint8Array(await readFile(await (await kept).path()));
  expect(await pdfText(keptPdf)).toContain('Dr. Ana Villanueva');

  // The export: each letter a DocumentReference with the PDF, naming the visit.
  await page.getByRole('button', { name: 'Export FHIR' }).click();
  const download = page.waitForEvent('download');
  await page.getByTestId('fhir-download').click();
  const bundle = JSON.parse(await readFile(await (await download).path(), 'utf8')) as {
    entry: { resource: Record<string, any> & { resourceType: string } }[]; // eslint-disable-line @typescript-eslint/no-explicit-any -- nested FHIR
  };
  const resources = bundle.entry.map((e) => e.resource);
  const encounter = resources.find((r) => r.resourceType === 'Encounter')!;
  const docs = resources.filter((r) => r.resourceType === 'DocumentReference');
  expect(docs.map((d) => d.type.coding[0].code).sort()).toEqual(['34133-9', '57133-1']);
  for (const doc of docs) {
    expect(doc.context.encounter[0].reference).toBe(`Encounter/${encounter.id}`);
    expect(doc.author[0].display).toBe('Dr. Quillon Marsh');
    const attachment = doc.content[0].attachment;
    expect(attachment.contentType).toBe('application/pdf');
    const pdf = new Uint8Array(Buffer.from(attachment.data, 'base64'));
    expect(Buffer.from(pdf.subarray(0, 5)).toString('latin1')).toBe('%PDF-');
    expect(pdf.length).toBe(attachment.size);
    const pdfTextOf = await pdfText(pdf);
    expect(pdfTextOf).toContain('Ilsabet Quorrendale');
    expect(pdfTextOf).toContain('Zebrafinch Clinic QX7');
  }

  // The kept letters are sealed: neither their words nor their PDF (base64) are readable at rest.
  const dump = await dumpStorage(page);
  const stored = JSON.stringify(dump);
  const allBytes = Buffer.concat(dump.records.flatMap((r) => bytesIn(r.value)));
  for (const secret of ['Villanueva', 'Resistant hypertension', 'JVBERi0xLjQ']) {
    expect(stored, secret).not.toContain(secret);
    expect(allBytes.includes(Buffer.from(secret, 'utf8')), secret).toBe(false);
  }
});

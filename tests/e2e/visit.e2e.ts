/**
 * Issue 16 item 2: one visit on one screen — reason, vitals, medication reconciliation (one
 * stopped with a reason), a problem addressed, the note — signed off, then read-only, and
 * exported as an Encounter its parts point back at.
 */
import { readFile } from 'node:fs/promises';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures.ts';
import { axeViolations, createPractice, newPatient } from './helpers.ts';

type Resource = Record<string, unknown> & { resourceType: string; id: string };

async function addMedication(page: Page, drug: string, dose: string): Promise<void> {
  await page.getByRole('button', { name: 'Add medication' }).click();
  await page.getByLabel('Medication', { exact: true }).fill(drug);
  await page.getByLabel('Dose', { exact: true }).fill(dose);
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.locator('ul.entries > li').filter({ hasText: drug })).toBeVisible();
}

test('start a visit, reconcile, address a problem, write the note, sign off; export references its parts', async ({
  page,
}) => {
  test.setTimeout(60_000);
  await createPractice(page);
  await newPatient(page, { given: 'Odalys', family: 'Verhoeven', birthDate: '1957-08-19' });
  const tabs = page.getByRole('tablist', { name: 'Chart sections' });

  await tabs.getByRole('tab', { name: 'Medications', exact: true }).click();
  await addMedication(page, 'Lisinopril 10 mg tablet', '10 mg');
  await addMedication(page, 'Omeprazole 20 mg capsule', '20 mg');
  await tabs.getByRole('tab', { name: 'Problems', exact: true }).click();
  await page.getByRole('button', { name: 'Add problem' }).click();
  await page.getByLabel('Problem', { exact: true }).fill('Essential hypertension');
  await page.getByRole('button', { name: 'Save' }).click();

  // Start visit: a blank reason is refused with a clear message.
  await page.getByRole('button', { name: 'Start visit' }).click();
  const start = page.getByRole('form', { name: 'Start visit' });
  await start.getByRole('button', { name: 'Save' }).click();
  await expect(start.getByText('Reason for visit is required.')).toBeVisible();
  await start.getByLabel('Reason for visit').fill('Blood pressure review');
  await start.getByRole('button', { name: 'Save' }).click();

  const visit = page.getByTestId('visit-screen');
  await expect(visit.getByTestId('visit-status')).toHaveText('In progress');
  await expect(visit.getByTestId('visit-reason')).toHaveText('Blood pressure review');
  await expect(visit.getByTestId('visit-blockers')).toContainText(
    'Reconcile every active medication (continue, change or stop)',
  );

  // Vitals, recorded in this visit.
  await visit.getByRole('button', { name: 'Record vitals' }).click();
  await visit.getByLabel('Systolic BP (mmHg)').fill('152');
  await visit.getByLabel('Diastolic BP (mmHg)').fill('94');
  await visit.getByLabel('Heart rate (/min)').fill('78');
  await visit.getByRole('button', { name: 'Save' }).click();
  await expect(visit.getByRole('region', { name: 'Vitals table' })).toContainText('152/94');

  // Reconciliation: continue one, stop the other with a reason.
  await visit.getByRole('button', { name: 'Continue Lisinopril 10 mg tablet' }).click();
  const omeprazole = visit.getByRole('listitem').filter({ hasText: 'Omeprazole 20 mg capsule' });
  await omeprazole.getByRole('button', { name: 'Stop', exact: true }).click();
  const dialog = page.getByRole('alertdialog');
  await dialog.getByLabel('Reason for stopping (required)').fill('Reflux resolved');
  await dialog.getByRole('button', { name: 'Stop medication' }).click();
  await expect(omeprazole.getByTestId('decision')).toHaveText('Stop: Reflux resolved');
  await expect(
    visit.getByRole('listitem').filter({ hasText: 'Lisinopril' }).getByTestId('decision'),
  ).toHaveText('Continue');

  // A problem addressed, and the note.
  await visit.getByRole('checkbox', { name: 'Essential hypertension' }).check();
  await visit.getByRole('textbox', { name: 'Assessment' }).click();
  await page.keyboard.type('BP above target on lisinopril; omeprazole no longer needed.');
  await expect(visit.getByTestId('visit-blockers')).toHaveText('Ready to sign off.');

  expect(await axeViolations(page)).toEqual([]);
  await visit.getByRole('button', { name: 'Sign off visit' }).click();
  await page
    .getByRole('alertdialog')
    .getByRole('button', { name: 'Sign off', exact: true })
    .click();

  // Read-only: signed by the member, no forms or decisions left, addenda only.
  await expect(visit.getByTestId('visit-status')).toHaveText('Signed off');
  await expect(visit.getByTestId('visit-signed')).toContainText('by Dr. Quillon Marsh');
  await expect(visit.getByRole('button', { name: 'Record vitals' })).toHaveCount(0);
  await expect(visit.getByRole('button', { name: /^Continue / })).toHaveCount(0);
  await expect(visit.getByRole('button', { name: 'Edit reason' })).toHaveCount(0);
  await expect(visit.getByRole('textbox', { name: 'Assessment' })).toHaveCount(0);
  await expect(visit.getByRole('checkbox', { name: 'Essential hypertension' })).toBeDisabled();
  await expect(visit.locator('p.text')).toHaveText(
    'BP above target on lisinopril; omeprazole no longer needed.',
  );
  await expect(visit.getByLabel('Addendum', { exact: true })).toBeVisible();
  await page.setViewportSize({ width: 390, height: 844 });
  expect(
    await page.evaluate(() => document.scrollingElement!.scrollWidth > window.innerWidth),
  ).toBe(false);
  await page.setViewportSize({ width: 1280, height: 720 });

  // Export: the Encounter and the parts that point back at it.
  await page.getByRole('button', { name: 'Export FHIR' }).click();
  const download = page.waitForEvent('download');
  await page.getByTestId('fhir-download').click();
  const bundle = JSON.parse(await readFile(await (await download).path(), 'utf8')) as {
    entry: { resource: Resource }[];
  };
  const resources = bundle.entry.map((e) => e.resource);
  const encounters = resources.filter((r) => r.resourceType === 'Encounter');
  expect(encounters).toHaveLength(1);
  const enc = encounters[0]! as Resource & {
    diagnosis: { condition: { reference: string } }[];
    period: { start: string; end: string };
  };
  const key = `Encounter/${enc.id}`;
  expect(enc).toMatchObject({
    status: 'finished',
    reasonCode: [{ text: 'Blood pressure review' }],
    participant: [{ individual: { display: 'Dr. Quillon Marsh' } }],
  });
  expect(Date.parse(enc.period.end)).toBeGreaterThanOrEqual(Date.parse(enc.period.start));
  const condition = resources.find((r) => r.resourceType === 'Condition')!;
  expect(enc.diagnosis.map((d) => d.condition.reference)).toEqual([`Condition/${condition.id}`]);
  const pointing = (type: string) =>
    resources.filter(
      (r) =>
        r.resourceType === type &&
        ((r.encounter as { reference?: string } | undefined)?.reference === key ||
          (
            (r.context as { encounter?: { reference: string }[] } | undefined)?.encounter ?? []
          ).some((e) => e.reference === key)),
    );
  expect(pointing('Observation')).toHaveLength(2); // the BP panel and the heart rate
  expect(pointing('DocumentReference')).toHaveLength(1);
  expect(
    resources.find(
      (r) =>
        r.resourceType === 'MedicationRequest' &&
        (r.medicationCodeableConcept as { text: string }).text === 'Omeprazole 20 mg capsule',
    ),
  ).toMatchObject({ status: 'stopped', statusReason: { text: 'Reflux resolved' } });
});

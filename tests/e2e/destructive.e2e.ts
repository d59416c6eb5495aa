/**
 * Destructive steps are deliberate (issue 13 item 3): entered-in-error, stopping a medication,
 * resolving a problem and signing a note each ask in an alert dialog; entered-in-error and
 * stopping need a reason, which the chart keeps; an empty note cannot be signed.
 */
import { expect, test } from './fixtures.ts';
import { addProblem, axeViolations, createPractice, newPatient } from './helpers.ts';

test('destructive steps ask first, need reasons where clinicians record one, and keep them', async ({
  page,
}) => {
  test.setTimeout(90_000);
  await createPractice(page);
  await newPatient(page, { given: 'Odalys', family: 'Fenwright', birthDate: '1979-06-14' });

  // A high-criticality allergy is not removed by one click.
  await page.getByRole('tab', { name: 'Allergies' }).click();
  await page.getByRole('button', { name: 'Add allergy' }).click();
  await page.getByLabel('Substance', { exact: true }).fill('Peanut');
  await page.getByLabel('Criticality').selectOption('high');
  await page.getByLabel('Reaction', { exact: true }).fill('Anaphylaxis');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByTestId('banner-allergies')).toHaveText('Peanut (high risk)');

  await page.getByRole('button', { name: 'Entered in error' }).click();
  const dialog = page.getByRole('alertdialog', {
    name: 'Mark “Peanut allergy” as entered in error?',
  });
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText('high-criticality allergy');
  await expect(dialog.getByLabel('Reason (required)')).toBeFocused();
  expect(await axeViolations(page)).toEqual([]);
  // Confirming without a reason is refused inside the dialog; nothing changes.
  await dialog.getByRole('button', { name: 'Mark entered in error' }).click();
  await expect(dialog.getByRole('alert')).toHaveText('Reason is required.');
  // Cancel leaves the allergy as it was.
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId('banner-allergies')).toHaveText('Peanut (high risk)');
  // With a reason, it is struck through and the reason is kept.
  await page.getByRole('button', { name: 'Entered in error' }).click();
  await dialog.getByLabel('Reason (required)').fill('Recorded on the wrong patient');
  await dialog.getByRole('button', { name: 'Mark entered in error' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByText('Entered in error: Recorded on the wrong patient')).toBeVisible();
  await expect(page.getByTestId('banner-allergies')).not.toContainText('Peanut');

  // Resolving a problem asks, with the date.
  await page.getByRole('tab', { name: 'Problems' }).click();
  await addProblem(page, 'Acute otitis media');
  await page.getByRole('button', { name: 'Resolve' }).click();
  const resolve = page.getByRole('alertdialog', { name: 'Resolve “Acute otitis media”?' });
  await expect(resolve.getByLabel('Resolved on')).toBeVisible();
  await resolve.getByRole('button', { name: 'Resolve problem' }).click();
  await expect(resolve).toBeHidden();
  await expect(page.getByText(/— resolved/)).toBeVisible();

  // Stopping a medication asks for the date and a reason, which is kept.
  await page.getByRole('tab', { name: 'Medications' }).click();
  await page.getByRole('button', { name: 'Add medication' }).click();
  await page.getByLabel('Medication', { exact: true }).fill('Lisinopril 10 MG Oral Tablet');
  await page.getByLabel('Dose', { exact: true }).fill('10 mg');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('button', { name: 'Stop', exact: true }).click();
  const stop = page.getByRole('alertdialog', { name: 'Stop Lisinopril 10 MG Oral Tablet?' });
  await expect(stop.getByLabel('Stop date')).toBeVisible();
  await stop.getByRole('button', { name: 'Stop medication' }).click();
  await expect(stop.getByRole('alert')).toHaveText('Reason for stopping is required.');
  await stop.getByLabel('Reason for stopping (required)').fill('Dry cough');
  await stop.getByRole('button', { name: 'Stop medication' }).click();
  await expect(stop).toBeHidden();
  await expect(page.getByText('(stopped: Dry cough)')).toBeVisible();

  // An empty note cannot be signed; a written one is signed only after confirming.
  await page.getByRole('tab', { name: 'Notes' }).click();
  await page.getByRole('button', { name: 'New note' }).click();
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('button', { name: 'Sign note' }).click();
  const sign = page.getByRole('alertdialog', { name: 'Sign “Office visit”?' });
  await sign.getByRole('button', { name: 'Sign', exact: true }).click();
  await expect(sign.getByRole('alert')).toHaveText('An empty note cannot be signed.');
  await sign.getByRole('button', { name: 'Cancel' }).click();
  await page.getByLabel('Plan', { exact: true }).fill('Review in two weeks.');
  await page.getByRole('button', { name: 'Sign note' }).click();
  await sign.getByRole('button', { name: 'Sign', exact: true }).click();
  await expect(sign).toBeHidden();
  await expect(page.getByText('Review in two weeks.', { exact: true })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Sign note' })).toHaveCount(0);
});

/**
 * Note templates and smart phrases (issue 16 item 3): a clinician creates a practice template
 * with `.vitals` and `.allergies` in Settings (an unknown phrase is refused, naming it), records a
 * vital and an allergy for a patient, inserts the template into a new note and sees the chart's
 * values with units and dates in the note's shared text; a 390 px screen, keyboard and axe.
 */
import { expect, test } from './fixtures.ts';
import { axeViolations, createPractice, newPatient } from './helpers.ts';

test('a template with .vitals and .allergies is inserted into a new note with the chart’s values', async ({
  newDevice,
}) => {
  test.setTimeout(120_000);
  const page = await (await newDevice()).newPage();
  await page.setViewportSize({ width: 390, height: 844 });
  await createPractice(page);

  // Settings → Note templates.
  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByRole('button', { name: 'New template' }).click();
  const form = page.getByRole('form', { name: 'New template' });
  await expect(form.getByLabel('Template name')).toBeFocused();
  await form.getByLabel('Template name').fill('Hypertension follow-up');
  await form.getByLabel('Subjective').fill('Here for blood pressure review.');
  await form.getByLabel('Objective').fill('Allergies: .allergie\n.vitals');
  await page.getByRole('button', { name: 'Save template' }).click();
  await expect(page.getByText('Unknown smart phrase “.allergie” in Objective.')).toBeVisible();
  await form.getByLabel('Objective').fill('Allergies: .allergies\n.vitals');
  await form.getByLabel('Plan').fill('Recheck in 6 weeks.');
  await page.getByRole('button', { name: 'Save template' }).click();
  await expect(page.getByText('Saved “Hypertension follow-up”.')).toBeVisible();
  const list = page.getByRole('list', { name: 'Note templates' });
  await expect(list.getByRole('listitem')).toHaveCount(1);
  await expect(list.getByRole('listitem')).toContainText(
    'Hypertension follow-up Version 1, changed',
  );
  // A change is a new version.
  await list.getByRole('button', { name: 'Edit Hypertension follow-up' }).click();
  const edit = page.getByRole('form', { name: 'Edit template' });
  await expect(edit.getByLabel('Plan')).toHaveValue('Recheck in 6 weeks.');
  await edit.getByLabel('Plan').fill('Recheck in 4 weeks.');
  await edit.getByRole('button', { name: 'Save template' }).click();
  await expect(list.getByRole('listitem')).toContainText(
    'Hypertension follow-up Version 2, changed',
  );
  expect(await axeViolations(page)).toEqual([]);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(width).toBeLessThanOrEqual(390);

  // A patient with a vital and an allergy.
  await page.getByRole('link', { name: 'Patients' }).click();
  await newPatient(page, { given: 'Tamsin', family: 'Templeworth', birthDate: '1958-07-09' });
  await page.getByRole('tab', { name: 'Vitals' }).click();
  await page.getByRole('button', { name: 'Record vitals' }).click();
  const date = await page.getByLabel('Date', { exact: true }).inputValue();
  expect(date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  await page.getByLabel('Systolic BP (mmHg)').fill('142');
  await page.getByLabel('Diastolic BP (mmHg)').fill('88');
  await page.getByLabel('Temperature (°C)').fill('37');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('cell', { name: '142/88' })).toBeVisible();

  await page.getByRole('tab', { name: 'Allergies' }).click();
  await page.getByRole('button', { name: 'Add allergy' }).click();
  await page.getByLabel('Substance', { exact: true }).fill('Penicillin');
  await page.getByLabel('Criticality').selectOption('high');
  await page.getByLabel('Reaction', { exact: true }).fill('Hives');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByTestId('banner-allergies')).toHaveText('Penicillin (high risk)');

  // A new note; the template goes in by keyboard.
  await page.getByRole('tab', { name: 'Notes' }).click();
  await page.getByRole('button', { name: 'New note' }).click();
  await page.getByRole('button', { name: 'Save' }).click();
  const objective = page.getByLabel('Objective', { exact: true });
  await expect(objective).toHaveAttribute('role', 'textbox');
  const select = page.getByLabel('Template', { exact: true });
  await select.focus();
  await select.selectOption({ label: 'Hypertension follow-up' });
  await page.keyboard.press('Tab');
  await expect(page.getByRole('button', { name: 'Insert template' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(
    page.getByText("Inserted “Hypertension follow-up” with the chart's data as of now."),
  ).toBeVisible();

  await expect(page.getByLabel('Subjective', { exact: true })).toHaveText(
    'Here for blood pressure review.',
  );
  await expect(objective.locator('p')).toHaveText([
    'Allergies: Penicillin (medication): reaction: Hives; criticality: high',
    `Blood pressure 142/88 mmHg (${date})`,
    `Temperature 37.0 °C (${date})`,
  ]);
  await expect(page.getByLabel('Plan', { exact: true })).toHaveText('Recheck in 4 weeks.');
  // The inserted text is the note's own: it is saved like typing and signs.
  await expect(page.getByTestId('save-state')).toHaveText('All changes saved on this device');
  await page.getByRole('button', { name: 'Sign note' }).click();
  await page.getByRole('alertdialog').getByRole('button', { name: 'Sign', exact: true }).click();
  // Signed: the objective as frozen holds the expanded values.
  await expect(page.getByRole('heading', { name: 'Objective', level: 4 })).toBeVisible();
  await expect(page.locator('p.text', { hasText: 'Penicillin' })).toContainText(
    `Blood pressure 142/88 mmHg (${date})`,
  );
  expect(await axeViolations(page)).toEqual([]);
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);

  // Retiring asks for a reason; the note keeps its text.
  await page.getByRole('link', { name: 'Settings' }).click();
  await list.getByRole('button', { name: 'Retire' }).click();
  const dialog = page.getByRole('alertdialog');
  await dialog.getByRole('button', { name: 'Retire template' }).click();
  await expect(dialog.getByRole('alert')).toHaveText('Give a reason for retiring this template.');
  await dialog.getByLabel('Reason (required)').fill('Replaced by the practice protocol');
  await dialog.getByRole('button', { name: 'Retire template' }).click();
  await expect(page.getByText('No templates yet.')).toBeVisible();
});

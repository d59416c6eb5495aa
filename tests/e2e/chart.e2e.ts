import { checkRecordsAtRest } from './at-rest.ts';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures.ts';
import {
  axeViolations,
  bytesIn,
  createPractice,
  dumpStorage,
  lock,
  newPatient,
  unlock,
} from './helpers.ts';

/** Unique strings in every section; none may ever be found at rest. */
const U = {
  given: 'Ysoldequa',
  family: 'Brennavoxx',
  problem: 'Zyglotic fever Q4',
  drug: 'Quorvalamide 5 mg',
  allergy: 'Plumbagonite dust',
  reaction: 'Xerovian hives',
  lot: 'LOTQZ77',
  lab: 'Vexoprotein level',
  subjective: 'Complains of thrumbling ankles',
  plan: 'Return in nivquarter weeks',
  addendum: 'Addendum quibblestone reviewed',
};

async function fillChart(page: Page) {
  await page.getByRole('tab', { name: 'Problems' }).click();
  await page.getByRole('button', { name: 'Add problem' }).click();
  await page.getByLabel('Problem', { exact: true }).fill(U.problem);
  await page.getByLabel('ICD-10-CM code').fill('R50.9');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByText(U.problem, { exact: true })).toBeVisible();

  await page.getByRole('tab', { name: 'Medications' }).click();
  await page.getByRole('button', { name: 'Add medication' }).click();
  await page.getByLabel('Medication', { exact: true }).fill(U.drug);
  await page.getByLabel('Dose', { exact: true }).fill('5 mg');
  await page.getByLabel('Frequency', { exact: true }).fill('twice daily');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByText(U.drug, { exact: true })).toBeVisible();

  await page.getByRole('tab', { name: 'Allergies' }).click();
  await page.getByRole('button', { name: 'Add allergy' }).click();
  await page.getByLabel('Substance', { exact: true }).fill(U.allergy);
  await page.getByLabel('Criticality').selectOption('high');
  await page.getByLabel('Reaction', { exact: true }).fill(U.reaction);
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByTestId('banner-allergies')).toHaveText(`${U.allergy} (high risk)`);

  await page.getByRole('tab', { name: 'Immunizations' }).click();
  await page.getByRole('button', { name: 'Add immunization' }).click();
  await page.getByLabel('Vaccine (CVX)').selectOption('03');
  await page.getByLabel('Lot number', { exact: true }).fill(U.lot);
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(
    page.getByText('measles, mumps and rubella virus vaccine', { exact: true }),
  ).toBeVisible();

  await page.getByRole('tab', { name: 'Vitals' }).click();
  await page.getByRole('button', { name: 'Record vitals' }).click();
  await page.getByLabel('Systolic BP (mmHg)').fill('210');
  await page.getByLabel('Diastolic BP (mmHg)').fill('95');
  await page.getByLabel('Weight (kg)').fill('80');
  await page.getByLabel('Height (cm)').fill('180');
  await page.getByRole('button', { name: 'Save' }).click();
  // An outlier needs confirmation; an impossible value is refused outright.
  await expect(page.getByRole('alert')).toContainText('Systolic BP 210 mmHg is unusual');
  await page.getByLabel('These values are correct').check();
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('cell', { name: '210/95' })).toBeVisible();
  await expect(page.getByRole('cell', { name: '24.7' })).toBeVisible();
  await page.getByRole('button', { name: 'Record vitals' }).click();
  await page.getByLabel('Heart rate (/min)').fill('500');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByText('Heart rate 500 /min is not possible (20–300 /min).')).toBeVisible();
  await page.getByRole('button', { name: 'Cancel' }).click();

  await page.getByRole('tab', { name: 'Labs' }).click();
  await page.getByRole('button', { name: 'Add lab result' }).click();
  await page.getByLabel('LOINC code', { exact: true }).fill('2345-7');
  await page.getByLabel('Test', { exact: true }).fill(U.lab);
  await page.getByLabel('Value', { exact: true }).fill('180');
  await page.getByLabel('Reference low').fill('70');
  await page.getByLabel('Reference high').fill('99');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByText(U.lab, { exact: true })).toBeVisible();

  await page.getByRole('tab', { name: 'Notes' }).click();
  await page.getByRole('button', { name: 'New note' }).click();
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByLabel('Subjective', { exact: true }).fill(U.subjective);
  await page.getByLabel('Plan', { exact: true }).fill(U.plan);
  await page.getByRole('button', { name: 'Sign note' }).click();
  await page.getByRole('alertdialog').getByRole('button', { name: 'Sign', exact: true }).click();
  await expect(page.getByText(U.subjective, { exact: true })).toBeVisible();
  await page.getByLabel('Addendum', { exact: true }).fill(U.addendum);
  await page.getByRole('button', { name: 'Add addendum' }).click();
  await expect(page.getByText(U.addendum, { exact: true })).toBeVisible();
  await expect(page.getByTestId('save-state')).toHaveText('All changes saved on this device');
}

async function expectChart(page: Page) {
  await expect(page.getByRole('heading', { name: `${U.family}, ${U.given}` })).toBeVisible();
  await expect(page.getByTestId('banner-allergies')).toHaveText(`${U.allergy} (high risk)`);
  await page.getByRole('tab', { name: 'Problems' }).click();
  await expect(page.getByText(U.problem, { exact: true })).toBeVisible();
  await page.getByRole('tab', { name: 'Medications' }).click();
  await expect(page.getByText(U.drug, { exact: true })).toBeVisible();
  await page.getByRole('tab', { name: 'Notes' }).click();
  await expect(page.getByText(U.subjective, { exact: true })).toBeVisible();
  await expect(page.getByText(U.addendum, { exact: true })).toBeVisible();
  await page.getByRole('tab', { name: 'Vitals' }).click();
  await expect(page.getByRole('cell', { name: '210/95' })).toBeVisible();
}

test('a solo practitioner charts every section; nothing readable is at rest; it all survives reload and restart', async ({
  persistentDevice,
}) => {
  test.setTimeout(120_000);
  const context = await persistentDevice();
  const page = await context.newPage();
  await createPractice(page);
  await newPatient(page, { given: U.given, family: U.family, birthDate: '1984-02-29' });
  await expect(page.getByRole('heading', { name: `${U.family}, ${U.given}` })).toBeVisible();
  await fillChart(page);
  expect(await axeViolations(page)).toEqual([]);
  const chartUrl = page.url();

  // Nothing readable at rest.
  const dump = await dumpStorage(page);
  const text = JSON.stringify(dump);
  const allBytes = Buffer.concat(dump.records.flatMap((r) => bytesIn(r.value)));
  for (const secret of Object.values(U)) {
    expect(text, secret).not.toContain(secret);
    expect(allBytes.includes(Buffer.from(secret, 'utf8')), secret).toBe(false);
    expect(allBytes.includes(Buffer.from(secret, 'utf16le')), secret).toBe(false);
  }
  // Every stored value is an envelope or a sealed record, and none opens with a wrong key.
  expect(await checkRecordsAtRest(dump.records)).toEqual(
    expect.arrayContaining(['folio-sealed/envelopes', 'folio-vault/counters', 'folio-vault/slots']),
  );
  expect(dump.web).toEqual([]);

  // Reload: locked; unlock: everything is there, at the same chart.
  await page.reload();
  await unlock(page);
  await expectChart(page);

  // Browser restart with the same profile: the chart is still there after unlocking.
  await lock(page);
  await context.close();
  const restarted = await persistentDevice({ profileDir: context.profileDir });
  const again = await restarted.newPage();
  await again.goto(chartUrl);
  await unlock(again);
  await expectChart(again);
});

test('a likely duplicate patient is flagged before a second chart is created', async ({ page }) => {
  await createPractice(page);
  await newPatient(page, { given: 'Ana', family: 'Lima', birthDate: '1990-05-05' });
  await expect(page.getByRole('heading', { name: 'Lima, Ana' })).toBeVisible();
  await page.getByRole('link', { name: 'Patients' }).click();
  await newPatient(page, { given: 'ana', family: 'LIMA', birthDate: '1990-05-05' });
  await expect(page.getByRole('alert')).toContainText('Possible duplicate');
  await page.getByLabel('This is a different person: create a new chart').check();
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('heading', { name: 'LIMA, ana' })).toBeVisible();
  await page.getByRole('link', { name: 'Patients' }).click();
  await page.getByLabel('Search patients').fill('lima');
  await expect(page.getByRole('row')).toHaveCount(3);
});

test('impossible and future dates get clear messages and nothing is created', async ({ page }) => {
  await createPractice(page);
  await page.getByRole('link', { name: 'New patient' }).click();
  await page.getByLabel('Given name').fill('Fut');
  await page.getByLabel('Family name').fill('Ure');
  await page.getByLabel('Date of birth').fill('2999-01-01');
  await page.getByLabel('Sex').selectOption('male');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByText('Date of birth cannot be in the future.')).toBeVisible();
  await page.getByRole('link', { name: 'Patients' }).click();
  await expect(page.getByText('No patients yet.')).toBeVisible();
});

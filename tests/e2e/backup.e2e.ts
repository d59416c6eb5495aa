import { readFile } from 'node:fs/promises';
import { expect, test } from './fixtures.ts';
import { createPractice, newPatient } from './helpers.ts';

test('an encrypted backup restores the whole practice into a fresh browser profile', async ({
  newDevice,
}) => {
  test.setTimeout(90_000);
  const laptop = await (await newDevice()).newPage();
  const recoveryKey = await createPractice(laptop);
  await newPatient(laptop, { given: 'Orsolya', family: 'Backupfield', birthDate: '1972-03-04' });
  await laptop.getByRole('tab', { name: 'Problems' }).click();
  await laptop.getByRole('button', { name: 'Add problem' }).click();
  await laptop.getByLabel('Problem', { exact: true }).fill('Gout of the left toe');
  await laptop.getByRole('button', { name: 'Save' }).click();
  await expect(laptop.getByText('Gout of the left toe', { exact: true })).toBeVisible();

  await laptop.getByRole('link', { name: 'Settings' }).click();
  await laptop.getByRole('button', { name: 'Create encrypted backup' }).click();
  const downloading = laptop.waitForEvent('download');
  await laptop.getByRole('link', { name: /Download folio-backup-/ }).click();
  const file = await (await downloading).path();
  const text = await readFile(file, 'utf8');
  for (const secret of ['Orsolya', 'Backupfield', 'Gout', 'Zebrafinch', recoveryKey]) {
    expect(text).not.toContain(secret);
  }
  expect(JSON.parse(text).slot.passphrase).toBeUndefined();

  const fresh = await (await newDevice()).newPage();
  await fresh.goto('/');
  await fresh.getByLabel('Backup file').setInputFiles(file);
  await fresh.getByLabel('Recovery key', { exact: true }).fill('AAAA-AAAA');
  await fresh
    .getByLabel('New passphrase', { exact: true })
    .fill('a new passphrase for the new laptop');
  await fresh.getByLabel('Confirm new passphrase').fill('a new passphrase for the new laptop');
  await fresh.getByRole('button', { name: 'Restore' }).click();
  await expect(fresh.getByRole('alert')).toContainText('typo');
  await fresh.getByLabel('Recovery key', { exact: true }).fill(recoveryKey);
  await fresh.getByRole('button', { name: 'Restore' }).click();
  await expect(fresh.getByRole('heading', { name: 'Zebrafinch Clinic QX7' })).toBeVisible({
    timeout: 20_000,
  });
  await fresh.getByRole('link', { name: 'Backupfield, Orsolya' }).click();
  await fresh.getByRole('tab', { name: 'Problems' }).click();
  await expect(fresh.getByText('Gout of the left toe', { exact: true })).toBeVisible();
});

test('a file that is not a backup is refused clearly', async ({ page }) => {
  await page.goto('/');
  await page.getByLabel('Backup file').setInputFiles({
    name: 'x.json',
    mimeType: 'application/json',
    buffer: Buffer.from('{"hello": 1}'),
  });
  await page.getByLabel('Recovery key', { exact: true }).fill('x');
  await page
    .getByLabel('New passphrase', { exact: true })
    .fill('a new passphrase for the new laptop');
  await page.getByLabel('Confirm new passphrase').fill('a new passphrase for the new laptop');
  await page.getByRole('button', { name: 'Restore' }).click();
  await expect(page.getByRole('alert')).toHaveText('This file is not a Folio backup.');
  await expect(page.getByRole('button', { name: 'Create practice' })).toBeVisible();
});

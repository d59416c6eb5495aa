import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from './fixtures.ts';
import { createPractice, newPatient, PASSPHRASE, unlock } from './helpers.ts';

test('a practitioner records consent and shares a passcode link; the specialist reads it until it is revoked', async ({
  newDevice,
  relayHandle,
}) => {
  test.setTimeout(120_000);
  const page = await (await newDevice()).newPage();
  await createPractice(page);
  await newPatient(page, { given: 'Sharon', family: 'Linkwell', birthDate: '1970-03-04' });
  await page.getByRole('tab', { name: 'Problems' }).click();
  await page.getByRole('button', { name: 'Add problem' }).click();
  await page.getByLabel('Problem', { exact: true }).fill('Paroxysmal atrial fibrillation');
  await page.getByLabel('ICD-10-CM code').fill('I48.0');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('tab', { name: 'Notes' }).click();
  await page.getByRole('button', { name: 'New note' }).click();
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByLabel('Subjective').fill('Palpitations twice weekly <script>alert(1)</script>');

  await page.getByRole('tab', { name: 'Sharing' }).click();
  await page.getByRole('button', { name: 'Share' }).click();
  await page.getByLabel('Recipient').fill('Dr. Cora Ruiz, Cardiology');
  // No consent ticked: no link.
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByText('The patient must consent before a link is made.')).toBeVisible();
  await page.getByLabel('The patient consents to this sharing').check();
  await page.getByRole('button', { name: 'Save' }).click();
  const link = await page.getByLabel('Share link address').inputValue({ timeout: 20_000 });
  const passcode = (await page.getByTestId('share-passcode').textContent())!.trim();
  expect(link).toMatch(/\/view#shlink:\/[A-Za-z0-9_-]+$/);
  expect(passcode).toMatch(/^[A-Z2-9]{5}-[A-Z2-9]{5}$/);
  await expect(page.getByRole('img', { name: 'QR code of the share link' })).toBeVisible();
  await expect(page.getByTestId('link-status')).toHaveText('active');

  // The specialist: another browser, no Folio account.
  const specialist = await (await newDevice()).newPage();
  await specialist.goto(link);
  await specialist.getByLabel('Your name').fill('Dr. Cora Ruiz');
  await specialist.getByLabel('Passcode').fill('WRONG-CODE2');
  await specialist.getByRole('button', { name: 'Open' }).click();
  await expect(specialist.getByRole('alert')).toHaveText(
    'The passcode is not correct (9 attempts left).',
  );
  await specialist.getByLabel('Passcode').fill(passcode);
  await specialist.getByRole('button', { name: 'Open' }).click();
  await expect(specialist.getByRole('heading', { name: 'Sharon Linkwell' })).toBeVisible();
  await expect(
    specialist.getByText('Paroxysmal atrial fibrillation (I48.0)', { exact: false }),
  ).toBeVisible();
  // Untrusted text is shown as text, never run as markup.
  await expect(specialist.getByText('<script>alert(1)</script>', { exact: false })).toBeVisible();
  // Nothing readable stays on the specialist's device.
  const stored = await specialist.evaluate(async () => {
    const dbs = await indexedDB.databases();
    return {
      dbs: dbs.map((d) => d.name),
      local: localStorage.length,
      session: sessionStorage.length,
    };
  });
  expect(stored.local + stored.session).toBe(0);
  expect(stored.dbs.filter((n) => n !== 'folio-vault')).toEqual([]);

  // The practice sees the use in its accounting of disclosures, then revokes.
  await page.getByRole('button', { name: 'Refresh' }).click();
  const disclosures = page.getByRole('table', { name: 'Accounting of disclosures' });
  await expect(disclosures.getByRole('row')).toHaveCount(3);
  await expect(disclosures).toContainText('wrong passcode');
  await expect(disclosures).toContainText('opened');
  await page.getByRole('button', { name: 'Revoke' }).click();
  await expect(page.getByTestId('link-status')).toHaveText('revoked');
  // A dead link offers neither Show link nor Revoke.
  const links = page.getByRole('table', { name: 'Share links' });
  await expect(links.getByRole('button', { name: 'Show link' })).toHaveCount(0);
  await expect(links.getByRole('button', { name: 'Revoke' })).toHaveCount(0);

  await specialist.reload();
  await specialist.getByLabel('Your name').fill('Dr. Cora Ruiz');
  await specialist.getByLabel('Passcode').fill(passcode);
  await specialist.getByRole('button', { name: 'Open' }).click();
  await expect(specialist.getByRole('alert')).toHaveText(
    'This share link is no longer active (expired or revoked).',
  );

  // The relay's storage holds no patient strings.
  const bytes = Buffer.concat(
    await Promise.all(
      (await readdir(relayHandle.dataDir)).map((f) => readFile(join(relayHandle.dataDir, f))),
    ),
  );
  for (const secret of ['Sharon', 'Linkwell', 'atrial fibrillation', 'Palpitations', passcode])
    expect(bytes.includes(Buffer.from(secret)), secret).toBe(false);
});

test('a specialist with their own Folio practice imports a shared record as a new chart with provenance', async ({
  newDevice,
}) => {
  test.setTimeout(120_000);
  const page = await (await newDevice()).newPage();
  await createPractice(page);
  await newPatient(page, { given: 'Ivo', family: 'Importer', birthDate: '1955-05-05' });
  await page.getByRole('tab', { name: 'Problems' }).click();
  await page.getByRole('button', { name: 'Add problem' }).click();
  await page.getByLabel('Problem', { exact: true }).fill('Aortic stenosis');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('tab', { name: 'Sharing' }).click();
  await page.getByRole('button', { name: 'Share' }).click();
  await page.getByLabel('Recipient').fill('Dr. Sam Valve');
  await page.getByLabel('Link type').selectOption('single-file');
  await page.getByLabel('The patient consents to this sharing').check();
  await page.getByRole('button', { name: 'Save' }).click();
  const link = await page.getByLabel('Share link address').inputValue({ timeout: 20_000 });
  await expect(page.getByTestId('share-passcode')).toHaveCount(0);

  // The specialist has a practice of their own on this device (locked while viewing).
  const viewer = await (await newDevice()).newPage();
  await createPractice(viewer, 'Valve Cardiology', 'Dr. Sam Valve');
  await viewer.goto(link);
  await expect(viewer.getByRole('button', { name: 'Lock' })).toHaveCount(0, {
    timeout: 20_000,
  });
  await viewer.getByLabel('Your name').fill('Dr. Sam Valve');
  await viewer.getByRole('button', { name: 'Open' }).click();
  await expect(viewer.getByText('Aortic stenosis', { exact: false })).toBeVisible();
  // The viewer never unlocks: importing continues in a new window, loaded under the app's CSP.
  const popup = viewer.waitForEvent('popup');
  await viewer.getByRole('button', { name: 'Import into my practice' }).click();
  const specialist = await popup;
  await expect(viewer.getByText('Continue in the new window')).toBeVisible();
  await expect(viewer.getByLabel('Passphrase', { exact: true })).toHaveCount(0);
  await specialist.getByLabel('Passphrase', { exact: true }).fill(PASSPHRASE);
  await specialist.getByRole('button', { name: 'Unlock' }).click();
  await expect(specialist.getByRole('heading', { name: 'Importer, Ivo' })).toBeVisible({
    timeout: 20_000,
  });
  expect(
    await specialist.evaluate(
      () => new URL(performance.getEntriesByType('navigation')[0]!.name).pathname,
    ),
  ).toBe('/import/shared');
  await specialist.getByRole('tab', { name: 'Problems' }).click();
  await expect(specialist.getByText('Aortic stenosis', { exact: true })).toBeVisible();
  // Its FHIR export names where it came from.
  await specialist.getByRole('button', { name: 'Export FHIR' }).click();
  const download = specialist.waitForEvent('download');
  await specialist.getByTestId('fhir-download').click();
  const file = await (await download).path();
  const bundle = JSON.parse(await readFile(file, 'utf8')) as {
    entry: { resource: { resourceType: string; entity?: { what: { display: string } }[] } }[];
  };
  const provenance = bundle.entry
    .map((e) => e.resource)
    .find((r) => r.resourceType === 'Provenance');
  expect(provenance?.entity?.[0]?.what.display).toBe(
    'SMART Health Link: Shared with Dr. Sam Valve',
  );
});

test('a long-term link is kept current: a change made after sharing reaches the specialist', async ({
  newDevice,
}) => {
  test.setTimeout(120_000);
  const page = await (await newDevice()).newPage();
  await createPractice(page);
  await newPatient(page, { given: 'Lena', family: 'Longterm', birthDate: '1949-09-09' });
  await page.getByRole('tab', { name: 'Sharing' }).click();
  await page.getByRole('button', { name: 'Share' }).click();
  await page.getByLabel('Recipient').fill('Dr. Kept Current');
  await page.getByLabel('Link type').selectOption('long-term');
  await page.getByLabel('The patient consents to this sharing').check();
  await page.getByRole('button', { name: 'Save' }).click();
  const link = await page.getByLabel('Share link address').inputValue({ timeout: 20_000 });
  const passcode = (await page.getByTestId('share-passcode').textContent())!.trim();

  const specialist = await (await newDevice()).newPage();
  const open = async () => {
    // A fresh page load each time (the link differs from the last URL only after the '#').
    await specialist.goto('about:blank');
    await specialist.goto(link);
    await specialist.getByLabel('Your name').fill('Dr. Kept Current');
    await specialist.getByLabel('Passcode').fill(passcode);
    await specialist.getByRole('button', { name: 'Open' }).click();
    await expect(specialist.getByRole('heading', { name: 'Lena Longterm' })).toBeVisible();
  };
  await open();
  await expect(specialist.getByText('Hypothyroidism', { exact: false })).toHaveCount(0);

  await page.getByRole('tab', { name: 'Problems' }).click();
  await page.getByRole('button', { name: 'Add problem' }).click();
  await page.getByLabel('Problem', { exact: true }).fill('Hypothyroidism');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect
    .poll(
      async () => {
        await open();
        return specialist.getByText('Hypothyroidism', { exact: false }).count();
      },
      { timeout: 30_000, intervals: [2500] },
    )
    .toBe(1);
});

test('the share form starts fresh every time; expired links offer neither Show link nor Revoke', async ({
  newDevice,
}) => {
  test.setTimeout(120_000);
  const page = await (await newDevice()).newPage();
  await createPractice(page);
  await newPatient(page, { given: 'Fresh', family: 'Formley', birthDate: '1966-06-06' });
  await page.getByRole('tab', { name: 'Sharing' }).click();
  // First share: no passcode, two sections only, consent for today only.
  await page.getByRole('button', { name: 'Share' }).click();
  await page.getByLabel('Recipient').fill('Dr. First Share');
  await page.getByLabel('Purpose').selectOption({ index: 1 });
  await page.getByLabel('The whole chart').uncheck();
  await page.getByLabel('Allergies').check();
  await page.getByLabel('Medications').check();
  await page.getByLabel('Link type').selectOption('single-file');
  const today = await page.evaluate(() => {
    const d = new Date();
    const pad = (n: number) => String(n).padStart(2, '0');
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  });
  await page.getByLabel('Consent ends').fill(today);
  await page.getByLabel('The patient consents to this sharing').check();
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByLabel('Share link address')).toBeVisible({ timeout: 20_000 });
  await page.getByRole('button', { name: 'Done' }).click();
  const links = page.getByRole('table', { name: 'Share links' });
  await expect(links.getByRole('button', { name: 'Revoke' })).toHaveCount(1);

  // The next share starts from the defaults, not from the previous choices.
  await page.getByRole('button', { name: 'Share' }).click();
  await expect(page.getByLabel('Recipient')).toHaveValue('');
  await expect(page.getByLabel('Link type')).toHaveValue('passcode');
  await expect(page.getByLabel('The whole chart')).toBeChecked();
  await expect(page.getByLabel('Allergies')).toHaveCount(0);
  await expect(page.getByLabel('The patient consents to this sharing')).not.toBeChecked();
  await expect(page.getByLabel('Consent ends')).not.toHaveValue(today);
  // Cancelling a half-filled form does not keep it either.
  await page.getByLabel('Link type').selectOption('single-file');
  await page.getByLabel('The whole chart').uncheck();
  await page.getByRole('button', { name: 'Cancel' }).click();
  await page.getByRole('button', { name: 'Share' }).click();
  await expect(page.getByLabel('Link type')).toHaveValue('passcode');
  await expect(page.getByLabel('The whole chart')).toBeChecked();
  await page.getByRole('button', { name: 'Cancel' }).click();

  // Two days later the link has expired: its row keeps its history but offers no action.
  await page.clock.install({ time: Date.now() + 2 * 24 * 3600_000 });
  await page.reload();
  await unlock(page);
  await expect(page.getByRole('heading', { name: 'Formley, Fresh' })).toBeVisible();
  await page.getByRole('tab', { name: 'Sharing' }).click();
  await expect(links.getByRole('row')).toHaveCount(2);
  await expect(links.getByRole('button', { name: 'Show link' })).toHaveCount(0);
  await expect(links.getByRole('button', { name: 'Revoke' })).toHaveCount(0);
});

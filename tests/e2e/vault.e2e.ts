import { expect, test } from './fixtures.ts';
import { heapSnapshots } from './heap.ts';
import { bytesIn, createPractice, dumpStorage, lock, newPatient, PASSPHRASE } from './helpers.ts';

const PRACTICE = 'Zebrafinch Clinic QX7';
test('create a practice, lock, unlock with the passphrase and with the recovery key; nothing secret survives a lock', async ({
  page,
  context,
}) => {
  // Four Argon2id derivations at the moderate setting (about 6 s each in Chromium here) and two
  // heap snapshots: 50-55 s on an idle two-core machine, so the default 60 s is too close.
  test.setTimeout(150_000);
  const recoveryKey = await createPractice(page);
  const secrets = [PASSPHRASE, recoveryKey, recoveryKey.replace(/-/g, ''), PRACTICE];

  // Positive control: while unlocked, the page's heap does hold the practice name it shows.
  const unlocked = await heapSnapshots(context, page);
  expect(unlocked.page).toContain(PRACTICE);
  expect(unlocked.workers.some((heap) => heap.includes(PRACTICE))).toBe(true);

  await lock(page);
  const locked = await heapSnapshots(context, page);
  // The locked page has a fresh vault Worker (it lists members); it is inspected too.
  expect(locked.workers.length).toBeGreaterThanOrEqual(1);
  for (const heap of [locked.page, ...locked.workers]) {
    for (const secret of secrets) expect(heap).not.toContain(secret);
  }
  const stored = await dumpStorage(page);
  expect(stored.records.map((r) => r.db)).toContain('folio-vault');
  const text = JSON.stringify(stored);
  const bytes = Buffer.concat(stored.records.flatMap((r) => bytesIn(r.value)));
  for (const secret of secrets) {
    expect(text).not.toContain(secret);
    expect(bytes.includes(Buffer.from(secret, 'utf8'))).toBe(false);
    expect(bytes.includes(Buffer.from(secret, 'utf16le'))).toBe(false);
  }

  // Wrong passphrase: a clear message, and the data is still there.
  await page.getByLabel('Passphrase', { exact: true }).fill('not my passphrase at all');
  await page.getByRole('button', { name: 'Unlock' }).click();
  await expect(page.getByRole('alert')).toHaveText(/That passphrase is not right/);

  await page.getByLabel('Passphrase', { exact: true }).fill(PASSPHRASE);
  await page.getByRole('button', { name: 'Unlock' }).click();
  await expect(page.getByRole('heading', { name: PRACTICE, level: 1 })).toBeVisible();

  await lock(page);
  await page.getByRole('button', { name: 'Use recovery key instead' }).click();
  await page.getByLabel('Recovery key').fill('AAAA-BBBB-CCCC');
  await page.getByRole('button', { name: 'Unlock' }).click();
  await expect(page.getByRole('alert')).toHaveText(/typo/);
  await page.getByLabel('Recovery key').fill(recoveryKey.toLowerCase().replace(/-/g, ' '));
  await page.getByRole('button', { name: 'Unlock' }).click();
  await expect(page.getByRole('heading', { name: PRACTICE, level: 1 })).toBeVisible();
});

test('two members on one device each unlock with their own passphrase and key', async ({
  page,
}) => {
  await createPractice(page);
  await page.getByRole('link', { name: 'Settings' }).click();
  const adaFingerprint = await page.getByTestId('member-fingerprint').textContent();

  await page.getByLabel('Name', { exact: true }).fill('Nurse Ilse Varga');
  await page.getByLabel('Role').selectOption('clinician');
  await page.getByLabel('Their passphrase', { exact: true }).fill('ilse walks the harbour 88');
  await page.getByLabel('Confirm their passphrase').fill('ilse walks the harbour 88');
  await page.getByRole('button', { name: 'Add member' }).click();
  await expect(page.getByTestId('recovery-key')).toBeVisible({ timeout: 20_000 });
  await page.getByLabel('I have saved the recovery key').check();
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page.getByText(/Nurse Ilse Varga — clinician/)).toBeVisible();
  await page.getByRole('link', { name: 'Patients' }).click();
  await newPatient(page, { given: 'Shared', family: 'Patient', birthDate: '1950-01-01' });
  await expect(page.getByRole('heading', { name: 'Patient, Shared' })).toBeVisible();

  await lock(page);
  await page.getByLabel('Member').selectOption({ label: 'Nurse Ilse Varga' });
  await page.getByLabel('Passphrase', { exact: true }).fill(PASSPHRASE);
  await page.getByRole('button', { name: 'Unlock' }).click();
  await expect(page.getByRole('alert')).toHaveText(/That passphrase is not right/);
  await page.getByLabel('Passphrase', { exact: true }).fill('ilse walks the harbour 88');
  await page.getByRole('button', { name: 'Unlock' }).click();
  await expect(page.getByRole('banner').getByText('Nurse Ilse Varga')).toBeVisible();
  // Ilse's change to Ada's patient is signed by Ilse: the chart says so, from the signature.
  await page.getByRole('link', { name: 'Patients' }).click();
  await page.getByRole('link', { name: 'Patient, Shared' }).click();
  await page.getByRole('tab', { name: 'Problems' }).click();
  await page.getByRole('button', { name: 'Add problem' }).click();
  await page.getByLabel('Problem', { exact: true }).fill('Knee pain');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByText(/^Recorded by Nurse Ilse Varga/)).toBeVisible();
  await page.getByRole('tab', { name: 'Audit' }).click();
  await expect(page.getByRole('cell', { name: 'Dr. Quillon Marsh' }).first()).toBeVisible();
  await expect(page.getByRole('cell', { name: 'Nurse Ilse Varga' }).first()).toBeVisible();
  await page.getByRole('link', { name: 'Settings' }).click();
  const ilseFingerprint = await page.getByTestId('member-fingerprint').textContent();
  expect(ilseFingerprint).toMatch(/^\d{4} \d{4} \d{4} \d{4} \d{4}$/);
  expect(ilseFingerprint).not.toBe(adaFingerprint);
});

test("the page's initial JavaScript does not contain libsodium", async ({ page }) => {
  const loaded: string[] = [];
  page.on('response', (r) => {
    if (r.url().endsWith('.js')) loaded.push(r.url());
  });
  await page.goto('/');
  await expect(page.getByRole('button', { name: 'Create practice' })).toBeVisible();
  const bodies = await Promise.all(
    loaded
      .filter((u) => !u.includes('worker'))
      .map(async (u) => (await page.request.get(u)).text()),
  );
  for (const body of bodies) expect(body).not.toMatch(/crypto_pwhash|libsodium/);
});

test('auto-lock after the idle time', async ({ page }) => {
  await page.clock.install();
  await createPractice(page);
  await page.clock.fastForward('09:00');
  await expect(page.getByRole('heading', { name: PRACTICE, level: 1 })).toBeVisible();
  await page.clock.fastForward('01:05');
  await expect(page.getByRole('heading', { name: 'Folio is locked' })).toBeVisible();
});

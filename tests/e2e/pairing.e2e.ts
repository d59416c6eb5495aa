import { expect, test } from './fixtures.ts';
import { createPractice, joinWith, newPatient, openPairing, pairDevice } from './helpers.ts';

test('an admin pairs a new device: both screens show the same code, the device joins with its own keys', async ({
  newDevice,
}) => {
  test.setTimeout(90_000);
  const admin = await (await newDevice()).newPage();
  await createPractice(admin);
  const link = await openPairing(admin);
  // The one-time secret and the practice the link names (its anchor key), spec §11.1.
  expect(link).toMatch(/\/pair#[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$/);

  const tablet = await (await newDevice()).newPage();
  await joinWith(tablet, link, 'Nurse Bo');
  // The secret leaves the address bar at once.
  await expect(tablet).toHaveURL(/\/pair$/);
  const deviceCode = await tablet.getByTestId('device-sas').textContent();
  expect(deviceCode).toMatch(/^\d{4} \d{4} \d{4} \d{4} \d{4}$/);
  await expect(admin.getByTestId('admin-sas')).toHaveText(deviceCode!);
  await expect(admin.getByText('wants to join on Exam room tablet')).toBeVisible();
  await expect(admin.getByRole('button', { name: 'Confirm device' })).toBeDisabled();
  await admin
    .getByRole('group', { name: 'Confirm the new device' })
    .getByLabel('Role')
    .selectOption('clinician');
  await admin.getByLabel('The codes match').check();
  await admin.getByRole('button', { name: 'Confirm device' }).click();
  await expect(admin.getByRole('status').filter({ hasText: 'has joined' })).toHaveText(
    'Exam room tablet has joined the practice.',
  );
  await expect(admin.getByText(/Nurse Bo — clinician — Exam room tablet/)).toBeVisible();

  // The tablet gets its own recovery key, then the practice.
  await expect(tablet.getByTestId('recovery-key')).toBeVisible({ timeout: 20_000 });
  await tablet.getByLabel('I have saved the recovery key').check();
  await tablet.getByRole('button', { name: 'Continue' }).click();
  await expect(
    tablet.getByRole('heading', { name: 'Zebrafinch Clinic QX7', level: 1 }),
  ).toBeVisible();
  await tablet.getByRole('link', { name: 'Settings' }).click();
  await expect(tablet.getByText(/Dr. Quillon Marsh — admin/)).toBeVisible();
  await expect(tablet.getByText(/Nurse Bo — clinician — Exam room tablet/)).toBeVisible();

  // The link was single-use.
  const late = await (await newDevice()).newPage();
  await joinWith(late, link, 'Someone Else');
  await expect(late.getByRole('alert')).toHaveText(
    'This pairing link is unknown or was already used. Ask for a new one.',
  );
});

test('a tampered pairing link fails with a clear message', async ({ newDevice }) => {
  const admin = await (await newDevice()).newPage();
  await createPractice(admin);
  const link = await openPairing(admin);
  // Change the first secret character (the last one partly encodes padding bits and may decode
  // to the same secret).
  const at = link.indexOf('#') + 1;
  const tampered = link.slice(0, at) + (link[at] === 'A' ? 'B' : 'A') + link.slice(at + 1);
  const device = await (await newDevice()).newPage();
  await joinWith(device, tampered, 'Mallory');
  await expect(device.getByRole('alert')).toHaveText(
    'This pairing link is unknown or was already used. Ask for a new one.',
  );
});

test('a front-desk device sees the patient list but is told clearly it cannot open a chart', async ({
  newDevice,
}) => {
  test.setTimeout(120_000);
  const laptop = await (await newDevice()).newPage();
  const desk = await (await newDevice()).newPage();
  await createPractice(laptop);
  await pairDevice(laptop, desk, 'Frontdesk Fay', 'front-desk');
  await laptop.getByRole('link', { name: 'Patients' }).click();
  await newPatient(laptop, { given: 'Keyless', family: 'Deskview', birthDate: '1984-04-04' });

  await desk.getByRole('link', { name: 'Patients' }).click();
  await expect(desk.getByRole('link', { name: 'Deskview, Keyless' })).toBeVisible({
    timeout: 30_000,
  });
  await expect(desk.getByRole('link', { name: 'New patient' })).toHaveCount(0);
  await desk.getByRole('link', { name: 'Deskview, Keyless' }).click();
  await expect(desk.getByRole('alert')).toHaveText(
    'This device cannot open this chart: your role holds no key for it.',
  );
});

test('pairing two devices in a row: the second starts unticked with no role chosen', async ({
  newDevice,
}) => {
  test.setTimeout(120_000);
  const admin = await (await newDevice()).newPage();
  await createPractice(admin);
  const first = await (await newDevice()).newPage();
  await pairDevice(admin, first, 'Frontdesk Fay', 'front-desk');

  const link = await openPairing(admin);
  const second = await (await newDevice()).newPage();
  await joinWith(second, link, 'Nurse Bo');
  await expect(admin.getByTestId('admin-sas')).toHaveText(
    (await second.getByTestId('device-sas').textContent())!,
  );
  const form = admin.getByRole('group', { name: 'Confirm the new device' });
  await expect(form.getByLabel('The codes match')).not.toBeChecked();
  await expect(form.getByLabel('Role')).toHaveValue('');
  await expect(form.getByRole('button', { name: 'Confirm device' })).toBeDisabled();
  // Ticking alone is not enough: a role must be chosen for this device.
  await form.getByLabel('The codes match').check();
  await expect(form.getByRole('button', { name: 'Confirm device' })).toBeDisabled();
  await form.getByLabel('Role').selectOption('clinician');
  await form.getByRole('button', { name: 'Confirm device' }).click();
  await expect(admin.getByText(/Nurse Bo — clinician — Exam room tablet/)).toBeVisible();
  await expect(admin.getByText(/Frontdesk Fay — front-desk — Exam room tablet/)).toBeVisible();
});

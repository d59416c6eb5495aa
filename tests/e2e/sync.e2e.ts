import { expect, test } from './fixtures.ts';
import { createPractice, newPatient, pairDevice } from './helpers.ts';

test('paired devices share the patient list and chart edits live over WebRTC', async ({
  newDevice,
  relayHandle,
}) => {
  test.setTimeout(120_000);
  const laptop = await (await newDevice()).newPage();
  const tablet = await (await newDevice()).newPage();
  await createPractice(laptop);
  await pairDevice(laptop, tablet);
  await expect(
    tablet.getByRole('heading', { name: 'Zebrafinch Clinic QX7', level: 1 }),
  ).toBeVisible();

  // A patient created on the laptop appears on the tablet.
  await laptop.getByRole('link', { name: 'Patients' }).click();
  await newPatient(laptop, { given: 'Livia', family: 'Syncwell', birthDate: '1966-06-06' });
  await expect(laptop.getByRole('heading', { name: 'Syncwell, Livia' })).toBeVisible();
  await tablet.getByRole('link', { name: 'Patients' }).click();
  await expect(tablet.getByRole('link', { name: 'Syncwell, Livia' })).toBeVisible({
    timeout: 30_000,
  });
  await expect(tablet.getByRole('status').first()).toContainText(
    /Synced · 1 other device connected/,
  );

  // Both open the chart; an edit on one shows up on the other.
  await tablet.getByRole('link', { name: 'Syncwell, Livia' }).click();
  await tablet.getByRole('tab', { name: 'Problems' }).click();
  await laptop.getByRole('tab', { name: 'Problems' }).click();
  await laptop.getByRole('button', { name: 'Add problem' }).click();
  await laptop.getByLabel('Problem', { exact: true }).fill('Migraine with aura');
  await laptop.getByRole('button', { name: 'Save' }).click();
  await expect(tablet.getByText('Migraine with aura', { exact: true })).toBeVisible({
    timeout: 30_000,
  });
  await expect(tablet.getByText(/^Recorded by Dr. Quillon Marsh/)).toBeVisible();

  await tablet.getByRole('button', { name: 'Add problem' }).click();
  await tablet.getByLabel('Problem', { exact: true }).fill('Iron deficiency');
  await tablet.getByRole('button', { name: 'Save' }).click();
  await expect(laptop.getByText('Iron deficiency', { exact: true })).toBeVisible({
    timeout: 30_000,
  });
  await expect(laptop.getByText(/^Recorded by Nurse Bo/)).toBeVisible();

  // The relay only ever signaled: it holds no document data.
  expect(relayHandle.relay.signaling.connections).toBeGreaterThanOrEqual(2);
});

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
  // Presence: each sees the other in the chart, from sealed presence envelopes.
  await expect(laptop.getByTestId('presence')).toHaveText('Also open now: Nurse Bo', {
    timeout: 30_000,
  });
  await expect(tablet.getByTestId('presence')).toHaveText('Also open now: Dr. Quillon Marsh', {
    timeout: 30_000,
  });
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

test('three devices: two type into one note while the third records vitals; all converge, nothing lost', async ({
  newDevice,
}) => {
  test.setTimeout(150_000);
  const laptop = await (await newDevice()).newPage();
  const tablet = await (await newDevice()).newPage();
  const desk = await (await newDevice()).newPage();
  await createPractice(laptop);
  await pairDevice(laptop, tablet, 'Nurse Bo');
  // The tablet learns about the third device from the member list in the practice index.
  await pairDevice(laptop, desk, 'Dr. Cy');

  await laptop.getByRole('link', { name: 'Patients' }).click();
  await newPatient(laptop, { given: 'Tri', family: 'Device', birthDate: '1980-08-08' });
  await laptop.getByRole('tab', { name: 'Notes' }).click();
  await laptop.getByRole('button', { name: 'New note' }).click();
  await laptop.getByRole('button', { name: 'Save' }).click();
  await expect(laptop.getByLabel('Subjective')).toBeVisible();

  for (const page of [tablet, desk]) {
    await page.getByRole('link', { name: 'Patients' }).click();
    await page.getByRole('link', { name: 'Device, Tri' }).click({ timeout: 30_000 });
    await page.getByRole('tab', { name: 'Notes' }).click();
    await expect(page.getByLabel('Subjective')).toBeVisible({ timeout: 30_000 });
  }
  await laptop.getByRole('tab', { name: 'Vitals' }).click();

  const a = 'tablet-typed-words ';
  const b = 'desk-typed-phrases ';
  await Promise.all([
    tablet.getByLabel('Subjective').pressSequentially(a, { delay: 15 }),
    desk.getByLabel('Subjective').pressSequentially(b, { delay: 15 }),
    (async () => {
      await laptop.getByRole('button', { name: 'Record vitals' }).click();
      await laptop.getByLabel('Heart rate (/min)').fill('77');
      await laptop.getByRole('button', { name: 'Save' }).click();
    })(),
  ]);

  const count = (text: string, ch: string) => text.split(ch).length - 1;
  await expect
    .poll(
      async () => {
        const t = (await tablet.getByLabel('Subjective').textContent()) ?? '';
        const d = (await desk.getByLabel('Subjective').textContent()) ?? '';
        return t === d && t.length === a.length + b.length;
      },
      { timeout: 30_000 },
    )
    .toBe(true);
  const merged = (await tablet.getByLabel('Subjective').textContent()) ?? '';
  for (const ch of new Set(a + b)) expect(count(merged, ch)).toBe(count(a + b, ch));
  await laptop.getByRole('tab', { name: 'Notes' }).click();
  await expect
    .poll(async () => laptop.getByLabel('Subjective').textContent(), { timeout: 30_000 })
    .toBe(merged);
  for (const page of [tablet, desk]) {
    await page.getByRole('tab', { name: 'Vitals' }).click();
    await expect(page.getByRole('cell', { name: '77', exact: true })).toBeVisible({
      timeout: 30_000,
    });
  }
});

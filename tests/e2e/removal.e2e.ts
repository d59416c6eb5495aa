import type { Page } from '@playwright/test';
import { expect, test } from './fixtures.ts';
import {
  addProblem,
  createPractice,
  newPatient,
  pairDevice,
  syncMarkers,
  waitForMarker,
} from './helpers.ts';

async function openProblems(page: Page, patient: string): Promise<void> {
  await page.getByRole('link', { name: 'Patients' }).click();
  await page.getByRole('link', { name: patient }).click({ timeout: 30_000 });
  await page.getByRole('tab', { name: 'Problems' }).click();
}

test('a removed device gets nothing written after its removal, and its own later changes are refused', async ({
  newDevice,
}) => {
  test.setTimeout(180_000);
  const laptop = await (await newDevice()).newPage();
  const tablet = await (await newDevice()).newPage();
  const desk = await (await newDevice()).newPage();
  await createPractice(laptop);
  await pairDevice(laptop, tablet, 'Nurse Bo');
  await pairDevice(laptop, desk, 'Dr. Cy');

  await laptop.getByRole('link', { name: 'Patients' }).click();
  await newPatient(laptop, { given: 'Remy', family: 'Rotation', birthDate: '1977-07-07' });
  await laptop.getByRole('tab', { name: 'Problems' }).click();
  await addProblem(laptop, 'Written before the removal');
  for (const page of [tablet, desk]) {
    await openProblems(page, 'Rotation, Remy');
    await expect(page.getByText('Written before the removal', { exact: true })).toBeVisible({
      timeout: 30_000,
    });
  }

  // The admin removes the desk device (it stays online, chart open).
  await laptop.getByRole('link', { name: 'Settings' }).click();
  await laptop.getByRole('button', { name: 'Remove Dr. Cy on Exam room tablet' }).click();
  await laptop.getByRole('button', { name: 'Confirm removing Exam room tablet' }).click();
  await expect(laptop.getByRole('status').filter({ hasText: 'was removed' })).toBeVisible({
    timeout: 30_000,
  });
  await expect(laptop.getByRole('list', { name: 'Removed devices' })).toContainText('Dr. Cy');
  await expect(
    desk.getByRole('alert').filter({ hasText: 'This device has been removed' }),
  ).toBeVisible({
    timeout: 30_000,
  });

  // Written after the removal: the remaining tablet gets it, the removed desk does not.
  await openProblems(laptop, 'Rotation, Remy');
  const deskBefore = await syncMarkers(desk);
  await addProblem(laptop, 'Written after the removal');
  await expect(tablet.getByText('Written after the removal', { exact: true })).toBeVisible({
    timeout: 30_000,
  });
  // The laptop's envelope did reach the desk (a marker that arrived), and it was not applied.
  await waitForMarker(desk, 'arrived', deskBefore.arrived + 1);
  await expect(desk.getByText('Written after the removal', { exact: true })).toHaveCount(0);
  // What it held stays readable to it.
  await expect(desk.getByText('Written before the removal', { exact: true })).toBeVisible();

  // The removed device's own change is refused by the others.
  await addProblem(desk, 'Written by the removed device');
  // It did reach the others (each reports it refused) and was not applied.
  for (const page of [laptop, tablet])
    await expect(page.getByRole('status').first()).toContainText('changes refused', {
      timeout: 30_000,
    });
  for (const page of [laptop, tablet])
    await expect(page.getByText('Written by the removed device', { exact: true })).toHaveCount(0);
});

import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { BrowserContext } from '@playwright/test';
import { expect, test } from './fixtures.ts';
import { createPractice, newPatient, pairDevice, unlock } from './helpers.ts';

/** A laptop with a practice and a paired tablet whose page is then closed (the tablet is away). */
async function laptopWithAwayTablet(newDevice: () => Promise<BrowserContext>) {
  const tabletContext = await newDevice();
  const laptop = await (await newDevice()).newPage();
  const tablet = await tabletContext.newPage();
  await createPractice(laptop);
  await pairDevice(laptop, tablet);
  await expect(
    tablet.getByRole('heading', { name: 'Zebrafinch Clinic QX7', level: 1 }),
  ).toBeVisible();
  await tablet.close();
  return { laptop, tabletContext };
}

test('two devices never online together converge through the relay alone; the relay stores no patient data', async ({
  newDevice,
  relayHandle,
}) => {
  test.setTimeout(120_000);
  const { laptop, tabletContext } = await laptopWithAwayTablet(newDevice);

  // Only the laptop is online: it charts, and the relay keeps the sealed changes.
  await laptop.getByRole('link', { name: 'Patients' }).click();
  await newPatient(laptop, { given: 'Rhea', family: 'Relayson', birthDate: '1975-05-05' });
  await laptop.getByRole('tab', { name: 'Problems' }).click();
  await laptop.getByRole('button', { name: 'Add problem' }).click();
  await laptop.getByLabel('Problem', { exact: true }).fill('Relayed tendinitis');
  await laptop.getByRole('button', { name: 'Save' }).click();
  await expect(laptop.getByRole('status').first()).toHaveText(/Synced with the relay/, {
    timeout: 30_000,
  });
  await laptop.close();

  // Now only the tablet is online: everything arrives from the relay.
  const tablet = await tabletContext.newPage();
  await tablet.goto('/');
  await unlock(tablet, 'tablet passphrase 7291');
  await tablet.getByRole('link', { name: 'Relayson, Rhea' }).click({ timeout: 30_000 });
  await tablet.getByRole('tab', { name: 'Problems' }).click();
  await expect(tablet.getByText('Relayed tendinitis', { exact: true })).toBeVisible({
    timeout: 30_000,
  });

  // The relay's storage holds ciphertext only…
  const files = await readdir(relayHandle.dataDir);
  expect(files).toContain('relay.sqlite');
  // …and its log lines (there are some: connections and syncs are logged as counts).
  expect(relayHandle.logs.length).toBeGreaterThan(0);
  const bytes = Buffer.concat([
    ...(await Promise.all(files.map((f) => readFile(join(relayHandle.dataDir, f))))),
    Buffer.from(relayHandle.logs.join('\n')),
  ]);
  for (const secret of [
    'Rhea',
    'Relayson',
    'Relayed tendinitis',
    'Zebrafinch',
    'Nurse Bo',
    'Quillon',
  ]) {
    expect(bytes.includes(Buffer.from(secret, 'utf8')), secret).toBe(false);
    expect(bytes.includes(Buffer.from(secret, 'utf16le')), secret).toBe(false);
  }
});

test('the relay is disposable: wiped and restarted, it is refilled by the devices and still carries changes', async ({
  newDevice,
  relayHandle,
}) => {
  test.setTimeout(150_000);
  const { laptop, tabletContext } = await laptopWithAwayTablet(newDevice);

  await laptop.getByRole('link', { name: 'Patients' }).click();
  await newPatient(laptop, { given: 'Wren', family: 'Wipedout', birthDate: '1990-09-09' });
  await expect(laptop.getByRole('status').first()).toHaveText(/Synced with the relay/, {
    timeout: 30_000,
  });

  // Wipe every byte the relay stored, then start it again on the same address.
  await relayHandle.relay.close();
  for (const file of await readdir(relayHandle.dataDir))
    await rm(join(relayHandle.dataDir, file), { force: true });
  await relayHandle.restart();
  // The laptop reconnects and uploads what it holds.
  await expect(laptop.getByRole('status').first()).toHaveText(/Synced with the relay/, {
    timeout: 60_000,
  });
  await laptop.close();

  const tablet = await tabletContext.newPage();
  await tablet.goto('/');
  await unlock(tablet, 'tablet passphrase 7291');
  await expect(tablet.getByRole('link', { name: 'Wipedout, Wren' })).toBeVisible({
    timeout: 30_000,
  });
});

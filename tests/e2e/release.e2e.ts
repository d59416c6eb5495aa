/**
 * The code origin is not the relay (ADR 0010, THREAT_MODEL.md "Code origin"): the app served from
 * its own origin uses a relay on another origin by URL; a relay cannot change the app's code; a
 * new version is offered only when its signed release manifest verifies against the key pinned at
 * install, and a tampered one is refused with a message.
 */
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { BUILD_DIR, expect as expectOne, test as oneOrigin } from './fixtures.ts';
import { createPractice, lock, newPatient, pairDevice, unlock } from './helpers.ts';
import { makeVersion, type Tamper } from './releases.ts';
import { expect, test } from './two-origins.ts';

/** A worker that takes over at once and answers every request of its origin itself. */
const HOSTILE_WORKER = `
self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (e) => e.waitUntil(self.clients.claim()));
self.addEventListener('fetch', (e) => e.respondWith(new Response(
  '<!doctype html><title>Owned</title><h1>Owned by the relay</h1>',
  { headers: { 'content-type': 'text/html' } })));
`;

async function waitForController(page: Page): Promise<void> {
  await page.waitForFunction(() => navigator.serviceWorker?.controller !== null, undefined, {
    timeout: 20_000,
  });
}

async function checkForUpdate(page: Page): Promise<void> {
  await page.evaluate(async () => {
    await (await navigator.serviceWorker.getRegistration('/'))?.update();
  });
}

test('the app on its own origin syncs through a relay on another origin, named in Settings', async ({
  page,
  origins,
}) => {
  await createPractice(page);
  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByLabel('Relay address').fill(origins.relay.url);
  await page.getByRole('button', { name: 'Save relay' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Saved' })).toContainText(
    `uses the relay at ${origins.relay.url}`,
  );
  // The setting is sealed in the vault: it holds after locking, and sync goes to that relay.
  await lock(page);
  const [appBefore, relayBefore] = [origins.app.logs.length, origins.relay.logs.length];
  await unlock(page);
  await page.getByRole('link', { name: 'Patients' }).click();
  await newPatient(page, { given: 'Orla', family: 'Origins', birthDate: '1980-02-02' });
  await expect(page.getByRole('status').first()).toHaveText(/Synced with the relay/, {
    timeout: 30_000,
  });
  const opened = (logs: string[]) => logs.some((line) => line.includes('signal.open'));
  expect(opened(origins.relay.logs.slice(relayBefore))).toBe(true);
  expect(opened(origins.app.logs.slice(appBefore))).toBe(false);
  await page.getByRole('link', { name: 'Settings' }).click();
  await expect(page.getByLabel('Relay address')).toHaveValue(origins.relay.url);
});

test('a device paired through a relay on another origin keeps using that relay', async ({
  newDevice,
  origins,
}) => {
  test.setTimeout(120_000);
  const admin = await (await newDevice()).newPage();
  const tablet = await (await newDevice()).newPage();
  await createPractice(admin);
  await admin.getByRole('link', { name: 'Settings' }).click();
  await admin.getByLabel('Relay address').fill(origins.relay.url);
  await admin.getByRole('button', { name: 'Save relay' }).click();
  await expect(admin.getByRole('status').filter({ hasText: 'Saved' })).toBeVisible();
  const relayBefore = origins.relay.logs.length;
  const appBefore = origins.app.logs.length;

  // The pairing link is the app's page; its fragment names the relay, whose mailbox carries it.
  await pairDevice(admin, tablet);
  await expect(
    tablet.getByRole('heading', { name: 'Zebrafinch Clinic QX7', level: 1 }),
  ).toBeVisible();
  const mailboxes = (logs: string[]) => logs.filter((line) => line.includes('pair.')).length;
  expect(mailboxes(origins.relay.logs.slice(relayBefore))).toBeGreaterThan(0);
  expect(mailboxes(origins.app.logs.slice(appBefore))).toBe(0);
  await tablet.getByRole('link', { name: 'Settings' }).click();
  await expect(tablet.getByLabel('Relay address')).toHaveValue(origins.relay.url);
});

test('a relay on another origin serving a hostile worker cannot change the app’s code', async ({
  page,
  origins,
}) => {
  // The relay serves a hostile worker (and page) from its own origin.
  const relayBuild = await makeVersion(BUILD_DIR, 'relay', 'unsigned');
  try {
    await writeFile(join(relayBuild, 'service-worker.js'), HOSTILE_WORKER);
    await origins.relay.restart({ buildDir: relayBuild });

    await page.goto('/');
    await waitForController(page);
    // The app may not register the relay's worker: a worker belongs to the origin that serves it.
    const registered = await page.evaluate(async (relay) => {
      try {
        await navigator.serviceWorker.register(`${relay}/service-worker.js`, { scope: '/' });
        return 'registered';
      } catch (error) {
        return (error as Error).name;
      }
    }, origins.relay.url);
    expect(registered).toBe('SecurityError');

    // Even a visit to the relay's origin, where its worker does take over, leaves the app alone.
    const relayPage = await page.context().newPage();
    await relayPage.goto(`${origins.relay.url}/`);
    await waitForController(relayPage);
    await relayPage.reload();
    await expect(relayPage.getByRole('heading', { name: 'Owned by the relay' })).toBeVisible();
    await relayPage.close();

    await checkForUpdate(page);
    await page.reload();
    await expect(page.getByRole('heading', { name: 'Folio', level: 1 })).toBeVisible();
    const script = await page.evaluate(
      async () => (await navigator.serviceWorker.getRegistration('/'))?.active?.scriptURL,
    );
    expect(script).toBe(`${origins.app.url}/service-worker.js`);
    await expect(page.getByRole('region', { name: 'Update' })).toHaveCount(0);
  } finally {
    await rm(relayBuild, { recursive: true, force: true });
  }
});

oneOrigin(
  'served by the app’s own origin, a hostile worker still takes over — and the page says so (the residual risk)',
  async ({ page, relayHandle }) => {
    await page.goto('/');
    await waitForController(page);
    const hostile = await makeVersion(BUILD_DIR, 'hostile', 'unsigned');
    try {
      await writeFile(join(hostile, 'service-worker.js'), HOSTILE_WORKER);
      await relayHandle.restart({ buildDir: hostile });
      await checkForUpdate(page);
      await expectOne(page.getByRole('alert')).toContainText(
        'Folio’s code changed without your choice',
      );
    } finally {
      await rm(hostile, { recursive: true, force: true });
    }
  },
);

oneOrigin(
  'a tampered release is refused and the user is told; a correctly signed one is offered',
  async ({ page, relayHandle }) => {
    test.setTimeout(120_000);
    await page.goto('/');
    await waitForController(page);
    const made: string[] = [];
    const refused = page.getByRole('region', { name: 'Update refused' });
    try {
      const cases: [Tamper, RegExp][] = [
        ['unsigned', /carries no release signature/],
        ['other-key', /signature is not by this practice’s release key/],
        ['changed-file', /a file differs from its signed release list/],
      ];
      for (const [tamper, why] of cases) {
        const dir = await makeVersion(BUILD_DIR, tamper, tamper);
        made.push(dir);
        await relayHandle.restart({ buildDir: dir });
        await checkForUpdate(page);
        await expectOne(refused).toContainText(why);
        await expectOne(page.getByRole('button', { name: 'Update now' })).toHaveCount(0);
      }
      // Still the installed version after a reload.
      await page.reload();
      await expectOne(page.locator('meta[name="folio-test"]')).toHaveCount(0);

      // A correctly signed version is offered, and taken only when the user chooses.
      const good = await makeVersion(BUILD_DIR, 'good', 'none');
      made.push(good);
      await relayHandle.restart({ buildDir: good });
      await checkForUpdate(page);
      await expectOne(page.getByRole('region', { name: 'Update' })).toContainText(
        'Update available',
      );
      await page.getByRole('button', { name: 'Update now' }).click();
      await expectOne(page.locator('meta[name="folio-test"]')).toHaveAttribute('content', 'good');
    } finally {
      for (const dir of made) await rm(dir, { recursive: true, force: true });
    }
  },
);

/**
 * The share-link viewer (/view) runs under a looser CSP (it may fetch from any https origin) and
 * never unlocks (issue 11 item 9): every way out of it is a full page load, so the app never runs
 * under the viewer's CSP, and a page loaded as /view offers no unlock.
 */
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures.ts';
import { createPractice } from './helpers.ts';

/** The path this document was loaded at (unchanged by in-app navigation). */
const loadedAt = (page: Page) =>
  page.evaluate(() => new URL(performance.getEntriesByType('navigation')[0]!.name).pathname);

test('leaving /view always loads the app afresh, under the app’s CSP', async ({ newDevice }) => {
  test.setTimeout(90_000);
  const page = await (await newDevice()).newPage();
  await createPractice(page);
  await page.goto('/view');
  await expect(page.getByRole('heading', { name: 'Shared health record' })).toBeVisible();
  expect(await loadedAt(page)).toBe('/view');
  // No unlock on the viewer page, even though this device has a practice.
  await expect(page.getByLabel('Passphrase', { exact: true })).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Lock' })).toHaveCount(0);

  // A link out of the viewer: a full page load of the app.
  await page.getByRole('link', { name: 'Connection check' }).click();
  await expect(page).toHaveURL(/\/diagnostics$/);
  await expect.poll(() => loadedAt(page)).toBe('/diagnostics');

  // Back to the viewer and out through the brand link: again a full load, and the app asks
  // to unlock in its own document.
  await page.goto('/view');
  await page.getByRole('link', { name: 'Folio', exact: true }).click();
  await expect(page.getByLabel('Passphrase', { exact: true })).toBeVisible();
  expect(await loadedAt(page)).toBe('/');

  // History navigation out of the viewer lands in a document loaded for the app too.
  await page.goto('/view');
  await page.goBack();
  await expect(page).toHaveURL(/\/$/);
  await expect.poll(() => loadedAt(page)).toBe('/');
});

test('the app never navigates into /view in place either', async ({ newDevice }) => {
  const page = await (await newDevice()).newPage();
  await createPractice(page);
  expect(await loadedAt(page)).toBe('/');
  // An in-app link to the viewer (as a shared URL pasted into a note would be).
  await page.evaluate(() => {
    const a = document.createElement('a');
    a.href = '/view';
    a.textContent = 'open viewer';
    document.querySelector('main')!.append(a);
  });
  await page.getByRole('link', { name: 'open viewer' }).click();
  await expect(page.getByRole('heading', { name: 'Shared health record' })).toBeVisible();
  await expect.poll(() => loadedAt(page)).toBe('/view');
  await expect(page.getByRole('button', { name: 'Lock' })).toHaveCount(0);
});

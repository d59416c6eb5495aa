import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures.ts';
import { loadReleaseKey, signRelease } from '../../scripts/sign-release.js';

async function waitForController(page: Page): Promise<void> {
  await page.waitForFunction(() => navigator.serviceWorker?.controller !== null, undefined, {
    timeout: 20_000,
  });
}

test('the app shell starts offline with the relay stopped once the worker controls the page', async ({
  page,
  context,
  relayHandle,
}) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Folio', level: 1 })).toBeVisible();
  await waitForController(page);

  await context.setOffline(true);
  await relayHandle.relay.close();
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Folio', level: 1 })).toBeVisible();
  await expect(page.getByRole('status')).toHaveText(/Offline/);

  // A deep link also starts offline: navigations get the cached shell.
  await page.goto('/diagnostics');
  await expect(page.getByRole('heading', { name: 'Connection check' })).toBeVisible();
});

test('the app is installable: manifest, icons and an active worker', async ({
  persistentDevice,
  baseURL,
}) => {
  // Chromium never offers installation in incognito contexts, so use a real profile.
  const context = await persistentDevice();
  const page = await context.newPage();
  await page.goto('/');
  await waitForController(page);

  const href = await page.locator('link[rel="manifest"]').getAttribute('href');
  expect(href).toBe('/manifest.webmanifest');
  const response = await page.request.get(href!);
  expect(response.headers()['content-type']).toBe('application/manifest+json');
  const manifest = await response.json();
  expect(manifest).toMatchObject({
    name: 'Folio medical record',
    short_name: 'Folio',
    start_url: '/',
    display: 'standalone',
    theme_color: '#1f4e79',
  });
  const bySize = (size: string, purpose: string) =>
    manifest.icons.find(
      (i: { sizes: string; purpose: string }) => i.sizes === size && i.purpose === purpose,
    );
  for (const [size, purpose] of [
    ['192x192', 'any'],
    ['512x512', 'any'],
    ['512x512', 'maskable'],
  ] as const) {
    const icon = bySize(size, purpose);
    expect(icon, `${size} ${purpose} icon`).toBeTruthy();
    const image = await page.request.get(new URL(icon.src, baseURL).href);
    expect(image.status()).toBe(200);
    const bytes = await image.body();
    // PNG signature, then IHDR width and height.
    expect(bytes.subarray(1, 4).toString()).toBe('PNG');
    expect(`${bytes.readUInt32BE(16)}x${bytes.readUInt32BE(20)}`).toBe(size);
  }

  const worker = await page.evaluate(async () => {
    const registration = await navigator.serviceWorker.getRegistration('/');
    return { active: registration?.active?.state, scope: registration?.scope };
  });
  expect(worker).toEqual({ active: 'activated', scope: `${baseURL}/` });

  // Chromium's own installability verdict.
  const cdp = await context.newCDPSession(page);
  const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
  expect(installabilityErrors).toEqual([]);
});

test('a new version waits for the user before it takes over', async ({ page, relayHandle }) => {
  await page.goto('/');
  await waitForController(page);

  // Build "version 2": same app, a changed worker version and a marked shell, signed with the
  // (test) release key the installed version pinned — an unsigned one is refused (release.e2e.ts).
  const v2 = await mkdtemp(join(tmpdir(), 'folio-build-v2-'));
  try {
    await cp(relayHandle.buildDir, v2, { recursive: true });
    const swPath = join(v2, 'service-worker.js');
    const { version } = JSON.parse(await readFile(join(v2, '_app', 'version.json'), 'utf8'));
    const sw = await readFile(swPath, 'utf8');
    expect(sw).toContain(version);
    await writeFile(swPath, sw.replaceAll(version, `${version}-v2`));
    const indexPath = join(v2, 'index.html');
    const index = await readFile(indexPath, 'utf8');
    await writeFile(
      indexPath,
      index.replace('<title>', '<meta name="folio-test" content="v2" />\n<title>'),
    );
    await writeFile(join(v2, '_app', 'version.json'), JSON.stringify({ version: `${version}-v2` }));
    signRelease(v2, loadReleaseKey({}).key);
    await relayHandle.restart({ buildDir: v2 });

    await page.evaluate(async () => {
      const registration = await navigator.serviceWorker.getRegistration('/');
      await registration?.update();
    });
    const update = page.getByRole('region', { name: 'Update' });
    await expect(update).toContainText('Update available');

    // Not activated silently: a reload still gets the installed version's shell.
    await page.reload();
    await expect(page.getByRole('region', { name: 'Update' })).toContainText('Update available');
    await expect(page.locator('meta[name="folio-test"]')).toHaveCount(0);
    expect(
      await page.evaluate(
        async () => !!(await navigator.serviceWorker.getRegistration('/'))?.waiting,
      ),
    ).toBe(true);

    // The user chooses: the page reloads into version 2.
    await page.getByRole('button', { name: 'Update now' }).click();
    await expect(page.locator('meta[name="folio-test"]')).toHaveCount(1);
    await expect(page.getByRole('region', { name: 'Update' })).toHaveCount(0);
  } finally {
    await rm(v2, { recursive: true, force: true });
  }
});

/** Runs a benchmark body against a relay serving `buildDir`, in Debian Chromium. */
import { chromium, type Browser, type BrowserContext, type Page } from '@playwright/test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { silentLogger } from '../relay/log.ts';
import { startRelay } from '../relay/server.ts';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../tests/e2e/chromium.ts';

export async function withBrowser(
  buildDir: string,
  body: (browser: Browser, url: string) => Promise<void>,
): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'folio-bench-'));
  const relay = await startRelay({
    port: 0,
    host: '127.0.0.1',
    dataDir,
    buildDir: resolve(buildDir),
    log: silentLogger,
  });
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  try {
    await body(browser, relay.url);
  } finally {
    await browser.close();
    await relay.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** Calls a function of the bench page's `window.folioBench` (bench/browser/entry.ts) in the page. */
export function benchCaller<Bench>(page: Page) {
  return <T>(fn: (b: Bench, arg: unknown) => Promise<T> | T, arg?: unknown): Promise<T> =>
    page.evaluate(
      ({ source, arg }) =>
        new Function('b', 'arg', `return (${source})(b, arg)`)(
          (window as unknown as { folioBench: unknown }).folioBench,
          arg,
        ),
      { source: fn.toString(), arg },
    ) as Promise<T>;
}

/**
 * The built app (build/) served by a relay in this process, in Debian Chromium with an on-disk
 * profile (IndexedDB and strict durability on disk, as users have it); the page opened at `/`.
 */
export async function withAppOnDisk(body: (page: Page, context: BrowserContext) => Promise<void>) {
  return withPageOnDisk('build', body);
}

/** `buildDir` served by a relay, opened at `/` in Chromium with an on-disk profile. */
export async function withPageOnDisk(
  buildDir: string,
  body: (page: Page, context: BrowserContext) => Promise<void>,
) {
  const dataDir = await mkdtemp(join(tmpdir(), 'folio-bench-'));
  const profile = await mkdtemp(join(tmpdir(), 'folio-bench-profile-'));
  const relay = await startRelay({
    port: 0,
    host: '127.0.0.1',
    dataDir,
    buildDir: resolve(buildDir),
    log: silentLogger,
  });
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    args: CHROMIUM_ARGS,
    baseURL: relay.url,
  });
  try {
    const page = await context.newPage();
    await page.goto('/');
    await body(page, context);
  } finally {
    await context.close();
    await relay.close();
    await rm(dataDir, { recursive: true, force: true });
    await rm(profile, { recursive: true, force: true });
  }
}

export const BENCH_PASSPHRASE = 'benchmark passphrase 2026';

/** Creates practice "Bench" on the setup screen and continues to the patient list. */
export async function createBenchPractice(page: Page): Promise<void> {
  await page.getByLabel('Practice name').fill('Bench');
  await page.getByLabel('Your name').fill('Bench');
  await page.getByLabel('Passphrase', { exact: true }).fill(BENCH_PASSPHRASE);
  await page.getByLabel('Confirm passphrase').fill(BENCH_PASSPHRASE);
  await page.getByRole('button', { name: 'Create practice' }).click();
  await page.getByLabel('I have saved the recovery key').check({ timeout: 30_000 });
  await page.getByRole('button', { name: 'Continue' }).click();
}

/** Runs a benchmark body against a relay serving `buildDir`, in Debian Chromium. */
import { chromium, type Browser, type Page } from '@playwright/test';
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

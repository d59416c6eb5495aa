/**
 * Shared Playwright fixtures: Debian Chromium with the flags from PLATFORM.md, a relay on a free
 * loopback port with a temporary data folder (stopped and removed after each test), and a
 * `newDevice()` helper that opens a fresh, isolated browser context — a separate "device" that
 * shares nothing (no BroadcastChannel, no storage) with the others.
 */
import {
  test as base,
  chromium,
  expect,
  type Browser,
  type BrowserContext,
} from '@playwright/test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createLogger } from '../../relay/log.ts';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './chromium.ts';
import { startRelay, type Relay } from '../../relay/server.ts';

export { CHROMIUM_ARGS, CHROMIUM_PATH };

/**
 * Network failures are expected in offline tests (and when a fake clock jumps past a socket's
 * lifetime), 404/410 answers where a test uses an unknown, expired or revoked link, and 401 for a
 * wrong share-link passcode; anything else logged as an error is a bug.
 */
const EXPECTED_CONSOLE_ERRORS =
  /net::ERR_|WebSocket connection to .* failed|the server responded with a status of (401|404|410)/;

/** Collects uncaught page errors and console errors (CSP violations are console errors). */
function watchForProblems(context: BrowserContext, problems: string[]): void {
  context.on('weberror', (error) => {
    const where = error.error().stack?.split('\n')[1]?.trim() ?? '';
    problems.push(`uncaught: ${error.error().message} ${where}`);
  });
  context.on('console', (message) => {
    if (message.type() === 'error' && !EXPECTED_CONSOLE_ERRORS.test(message.text())) {
      problems.push(`console: ${message.text()}`);
    }
  });
}

export const BUILD_DIR = resolve(process.env.FOLIO_BUILD_DIR ?? 'build');

export interface RelayHandle {
  relay: Relay;
  dataDir: string;
  buildDir: string;
  /** Every line the relay logged during the test. */
  logs: string[];
  /** Starts the relay again on the same port (after `relay.close()`), with the same data. */
  restart(options?: { buildDir?: string }): Promise<Relay>;
}

interface Fixtures {
  relayHandle: RelayHandle;
  baseURL: string;
  /** A fresh browser context acting as one device; closed after the test. */
  newDevice: () => Promise<BrowserContext>;
  /**
   * A device with an on-disk browser profile (not incognito); closed and removed after the test.
   * Pass `profileDir` of an earlier (closed) one to start the same profile again — a browser restart.
   */
  persistentDevice: (options?: {
    profileDir?: string;
  }) => Promise<BrowserContext & { profileDir: string }>;
}

interface WorkerFixtures {
  chromiumBrowser: Browser;
}

export const test = base.extend<Fixtures, WorkerFixtures>({
  chromiumBrowser: [
    async ({}, use) => {
      const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
      await use(browser);
      await browser.close();
    },
    { scope: 'worker' },
  ],
  relayHandle: async ({}, use) => {
    const dataDir = await mkdtemp(join(tmpdir(), 'folio-relay-'));
    // The relay's log lines, exactly as production would write them (tests scan them).
    const logs: string[] = [];
    const log = createLogger({ sink: (line) => logs.push(line) });
    const start = (port: number, buildDir: string) =>
      startRelay({ port, host: '127.0.0.1', dataDir, buildDir, log });
    const handle: RelayHandle = {
      relay: await start(0, BUILD_DIR),
      dataDir,
      buildDir: BUILD_DIR,
      logs,
      async restart(options = {}) {
        await handle.relay.close();
        handle.buildDir = options.buildDir ?? handle.buildDir;
        handle.relay = await start(handle.relay.port, handle.buildDir);
        return handle.relay;
      },
    };
    await use(handle);
    await handle.relay.close();
    await rm(dataDir, { recursive: true, force: true });
  },
  baseURL: async ({ relayHandle }, use) => {
    await use(relayHandle.relay.url);
  },
  newDevice: async ({ chromiumBrowser, baseURL }, use) => {
    const contexts: BrowserContext[] = [];
    const problems: string[] = [];
    await use(async () => {
      const context = await chromiumBrowser.newContext({ baseURL });
      watchForProblems(context, problems);
      // Without a media permission Chromium gathers no loopback ICE candidates (PLATFORM.md).
      await context.grantPermissions(['camera', 'microphone'], { origin: baseURL });
      contexts.push(context);
      return context;
    });
    for (const context of contexts) await context.close();
    expect(problems, 'uncaught errors or CSP violations in the page').toEqual([]);
  },
  persistentDevice: async ({ baseURL }, use) => {
    const opened: { context: BrowserContext; dir: string }[] = [];
    const problems: string[] = [];
    await use(async (options = {}) => {
      const dir = options.profileDir ?? (await mkdtemp(join(tmpdir(), 'folio-profile-')));
      const context = await chromium.launchPersistentContext(dir, {
        executablePath: CHROMIUM_PATH,
        args: CHROMIUM_ARGS,
        baseURL,
      });
      await context.grantPermissions(['camera', 'microphone'], { origin: baseURL });
      watchForProblems(context, problems);
      opened.push({ context, dir });
      return Object.assign(context, { profileDir: dir });
    });
    for (const { context } of opened) await context.close();
    for (const dir of new Set(opened.map((o) => o.dir)))
      await rm(dir, { recursive: true, force: true });
    expect(problems, 'uncaught errors or CSP violations in the page').toEqual([]);
  },
  // Playwright's built-in page/context use a downloaded browser; route them through ours.
  context: async ({ newDevice }, use) => {
    await use(await newDevice());
  },
});

export { expect };

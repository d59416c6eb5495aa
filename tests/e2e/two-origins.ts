/**
 * The two-origin fixture (ADR 0010): the app served from one origin (http://127.0.0.1:A, a relay
 * process used only as the app's host, its connect-src naming the relay) and the relay on another
 * (http://localhost:R, allowing the app's origin cross-origin). Each has its own data and build
 * folder; both are stopped and removed after the test. `baseURL` is the app's origin.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../relay/log.ts';
import { startRelay, type Relay } from '../../relay/server.ts';
import { BUILD_DIR, expect, test as base } from './fixtures.ts';
import { freePort } from '../kit/net.ts';

export interface Served {
  server: Relay;
  /** The origin a browser uses for it. */
  url: string;
  buildDir: string;
  dataDir: string;
  logs: string[];
  /** Starts it again on the same port with the same data, optionally another build. */
  restart(options?: { buildDir?: string }): Promise<void>;
}

export interface TwoOrigins {
  /** The app's host (the app's origin). */
  app: Served;
  /** The relay, on another origin. */
  relay: Served;
}

async function serve(options: {
  port: number;
  url: string;
  connectSrc: string[];
  appOrigins: string[];
}): Promise<Served> {
  const dataDir = await mkdtemp(join(tmpdir(), 'folio-origin-'));
  const logs: string[] = [];
  const log = createLogger({ sink: (line) => logs.push(line) });
  const start = (buildDir: string) =>
    startRelay({
      port: options.port,
      host: '127.0.0.1',
      dataDir,
      buildDir,
      log,
      connectSrc: options.connectSrc,
      appOrigins: options.appOrigins,
    });
  const served: Served = {
    server: await start(BUILD_DIR),
    url: options.url,
    buildDir: BUILD_DIR,
    dataDir,
    logs,
    async restart(restart = {}) {
      await served.server.close();
      served.buildDir = restart.buildDir ?? served.buildDir;
      served.server = await start(served.buildDir);
    },
  };
  return served;
}

export const test = base.extend<{ origins: TwoOrigins }>({
  // eslint-disable-next-line no-empty-pattern -- Playwright fixtures take their dependencies as a pattern
  origins: async ({}, use) => {
    const [appPort, relayPort] = [await freePort(), await freePort()];
    const appURL = `http://127.0.0.1:${appPort}`;
    const relayURL = `http://localhost:${relayPort}`;
    const app = await serve({ port: appPort, url: appURL, connectSrc: [relayURL], appOrigins: [] });
    const relay = await serve({
      port: relayPort,
      url: relayURL,
      connectSrc: [],
      appOrigins: [appURL],
    });
    await use({ app, relay });
    for (const served of [app, relay]) {
      await served.server.close();
      await rm(served.dataDir, { recursive: true, force: true });
    }
  },
  baseURL: async ({ origins }, use) => {
    await use(origins.app.url);
  },
});

export { expect };

/**
 * The app served apart from its relay (ADR 0010): the app's host lists the relay in connect-src
 * (with its WebSocket twin); the relay lets only configured app origins use it cross-origin —
 * WebSocket upgrades, CORS answers and preflights — and nobody else.
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, readConfig, readOrigins } from '../../../relay/config.ts';
import { contentSecurityPolicies, securityHeaders } from '../../../relay/headers.ts';
import { startRelay, type Relay } from '../../../relay/server.ts';
import { Client } from './helpers.ts';

const APP = 'https://app.example';

describe('configuration of the code origin', () => {
  it('reads FOLIO_CONNECT_SRC and FOLIO_APP_ORIGINS as lists of origins', () => {
    const config = readConfig(
      {
        FOLIO_CONNECT_SRC: 'https://relay.example:8443, http://localhost:9000/',
        FOLIO_APP_ORIGINS: `${APP} ${APP}`,
      },
      '/',
    );
    expect(config.connectSrc).toEqual(['https://relay.example:8443', 'http://localhost:9000']);
    expect(config.appOrigins).toEqual([APP]);
    expect(readConfig({}, '/').connectSrc).toBeUndefined();
  });

  it.each([
    'relay.example',
    'https://relay.example/path',
    'ftp://x.example',
    'https://u@x.example',
    '*',
  ])('refuses %s, naming the variable', (value) => {
    expect(() => readOrigins('FOLIO_CONNECT_SRC', value)).toThrow(ConfigError);
    expect(() => readConfig({ FOLIO_APP_ORIGINS: value }, '/')).toThrow(/FOLIO_APP_ORIGINS/);
  });

  it('puts each relay origin and its WebSocket twin in connect-src, nothing else changes', () => {
    const csp = securityHeaders(['https://relay.example', 'http://localhost:9000'])[
      'Content-Security-Policy'
    ]!;
    expect(csp).toContain(
      "connect-src 'self' https://relay.example wss://relay.example http://localhost:9000 ws://localhost:9000;",
    );
    expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval';");
    expect(contentSecurityPolicies(['https://relay.example']).viewer).toContain(
      "connect-src 'self' https: https://relay.example wss://relay.example;",
    );
    expect(securityHeaders([])['Content-Security-Policy']).toContain("connect-src 'self';");
  });
});

describe('a relay used by an app on another origin', () => {
  let relay: Relay | null = null;
  let root = '';
  afterEach(async () => {
    await relay?.close();
    await rm(root, { recursive: true, force: true });
  });

  async function start(): Promise<Relay> {
    root = await mkdtemp(join(tmpdir(), 'folio-origin-test-'));
    await mkdir(join(root, 'build'));
    await writeFile(join(root, 'build', 'index.html'), '<!doctype html>');
    relay = await startRelay({
      port: 0,
      host: '127.0.0.1',
      dataDir: join(root, 'data'),
      buildDir: join(root, 'build'),
      log: () => undefined,
      appOrigins: [APP],
    });
    return relay;
  }

  it('accepts WebSocket upgrades from a configured app origin only', async () => {
    const { url } = await start();
    const app = new Client(url, { headers: { Origin: APP } });
    await expect(app.opened).resolves.toBeUndefined();
    app.close();
    const other = new Client(url, { headers: { Origin: 'https://evil.example' } });
    await expect(other.opened).rejects.toThrow(/404/);
  });

  it('answers CORS and preflights for a configured app origin only', async () => {
    const { url } = await start();
    const preflight = await fetch(`${url}/pair/abc`, {
      method: 'OPTIONS',
      headers: { Origin: APP, 'Access-Control-Request-Method': 'PUT' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(APP);
    expect(preflight.headers.get('access-control-allow-headers')).toContain('x-folio-owner');
    const health = await fetch(`${url}/healthz`, { headers: { Origin: APP } });
    expect(health.headers.get('access-control-allow-origin')).toBe(APP);

    const evil = await fetch(`${url}/healthz`, { headers: { Origin: 'https://evil.example' } });
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
    const evilFeed = await fetch(`${url}/sync/changes`, {
      method: 'POST',
      headers: { Origin: 'https://evil.example', 'content-type': 'application/json' },
      body: '{"rooms":[]}',
    });
    expect(evilFeed.status).toBe(403);
  });
});

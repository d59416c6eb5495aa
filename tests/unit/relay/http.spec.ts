import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  CONTENT_SECURITY_POLICY,
  SVELTEKIT_ANNOUNCER_STYLE_HASH,
  VIEWER_CONTENT_SECURITY_POLICY,
} from '../../../relay/headers.ts';
import { resolveInside } from '../../../relay/static.ts';
import { startTestRelay, type TestRelay } from './helpers.ts';

let server: TestRelay;
afterEach(async () => {
  await server?.stop();
});

/** Raw request, so paths like /../ reach the server unnormalised. */
function raw(
  url: string,
  path: string,
  method = 'GET',
): Promise<{
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { method, path }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('relay HTTP', () => {
  it('sends the exact Content-Security-Policy and the other security headers', async () => {
    server = await startTestRelay();
    const res = await fetch(`${server.relay.url}/`);
    expect(res.headers.get('content-security-policy')).toBe(
      "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; " +
        "style-src 'self' 'unsafe-hashes' 'sha256-S8qMpvofolR8Mpjy4kQvEm7m1q8clzU4dfDH0AmvZjo='; " +
        "img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; worker-src 'self'; " +
        "manifest-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; " +
        "frame-ancestors 'none'",
    );
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-inline|'unsafe-eval'/);
    // The allowed style hash is exactly SvelteKit's announcer style, nothing broader.
    const root = readFileSync('node_modules/@sveltejs/kit/src/core/sync/write_root.js', 'utf8');
    const style = /id="svelte-announcer"[^>]*style="([^"]+)"/.exec(root)?.[1];
    expect(style).toBeTruthy();
    expect(`'sha256-${createHash('sha256').update(style!).digest('base64')}'`).toBe(
      `'${SVELTEKIT_ANNOUNCER_STYLE_HASH}'`,
    );
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('permissions-policy')).toContain('geolocation=()');
    expect(res.headers.get('cross-origin-opener-policy')).toBe('same-origin');
  });

  it('serves files, falls back to the app shell for page paths, and 404s missing assets', async () => {
    server = await startTestRelay();
    const url = server.relay.url;
    const shell = await fetch(`${url}/charts/abc`);
    expect(shell.status).toBe(200);
    expect(await shell.text()).toContain('<title>shell</title>');
    expect(shell.headers.get('cache-control')).toBe('no-cache');
    const asset = await fetch(`${url}/_app/immutable/a.js`);
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect((await fetch(`${url}/manifest.webmanifest`)).headers.get('content-type')).toBe(
      'application/manifest+json',
    );
    const missing = await fetch(`${url}/_app/immutable/missing.js`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
  });

  it('never serves files outside the build folder or dotfiles', async () => {
    server = await startTestRelay();
    const url = server.relay.url;
    for (const path of [
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/..%2fsecret.txt',
      '/.env',
      '/%00',
    ]) {
      const res = await raw(url, path);
      expect(res.body, path).not.toContain('outside the build');
      expect([400, 404], path).toContain(res.status);
    }
    expect((await raw(url, '/%E0%A4%A')).status).toBe(400);
    // Leading ../ segments are clamped at the root, never above it.
    expect(resolveInside('/srv/build', '/a/../../etc/passwd')).toBe('/srv/build/etc/passwd');
    expect(resolveInside('/srv/build', '/x/%2e%2e/.git/config')).toBeNull();
    expect(resolveInside('/srv/build', '/a/b.js')).toBe('/srv/build/a/b.js');
  });

  it('answers /healthz and refuses other methods', async () => {
    server = await startTestRelay();
    const health = await fetch(`${server.relay.url}/healthz`);
    expect(await health.json()).toEqual({ ok: true, signalingConnections: 0 });
    const post = await raw(server.relay.url, '/', 'POST');
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
  });

  it('creates its data folder on start and stops cleanly', async () => {
    server = await startTestRelay();
    expect(existsSync(server.dataDir)).toBe(true);
    await server.relay.close();
    await expect(fetch(`${server.relay.url}/healthz`)).rejects.toThrow();
  });
});

it('gives only the share-link viewer page a CSP that may fetch https manifests', async () => {
  const server = await startTestRelay();
  try {
    const view = await fetch(`${server.relay.url}/view`);
    expect(view.headers.get('content-security-policy')).toBe(VIEWER_CONTENT_SECURITY_POLICY);
    expect(VIEWER_CONTENT_SECURITY_POLICY).toContain("connect-src 'self' https:");
    expect(VIEWER_CONTENT_SECURITY_POLICY.replace(' https:', '')).toBe(CONTENT_SECURITY_POLICY);
    const home = await fetch(`${server.relay.url}/`);
    expect(home.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
  } finally {
    await server.stop();
  }
});

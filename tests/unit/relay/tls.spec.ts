/**
 * Issue 14 item 1: HTTPS on the clinic LAN. `npm run tls:init` makes a local authority and a
 * server certificate; the relay serves HTTPS with it; everything wrong with the files is said at
 * start, naming the variable.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { get } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startRelay } from '../../../relay/server.ts';
import { readTls } from '../../../relay/tls.ts';

let dir = '';
let other = '';
const env = (over: Record<string, string> = {}) => ({
  FOLIO_TLS_CERT: join(dir, 'server.crt'),
  FOLIO_TLS_KEY: join(dir, 'server.key'),
  ...over,
});

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'folio-tls-'));
  other = await mkdtemp(join(tmpdir(), 'folio-tls-other-'));
  const init = (tlsDir: string) =>
    execFileSync('node', ['scripts/tls-init.js', 'clinic.test', '127.0.0.1'], {
      env: { ...process.env, FOLIO_TLS_DIR: tlsDir },
      encoding: 'utf8',
    });
  expect(init(dir)).toMatch(/Created a certificate authority/);
  // Again: the authority is kept (devices keep trusting it), a new server certificate issued.
  const ca = await readFile(join(dir, 'folio-clinic-ca.crt'), 'utf8');
  expect(init(dir)).toMatch(/Using the existing certificate authority/);
  expect(await readFile(join(dir, 'folio-clinic-ca.crt'), 'utf8')).toBe(ca);
  init(other);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  await rm(other, { recursive: true, force: true });
});

it('serves HTTPS with a certificate from the local authority, for the public name', async () => {
  const tls = readTls(env(), 'https://clinic.test:5173');
  expect(tls).toBeDefined();
  const relay = await startRelay({
    port: 0,
    host: '127.0.0.1',
    dataDir: dir,
    buildDir: dir,
    log: () => {},
    tls,
    publicUrl: 'https://clinic.test:5173',
  });
  try {
    expect(relay.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const ca = await readFile(join(dir, 'folio-clinic-ca.crt'));
    const body = await new Promise<string>((resolve, reject) => {
      get(`${relay.url}/healthz`, { ca }, (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve(text));
      }).on('error', reject);
    });
    expect(JSON.parse(body)).toMatchObject({ ok: true, publicUrl: 'https://clinic.test:5173' });
    // A client that does not trust the authority is refused by TLS itself.
    const untrusted = await new Promise<string>((resolve) => {
      get(`${relay.url}/healthz`, () => resolve('answered')).on(
        'error',
        (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'),
      );
    });
    expect(untrusted).toMatch(/CERT|SIGNATURE|ISSUER/);
  } finally {
    await relay.close();
  }
});

it('says at start what is wrong with the files, naming the variable', async () => {
  expect(readTls({}, undefined)).toBeUndefined();
  const wrong = (over: Record<string, string>, publicUrl?: string, now?: number) => {
    try {
      readTls(env(over), publicUrl, now);
      return 'accepted';
    } catch (error) {
      return (error as Error).message;
    }
  };
  expect(wrong({ FOLIO_TLS_KEY: '' })).toMatch(/both FOLIO_TLS_CERT and FOLIO_TLS_KEY/);
  expect(wrong({ FOLIO_TLS_CERT: join(dir, 'missing.crt') })).toMatch(
    /FOLIO_TLS_CERT names .*missing\.crt, which cannot be read \(ENOENT\)/,
  );
  await writeFile(join(dir, 'junk.pem'), 'not a certificate');
  expect(wrong({ FOLIO_TLS_CERT: join(dir, 'junk.pem') })).toMatch(/is not a PEM certificate/);
  expect(wrong({ FOLIO_TLS_KEY: join(dir, 'junk.pem') })).toMatch(/is not a PEM private key/);
  expect(wrong({ FOLIO_TLS_KEY: join(other, 'server.key') })).toMatch(
    /FOLIO_TLS_KEY is not the key of the certificate/,
  );
  expect(wrong({}, 'https://clinic-pc.local:5173')).toMatch(
    /does not cover clinic-pc\.local, the host of FOLIO_PUBLIC_URL/,
  );
  expect(wrong({}, 'https://192.168.1.20')).toMatch(/does not cover 192\.168\.1\.20/);
  expect(wrong({}, 'http://clinic.test:5173')).toMatch(/must start with https:\/\//);
  expect(wrong({}, undefined, Date.now() + 400 * 86_400_000)).toMatch(/expired on/);
  expect(wrong({}, undefined, Date.now() - 86_400_000)).toMatch(/not valid before .*clock/);
  expect(wrong({}, 'https://clinic.test')).toBe('accepted');
});

/**
 * Issue 14 item 1: the clinic LAN over HTTPS. The relay serves HTTPS with a certificate from
 * `npm run tls:init` for a host name that is not localhost (`clinic.test`, mapped to 127.0.0.1
 * inside the test browser; traffic stays on loopback). The test browser trusts exactly that
 * certificate (by its public key), as a device that installed the clinic's authority would.
 * The admin works on the clinic machine's loopback address; the pairing link names the public
 * URL; the new device reaches the app by name, installs the service worker, pairs and syncs.
 */
import { chromium, type Browser } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../relay/log.ts';
import { startRelay, type Relay } from '../../relay/server.ts';
import { readTls } from '../../relay/tls.ts';
import { BUILD_DIR, CHROMIUM_ARGS, CHROMIUM_PATH, expect, test } from './fixtures.ts';
import { createPractice, newPatient, pairDevice } from './helpers.ts';
import { freePort } from '../kit/net.ts';

let root = '';
let relay: Relay;
let browser: Browser;
let publicUrl = '';

test.beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'folio-lan-'));
  const tlsDir = join(root, 'tls');
  execFileSync('node', ['scripts/tls-init.js', 'clinic.test', '127.0.0.1'], {
    env: { ...process.env, FOLIO_TLS_DIR: tlsDir },
  });
  const port = await freePort();
  publicUrl = `https://clinic.test:${port}`;
  const tls = readTls(
    { FOLIO_TLS_CERT: join(tlsDir, 'server.crt'), FOLIO_TLS_KEY: join(tlsDir, 'server.key') },
    publicUrl,
  );
  relay = await startRelay({
    port,
    host: '127.0.0.1',
    dataDir: join(root, 'data'),
    buildDir: BUILD_DIR,
    log: createLogger({ sink: () => {} }),
    publicUrl,
    tls,
  });
  const spki = new X509Certificate(await readFile(join(tlsDir, 'server.crt'))).publicKey.export({
    type: 'spki',
    format: 'der',
  });
  browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      ...CHROMIUM_ARGS,
      '--host-resolver-rules=MAP clinic.test 127.0.0.1',
      `--ignore-certificate-errors-spki-list=${createHash('sha256').update(spki).digest('base64')}`,
    ],
  });
});

test.afterAll(async () => {
  await browser?.close();
  await relay?.close();
  await rm(root, { recursive: true, force: true });
});

test('two devices on the clinic network: HTTPS by name, the worker installed, paired and in sync', async () => {
  test.setTimeout(120_000);
  const onMachine = `https://127.0.0.1:${relay.port}`;
  const adminContext = await browser.newContext({ baseURL: onMachine });
  const tabletContext = await browser.newContext({ baseURL: publicUrl });
  try {
    const admin = await adminContext.newPage();
    const tablet = await tabletContext.newPage();
    await createPractice(admin);
    // The pairing link (and its QR code) names the public URL, never the loopback address.
    let link = '';
    await pairDevice(admin, tablet, 'Nurse Bo', 'clinician', (l) => (link = l));
    expect(link.startsWith(`${publicUrl}/pair#`)).toBe(true);
    expect(link).not.toContain('127.0.0.1');
    expect(new URL(tablet.url()).origin).toBe(publicUrl);
    // A secure context by name: the service worker installs and controls the page.
    expect(await tablet.evaluate(() => window.isSecureContext)).toBe(true);
    await tablet.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
    await tablet.reload();
    await expect
      .poll(() => tablet.evaluate(() => navigator.serviceWorker.controller !== null))
      .toBe(true);
    await tablet.getByRole('button', { name: 'Unlock' }).waitFor();
    await tablet.getByLabel('Passphrase', { exact: true }).fill('tablet passphrase 7291');
    await tablet.getByRole('button', { name: 'Unlock' }).click();

    await admin.getByRole('link', { name: 'Patients' }).click();
    await newPatient(admin, { given: 'Lan', family: 'Networkova', birthDate: '1971-03-09' });
    await tablet.getByRole('link', { name: 'Patients' }).click();
    await expect(tablet.getByRole('link', { name: 'Networkova, Lan' })).toBeVisible({
      timeout: 30_000,
    });
  } finally {
    await adminContext.close();
    await tabletContext.close();
  }
});

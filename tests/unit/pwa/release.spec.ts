/**
 * Signed release manifests (ADR 0010): what scripts/sign-release.js writes verifies with the
 * worker's checks (src/lib/pwa/release.ts), and any tampering — a byte of the manifest, the
 * signature or a file, an extra file, another key — is refused with the right reason.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkFiles,
  parseManifest,
  ReleaseRefused,
  verifyManifest,
  type ReleaseManifest,
} from '../../../src/lib/pwa/release';
import { loadReleaseKey, publicKeyOf, signRelease } from '../../../scripts/sign-release.js';

const enc = new TextEncoder();
let dir: string;
let manifestBytes: Uint8Array;
let signature: string;
let publicKey: string;
let files: { path: string; bytes: Uint8Array }[];

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ReleaseRefused) return error.reason;
    throw error;
  }
  return 'accepted';
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'folio-release-'));
  await mkdir(join(dir, '_app', 'immutable'), { recursive: true });
  await writeFile(join(dir, '_app', 'version.json'), '{"version":"42"}');
  await writeFile(join(dir, 'index.html'), '<!doctype html><title>Folio</title>');
  await writeFile(join(dir, '_app', 'immutable', 'app.js'), 'console.log("app")');
  await writeFile(
    join(dir, 'service-worker.js'),
    'const k="folio-release-key:__FOLIO_RELEASE_PUBLIC_KEY__";',
  );
  const { key, test } = loadReleaseKey({});
  expect(test).toBe(true);
  ({ publicKey } = signRelease(dir, key));
  manifestBytes = new Uint8Array(await readFile(join(dir, 'release.json')));
  signature = await readFile(join(dir, 'release.sig'), 'utf8');
  files = [
    { path: '/', bytes: new Uint8Array(await readFile(join(dir, 'index.html'))) },
    { path: '/view', bytes: new Uint8Array(await readFile(join(dir, 'index.html'))) },
    {
      path: '/_app/immutable/app.js',
      bytes: new Uint8Array(await readFile(join(dir, '_app/immutable/app.js'))),
    },
    {
      path: '/service-worker.js',
      bytes: new Uint8Array(await readFile(join(dir, 'service-worker.js'))),
    },
  ];
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('release manifest', () => {
  it('a signed build verifies, lists every file and embeds its key in the worker', async () => {
    const manifest = await verifyManifest(manifestBytes, signature, publicKey);
    expect(manifest.version).toBe('42');
    expect(Object.keys(manifest.files).sort()).toEqual([
      '/',
      '/_app/immutable/app.js',
      '/_app/version.json',
      '/index.html',
      '/service-worker.js',
      '/view',
    ]);
    await expect(checkFiles(manifest, files)).resolves.toBeUndefined();
    expect(new TextDecoder().decode(files[3]!.bytes)).toContain(`folio-release-key:${publicKey}`);
  });

  it('signing again with the same key is idempotent; another key is refused', async () => {
    const { key } = loadReleaseKey({});
    expect(signRelease(dir, key).publicKey).toBe(publicKey);
    const other = generateKeyPairSync('ed25519').privateKey;
    expect(() => signRelease(dir, other)).toThrow(/different release key/);
    expect(publicKeyOf(other)).not.toBe(publicKey);
  });

  it('a missing manifest or signature is "unsigned"', async () => {
    expect(await refusal(verifyManifest(null, signature, publicKey))).toBe('unsigned');
    expect(await refusal(verifyManifest(manifestBytes, null, publicKey))).toBe('unsigned');
  });

  it('a release signed by another key is refused', async () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const { sign } = await import('node:crypto');
    const forged = sign(null, manifestBytes, privateKey).toString('base64url');
    expect(await refusal(verifyManifest(manifestBytes, forged, publicKey))).toBe('bad-signature');
    // …even when the forger also names their own key: only the pinned key counts.
    const theirs = publicKeyOf(privateKey);
    expect(await refusal(verifyManifest(manifestBytes, forged, theirs))).toBe('accepted');
  });

  it('any changed byte of the manifest is refused (fast-check)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: manifestBytes.length - 1 }),
        fc.integer({ min: 1, max: 255 }),
        async (at, xor) => {
          const tampered = manifestBytes.slice();
          tampered[at]! ^= xor;
          expect(await refusal(verifyManifest(tampered, signature, publicKey))).toBe(
            'bad-signature',
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('any changed signature character is refused (fast-check)', async () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: signature.length - 1 }),
        fc.constantFrom(...alphabet),
        async (at, c) => {
          fc.pre(signature[at] !== c);
          const tampered = signature.slice(0, at) + c + signature.slice(at + 1);
          expect(await refusal(verifyManifest(manifestBytes, tampered, publicKey))).toBe(
            'bad-signature',
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('any changed file byte, or a file the manifest does not list, is refused (fast-check)', async () => {
    const manifest = await verifyManifest(manifestBytes, signature, publicKey);
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: files.length - 1 }),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        async (which, at, xor) => {
          const file = files[which]!;
          const bytes = file.bytes.slice();
          bytes[at % bytes.length]! ^= xor;
          const changed = files.map((f, i) => (i === which ? { path: f.path, bytes } : f));
          expect(await refusal(checkFiles(manifest, changed))).toBe('changed-file');
        },
      ),
      { numRuns: 300 },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.string({ minLength: 1 }).map((s) => `/${s}`),
        fc.uint8Array(),
        async (path, bytes) => {
          fc.pre(!Object.hasOwn(manifest.files, path));
          expect(await refusal(checkFiles(manifest, [...files, { path, bytes }]))).toBe(
            'unlisted-file',
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  it('malformed manifests are refused as "bad-manifest", never thrown as anything else', async () => {
    expect(() => parseManifest(enc.encode('{'))).toThrow(ReleaseRefused);
    const good = JSON.parse(new TextDecoder().decode(manifestBytes)) as ReleaseManifest;
    for (const bad of [
      { ...good, v: 2 },
      { ...good, version: '' },
      { ...good, files: [] },
      { ...good, files: { 'no-slash': good.files['/']! } },
      { ...good, files: { '/x': 'short' } },
      null,
    ]) {
      expect(() => parseManifest(enc.encode(JSON.stringify(bad)))).toThrow(ReleaseRefused);
    }
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), async (bytes) => {
        try {
          parseManifest(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(ReleaseRefused);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

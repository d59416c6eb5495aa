// Signs a built release (ADR 0010): embeds the release public key in build/service-worker.js,
// writes build/release.json — the SHA-256 of every file the app serves, by URL path — and
// build/release.sig, an Ed25519 signature over the exact bytes of release.json. The installed
// service worker refuses a new version unless this verifies against the key it pinned at install.
//
// The private key (PKCS#8 PEM) comes from FOLIO_RELEASE_KEY_FILE (a file outside the repository)
// or FOLIO_RELEASE_KEY (the PEM text, e.g. from a CI secret). Without either, the build is signed
// with the TEST key in scripts/release-test-key.pem — public, so such a build protects nothing.
//
// Usage: node scripts/sign-release.js <build-dir>
//        node scripts/sign-release.js --new-key <file>   (writes a new private key, mode 0600)
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  createHash,
} from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const TEST_KEY_FILE = join(dirname(fileURLToPath(import.meta.url)), 'release-test-key.pem');
const MARK = 'folio-release-key:';
const PLACEHOLDER = '__FOLIO_RELEASE_PUBLIC_KEY__';
const EMBEDDED = new RegExp(`${MARK}([A-Za-z0-9_-]{43}|${PLACEHOLDER})`, 'g');
const SKIP = new Set(['release.json', 'release.sig']);

/**
 * Raw Ed25519 public key of a private key, base64url (what the worker pins).
 * @param {import('node:crypto').KeyObject} privateKey
 * @returns {string}
 */
export function publicKeyOf(privateKey) {
  return /** @type {string} */ (createPublicKey(privateKey).export({ format: 'jwk' }).x);
}

/**
 * The release key from the environment, or the test key (with `test: true`).
 * @param {Record<string, string | undefined>} env
 * @returns {{ key: import('node:crypto').KeyObject, test: boolean }}
 */
export function loadReleaseKey(env = process.env) {
  if (env.FOLIO_RELEASE_KEY_FILE) {
    return { key: createPrivateKey(readFileSync(env.FOLIO_RELEASE_KEY_FILE)), test: false };
  }
  if (env.FOLIO_RELEASE_KEY) return { key: createPrivateKey(env.FOLIO_RELEASE_KEY), test: false };
  return { key: createPrivateKey(readFileSync(TEST_KEY_FILE)), test: true };
}

/**
 * @param {string} dir
 * @param {string} root
 * @param {string[]} out
 * @returns {string[]}
 */
function walk(dir, root, out) {
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) walk(full, root, out);
    else if (!(dir === root && SKIP.has(name))) out.push(full);
  }
  return out;
}

/** @param {Buffer} bytes */
const sha256 = (bytes) => createHash('sha256').update(bytes).digest('base64url');

/**
 * The manifest of a build folder: every file by URL path, plus "/" and "/view" (the relay answers
 * both with index.html, and the worker precaches them under those paths).
 * @param {string} dir
 * @param {string} version
 */
export function buildManifest(dir, version) {
  /** @type {Record<string, string>} */
  const files = {};
  for (const full of walk(dir, dir, []).sort()) {
    files['/' + relative(dir, full).split(sep).join('/')] = sha256(readFileSync(full));
  }
  const index = files['/index.html'];
  if (index) files['/'] = files['/view'] = index;
  return { v: 1, version, files };
}

/**
 * Embeds the public key, then writes release.json and release.sig into `dir`.
 * @param {string} dir
 * @param {import('node:crypto').KeyObject} privateKey
 * @returns {{ publicKey: string, version: string }}
 */
export function signRelease(dir, privateKey) {
  const publicKey = publicKeyOf(privateKey);
  const swPath = join(dir, 'service-worker.js');
  const sw = readFileSync(swPath, 'utf8');
  const embedded = [...sw.matchAll(EMBEDDED)].map((m) => m[1]);
  if (embedded.length === 0) throw new Error(`no release-key mark in ${swPath}`);
  if (embedded.some((k) => k !== PLACEHOLDER && k !== publicKey)) {
    throw new Error(`${swPath} already embeds a different release key`);
  }
  writeFileSync(swPath, sw.replace(EMBEDDED, MARK + publicKey));
  const { version } = JSON.parse(readFileSync(join(dir, '_app', 'version.json'), 'utf8'));
  const bytes = Buffer.from(JSON.stringify(buildManifest(dir, version), null, 1) + '\n');
  writeFileSync(join(dir, 'release.json'), bytes);
  writeFileSync(join(dir, 'release.sig'), sign(null, bytes, privateKey).toString('base64url'));
  return { publicKey, version };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv[2] === '--new-key') {
    const file = process.argv[3];
    if (!file) throw new Error('usage: sign-release.js --new-key <file>');
    const { privateKey } = generateKeyPairSync('ed25519');
    writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), {
      mode: 0o600,
      flag: 'wx',
    });
    console.log(`sign-release: new release key in ${file}; public key ${publicKeyOf(privateKey)}`);
  } else {
    const dir = process.argv[2] ?? 'build';
    const { key, test } = loadReleaseKey();
    const { publicKey, version } = signRelease(dir, key);
    console.log(`sign-release: ${dir} version ${version} signed; release key ${publicKey}`);
    if (test) {
      console.warn(
        'sign-release: signed with the public TEST key (scripts/release-test-key.pem). ' +
          'Set FOLIO_RELEASE_KEY_FILE for a real release (docs/adr/0010-code-origin.md).',
      );
    }
  }
}

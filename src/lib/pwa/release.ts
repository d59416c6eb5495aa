/**
 * Signed release manifests (ADR 0010). A release is the built app plus `/release.json` — the
 * SHA-256 of every file it serves — and `/release.sig`, an Ed25519 signature over the exact bytes
 * of release.json by the releaser's key (scripts/sign-release.js). The installed service worker
 * checks a waiting version against the key it pinned at install before the page may offer
 * "Update now". Pure functions over bytes and WebCrypto: used by the worker and the unit tests.
 */

export const MANIFEST_PATH = '/release.json';
export const SIGNATURE_PATH = '/release.sig';

export interface ReleaseManifest {
  v: 1;
  /** The SvelteKit version string; the worker's cache is named after it. */
  version: string;
  /** URL path → SHA-256 of the bytes served at that path (base64url, no padding). */
  files: Record<string, string>;
}

/** Why a version was refused; each is shown to the user as a sentence (update.svelte.ts). */
export type RefusalReason =
  | 'unsigned'
  | 'bad-signature'
  | 'bad-manifest'
  | 'wrong-version'
  | 'unlisted-file'
  | 'changed-file'
  | 'changed-worker';

export class ReleaseRefused extends Error {
  constructor(
    readonly reason: RefusalReason,
    readonly detail = '',
  ) {
    super(detail ? `${reason}: ${detail}` : reason);
    this.name = 'ReleaseRefused';
  }
}

export function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** @returns null when `text` is not canonical base64url (no padding). */
export function fromBase64Url(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return null;
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  return toBase64Url(bytes) === text ? bytes : null;
}

export async function sha256(bytes: Uint8Array): Promise<string> {
  return toBase64Url(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as BufferSource)));
}

const HASH = /^[A-Za-z0-9_-]{43}$/;

/** @throws ReleaseRefused('bad-manifest') unless `bytes` is a well-formed version-1 manifest. */
export function parseManifest(bytes: Uint8Array): ReleaseManifest {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new ReleaseRefused('bad-manifest', 'not JSON');
  }
  const m = value as Partial<ReleaseManifest> | null;
  if (
    !m ||
    typeof m !== 'object' ||
    m.v !== 1 ||
    typeof m.version !== 'string' ||
    m.version === '' ||
    !m.files ||
    typeof m.files !== 'object' ||
    Array.isArray(m.files)
  ) {
    throw new ReleaseRefused('bad-manifest', 'shape');
  }
  for (const [path, hash] of Object.entries(m.files)) {
    if (!path.startsWith('/') || typeof hash !== 'string' || !HASH.test(hash)) {
      throw new ReleaseRefused('bad-manifest', path);
    }
  }
  return { v: 1, version: m.version, files: { ...m.files } };
}

/**
 * Verifies `signature` (base64url text, as served at /release.sig) over the exact manifest bytes
 * with the pinned Ed25519 public key (raw 32 bytes, base64url), then parses the manifest.
 * @throws ReleaseRefused('unsigned' | 'bad-signature' | 'bad-manifest')
 */
export async function verifyManifest(
  manifestBytes: Uint8Array | null,
  signature: string | null,
  publicKey: string,
): Promise<ReleaseManifest> {
  if (manifestBytes === null || signature === null) throw new ReleaseRefused('unsigned');
  const sig = fromBase64Url(signature.trim());
  const raw = fromBase64Url(publicKey);
  if (sig === null || sig.length !== 64) throw new ReleaseRefused('bad-signature', 'encoding');
  if (raw === null || raw.length !== 32) throw new ReleaseRefused('bad-signature', 'pinned key');
  let key: CryptoKey;
  try {
    key = await crypto.subtle.importKey('raw', raw as BufferSource, { name: 'Ed25519' }, false, [
      'verify',
    ]);
  } catch {
    throw new ReleaseRefused('bad-signature', 'pinned key');
  }
  const ok = await crypto.subtle.verify(
    { name: 'Ed25519' },
    key,
    sig as BufferSource,
    manifestBytes as BufferSource,
  );
  if (!ok) throw new ReleaseRefused('bad-signature');
  return parseManifest(manifestBytes);
}

/**
 * Checks files a version would serve against its verified manifest: every file must be listed
 * and hash to the listed value. Files listed but not given are not required (the worker caches a
 * subset of the build).
 * @throws ReleaseRefused('unlisted-file' | 'changed-file')
 */
export async function checkFiles(
  manifest: ReleaseManifest,
  files: Iterable<{ path: string; bytes: Uint8Array }>,
): Promise<void> {
  for (const { path, bytes } of files) {
    const listed = Object.hasOwn(manifest.files, path) ? manifest.files[path] : undefined;
    if (listed === undefined) throw new ReleaseRefused('unlisted-file', path);
    if ((await sha256(bytes)) !== listed) throw new ReleaseRefused('changed-file', path);
  }
}

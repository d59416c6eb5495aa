/**
 * Makes "new versions" of the built app for update tests (ADR 0010): a copy of a build with a
 * changed worker version and a marked shell, signed with the test release key — or tampered:
 * unsigned, signed by another key, or a file changed after signing.
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadReleaseKey, signRelease } from '../../scripts/sign-release.js';

export type Tamper = 'none' | 'unsigned' | 'other-key' | 'changed-file';

/** The `content` of the `folio-test` meta tag a version's shell carries. */
export const marker = (tag: string) => `<meta name="folio-test" content="${tag}" />`;

/**
 * Copies `buildDir` into a new folder as version `<version>-<tag>` whose shell carries the meta
 * tag `folio-test=<tag>`, signed with the test key, then applies `tamper`. Returns the folder
 * (remove it with `rm`).
 */
export async function makeVersion(buildDir: string, tag: string, tamper: Tamper): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `folio-build-${tag}-`));
  await cp(buildDir, dir, { recursive: true });
  const versionPath = join(dir, '_app', 'version.json');
  const { version } = JSON.parse(await readFile(versionPath, 'utf8')) as { version: string };
  const next = `${version}-${tag}`;
  const swPath = join(dir, 'service-worker.js');
  const sw = await readFile(swPath, 'utf8');
  if (!sw.includes(version)) throw new Error('the worker does not name its version');
  // A build from before release signing has no key mark; give it one so it can be signed too
  // (FOLIO_BUILD_DIR pointed at such a build shows what these tests catch).
  const marked = sw.includes('folio-release-key:')
    ? sw
    : `${sw}\n//folio-release-key:__FOLIO_RELEASE_PUBLIC_KEY__\n`;
  await writeFile(swPath, marked.replaceAll(version, next));
  await writeFile(versionPath, JSON.stringify({ version: next }));
  const indexPath = join(dir, 'index.html');
  const index = await readFile(indexPath, 'utf8');
  await writeFile(indexPath, index.replace('<title>', `${marker(tag)}\n<title>`));

  signRelease(dir, loadReleaseKey({}).key);
  if (tamper === 'unsigned') {
    await rm(join(dir, 'release.json'));
    await rm(join(dir, 'release.sig'));
  } else if (tamper === 'other-key') {
    const { privateKey } = generateKeyPairSync('ed25519');
    const manifest = await readFile(join(dir, 'release.json'));
    await writeFile(
      join(dir, 'release.sig'),
      sign(null, manifest, privateKey).toString('base64url'),
    );
  } else if (tamper === 'changed-file') {
    const changed = await readFile(indexPath, 'utf8');
    await writeFile(indexPath, changed.replace('<title>', '<meta name="injected" />\n<title>'));
  }
  return dir;
}

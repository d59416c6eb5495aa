// Moves SvelteKit's inline boot script out of the built fallback page into /_app/boot.js so the
// relay can send a Content-Security-Policy whose script-src is exactly 'self' 'wasm-unsafe-eval'
// (no 'unsafe-inline', no per-build hashes). The boot code reads document.currentScript, which a
// classic (non-module) external script still provides, so it is loaded as one.
// Usage: node scripts/externalize-boot.js <build-dir>
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2] ?? 'build';
const pagePath = join(dir, 'index.html');
const html = readFileSync(pagePath, 'utf8');
const inline = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)];
if (inline.length !== 1) {
  console.error(
    `externalize-boot: expected exactly one inline script in ${pagePath}, found ${inline.length}`,
  );
  process.exit(1);
}
const [tag, body] = inline[0];
writeFileSync(join(dir, '_app', 'boot.js'), body.trim() + '\n');
writeFileSync(pagePath, html.replace(tag, '<script src="/_app/boot.js"></script>'));
console.log(`externalize-boot: ${pagePath} now loads /_app/boot.js`);

/**
 * Serves the built PWA from a directory with an SPA fallback: any GET for a path that is not a
 * file, and that looks like a page (no extension), gets index.html. Hashed assets under
 * /_app/immutable/ are cached forever; everything else must be revalidated, so a new release is
 * seen by the service worker's update check. Paths are decoded once, normalised and confined to
 * the root; dotfiles are never served.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

export type StaticResult = 'served' | 'not-found' | 'bad-request' | 'method-not-allowed';

/** Resolves a URL path inside root, or null when it escapes root or names a dotfile. */
export function resolveInside(root: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0')) return null;
  const rel = normalize(decoded).replace(/^([/\\])+/, '');
  if (rel.split(/[/\\]/).some((part) => part.startsWith('.'))) return null;
  const full = join(root, rel);
  if (full !== root && !full.startsWith(root.endsWith(sep) ? root : root + sep)) return null;
  return full;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

function send(req: IncomingMessage, res: ServerResponse, file: string, cacheControl: string): void {
  res.statusCode = 200;
  res.setHeader('Content-Type', TYPES[extname(file)] ?? 'application/octet-stream');
  res.setHeader('Cache-Control', cacheControl);
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const stream = createReadStream(file);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}

/** Serves one request from root; returns what happened so the caller can answer errors. */
export async function serveStatic(
  root: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<StaticResult> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return 'method-not-allowed';
  const pathname = (req.url ?? '/').split('?')[0]!.split('#')[0]!;
  const file = resolveInside(root, pathname);
  if (file === null) return 'bad-request';
  if (await isFile(file)) {
    const immutable = pathname.startsWith('/_app/immutable/');
    send(req, res, file, immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
    return 'served';
  }
  if (extname(pathname) === '' || pathname.endsWith('.html')) {
    const fallback = join(root, 'index.html');
    if (await isFile(fallback)) {
      send(req, res, fallback, 'no-cache');
      return 'served';
    }
  }
  return 'not-found';
}

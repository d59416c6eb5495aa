/// <reference types="@sveltejs/kit" />
/// <reference no-default-lib="true"/>
/// <reference lib="esnext" />
/// <reference lib="webworker" />
/**
 * Folio's service worker: precaches the whole built app so it starts offline, and pins the
 * installed version (docs/design.md §9). Every app request is answered from this version's cache;
 * navigations get the cached app shell. A new worker installs beside the old one and waits until
 * the page asks it to take over (the user chose "Update now"); it never calls skipWaiting on its
 * own while an older version controls a page. It caches only the app's code and static files —
 * never API responses, never patient data.
 *
 * Releases are signed (ADR 0010): the first worker to install pins the release public key built
 * into it (scripts/sign-release.js), and before the page offers "Update now" it asks this — the
 * installed — worker to check the waiting version: its release.json must carry a valid signature
 * by the pinned key and every file it cached, and its worker script, must hash to the listed value.
 */
import { build, files, version } from '$service-worker';
import {
  checkFiles,
  MANIFEST_PATH,
  ReleaseRefused,
  SIGNATURE_PATH,
  verifyManifest,
} from '$lib/pwa/release';

const sw = self as unknown as ServiceWorkerGlobalScope;
const CACHE_PREFIX = 'folio-app-';
const CACHE = `${CACHE_PREFIX}${version}`;
/** The app shell: the relay's SPA fallback page, and its boot script (scripts/externalize-boot.js). */
const SHELL = '/';
/** The share-link viewer's shell: the same page, cached with its own CSP (relay/headers.ts). */
const VIEWER = '/view';
const ASSETS = [...new Set([...build, ...files, SHELL, VIEWER, '/_app/boot.js'])];
/** This build's release key; scripts/sign-release.js replaces the placeholder after the mark. */
const RELEASE_KEY = 'folio-release-key:__FOLIO_RELEASE_PUBLIC_KEY__'.replace(/^[a-z-]+:/, '');
/** Where the key of the first installed release is kept (never replaced by a later version). */
const PIN_CACHE = 'folio-release-pin';
const PIN_PATH = '/pinned-release-key';

/** Paths that are live endpoints, never cached. */
const NETWORK_ONLY = ['/signal', '/sync', '/healthz', '/shl/', '/pair/'];

sw.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      // 'reload' bypasses the HTTP cache, so a new version never precaches stale files.
      await cache.addAll(ASSETS.map((url) => new Request(url, { cache: 'reload' })));
      // The release files are cached when present; without them the installed version refuses
      // this one as unsigned (and says so) instead of the install failing silently.
      for (const path of [MANIFEST_PATH, SIGNATURE_PATH]) {
        const response = await fetch(path, { cache: 'reload' }).catch(() => null);
        if (response?.ok) await cache.put(path, response);
      }
      const pins = await caches.open(PIN_CACHE);
      if (!(await pins.match(PIN_PATH))) await pins.put(PIN_PATH, new Response(RELEASE_KEY));
    })(),
  );
});

sw.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys()) {
        if (key.startsWith(CACHE_PREFIX) && key !== CACHE) await caches.delete(key);
      }
      await sw.clients.claim();
    })(),
  );
});

async function bytesOf(response: Response | undefined): Promise<Uint8Array | null> {
  return response ? new Uint8Array(await response.arrayBuffer()) : null;
}

type VerifyResult = { ok: true } | { ok: false; reason: string; detail: string };

/** Checks the waiting version `candidate` (its cache and worker script) against the pinned key. */
async function verifyCandidate(candidate: string): Promise<VerifyResult> {
  try {
    const name = `${CACHE_PREFIX}${candidate}`;
    if (candidate === version || !(await caches.has(name))) {
      throw new ReleaseRefused('wrong-version', candidate);
    }
    const cache = await caches.open(name);
    const pinned = await (await caches.open(PIN_CACHE)).match(PIN_PATH);
    const key = pinned ? await pinned.text() : RELEASE_KEY;
    const signature = await cache.match(SIGNATURE_PATH);
    const manifest = await verifyManifest(
      await bytesOf(await cache.match(MANIFEST_PATH)),
      signature ? await signature.text() : null,
      key,
    );
    if (manifest.version !== candidate) throw new ReleaseRefused('wrong-version', candidate);
    for (const request of await cache.keys()) {
      const path = new URL(request.url).pathname;
      if (path === MANIFEST_PATH || path === SIGNATURE_PATH) continue;
      await checkFiles(manifest, [{ path, bytes: (await bytesOf(await cache.match(request)))! }]);
    }
    const script = sw.registration.waiting?.scriptURL ?? `${sw.location.origin}/service-worker.js`;
    const response = await fetch(script, { cache: 'no-store' });
    const scriptPath = new URL(script).pathname;
    try {
      await checkFiles(manifest, [{ path: scriptPath, bytes: (await bytesOf(response))! }]);
    } catch {
      throw new ReleaseRefused('changed-worker', scriptPath);
    }
    return { ok: true };
  } catch (error) {
    if (error instanceof ReleaseRefused) {
      return { ok: false, reason: error.reason, detail: error.detail };
    }
    return { ok: false, reason: 'unverifiable', detail: (error as Error).name };
  }
}

sw.addEventListener('message', (event) => {
  const data = event.data as { type?: unknown; version?: unknown } | null;
  const port = event.ports[0];
  if (data?.type === 'skip-waiting') {
    event.waitUntil(sw.skipWaiting());
  } else if (data?.type === 'version' && port) {
    port.postMessage({ version });
  } else if (data?.type === 'verify-update' && port && typeof data.version === 'string') {
    const candidate = data.version;
    event.waitUntil(verifyCandidate(candidate).then((result) => port.postMessage(result)));
  }
});

sw.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== sw.location.origin) return;
  if (NETWORK_ONLY.some((p) => url.pathname === p || url.pathname.startsWith(p))) return;

  event.respondWith(
    (async () => {
      const cache = await caches.open(CACHE);
      const key =
        request.mode === 'navigate' ? (url.pathname === VIEWER ? VIEWER : SHELL) : url.pathname;
      const cached = await cache.match(key);
      if (cached) return cached;
      // Not part of this version (or the cache was evicted): fall back to the network.
      return fetch(request);
    })(),
  );
});

/// <reference types="@sveltejs/kit" />
/// <reference no-default-lib="true"/>
/// <reference lib="esnext" />
/// <reference lib="webworker" />
/**
 * Folio's service worker: precaches the whole built app so it starts offline, and pins the
 * installed version (DESIGN.md §9). Every app request is answered from this version's cache;
 * navigations get the cached app shell. A new worker installs beside the old one and waits until
 * the page asks it to take over (the user chose "Update now"); it never calls skipWaiting on its
 * own while an older version controls a page. It caches only the app's code and static files —
 * never API responses, never patient data.
 */
import { build, files, version } from '$service-worker';

const sw = self as unknown as ServiceWorkerGlobalScope;
const CACHE_PREFIX = 'folio-app-';
const CACHE = `${CACHE_PREFIX}${version}`;
/** The app shell: the relay's SPA fallback page, and its boot script (scripts/externalize-boot.js). */
const SHELL = '/';
/** The share-link viewer's shell: the same page, cached with its own CSP (relay/headers.ts). */
const VIEWER = '/view';
const ASSETS = [...new Set([...build, ...files, SHELL, VIEWER, '/_app/boot.js'])];
/** Paths that are live endpoints, never cached. */
const NETWORK_ONLY = ['/signal', '/sync', '/healthz', '/shl/', '/pair/'];

sw.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      // 'reload' bypasses the HTTP cache, so a new version never precaches stale files.
      await cache.addAll(ASSETS.map((url) => new Request(url, { cache: 'reload' })));
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

sw.addEventListener('message', (event) => {
  if ((event.data as { type?: unknown } | null)?.type === 'skip-waiting') {
    event.waitUntil(sw.skipWaiting());
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

import adapter from '@sveltejs/adapter-static';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
const config = {
  preprocess: vitePreprocess(),
  compilerOptions: { runes: true },
  kit: {
    // Single-page app: every route renders in the browser; the relay serves index.html for
    // any path it does not know (SPA fallback).
    adapter: adapter({ pages: 'build', assets: 'build', fallback: 'index.html', strict: true }),
    // We register the worker ourselves so that a new version never activates silently
    // (docs/design.md §9, src/lib/pwa/update.svelte.ts).
    serviceWorker: { register: false },
    version: { pollInterval: 0 },
    // The fallback page is served at every path, so asset URLs must be absolute.
    paths: { relative: false },
  },
};

export default config;

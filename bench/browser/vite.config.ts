// Builds the in-browser chart benchmark page (bench/browser/entry.ts) with Folio's real modules.
import { resolve } from 'node:path';
import { defineConfig } from 'vite';

export default defineConfig({
  root: resolve(import.meta.dirname, '.'),
  resolve: { alias: { $lib: resolve(import.meta.dirname, '../../src/lib') } },
  build: {
    outDir: resolve(import.meta.dirname, '../.build'),
    emptyOutDir: true,
    target: 'es2022',
    rollupOptions: {
      input: {
        index: resolve(import.meta.dirname, 'index.html'),
        webrtc: resolve(import.meta.dirname, 'webrtc.html'),
      },
    },
  },
  worker: { format: 'es' },
  logLevel: 'warn',
});

import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  plugins: [sveltekit()],
  build: { target: 'es2022', sourcemap: false },
  worker: { format: 'es' },
  test: {
    include: ['tests/unit/**/*.spec.ts'],
    environment: 'node',
    expect: { requireAssertions: true },
    testTimeout: 20_000,
    // Suites that load fixtures once (import-85: 85 Synthea patients) need longer on a loaded
    // two-core machine; a hook still fails when it hangs.
    hookTimeout: 60_000,
  },
});

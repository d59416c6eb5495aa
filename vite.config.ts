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
  },
});

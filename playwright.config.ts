import { defineConfig } from '@playwright/test';

// Browser tests run against the production build served by the real relay, one relay per test
// (tests/e2e/fixtures.ts). Two cores: one worker keeps timings stable and the machine usable.
export default defineConfig({
  testDir: 'tests/e2e',
  testMatch: '**/*.e2e.ts',
  workers: 1,
  fullyParallel: false,
  forbidOnly: true,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: [['list'], ['json', { outputFile: 'test-results/playwright.json' }]],
  outputDir: 'test-results/playwright-artifacts',
  use: { trace: 'off', screenshot: 'off' },
});

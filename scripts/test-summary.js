// Prints one closing line for the whole suite, "N passed, N failed, N skipped", from the JSON
// reports that vitest and Playwright write into test-results/. Exits 1 when a report is missing
// or counts a failure, so a suite that silently ran nothing cannot look green.
import { readFileSync } from 'node:fs';

function read(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    console.error(`test-summary: missing or unreadable ${path}`);
    process.exit(1);
  }
}

const unit = read('test-results/vitest.json');
const e2e = read('test-results/playwright.json');
const passed = unit.numPassedTests + (e2e.stats.expected ?? 0) + (e2e.stats.flaky ?? 0);
const failed = unit.numFailedTests + (e2e.stats.unexpected ?? 0);
const skipped = unit.numPendingTests + unit.numTodoTests + (e2e.stats.skipped ?? 0);
console.log(`unit: ${unit.numPassedTests} passed; e2e: ${e2e.stats.expected ?? 0} passed`);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);

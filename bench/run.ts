/**
 * `npm run bench`: every benchmark, printing ratios against baselines measured in the same run.
 * Benchmarks never fail on timing; they report. Requires a build (`npm run build`) for the
 * browser measures.
 */
import { existsSync } from 'node:fs';
import { benchBrowser } from './browser.ts';
import { benchEnvelopes } from './envelope.ts';
import { machine } from './report.ts';

console.log(`Folio benchmarks — ${machine()} — ${new Date().toISOString()}`);
await benchEnvelopes();
if (existsSync('build/index.html') && existsSync('/usr/bin/chromium')) await benchBrowser();
else console.log('browser measures skipped: run `npm run build` and install /usr/bin/chromium');

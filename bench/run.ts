/**
 * `npm run bench`: every benchmark, printing ratios against baselines measured in the same run.
 * Benchmarks never fail on timing; they report. Requires a build (`npm run build`) for the
 * browser measures.
 */
import { existsSync } from 'node:fs';
import { benchAbuse } from './abuse.ts';
import { benchBrowser } from './browser.ts';
import { benchChartRender } from './chart-render.ts';
import { benchCharts } from './charts.ts';
import { benchCodeSearch } from './code-search.ts';
import { benchEnvelopes } from './envelope.ts';
import { benchFhirImport } from './fhir.ts';
import { benchLoad } from './load.ts';
import { benchNoteEditor } from './note-editor.ts';
import { benchScale } from './scale.ts';
import { benchSync } from './sync.ts';
import { machine } from './report.ts';

console.log(`Folio benchmarks — ${machine()} — ${new Date().toISOString()}`);
await benchEnvelopes();
// The relay under one abusive client vs none (issue 11 item 7); needs no build.
await benchAbuse({ seconds: process.env.FOLIO_BENCH_QUICK ? 3 : 5 });
// 1,000 devices across 100 practices, one relay process vs two over Redis (issue 14 item 4).
await benchLoad(
  process.env.FOLIO_BENCH_QUICK
    ? { practices: 20, devicesPerPractice: 10, waves: 3 }
    : { practices: 100, devicesPerPractice: 10, waves: 5 },
);
if (existsSync('build/index.html') && existsSync('/usr/bin/chromium')) {
  await benchBrowser();
  // The heavy Synthea chart opened and every tab rendered in the real app (issue 13 item 8).
  await benchChartRender();
  // A keystroke in the ICD-10-CM picker → results rendered, p95 vs 30 ms (issue 13 item 1).
  await benchCodeSearch();
  // FOLIO_BENCH_QUICK=1 skips the 42,000-envelope case (about a minute).
  const counts = process.env.FOLIO_BENCH_QUICK ? [1, 100, 1000] : [1, 100, 1000, 10_000, 42_000];
  await benchCharts({ envelopeCounts: counts });
  // Needs the chart benchmark's page build (bench/.build) for the WebRTC pages.
  await benchSync({ charts: 1000, memoryRooms: 2000 });
  // A keystroke in a note on one device → visible in the editor on another (issue 16 item 1).
  await benchNoteEditor();
  await benchFhirImport();
  // A practice of 1,000 and 5,000 patients through the real app (issue 15 item 5); set
  // FOLIO_BENCH_SCALE=1000,5000,20000 for the 20,000 case (it imports for a long time).
  await benchScale(
    (process.env.FOLIO_BENCH_SCALE ?? (process.env.FOLIO_BENCH_QUICK ? '200,800' : '1000,5000'))
      .split(',')
      .map(Number),
  );
} else console.log('browser measures skipped: run `npm run build` and install /usr/bin/chromium');

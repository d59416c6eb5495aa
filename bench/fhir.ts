/**
 * FHIR import benchmark (issues 6 and 15): the Synthea patients of
 * ../shared/fixtures/fhir/synthea-r4 imported in Chromium, on an on-disk profile, the way
 * `Import FHIR` does (read, validate against the R4 schema, group, map into charts, seal, store),
 * against a plain baseline in the same page: JSON.parse of the same bundle and an IndexedDB put
 * of each resource, one strict transaction per patient. Reports resources/s of both and the ratio
 * sealed/plain (issue 15 item 4: ≥ 0.5×) for the largest patient (median of 5 alternating rounds)
 * and for all patients, with where the sealed time goes.
 *
 * Alone: `flock /tmp/folio-browser.lock npx tsx bench/fhir.ts` (builds bench/.build first).
 * From bench/run.ts it uses the bench/.build the chart benchmark has just built.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { benchCaller, withPageOnDisk } from './chromium.ts';
import type { SealedImport } from './browser/entry.ts';
import { line } from './report.ts';

const DIR = join(import.meta.dirname, '..', '..', 'shared', 'fixtures', 'fhir', 'synthea-r4');

type Sealed = SealedImport;
type Bench = {
  setup(): Promise<void>;
  importFhir(text: string): Promise<Sealed>;
  plainFhir(text: string): Promise<{ ms: number; resources: number }>;
};

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const perSecond = (resources: number, ms: number) => (resources / ms) * 1000;

export async function benchFhirImport(): Promise<void> {
  if (!existsSync(DIR)) {
    line('FHIR import', 'skipped', `no fixtures at ${DIR}`);
    return;
  }
  const files = readdirSync(DIR)
    .filter((f) => f.endsWith('.json'))
    .sort((a, b) => statSync(join(DIR, a)).size - statSync(join(DIR, b)).size);
  const texts = new Map(files.map((f) => [f, readFileSync(join(DIR, f), 'utf8')]));
  const largest = files.at(-1)!;
  await withPageOnDisk('bench/.build', async (page) => {
    await page.waitForFunction(() => document.title === 'ready');
    const call = benchCaller<Bench>(page);
    await call((b) => b.setup());
    // Warm-up (not counted): loads the R4 validators module and lets the JIT settle.
    await call((b, t) => b.importFhir(t as string), texts.get(files[0]!));
    await call((b, t) => b.plainFhir(t as string), texts.get(files[0]!));

    // The largest patient: 5 alternating rounds, the median of each side.
    const big = texts.get(largest)!;
    const sealedRuns: Sealed[] = [];
    const plainRuns: number[] = [];
    for (let i = 0; i < 5; i++) {
      sealedRuns.push(await call((b, t) => b.importFhir(t as string), big));
      plainRuns.push((await call((b, t) => b.plainFhir(t as string), big)).ms);
    }
    const one = sealedRuns.sort((a, b) => a.ms - b.ms)[2]!;
    const sealedRate = perSecond(one.resources, one.ms);
    const plainRate = perSecond(one.resources, median(plainRuns));
    line(
      'FHIR import, largest patient',
      `${one.resources} res, ${(Buffer.byteLength(big) / 1e6).toFixed(1)} MB`,
      `sealed ${sealedRate.toFixed(0)} res/s vs plain ${plainRate.toFixed(0)} res/s: ${(sealedRate / plainRate).toFixed(2)}× (target ≥ 0.5×)`,
      breakdown(one),
    );

    // Every patient once, alternating sealed and plain per file.
    const total = { ms: 0, plainMs: 0, resources: 0, plainResources: 0, patients: 0 };
    const parts = { readMs: 0, validateMs: 0, planMs: 0, applyMs: 0, sealMs: 0 };
    let input = 0;
    let sealedBytes = 0;
    for (const file of files) {
      const text = texts.get(file)!;
      const r = await call((b, t) => b.importFhir(t as string), text);
      const p = await call((b, t) => b.plainFhir(t as string), text);
      total.ms += r.ms;
      total.plainMs += p.ms;
      total.resources += r.resources;
      total.plainResources += p.resources;
      total.patients += r.patients;
      for (const k of Object.keys(parts) as (keyof typeof parts)[]) parts[k] += r[k];
      input += Buffer.byteLength(text);
      sealedBytes += r.sealedBytes;
    }
    const all = perSecond(total.resources, total.ms);
    const allPlain = perSecond(total.plainResources, total.plainMs);
    line(
      'FHIR import, all Synthea patients',
      `${total.patients} patients, ${total.resources} res`,
      `sealed ${all.toFixed(0)} res/s (${(total.ms / 1000).toFixed(1)} s) vs plain ${allPlain.toFixed(0)} res/s: ${(all / allPlain).toFixed(2)}×`,
      `${breakdown({ ...parts, ms: total.ms })}; sealed ${(sealedBytes / 1e6).toFixed(1)} MB vs input ${(input / 1e6).toFixed(1)} MB (${(sealedBytes / input).toFixed(2)}×)`,
    );
    console.log(
      '  (Chromium, on-disk profile, strict durability on both sides; in-page time only. Sealed ' +
        'excludes: the practice index entry and chart listing, the preview screen, moving the ' +
        'file into the page, and the first load of the R4 validators (warm-up). Plain is ' +
        'JSON.parse + one IndexedDB put per resource, one transaction per patient, nothing else.)',
    );
  });
}

function breakdown(r: Omit<Sealed, 'resources' | 'patients' | 'sealedBytes'>): string {
  const pct = (x: number) => `${((x / r.ms) * 100).toFixed(0)} %`;
  return `read ${pct(r.readMs)}, validate+group ${pct(r.validateMs)}, plan ${pct(r.planMs)}, apply ${pct(r.applyMs)}, seal+store ${pct(r.sealMs)}`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  execFileSync('npx', ['vite', 'build', '--config', 'bench/browser/vite.config.ts'], {
    stdio: 'inherit',
  });
  await benchFhirImport();
}

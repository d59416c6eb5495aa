/**
 * FHIR import benchmark (issue 6): all Synthea patients of ../shared/fixtures/fhir/synthea-r4
 * imported in Chromium the way `Import FHIR` does (read, validate against the R4 schema, group,
 * map into charts, seal, store): total time, time per 1,000 resources, and the sealed size
 * against the input size. Needs bench/.build (built by the chart benchmark).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchCaller, withBrowser } from './chromium.ts';
import { line } from './report.ts';

const DIR = join(import.meta.dirname, '..', '..', 'shared', 'fixtures', 'fhir', 'synthea-r4');

export async function benchFhirImport(): Promise<void> {
  if (!existsSync(DIR)) {
    line('FHIR import', 'skipped', `no fixtures at ${DIR}`);
    return;
  }
  const files = readdirSync(DIR).filter((f) => f.endsWith('.json'));
  await withBrowser('bench/.build', async (browser, url) => {
    const page = await browser.newPage();
    await page.goto(`${url}/`);
    await page.waitForFunction(() => document.title === 'ready');
    type Bench = {
      setup(): Promise<void>;
      importFhir(text: string): Promise<Record<string, number>>;
    };
    const call = benchCaller<Bench>(page);
    await call((b) => b.setup());
    const total = { ms: 0, validate: 0, write: 0, resources: 0, patients: 0, input: 0, sealed: 0 };
    for (const file of files) {
      const text = readFileSync(join(DIR, file), 'utf8');
      const start = performance.now();
      const r = await call((b, t) => b.importFhir(t as string), text);
      total.ms += performance.now() - start;
      total.validate += r.validateMs!;
      total.write += r.writeMs!;
      total.resources += r.resources!;
      total.patients += r.patients!;
      total.input += Buffer.byteLength(text);
      total.sealed += r.sealedBytes!;
    }
    line(
      'FHIR import (Synthea, Chromium)',
      `${total.patients} patients, ${total.resources} res`,
      `${(total.ms / 1000).toFixed(1)} s total, ${((total.ms / total.resources) * 1000).toFixed(0)} ms per 1,000 resources`,
      `validate ${(total.validate / 1000).toFixed(1)} s, write ${(total.write / 1000).toFixed(1)} s; sealed ${(total.sealed / 1e6).toFixed(1)} MB vs input ${(total.input / 1e6).toFixed(1)} MB (${(total.sealed / total.input).toFixed(2)}×)`,
    );
  });
}

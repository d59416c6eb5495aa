/**
 * FHIR round trip over real exports: every file read the way `Import FHIR` reads it (validated,
 * grouped, references resolved), imported into a chart, exported again, and each exported
 * resource compared with its input resource, resource by resource.
 *
 * Ignored, because Folio documents that it changes them (lib/chart/fhir-out.ts):
 * - references: a `urn:uuid:` or conditional reference in the input is expected as the `Type/id`
 *   of the resource it names (resolved here independently of Folio's resolver);
 * - a resource without an id is expected with the id Folio gives it.
 * Everything else must be equal. The exported resources are also checked against the R4 schema.
 *
 *   node scripts/fhir-roundtrip.js [directory or file …]   (runs this module through Vite)
 *
 * Without arguments: every Synthea directory under ../shared/fixtures/fhir. A directory with
 * files that hold no Patient (Synthea's hospitalInformation / practitionerInformation) is also
 * imported as one multi-file import. Exits 1 when any difference is found.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import * as Y from 'yjs';
import { planImport } from '../src/lib/chart/fhir-in.ts';
import { chartToFhir } from '../src/lib/chart/fhir-out.ts';
import { ChartModel } from '../src/lib/chart/model.ts';
import { ChartDoc } from '../src/lib/crdt/chart-doc.ts';
import type { SealedDoc } from '../src/lib/crdt/sealed-doc.ts';
import { checkResource, prepareImport, readImportFiles } from '../src/lib/fhir/r4/index.ts';

type Json = Record<string, unknown>;
type Resource = Json & { resourceType: string; id?: string };

export interface RoundTripReport {
  files: number;
  patients: number;
  compared: number;
  /** `file: Type/id at path: what` */
  differences: string[];
  /** Resources imported but missing from the export, or exported but never imported. */
  unmatched: string[];
  /** Schema problems in the exported resources. */
  invalid: string[];
  /** Patients refused at import (with the first problem). */
  refused: string[];
}

/** A chart over a bare Y.Doc (no sealing: the mapping, not the storage, is under test). */
function bareChart(): ChartModel {
  const stub = { ydoc: new Y.Doc(), signerOf: () => undefined } as unknown as SealedDoc;
  return new ChartModel(new ChartDoc(stub));
}

interface Entry {
  fullUrl?: string;
  resource: Resource;
}

function entriesOf(text: string): Entry[] {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{') || trimmed.includes('\n{"resourceType"')) {
    return trimmed
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => ({ resource: JSON.parse(l) as Resource }));
  }
  const value = JSON.parse(trimmed) as Resource & { entry?: Entry[] };
  return value.resourceType === 'Bundle' ? (value.entry ?? []) : [{ resource: value }];
}

/** The input's references as Folio documents it exports them (an independent resolver). */
function expectedReferences(entries: Entry[]): (ref: string) => string {
  const byFullUrl = new Map<string, Resource>();
  for (const e of entries) if (e.fullUrl) byFullUrl.set(e.fullUrl, e.resource);
  const idOf = (r: Resource, fullUrl?: string) =>
    r.id ?? /^urn:uuid:(.*)$/.exec(fullUrl ?? '')?.[1] ?? '?';
  const fullUrlOf = new Map(entries.map((e) => [e.resource, e.fullUrl]));
  return (ref) => {
    const hit = byFullUrl.get(ref);
    if (hit) return `${hit.resourceType}/${idOf(hit, fullUrlOf.get(hit))}`;
    const m = /^([A-Za-z]+)\?identifier=([^|]*)\|(.*)$/.exec(ref);
    if (m) {
      const [, type, system, value] = m;
      const hits = entries.filter(
        (e) =>
          e.resource.resourceType === type &&
          ((e.resource.identifier as Json[] | undefined) ?? []).some(
            (i) => i.system === system && i.value === value,
          ),
      );
      if (hits.length === 1) return `${type}/${idOf(hits[0]!.resource, hits[0]!.fullUrl)}`;
    }
    return ref;
  };
}

function normalized(node: unknown, map: (ref: string) => string): unknown {
  if (Array.isArray(node)) return node.map((n) => normalized(n, map));
  if (!node || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node).map(([k, v]) => [
      k,
      k === 'reference' && typeof v === 'string' ? map(v) : normalized(v, map),
    ]),
  );
}

/** Paths where two JSON values differ. */
function diff(a: unknown, b: unknown, path: string, out: string[]): void {
  if (a === b) return;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) out.push(`${path}: ${a.length} items, exported ${b.length}`);
    for (let i = 0; i < Math.min(a.length, b.length); i++) diff(a[i], b[i], `${path}[${i}]`, out);
    return;
  }
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a)) {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)]))
      diff((a as Json)[k], (b as Json)[k], `${path}.${k}`, out);
    return;
  }
  out.push(`${path}: ${JSON.stringify(a)} → ${JSON.stringify(b)}`);
}

/** One import (one or several files read together) → export → comparison. */
export async function roundTrip(
  paths: (string | { name: string; data: string })[],
): Promise<RoundTripReport> {
  const texts = paths.map((p) =>
    typeof p === 'string' ? { name: basename(p), data: readFileSync(p, 'utf8') } : p,
  );
  const label = texts.length === 1 ? texts[0]!.name : `${texts.length} files`;
  const entries = texts.flatMap((t) => entriesOf(t.data));
  const expectRef = expectedReferences(entries);
  const report: RoundTripReport = {
    files: paths.length,
    patients: 0,
    compared: 0,
    differences: [],
    unmatched: [],
    invalid: [],
    refused: [],
  };
  const prepared = await prepareImport(readImportFiles(texts));
  for (const group of prepared.patients) {
    if (!group.ok) {
      const first = group.issues[0];
      report.refused.push(
        `${label}: ${group.patient.id}: ${first?.expression[0]} ${first?.diagnostics}`,
      );
      continue;
    }
    report.patients++;
    const chart = bareChart();
    chart.applyImport(planImport(group.resources));
    const exported = chartToFhir(chart, 'unused-for-imports');
    const out = new Map(exported.map((r) => [`${r.resourceType}/${r.id}`, r as Resource]));
    const seen = new Set<string>();
    for (const g of group.resources) {
      const key = `${g.resourceType}/${g.id}`;
      // The input resource this group member came from (by id, or by its fullUrl uuid).
      const source =
        entries.find((e) => e.resource.resourceType === g.resourceType && e.resource.id === g.id) ??
        entries.find((e) => e.fullUrl === `urn:uuid:${g.id}`);
      const got = out.get(key);
      if (!source || !got) {
        report.unmatched.push(`${label}: ${key} ${got ? 'not in the input' : 'not exported'}`);
        continue;
      }
      seen.add(key);
      report.compared++;
      const expected = normalized({ ...source.resource, id: g.id }, expectRef);
      const found: string[] = [];
      diff(expected, got, key, found);
      report.differences.push(...found.map((d) => `${label}: ${d}`));
    }
    for (const key of out.keys())
      if (!seen.has(key)) report.unmatched.push(`${label}: ${key} exported but not imported`);
    for (const r of exported) {
      const problems = await checkResource({ resource: r, where: `${r.resourceType}/${r.id}` });
      report.invalid.push(...problems.map((p) => `${label}: ${p.expression[0]}: ${p.diagnostics}`));
    }
  }
  return report;
}

const holdsPatient = (path: string) => readFileSync(path, 'utf8').includes('"Patient"');

/** Every import the script makes for a directory: each patient file, and all files together. */
export function importsOf(dir: string): string[][] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json') || f.endsWith('.ndjson'))
    .sort()
    .map((f) => join(dir, f));
  const patients = files.filter(holdsPatient);
  const shared = files.filter((f) => !holdsPatient(f));
  return [...patients.map((f) => [f]), ...(shared.length ? [files] : [])];
}

/** The command: returns the exit code (1 when any difference is found). */
export async function main(args: string[]): Promise<number> {
  const root = resolve(process.cwd(), '..', 'shared', 'fixtures', 'fhir');
  const targets = args.length
    ? args
    : existsSync(root)
      ? readdirSync(root)
          .filter((d) => d.startsWith('synthea'))
          .map((d) => join(root, d))
      : [];
  if (!targets.length) {
    console.log(`No fixtures: pass directories or files (default ${root}).`);
    return 0;
  }
  const total: RoundTripReport = {
    files: 0,
    patients: 0,
    compared: 0,
    differences: [],
    unmatched: [],
    invalid: [],
    refused: [],
  };
  for (const target of targets) {
    const imports = statSync(target).isDirectory() ? importsOf(target) : [[target]];
    for (const paths of imports) {
      const r = await roundTrip(paths);
      total.files += r.files;
      total.patients += r.patients;
      total.compared += r.compared;
      for (const k of ['differences', 'unmatched', 'invalid', 'refused'] as const)
        total[k].push(...r[k]);
      console.log(
        `${paths.length === 1 ? basename(paths[0]!) : `${basename(target)}: ${paths.length} files together`}: ${r.patients} patients, ${r.compared} resources compared, ${r.differences.length} differences`,
      );
    }
  }
  console.log(
    `\nTotal: ${total.patients} patient imports, ${total.compared} resources compared; ` +
      `${total.differences.length} differences, ${total.unmatched.length} unmatched, ` +
      `${total.invalid.length} schema problems in the export, ${total.refused.length} patients refused.`,
  );
  for (const k of ['differences', 'unmatched', 'invalid', 'refused'] as const) {
    if (!total[k].length) continue;
    console.log(`\n${k}:`);
    for (const line of total[k].slice(0, 200)) console.log(`  ${line}`);
    if (total[k].length > 200) console.log(`  … ${total[k].length - 200} more`);
  }
  return total.differences.length || total.unmatched.length || total.invalid.length ? 1 : 0;
}

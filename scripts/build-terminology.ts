/**
 * Builds the terminology the app ships (static/terminology/): one pack per system (format in
 * src/lib/chart/terminology/pack.ts: rows in rank order + prebuilt search index, gzip), with its
 * SOURCE and licence beside it. Run once by hand when the fixtures change; its output is committed,
 * so neither CI nor the tests need ../shared.
 *
 *   npx tsx scripts/build-terminology.ts [../shared/fixtures/terminology]
 *
 * ICD-10-CM FY2026: all 98,186 codes, long descriptions; rank: billable first, then chapters other
 *   than pregnancy/perinatal/external causes (O, P, V–Y), then shorter codes, then shorter text.
 * RxNorm prescribable: ingredients (IN) and clinical/branded drugs and packs (SCD, SBD, GPCK,
 *   BPCK) with their ingredient RxCUIs; the A* ingredients missing from the extract come from
 *   rxnorm/a_links_supplement.tsv and drug-classes/classes.tsv. Rank: IN, SCD, SBD, packs;
 *   shorter names first.
 * LOINC: the Top 2000+ US lab results in their frequency rank, with the UCUM unit seen in the
 *   Synthea fixtures where known, then the other LOINC codes with units seen there.
 * CVX is not built here: the app's CVX table (src/lib/chart/data/cvx.tsv) is indexed in the
 *   worker at load (287 rows); only its SOURCE is copied beside the others.
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { codeFormatProblem, EDITION } from '../src/lib/chart/terminology/codes.ts';
import { buildPack, encodePack, type PackInfo } from '../src/lib/chart/terminology/pack.ts';

const ROOT = resolve(import.meta.dirname, '..');
const SRC = resolve(process.argv[2] ?? join(ROOT, '..', 'shared', 'fixtures', 'terminology'));
const OUT = join(ROOT, 'static', 'terminology');

function tsv(path: string): Record<string, string>[] {
  const [head, ...lines] = readFileSync(join(SRC, path), 'utf8').split('\n');
  const cols = head!.split('\t');
  return lines
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const cells = l.split('\t');
      return Object.fromEntries(cols.map((c, i) => [c, cells[i] ?? '']));
    });
}

const clean = (s: string) =>
  s
    .replace(/\u200b/g, '')
    .replace(/[\t\n\r]/g, ' ')
    .trim();

/** A terminology's documents, best first. */
interface Built {
  info: PackInfo;
  rows: string[];
  texts: string[];
}

function write(built: Built, notes: string): { bytes: number; gz: number } {
  const pack = buildPack(
    built.info,
    built.rows.map((row, i) => ({ row, text: built.texts[i]! })),
  );
  const bytes = encodePack(pack);
  const gz = gzipSync(bytes, { level: 9 });
  writeFileSync(join(OUT, `${built.info.system}.pack.gz`), gz);
  mkdirSync(join(OUT, built.info.system), { recursive: true });
  writeFileSync(join(OUT, built.info.system, 'SOURCE.txt'), notes);
  return { bytes: bytes.length, gz: gz.length };
}

function sourceNotes(system: string, ours: string, upstream: string[]): string {
  return [
    ours.trim(),
    '',
    `Built by scripts/build-terminology.ts from ../shared/fixtures/terminology/${system} (the fixture`,
    'folder records where the data came from; its SOURCE follows verbatim).',
    ...upstream.flatMap((p) => [
      '',
      `---- ${p} ----`,
      readFileSync(join(SRC, p), 'utf8').trimEnd(),
    ]),
    '',
  ].join('\n');
}

// ---------------------------------------------------------------- ICD-10-CM
function icd10cm(): Built {
  const rows = tsv('icd10cm/icd10cm-2026.tsv').map((r, order) => ({ ...r, order }));
  const minor = /^[OPVWXY]/;
  for (const r of rows) {
    const problem = codeFormatProblem('icd10cm', r.code!);
    if (problem) throw new Error(`ICD-10-CM ${r.code}: ${problem}`);
  }
  rows.sort(
    (a, b) =>
      Number(b.billable) - Number(a.billable) ||
      Number(minor.test(a.code!)) - Number(minor.test(b.code!)) ||
      a.code!.length - b.code!.length ||
      a.long!.length - b.long!.length ||
      a.order - b.order,
  );
  return {
    info: {
      system: 'icd10cm',
      edition: EDITION.icd10cm,
      columns: ['code', 'billable', 'description'],
    },
    rows: rows.map((r) => [r.code, r.billable, clean(r.long!)].join('\t')),
    texts: rows.map((r) => r.long!),
  };
}

// ---------------------------------------------------------------- RxNorm
function rxnorm(): { built: Built; gapIngredients: number } {
  const names = new Map<string, string>();
  const ins: string[] = [];
  for (const r of tsv('rxnorm/ingredients.tsv')) {
    if (r.tty !== 'IN') continue;
    names.set(r.rxcui!, r.name!);
    ins.push(r.rxcui!);
  }
  // The A* gap: ingredients named by the supplement and the drug-class table.
  let gap = 0;
  const addGap = (rxcui: string, name: string) => {
    if (names.has(rxcui)) return;
    names.set(rxcui, name);
    ins.push(rxcui);
    gap++;
  };
  const supplement = tsv('rxnorm/a_links_supplement.tsv');
  for (const r of supplement) addGap(r.in_rxcui!, r.in_name!);
  for (const r of tsv('drug-classes/classes.tsv')) {
    if (/^a/i.test(r.ingredient_name!)) addGap(r.ingredient_rxcui!, r.ingredient_name!);
  }
  const extra = new Map<string, string[]>();
  for (const r of supplement) extra.set(r.rxcui!, [...(extra.get(r.rxcui!) ?? []), r.in_rxcui!]);

  const drugs = tsv('rxnorm/drugs.tsv');
  const ingredientsOf = new Map<string, string[]>();
  for (const d of drugs) {
    const own = d.in_rxcuis!.split(';').filter((x) => x !== '');
    ingredientsOf.set(d.rxcui!, [...new Set([...own, ...(extra.get(d.rxcui!) ?? [])])]);
  }
  const packs = new Map<string, string[]>();
  for (const p of tsv('rxnorm/pack_contents.tsv')) {
    packs.set(p.pack_rxcui!, [...(packs.get(p.pack_rxcui!) ?? []), p.scd_rxcui!]);
  }
  for (const d of drugs) {
    if (d.tty !== 'GPCK' && d.tty !== 'BPCK') continue;
    const all = (packs.get(d.rxcui!) ?? []).flatMap((scd) => ingredientsOf.get(scd) ?? []);
    ingredientsOf.set(d.rxcui!, [...new Set([...ingredientsOf.get(d.rxcui!)!, ...all])]);
  }
  const unknown = new Set<string>();
  type Row = { rxcui: string; tty: string; name: string; ingredients: string[] };
  const rows: Row[] = [
    ...ins.map((rxcui) => ({ rxcui, tty: 'IN', name: names.get(rxcui)!, ingredients: [rxcui] })),
    ...drugs.map((d) => ({
      rxcui: d.rxcui!,
      tty: d.tty!,
      name: d.name!,
      ingredients: ingredientsOf.get(d.rxcui!)!.filter((r) => {
        if (names.has(r)) return true;
        unknown.add(r);
        return false;
      }),
    })),
  ];
  if (unknown.size)
    console.warn(`rxnorm: ${unknown.size} ingredient RxCUIs without a name dropped`);
  const order = ['IN', 'SCD', 'SBD', 'GPCK', 'BPCK'];
  for (const r of rows) {
    if (!order.includes(r.tty)) throw new Error(`RxNorm ${r.rxcui}: TTY ${r.tty}`);
    const problem = codeFormatProblem('rxnorm', r.rxcui);
    if (problem) throw new Error(problem);
  }
  if (new Set(rows.map((r) => r.rxcui)).size !== rows.length) throw new Error('repeated RxCUI');
  rows.sort(
    (a, b) =>
      order.indexOf(a.tty) - order.indexOf(b.tty) ||
      a.name.length - b.name.length ||
      (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );
  return {
    gapIngredients: gap,
    built: {
      info: {
        system: 'rxnorm',
        edition: EDITION.rxnorm,
        columns: ['rxcui', 'tty', 'name', 'ingredients'],
      },
      rows: rows.map((r) => [r.rxcui, r.tty, clean(r.name), r.ingredients.join(';')].join('\t')),
      texts: rows.map((r) => r.name),
    },
  };
}

// ---------------------------------------------------------------- LOINC
function loinc(): { built: Built; withUnit: number } {
  const units = new Map<string, { unit: string; n: number; display: string }>();
  for (const r of tsv('loinc/ucum-observed-synthea.tsv')) {
    const n = Number(r.n);
    const seen = units.get(r.loinc!);
    if (!seen || n > seen.n) units.set(r.loinc!, { unit: r.ucum!, n, display: clean(r.display!) });
  }
  const top = tsv('loinc/top2000-us.tsv')
    .map((r, order) => ({ ...r, order }))
    .sort(
      (a, b) =>
        Number(a.rank) - Number(b.rank) ||
        a.long_common_name!.length - b.long_common_name!.length ||
        a.order - b.order,
    );
  const inTop = new Set(top.map((r) => r.loinc!));
  type Row = { code: string; name: string; short: string; cls: string; unit: string };
  const rows: Row[] = [
    ...top.map((r) => ({
      code: r.loinc!,
      name: r.long_common_name!,
      short: r.short_name!,
      cls: r.class!,
      unit: units.get(r.loinc!)?.unit ?? '',
    })),
    ...[...units]
      .filter(([code]) => !inTop.has(code))
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([code, u]) => ({ code, name: u.display, short: '', cls: '', unit: u.unit })),
  ];
  for (const r of rows) {
    const problem = codeFormatProblem('loinc', r.code);
    if (problem) throw new Error(`LOINC ${r.code}: ${problem}`);
  }
  return {
    withUnit: rows.filter((r) => r.unit).length,
    built: {
      info: {
        system: 'loinc',
        edition: EDITION.loinc,
        columns: ['code', 'name', 'short', 'class', 'unit'],
      },
      rows: rows.map((r) => [r.code, clean(r.name), clean(r.short), r.cls, r.unit].join('\t')),
      texts: rows.map((r) => `${r.name} ${r.short}`),
    },
  };
}

mkdirSync(OUT, { recursive: true });
const report: string[] = [];
const kb = (n: number) => `${(n / 1024).toFixed(0)} KB`;

const icd = icd10cm();
const icdSize = write(
  icd,
  sourceNotes(
    'icd10cm',
    `icd10cm.pack.gz: ICD-10-CM FY2026, ${icd.rows.length} codes (code without dot, billable flag,
long description). Ranked: billable first; then chapters other than O, P and V-Y; then shorter
codes; then shorter descriptions.`,
    ['icd10cm/SOURCE'],
  ),
);
copyFileSync(join(SRC, 'icd10cm/LICENSE.source'), join(OUT, 'icd10cm', 'LICENSE.txt'));
report.push(`icd10cm ${icd.rows.length} rows: ${kb(icdSize.bytes)} → ${kb(icdSize.gz)} gzip`);

const rx = rxnorm();
const rxSize = write(
  rx.built,
  sourceNotes(
    'rxnorm',
    `rxnorm.pack.gz: RxNorm prescribable content, ${rx.built.rows.length} concepts: ingredients (IN)
and clinical/branded drugs and packs (SCD, SBD, GPCK, BPCK) with their ingredient RxCUIs. PIN and
MIN are left out (a pick names a drug or its ingredient). The fixture lacks ingredients whose names
start with A (see below): ${rx.gapIngredients} of them are added as IN from
rxnorm/a_links_supplement.tsv and drug-classes/classes.tsv (their RxCUIs and names), and the
supplement's ingredient links are added to the combination drugs it covers. Single-ingredient drugs
of those ingredients (e.g. amoxicillin 500 MG Oral Capsule) are still missing: such a drug can be
picked as its ingredient only. Attribution: RxNorm, U.S. National Library of Medicine.`,
    ['rxnorm/SOURCE', 'drug-classes/SOURCE'],
  ),
);
writeFileSync(
  join(OUT, 'rxnorm', 'LICENSE.txt'),
  [
    readFileSync(join(SRC, 'rxnorm/LICENSE.source'), 'utf8').trimEnd(),
    '',
    '---- drug-classes (A* ingredient RxCUIs and names) ----',
    readFileSync(join(SRC, 'drug-classes/LICENSE.source'), 'utf8').trimEnd(),
    '',
  ].join('\n'),
);
report.push(`rxnorm ${rx.built.rows.length} rows: ${kb(rxSize.bytes)} → ${kb(rxSize.gz)} gzip`);

const lo = loinc();
const loSize = write(
  lo.built,
  sourceNotes(
    'loinc',
    `loinc.pack.gz: ${lo.built.rows.length} LOINC codes: the Top 2000+ US lab results (v1.6) in their
frequency rank (Long Common Name, Short Name, class; field contents unchanged), then the LOINC
codes seen with a UCUM unit in the Synthea fixtures that are not among them (named as Synthea names
them). ${lo.withUnit} codes carry the UCUM unit most often seen with them in the Synthea fixtures;
the Top 2000 file has no units, so the others have none.

This material contains content from LOINC (http://loinc.org). LOINC is copyright (c) 1995-2024,
Regenstrief Institute, Inc. and the Logical Observation Identifiers Names and Codes (LOINC)
Committee and is available at no cost under the license at http://loinc.org/license. LOINC(R) is
a registered United States trademark of Regenstrief Institute, Inc.`,
    ['loinc/SOURCE'],
  ),
);
copyFileSync(join(SRC, 'loinc/LICENSE.source'), join(OUT, 'loinc', 'LICENSE.txt'));
copyFileSync(join(SRC, 'loinc/LoincLicense_5.5.txt'), join(OUT, 'loinc', 'LoincLicense_5.5.txt'));
report.push(`loinc ${lo.built.rows.length} rows: ${kb(loSize.bytes)} → ${kb(loSize.gz)} gzip`);

// CVX ships inside the app (src/lib/chart/data); its source is served beside the others.
const CVX = join(ROOT, 'src', 'lib', 'chart', 'data');
mkdirSync(join(OUT, 'cvx'), { recursive: true });
writeFileSync(
  join(OUT, 'cvx', 'SOURCE.txt'),
  [
    'CVX (CDC vaccine administered codes): src/lib/chart/data/cvx.tsv, indexed by the terminology',
    'worker when first searched. Its source and README (licence: U.S. public domain, CDC) follow.',
    '',
    '---- SOURCE.cvx ----',
    readFileSync(join(CVX, 'SOURCE.cvx'), 'utf8').trimEnd(),
    '',
    '---- cvx.README.md ----',
    readFileSync(join(CVX, 'cvx.README.md'), 'utf8').trimEnd(),
    '',
  ].join('\n'),
);

console.log(report.join('\n'));

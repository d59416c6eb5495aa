/**
 * Builds the medication-safety table shipped with the app
 * (src/lib/chart/safety/data/med-safety.json) and its coverage report (…/data/SOURCE.md) from
 * public data that is NOT part of the repository:
 *
 *   FIXTURES/terminology/rxnorm        RxNorm prescribable extract (ingredients.tsv, drugs.tsv,
 *                                      a_links_supplement.tsv)
 *   FIXTURES/terminology/drug-classes  drug-allergy classes -> RxNorm ingredients (classes.tsv)
 *   FIXTURES/ddi                       ONC high-priority and non-interruptive DDI lists (DrugBank)
 *   CONCEPT                            NLM RxClass concept names, 2022-04-04 snapshot, from
 *                                      meerapatelmd/setupRxNorm@3020e6a5f99151152ee808d2184718147ef98699
 *                                      "inst/RxClass Data/19/CONCEPT.csv" (fills the RxNorm
 *                                      extract's gap of ingredients starting with A)
 *
 *   npx tsx scripts/build-med-safety.ts [FIXTURES] [CONCEPT]
 *   (defaults: ../shared/fixtures and /tmp/rxclass-concept.csv; get the latter with
 *    git -C <setupRxNorm clone> show "3020e6a5:inst/RxClass Data/19/CONCEPT.csv")
 *
 * What it does, in order:
 * 1. Ingredients: every RxNorm IN of the extract, plus RxClass IN names for RxCUIs the extract
 *    lacks (the A* gap, withdrawn drugs). Each PIN (salt or anhydrous form) becomes a synonym of
 *    the IN whose name is its longest word prefix ("verapamil hydrochloride" -> verapamil).
 * 2. Classes: classes.tsv as is, plus the allergy words clinicians write for a class (curated
 *    below: "sulfa", "NSAIDs", "penicillin"...), plus cross-reactivity between classes with the
 *    literature it comes from (curated below).
 * 3. Interactions: each DrugBank drug of the ONC lists mapped to one RxNorm ingredient by name
 *    (INN -> USAN fixes below, then IN, PIN, classes.tsv, the A* supplement, RxClass); pairs with
 *    both drugs mapped are kept, as unordered pairs. ONC high-priority = high (interruptive);
 *    ONC non-interruptive = moderate (informational). A small supplement from the FDA warfarin
 *    label (warfarin is not in the mapped high-priority list) is high.
 * 4. Brand names of SBD drugs become synonyms of their ingredients ("Zocor" -> simvastatin,
 *    "Lasix" -> furosemide). Drug codes themselves are not shipped (see SOURCE.md).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const FIXTURES = process.argv[2] ?? '../shared/fixtures';
const CONCEPT = process.argv[3] ?? '/tmp/rxclass-concept.csv';
const OUT = 'src/lib/chart/safety/data';

// ---------------------------------------------------------------------------------------------
// Curated inputs (each with its source)

/** DrugBank (INN) names -> the RxNorm (USAN) ingredient name. */
const NAME_FIXES: Record<string, string> = {
  rifampicin: 'rifampin',
  pethidine: 'meperidine',
  methylergometrine: 'methylergonovine',
  'acetylsalicylic acid': 'aspirin',
  'levomethadyl acetate': 'levomethadyl',
  zoledronate: 'zoledronic acid',
  'meclofenamic acid': 'meclofenamate',
  'azilsartan medoxomil': 'azilsartan',
  'mefenamic acid': 'mefenamate',
};

/** Words clinicians record an allergy to a whole class with (matched as whole words). */
const CLASS_TERMS: Record<string, string[]> = {
  penicillins: ['penicillin', 'penicillins', 'pcn', 'penicillin class antibiotics'],
  cephalosporins: ['cephalosporin', 'cephalosporins', 'cephalosporin antibiotics'],
  carbapenems: ['carbapenem', 'carbapenems'],
  sulfonamide_antibiotics: [
    'sulfa',
    'sulfa drug',
    'sulfa drugs',
    'sulpha',
    'sulfonamide',
    'sulfonamides',
    'sulfonamide antibiotic',
    'sulfonamide antibiotics',
  ],
  nsaids: [
    'nsaid',
    'nsaids',
    'non steroidal anti inflammatory',
    'non steroidal anti inflammatory drugs',
    'nonsteroidal anti inflammatory drugs',
  ],
  opioids: ['opioid', 'opioids', 'opiate', 'opiates', 'narcotic', 'narcotics'],
  ace_inhibitors: ['ace inhibitor', 'ace inhibitors', 'acei'],
  statins: ['statin', 'statins'],
  macrolides: ['macrolide', 'macrolides'],
  fluoroquinolones: ['fluoroquinolone', 'fluoroquinolones', 'quinolone', 'quinolones'],
  tetracyclines: ['tetracyclines'],
  anticonvulsants_aromatic: [
    'aromatic anticonvulsant',
    'aromatic anticonvulsants',
    'aromatic antiepileptic',
    'aromatic antiepileptics',
  ],
  iodinated_contrast: [
    'iodinated contrast',
    'contrast dye',
    'contrast media',
    'iv contrast',
    'radiocontrast',
    'iodine contrast',
  ],
  local_anesthetics_amide: ['amide local anesthetic', 'amide local anesthetics'],
  local_anesthetics_ester: ['ester local anesthetic', 'ester local anesthetics'],
};

const SOURCES: Record<string, string> = {
  'onc-high':
    'ONC high-priority drug-drug interactions: Phansalkar S et al., J Am Med Inform Assoc 2012;19:735-43 (doi:10.1136/amiajnl-2011-000612), as mapped to DrugBank by Ayvaz S et al., J Biomed Inform 2015;55:206-17 (github.com/dbmi-pitt/public-PDDI-analysis @ 8199ee66)',
  'onc-nonint':
    'ONC drug-drug interactions that should be non-interruptive: Phansalkar S et al., J Am Med Inform Assoc 2013;20:489-93 (doi:10.1136/amiajnl-2012-001089), as mapped to DrugBank by Ayvaz S et al. 2015',
  'fda-warfarin':
    'FDA-approved warfarin sodium prescribing information, section 7.2 "Drugs that Increase Bleeding Risk", Table 3 (US public domain); the boxed warning names major or fatal bleeding',
  rxclass:
    'FDA Established Pharmacologic Class / MED-RT class membership via NLM RxClass (2022-03-07 snapshot), in ../shared/fixtures/terminology/drug-classes',
  'beta-lactam':
    'Khan DA et al. Drug allergy: a 2022 practice parameter update. J Allergy Clin Immunol 2022;150:1333-93 (doi:10.1016/j.jaci.2022.08.028); Macy E. Curr Allergy Asthma Rep 2014;14:476 (doi:10.1007/s11882-014-0476-y); Devchand M, Trubiano JA. Aust Prescr 2019;42:192-9 ("only 1-2% of patients with a confirmed penicillin allergy have an allergy to cephalosporins")',
};

/**
 * Cross-reactivity between classes, for an allergy to one and a drug of the other. Same class
 * is high and needs no row. Severity follows the literature's risk: uncommon -> moderate,
 * rare -> low. Sulfonamide antibiotics vs non-antibiotic sulfonamides: no row (Strom BL et al.,
 * N Engl J Med 2003;349:1628-35 found the association is not cross-reactivity).
 */
const CROSS = [
  {
    allergy: 'penicillins',
    drug: 'cephalosporins',
    severity: 'moderate',
    why: 'Cross-reactivity between penicillins and cephalosporins is uncommon (about 1-2%, mostly through a shared side chain).',
  },
  {
    allergy: 'cephalosporins',
    drug: 'penicillins',
    severity: 'moderate',
    why: 'Cross-reactivity between cephalosporins and penicillins is uncommon (mostly through a shared side chain).',
  },
  {
    allergy: 'penicillins',
    drug: 'carbapenems',
    severity: 'low',
    why: 'Cross-reactivity between penicillins and carbapenems is rare (under 1%); carbapenems are generally used safely.',
  },
  {
    allergy: 'cephalosporins',
    drug: 'carbapenems',
    severity: 'low',
    why: 'Cross-reactivity between cephalosporins and carbapenems is rare.',
  },
  {
    allergy: 'carbapenems',
    drug: 'penicillins',
    severity: 'low',
    why: 'Cross-reactivity between carbapenems and penicillins is rare.',
  },
  {
    allergy: 'carbapenems',
    drug: 'cephalosporins',
    severity: 'low',
    why: 'Cross-reactivity between carbapenems and cephalosporins is rare.',
  },
].map((c) => ({ ...c, source: 'beta-lactam' }));

/** FDA warfarin label, Table 3: NSAIDs and antiplatelet agents named there. */
const WARFARIN_LABEL = {
  label: 'Warfarin + NSAIDs or antiplatelet agents: increased bleeding risk',
  drugs: [
    // Non-steroidal anti-inflammatory agents
    'celecoxib',
    'diclofenac',
    'diflunisal',
    'fenoprofen',
    'ibuprofen',
    'indomethacin',
    'ketoprofen',
    'ketorolac',
    'mefenamate',
    'naproxen',
    'oxaprozin',
    'piroxicam',
    'sulindac',
    // Antiplatelet agents
    'aspirin',
    'cilostazol',
    'clopidogrel',
    'dipyridamole',
    'prasugrel',
    'ticlopidine',
  ],
};

// ---------------------------------------------------------------------------------------------

type Row = Record<string, string>;

function tsv(path: string): Row[] {
  const [head, ...lines] = readFileSync(path, 'utf8')
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/);
  const keys = head!.split('\t');
  return lines
    .filter((l) => l.trim() !== '')
    .map((l) => Object.fromEntries(l.split('\t').map((v, i) => [keys[i], v])));
}

/** A minimal CSV reader (quoted fields with commas, as RxClass writes them). */
function csvRows(path: string): string[][] {
  const out: string[][] = [];
  for (const line of readFileSync(path, 'utf8')
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)) {
    if (!line) continue;
    const cells: string[] = [];
    let cell = '';
    let quoted = false;
    for (let i = 0; i < line.length; i++) {
      const ch = line[i]!;
      if (quoted) {
        if (ch === '"' && line[i + 1] === '"') {
          cell += '"';
          i++;
        } else if (ch === '"') quoted = false;
        else cell += ch;
      } else if (ch === '"') quoted = true;
      else if (ch === ',') {
        cells.push(cell);
        cell = '';
      } else cell += ch;
    }
    cells.push(cell);
    out.push(cells);
  }
  return out;
}

/** The form every name is compared in (the app's matcher uses the same rule). */
const norm = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();

const rx = join(FIXTURES, 'terminology/rxnorm');
const ingredientRows = tsv(join(rx, 'ingredients.tsv'));
const drugRows = tsv(join(rx, 'drugs.tsv'));
const supplement = tsv(join(rx, 'a_links_supplement.tsv'));
const classRows = tsv(join(FIXTURES, 'terminology/drug-classes/classes.tsv'));
const rxclass = csvRows(CONCEPT)
  .slice(1)
  .filter((r) => r[5] === 'RxNorm' && (r[3] === 'IN' || r[3] === 'PIN'));

// 1. Ingredients ----------------------------------------------------------------------------
/** rxcui -> canonical name; name (normalized) -> rxcui. */
const inName = new Map<string, string>();
const inByName = new Map<string, string>();
const inFrom = new Map<string, string>();
function addIn(rxcui: string, name: string, from: string) {
  if (inName.has(rxcui) || inByName.has(norm(name))) return;
  inName.set(rxcui, name);
  inByName.set(norm(name), rxcui);
  inFrom.set(rxcui, from);
}
for (const r of ingredientRows) if (r.tty === 'IN') addIn(r.rxcui!, r.name!, 'rxnorm');
for (const r of classRows) addIn(r.ingredient_rxcui!, r.ingredient_name!, 'classes');
for (const r of supplement) addIn(r.in_rxcui!, r.in_name!, 'a-supplement');
// RxClass names: the A* gap of the extract; other RxClass-only ingredients (withdrawn drugs,
// allergenic extracts) only when an interaction list names them (added while mapping, below).
const rxclassIn = new Map(
  rxclass.filter((r) => r[3] === 'IN').map((r) => [norm(r[1]!), { rxcui: r[0]!, name: r[1]! }]),
);
const fixName = (name: string) => norm(NAME_FIXES[norm(name)] ?? name);
const ddiNames = new Set(
  [
    'ONC-High-Priority__ONC_High_Priority_Mapped.csv',
    'ONC-Non-Interuptive__ONC_Non_Interuptive_Mapped.csv',
  ]
    .flatMap((f) => readDdi(f))
    .flatMap((r) => [fixName(r.a), fixName(r.b)]),
);
for (const [name, { rxcui, name: display }] of rxclassIn)
  if (name.startsWith('a') || ddiNames.has(name)) addIn(rxcui, display, 'rxclass');

/** The IN whose name is the longest word prefix of a PIN name. */
function inOfPin(pin: string): string | undefined {
  const words = norm(pin).split(' ');
  for (let n = words.length - 1; n >= 1; n--) {
    const hit = inByName.get(words.slice(0, n).join(' '));
    if (hit) return hit;
  }
  return undefined;
}
const synonyms = new Map<string, Set<string>>();
const addSynonym = (rxcui: string, name: string) => {
  if (norm(name) === norm(inName.get(rxcui) ?? '')) return;
  const set = synonyms.get(rxcui) ?? new Set();
  set.add(name);
  synonyms.set(rxcui, set);
};
/** Words a PIN adds after its IN's name (salts, "anhydrous"...), counted over every PIN. */
const extraWords = new Map<string, number>();
let pins = 0;
let pinsMapped = 0;
const pinRows = [
  ...ingredientRows.filter((r) => r.tty === 'PIN').map((r) => r.name!),
  ...rxclass.filter((r) => r[3] === 'PIN').map((r) => r[1]!),
];
const seenPin = new Set<string>();
for (const pin of pinRows) {
  if (seenPin.has(norm(pin)) || inByName.has(norm(pin))) continue;
  seenPin.add(norm(pin));
  pins++;
  const target = inOfPin(pin);
  if (target) {
    addSynonym(target, pin);
    pinsMapped++;
    const extra = norm(pin)
      .slice(norm(inName.get(target)!).length)
      .trim()
      .split(' ');
    for (const w of extra) extraWords.set(w, (extraWords.get(w) ?? 0) + 1);
  }
}
/**
 * Salt words: extra words seen in at least 3 PINs that look like a salt, hydrate or cation
 * (-ate, -ide, -ium, -ous, -ite: "hydrochloride", "sodium", "anhydrous"). The app skips them after
 * a matched name, so "warfarin sodium" is warfarin and not also sodium; synonyms made only of
 * them are then not needed and are dropped.
 */
const saltWords = [...extraWords]
  .filter(([w, n]) => n >= 3 && /^[a-z]{3,}(ate|ide|ium|ous|ite)$/.test(w))
  .map(([w]) => w)
  .sort();
let synonymsDropped = 0;
for (const [rxcui, set] of synonyms) {
  const base = norm(inName.get(rxcui)!);
  for (const syn of [...set]) {
    const extra = norm(syn).startsWith(base + ' ')
      ? norm(syn)
          .slice(base.length + 1)
          .split(' ')
      : [];
    if (extra.length > 0 && extra.every((w) => saltWords.includes(w))) {
      set.delete(syn);
      synonymsDropped++;
    }
  }
}

// 2. Classes -------------------------------------------------------------------------------
const classes = new Map<string, { id: string; name: string; members: string[] }>();
for (const r of classRows) {
  const c = classes.get(r.class_id!) ?? { id: r.class_id!, name: r.class_name!, members: [] };
  c.members.push(r.ingredient_rxcui!);
  classes.set(r.class_id!, c);
}
for (const id of Object.keys(CLASS_TERMS))
  if (!classes.has(id)) throw new Error(`curated terms for unknown class ${id}`);
for (const c of CROSS)
  if (!classes.has(c.allergy) || !classes.has(c.drug)) throw new Error(`cross ${c.allergy}`);

// 3. Interactions --------------------------------------------------------------------------
type Mapping = { rxcui: string; how: string } | null;
function mapDrugName(name: string): Mapping {
  let n = norm(name);
  let how = '';
  if (NAME_FIXES[n]) {
    n = norm(NAME_FIXES[n]);
    how = 'name fix + ';
  }
  const direct = inByName.get(n);
  if (direct) return { rxcui: direct, how: how + inFrom.get(direct)! };
  if (seenPin.has(n)) {
    const target = inOfPin(n);
    if (target) return { rxcui: target, how: how + 'salt form' };
  }
  return null;
}

function readDdi(file: string): { a: string; aId: string; b: string; bId: string }[] {
  return readFileSync(join(FIXTURES, 'ddi', file), 'utf8')
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .filter((l) => l.includes('$'))
    .map((l) => {
      const [a = '', aId = '', b = '', bId = ''] = l.split('$').map((s) => s.trim());
      return { a, aId, b, bId };
    });
}

/** Group labels of the non-interruptive list (the "Formatted" file carries the classes). */
const nonIntLabels = new Map<string, string>();
for (const r of csvRows(
  join(FIXTURES, 'ddi/ONC-Non-Interuptive__ONC_Non_Interuptive_List_Mapped_Formatted.csv'),
)) {
  const key = [r[3]!.trim(), r[8]!.trim()].sort().join('+');
  const tidy = (s: string) => s.replace(/\s+/g, ' ').trim();
  nonIntLabels.set(key, `${tidy(r[1]!)} + ${tidy(r[6]!)}`);
}

interface Report {
  drugs: number;
  drugsMapped: number;
  pairs: number;
  pairsMapped: number;
  unmappedDrugs: string[];
  unmappedPairs: string[];
  how: Map<string, number>;
}

/** pair key "a+b" (rxcui, sorted) -> tier, source, label */
const pairs = new Map<string, { tier: 'high' | 'moderate'; source: string; label: string }>();
const relevant = new Set<string>();

function addList(file: string, tier: 'high' | 'moderate', source: string): Report {
  const rows = readDdi(file);
  const names = new Map<string, Mapping>();
  for (const r of rows) {
    names.set(r.a, mapDrugName(r.a));
    names.set(r.b, mapDrugName(r.b));
  }
  const how = new Map<string, number>();
  for (const m of names.values()) if (m) how.set(m.how, (how.get(m.how) ?? 0) + 1);
  const unordered = new Map<string, { a: string; b: string; aId: string; bId: string }>();
  for (const r of rows) unordered.set([r.aId, r.bId].sort().join('+'), r);
  let mapped = 0;
  const unmappedPairs: string[] = [];
  for (const r of unordered.values()) {
    const a = names.get(r.a);
    const b = names.get(r.b);
    if (!a || !b || a.rxcui === b.rxcui) {
      unmappedPairs.push(`${r.a} (${r.aId}) + ${r.b} (${r.bId})`);
      continue;
    }
    mapped++;
    const key = [a.rxcui, b.rxcui].sort().join('+');
    const label =
      tier === 'moderate' ? (nonIntLabels.get([r.aId, r.bId].sort().join('+')) ?? '') : '';
    const held = pairs.get(key);
    if (!held || (held.tier === 'moderate' && tier === 'high'))
      pairs.set(key, { tier, source, label });
    relevant.add(a.rxcui).add(b.rxcui);
  }
  return {
    drugs: names.size,
    drugsMapped: [...names.values()].filter(Boolean).length,
    pairs: unordered.size,
    pairsMapped: mapped,
    unmappedDrugs: [...names]
      .filter(([, m]) => !m)
      .map(([n]) => n)
      .sort(),
    unmappedPairs: unmappedPairs.sort(),
    how,
  };
}

const high = addList('ONC-High-Priority__ONC_High_Priority_Mapped.csv', 'high', 'onc-high');
const nonInt = addList(
  'ONC-Non-Interuptive__ONC_Non_Interuptive_Mapped.csv',
  'moderate',
  'onc-nonint',
);

const warfarin = inByName.get('warfarin')!;
let warfarinPairs = 0;
for (const name of WARFARIN_LABEL.drugs) {
  const other = inByName.get(norm(name));
  if (!other) throw new Error(`warfarin label drug not found: ${name}`);
  const key = [warfarin, other].sort().join('+');
  pairs.set(key, { tier: 'high', source: 'fda-warfarin', label: WARFARIN_LABEL.label });
  relevant.add(warfarin).add(other);
  warfarinPairs++;
}
for (const c of classes.values()) for (const m of c.members) relevant.add(m);

// 4. Drug codes and brand names ------------------------------------------------------------
const supplementLinks = new Map<string, string[]>();
for (const r of supplement) {
  const list = supplementLinks.get(r.rxcui!) ?? [];
  list.push(r.in_rxcui!);
  supplementLinks.set(r.rxcui!, list);
}
const drugs = new Map<string, string[]>();
const brands = new Map<string, Set<string>>();
for (const r of drugRows) {
  if (r.tty !== 'SCD' && r.tty !== 'SBD') continue;
  const ins = [
    ...new Set([
      ...r.in_rxcuis!.split(';').filter(Boolean),
      ...(supplementLinks.get(r.rxcui!) ?? []),
    ]),
  ];
  if (ins.some((i) => relevant.has(i)))
    drugs.set(
      r.rxcui!,
      ins.sort((x, y) => Number(x) - Number(y)),
    );
  // Every brand (duplicate therapy and direct allergies concern any ingredient: "Lasix").
  if (
    r.tty === 'SBD' &&
    r.bn_name &&
    norm(r.bn_name).length >= 3 &&
    !inByName.has(norm(r.bn_name))
  ) {
    const set = brands.get(r.bn_name) ?? new Set();
    for (const i of ins) set.add(i);
    brands.set(r.bn_name, set);
  }
}

// Output -----------------------------------------------------------------------------------
const byTier = (tier: string, source: string) => {
  const groups = new Map<string, string[]>();
  for (const [key, p] of pairs) {
    if (p.tier !== tier || p.source !== source) continue;
    const list = groups.get(p.label) ?? [];
    list.push(key);
    groups.set(p.label, list);
  }
  return [...groups]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([label, keys]) => ({ tier, source, label, pairs: keys.sort().join(' ') }));
};

const table = {
  version: 1,
  sources: SOURCES,
  /** Words skipped after a matched ingredient name (salt forms). */
  saltWords: saltWords.join(' '),
  /** rxcui -> "name|synonym|…" (synonyms: salt/anhydrous forms) */
  ingredients: Object.fromEntries(
    [...inName]
      .sort(([a], [b]) => Number(a) - Number(b))
      .map(([rxcui, name]) => [
        rxcui,
        [name, ...[...(synonyms.get(rxcui) ?? [])].sort()].join('|'),
      ]),
  ),
  /** brand name -> "rxcui rxcui" */
  brands: Object.fromEntries(
    [...brands]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([n, s]) => [n, [...s].sort().join(' ')]),
  ),
  classes: [...classes.values()].map((c) => ({
    id: c.id,
    name: c.name,
    terms: CLASS_TERMS[c.id] ?? [],
    members: c.members.join(' '),
    source: 'rxclass',
  })),
  cross: CROSS,
  interactions: [
    ...byTier('high', 'onc-high'),
    ...byTier('high', 'fda-warfarin'),
    ...byTier('moderate', 'onc-nonint'),
  ],
};

const json = JSON.stringify(table);
writeFileSync(join(OUT, 'med-safety.json'), json + '\n');

const howLines = (r: Report) =>
  [...r.how]
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${v} ${k}`)
    .join(', ');
const count = (tier: string) => [...pairs.values()].filter((p) => p.tier === tier).length;

const report = `# Medication safety table: source, build and coverage

\`med-safety.json\` is built by \`scripts/build-med-safety.ts\` (its header documents every rule)
from public data outside the repository; re-run it to rebuild. Licences and citations:
\`LICENSE.med-safety.md\` beside this file.

Built from:
- NLM RxNorm Current Prescribable Content (10/06/2025 readme), flattened in
  ../shared/fixtures/terminology/rxnorm (PARTIAL: ingredients starting with A missing there);
  its \`a_links_supplement.tsv\` for A* ingredient links of combination drugs.
- ../shared/fixtures/terminology/drug-classes/classes.tsv: 15 drug-allergy classes (FDA EPC and
  MED-RT membership via NLM RxClass 2022-03-07; CDC opioid list; literature for aromatic
  anticonvulsants).
- NLM RxClass concept names (2022-04-04): meerapatelmd/setupRxNorm @
  3020e6a5f99151152ee808d2184718147ef98699, "inst/RxClass Data/19/CONCEPT.csv" (MIT; values are
  NLM/FDA public data): RxNorm IN names for RxCUIs the extract lacks.
- ../shared/fixtures/ddi (github.com/dbmi-pitt/public-PDDI-analysis @ 8199ee66): ONC
  high-priority (Phansalkar 2012) and non-interruptive (Phansalkar 2013) lists mapped to DrugBank
  by Ayvaz et al. 2015.
- FDA warfarin sodium label, section 7.2 Table 3 (supplement; see below).
- Curated in the script, with sources: allergy words per class, cross-reactivity between
  beta-lactam classes (Khan 2022 practice parameter; Macy 2014; Devchand & Trubiano 2019),
  INN->USAN name fixes.

## Contents

- Ingredients: ${inName.size} RxNorm INs (${[...inFrom.values()].filter((v) => v === 'rxnorm').length} from the extract, ${[...inFrom.values()].filter((v) => v !== 'rxnorm').length} from classes.tsv, the A* supplement and RxClass),
  ${[...synonyms.values()].reduce((n, s) => n + s.size, 0)} salt/anhydrous synonyms (${pinsMapped} of ${pins} PINs placed under an IN by name prefix;
  ${synonymsDropped} dropped as the IN name + salt words only: ${saltWords.length} salt words, which the matcher skips).
- Brand names: ${brands.size} (every SBD brand of the extract with its ingredients).
- Drug codes are not shipped (${drugs.size} SCD/SBD RxCUIs have a checked ingredient: 25 KB
  gzip more). A drug picked from RxNorm carries its ingredients (Medication.ingredients); an
  imported one is matched by its name, which for RxNorm drugs names every ingredient.
- Classes: ${classes.size}, ${classRows.length} memberships; ${CROSS.length} cross-reactivity rules.
- Interaction pairs (unordered, by RxNorm ingredient): ${pairs.size}: high ${count('high')}
  (ONC high-priority ${high.pairsMapped - 0} mapped, FDA warfarin label ${warfarinPairs}), moderate ${count('moderate')}
  (pairs listed in both lists keep the higher tier).

## ONC high-priority list: mapping coverage

- Pairs: ${high.pairsMapped} of ${high.pairs} unordered pairs mapped (${((100 * high.pairsMapped) / high.pairs).toFixed(1)}%); the file has
  ${readDdi('ONC-High-Priority__ONC_High_Priority_Mapped.csv').length} ordered rows.
- Drugs: ${high.drugsMapped} of ${high.drugs} DrugBank drugs mapped to an RxNorm IN (${howLines(high)}).
- Unmapped drugs: ${high.unmappedDrugs.join(', ') || 'none'}.
- Warfarin is not in the mapped high-priority list (0 rows); warfarin + NSAID/antiplatelet
  pairs come from the FDA label supplement.

Unmapped pairs (${high.unmappedPairs.length}): ${high.unmappedPairs.join('; ') || 'none'}.

## ONC non-interruptive list: mapping coverage

- Pairs: ${nonInt.pairsMapped} of ${nonInt.pairs} mapped (${((100 * nonInt.pairsMapped) / nonInt.pairs).toFixed(1)}%).
- Drugs: ${nonInt.drugsMapped} of ${nonInt.drugs} mapped (${howLines(nonInt)}).
- Unmapped drugs (${nonInt.unmappedDrugs.length}; not RxNorm ingredients in these sources):
  ${nonInt.unmappedDrugs.join(', ')}. Unmapped pairs (${nonInt.unmappedPairs.length}):
  ${nonInt.unmappedPairs.join('; ')}.
- Group labels ("NSAIDS + ß-Adrenergic blockers") from the list's formatted file where it has
  the pair.

## Known limits

- Class membership is the 2022 RxClass snapshot; drugs added to a class since are missing.
- Ayvaz et al. mapped classes to drugs by name; a few of their rows are odd (e.g. methacholine
  under "Salicylates") and are kept as published.
- Text matching of drug and allergy names is by whole words over these names; a drug named
  only by a brand of an unchecked ingredient, or misspelt, is reported as not checked.
`;
writeFileSync(join(OUT, 'SOURCE.md'), report);
console.log(
  `wrote ${OUT}/med-safety.json (${json.length} bytes): ${inName.size} ingredients, ${brands.size} brands, ${pairs.size} pairs; high ${high.pairsMapped}/${high.pairs}, non-interruptive ${nonInt.pairsMapped}/${nonInt.pairs}`,
);

/**
 * The medication-safety table shipped with the app (data/med-safety.json, built by
 * scripts/build-med-safety.ts; sources, coverage and licences in data/SOURCE.md and
 * data/LICENSE.med-safety.md), read once into lookup structures.
 *
 * Names are compared in one normal form (`normalName`: lower case, every run of other characters
 * one space, letters and digits apart) and matched as whole words, longest name first.
 */
import { stripAccents } from '../fold';
import raw from './data/med-safety.json?raw';

export type Severity = 'high' | 'moderate' | 'low';

interface RawTable {
  version: number;
  sources: Record<string, string>;
  saltWords: string;
  ingredients: Record<string, string>;
  brands: Record<string, string>;
  classes: { id: string; name: string; terms: string[]; members: string; source: string }[];
  cross: { allergy: string; drug: string; severity: Severity; why: string; source: string }[];
  interactions: { tier: Severity; source: string; label: string; pairs: string }[];
}

export interface DrugClass {
  id: string;
  name: string;
  members: ReadonlySet<string>;
}

export interface CrossRule {
  severity: Severity;
  why: string;
  source: string;
}

export interface Interaction {
  tier: Severity;
  source: string;
  /** The list's group, e.g. "NSAIDS + ß-Adrenergic blockers" ('' when it has none). */
  label: string;
}

/** What a phrase names: ingredients (RxCUIs) or, for allergy words, classes. */
interface Target {
  words: string[];
  ingredients: string[];
  classes: string[];
}

export interface SafetyTable {
  /** Ingredient RxCUI → its RxNorm name. */
  ingredientName: ReadonlyMap<string, string>;
  classes: ReadonlyMap<string, DrugClass>;
  /** Ingredient RxCUI → the classes it belongs to. */
  classesOf(rxcui: string): readonly DrugClass[];
  /** Cross-reactivity for an allergy to class `allergy` and a drug of class `drug`. */
  cross(allergy: string, drug: string): CrossRule | undefined;
  /** The listed interaction of two ingredients (the same whichever order they come in). */
  interaction(a: string, b: string): Interaction | undefined;
  /** Every listed interaction pair, as "a+b" with a < b (for tests and reports). */
  pairs(): string[];
  /** Short citation of a source key. */
  source(key: string): string;
  /** Whole-word, longest-first matches in `text`; class words only when `classes` is set. */
  match(
    text: string,
    options?: { classes?: boolean },
  ): { ingredients: string[]; classes: string[] };
}

/** The form names are compared in: lower case, no accents, words of letters or of digits. */
export function normalName(text: string): string {
  // Lower case before the accents are dropped (as this matcher always has): a letter that
  // decomposes to a capital ("ᴬ") reads as a separator here, not as "a".
  return (
    stripAccents(text.toLowerCase())
      .replace(/[^a-z0-9]+/g, ' ')
      // "B12" and "B 12", "40mg" and "40 mg" read the same.
      .replace(/([a-z])(?=[0-9])|([0-9])(?=[a-z])/g, '$1$2 ')
      .trim()
  );
}

const SHORT_SOURCES: Record<string, string> = {
  'onc-high': 'ONC high-priority interaction list (Phansalkar et al. 2012)',
  'onc-nonint': 'ONC non-interruptive interaction list (Phansalkar et al. 2013)',
  'fda-warfarin': 'FDA warfarin label, section 7.2',
  rxclass: 'FDA pharmacologic class (NLM RxClass)',
  'beta-lactam': 'Drug allergy practice parameter 2022 (Khan et al.); Macy 2014',
};

const pairKey = (a: string, b: string) => (a < b ? `${a}+${b}` : `${b}+${a}`);

function build(t: RawTable): SafetyTable {
  const ingredientName = new Map<string, string>();
  /** First word → phrases starting with it, longest first. */
  const phrases = new Map<string, Target[]>();
  const classPhrases = new Map<string, Target[]>();
  const add = (index: Map<string, Target[]>, phrase: string, target: Omit<Target, 'words'>) => {
    const words = normalName(phrase).split(' ');
    if (!words[0]) return;
    const list = index.get(words[0]) ?? [];
    list.push({ words, ...target });
    index.set(words[0], list);
  };
  for (const [rxcui, names] of Object.entries(t.ingredients)) {
    const [name = '', ...synonyms] = names.split('|');
    ingredientName.set(rxcui, name);
    for (const n of [name, ...synonyms]) add(phrases, n, { ingredients: [rxcui], classes: [] });
  }
  for (const [brand, rxcuis] of Object.entries(t.brands))
    add(phrases, brand, { ingredients: rxcuis.split(' '), classes: [] });

  const classes = new Map<string, DrugClass>();
  const byIngredient = new Map<string, DrugClass[]>();
  for (const c of t.classes) {
    const members = new Set(c.members.split(' '));
    const drugClass = { id: c.id, name: c.name, members };
    classes.set(c.id, drugClass);
    for (const m of members) byIngredient.set(m, [...(byIngredient.get(m) ?? []), drugClass]);
    for (const term of [c.name, ...c.terms])
      add(classPhrases, term, { ingredients: [], classes: [c.id] });
  }
  for (const index of [phrases, classPhrases])
    for (const list of index.values()) list.sort((a, b) => b.words.length - a.words.length);

  const cross = new Map(t.cross.map((c) => [`${c.allergy}>${c.drug}`, c]));
  const interactions = new Map<string, Interaction>();
  const rank: Record<Severity, number> = { high: 3, moderate: 2, low: 1 };
  for (const group of t.interactions) {
    for (const pair of group.pairs.split(' ')) {
      const [a = '', b = ''] = pair.split('+');
      const key = pairKey(a, b);
      const held = interactions.get(key);
      if (!held || rank[group.tier] > rank[held.tier])
        interactions.set(key, { tier: group.tier, source: group.source, label: group.label });
    }
  }
  const salt = new Set(t.saltWords.split(' '));
  const memo = new Map<string, { ingredients: string[]; classes: string[] }>();

  function longest(index: Map<string, Target[]>, words: string[], i: number): Target | undefined {
    return index.get(words[i]!)?.find((p) => p.words.every((w, k) => words[i + k] === w));
  }

  function matchText(text: string, options: { classes?: boolean }) {
    const words = normalName(text).split(' ').filter(Boolean);
    const ingredients = new Set<string>();
    const found = new Set<string>();
    let i = 0;
    while (i < words.length) {
      const a = longest(phrases, words, i);
      const c = options.classes ? longest(classPhrases, words, i) : undefined;
      const hit = a && (!c || a.words.length >= c.words.length) ? a : c;
      if (!hit) {
        i++;
        continue;
      }
      for (const r of hit.ingredients) ingredients.add(r);
      for (const k of hit.classes) found.add(k);
      i += hit.words.length;
      // "warfarin sodium", "verapamil hydrochloride": the salt is not a second ingredient.
      while (i < words.length && salt.has(words[i]!)) i++;
    }
    return { ingredients: [...ingredients], classes: [...found] };
  }

  return {
    ingredientName,
    classes,
    classesOf: (rxcui) => byIngredient.get(rxcui) ?? [],
    cross: (allergy, drug) => cross.get(`${allergy}>${drug}`),
    interaction: (a, b) => interactions.get(pairKey(a, b)),
    pairs: () => [...interactions.keys()],
    source: (key) => SHORT_SOURCES[key] ?? key,
    match(text, options = {}) {
      // Drug and allergy texts repeat on every check of a chart: remember their matches.
      const memoKey = `${options.classes ? 'c' : 'i'}|${text}`;
      const known = memo.get(memoKey);
      if (known) return { ingredients: [...known.ingredients], classes: [...known.classes] };
      const result = matchText(text, options);
      if (memo.size >= 5000) memo.clear();
      memo.set(memoKey, result);
      return { ingredients: [...result.ingredients], classes: [...result.classes] };
    },
  };
}

let cached: SafetyTable | null = null;

/** The shipped table (parsed on first use, ~170 KB of JSON). */
export function safetyTable(): SafetyTable {
  cached ??= build(JSON.parse(raw) as RawTable);
  return cached;
}

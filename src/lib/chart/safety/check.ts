/**
 * Medication safety checks, offline, over the shipped table (table.ts): drug–allergy (by
 * ingredient, by class, and by cross-reactive class at a lower severity), drug–drug (ONC lists,
 * FDA warfarin label) and duplicate therapy (same ingredient, or two drugs of one class).
 *
 * Invariants (tests/unit/chart/safety/*.spec.ts, with fast-check):
 * - a pair of medications gives the same alerts whichever comes first;
 * - the chart review does not depend on the order of medications or allergies;
 * - adding a medication or an allergy never removes an alert (checks are per pair);
 * - every alert says why, naming both items and the class or list it comes from, and has a key
 *   that is stable for the same items (what an override refers to).
 *
 * Severity decides how an alert is shown (docs: interruptive only for high, to avoid alert
 * fatigue): allergy to the ingredient or its class, ONC high-priority and FDA-label interactions
 * are high; cross-reactive classes, ONC non-interruptive interactions and the same ingredient
 * twice are moderate; cross-reactivity called rare and two drugs of one class are low.
 */
import { SYSTEMS } from '../types';
import { safetyTable, type DrugClass, type SafetyTable, type Severity } from './table';

export type { Severity } from './table';
export type AlertKind = 'allergy' | 'interaction' | 'duplicate' | 'record';

export interface SafetyAlert {
  kind: AlertKind;
  severity: Severity;
  /** One line naming what conflicts. */
  title: string;
  /** Why, in words a clinician reads: both items, the ingredient, class or list. */
  why: string;
  /** Stable id of this alert for these items (what an override names). */
  key: string;
  /** Ids of the chart items involved (medications, allergies). */
  items: string[];
  /** Set in a chart review when a clinician overrode this alert when prescribing. */
  overridden?: { reason: string; at?: string };
}

/** A medication as the checks read it. */
export interface SafetyMedication {
  id: string;
  drug: string;
  code?: { system: string; code: string };
  /** From the RxNorm picker: preferred over the code and the text. */
  ingredients?: readonly { rxcui: string; name: string }[];
  /** Alerts overridden when it was prescribed (key and reason). */
  overrides?: readonly { alert: string; reason: string; at?: string }[];
}

/** An allergy as the checks read it. */
export interface SafetyAllergy {
  id: string;
  substance: string;
  category?: string;
  criticality?: string;
  reaction?: string;
  noKnownAllergies?: boolean;
}

/** Something the checks could not read (shown, so a silent pass is never mistaken for safety). */
export interface Unchecked {
  id: string;
  text: string;
  message: string;
}

export interface SafetyReport {
  alerts: SafetyAlert[];
  unchecked: Unchecked[];
}

interface ResolvedMed {
  med: SafetyMedication;
  ingredients: string[];
}

interface ResolvedAllergy {
  allergy: SafetyAllergy;
  ingredients: string[];
  /** The classes named, and the classes of the ingredients named. */
  classes: string[];
}

const RANK: Record<Severity, number> = { high: 3, moderate: 2, low: 1 };

/** The ingredients of a medication: picker field, else RxNorm ingredient code, else its name. */
export function medicationIngredients(
  med: Pick<SafetyMedication, 'drug' | 'code' | 'ingredients'>,
  table: SafetyTable = safetyTable(),
): string[] {
  const picked = (med.ingredients ?? []).map((i) => i.rxcui).filter(Boolean);
  if (picked.length > 0) return [...new Set(picked)];
  if (med.code?.system === SYSTEMS.rxnorm && table.ingredientName.has(med.code.code))
    return [med.code.code];
  return table.match(med.drug).ingredients;
}

function resolveMed(med: SafetyMedication, table: SafetyTable): ResolvedMed {
  return { med, ingredients: medicationIngredients(med, table) };
}

function resolveAllergy(allergy: SafetyAllergy, table: SafetyTable): ResolvedAllergy {
  const { ingredients, classes } = table.match(allergy.substance, { classes: true });
  const all = new Set(classes);
  for (const i of ingredients) for (const c of table.classesOf(i)) all.add(c.id);
  return { allergy, ingredients, classes: [...all] };
}

const isDrugAllergy = (a: SafetyAllergy) =>
  !a.noKnownAllergies && (a.category === undefined || a.category === 'medication');

/** "Penicillins" → "a penicillin" style noun for one member of a class. */
const memberOf = (c: DrugClass) => `${c.name} class`;

function allergyDetail(a: SafetyAllergy): string {
  const parts = [
    a.reaction ? `reaction: ${a.reaction}` : '',
    a.criticality && a.criticality !== 'unable-to-assess' ? `criticality ${a.criticality}` : '',
  ].filter(Boolean);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

/** Alerts for one allergy against one medication: the strongest reason per ingredient. */
function allergyVsMed(
  al: ResolvedAllergy,
  m: ResolvedMed,
  key: (rxcui: string) => string,
  table: SafetyTable,
): SafetyAlert[] {
  const out: SafetyAlert[] = [];
  const a = al.allergy;
  const items = [m.med.id, a.id];
  for (const rxcui of m.ingredients) {
    const name = table.ingredientName.get(rxcui) ?? rxcui;
    const title = `Allergy to ${a.substance}: ${m.med.drug}`;
    const recorded = `The patient has a recorded allergy to ${a.substance}${allergyDetail(a)}.`;
    if (al.ingredients.includes(rxcui)) {
      out.push({
        kind: 'allergy',
        severity: 'high',
        title,
        why: `${m.med.drug} contains ${name}. ${recorded}`,
        key: key(rxcui),
        items,
      });
      continue;
    }
    const drugClasses = table.classesOf(rxcui);
    const same = drugClasses.find((c) => al.classes.includes(c.id));
    if (same) {
      out.push({
        kind: 'allergy',
        severity: 'high',
        title,
        why: `${m.med.drug} contains ${name}, of the ${memberOf(same)}, the class of the allergy. ${recorded} Source: ${table.source('rxclass')}.`,
        key: key(rxcui),
        items,
      });
      continue;
    }
    let best: { severity: Severity; why: string; source: string; from: string; to: string } | null =
      null;
    for (const allergyClass of al.classes) {
      for (const c of drugClasses) {
        const rule = table.cross(allergyClass, c.id);
        if (rule && (!best || RANK[rule.severity] > RANK[best.severity]))
          best = { ...rule, from: table.classes.get(allergyClass)!.name, to: c.name };
      }
    }
    if (best) {
      out.push({
        kind: 'allergy',
        severity: best.severity,
        title: `Possible cross-reactivity with ${a.substance} allergy: ${m.med.drug}`,
        why: `${m.med.drug} contains ${name}, of the ${best.to} class; the allergy is to ${a.substance} (${best.from}). ${best.why} Source: ${table.source(best.source)}.`,
        key: key(rxcui),
        items,
      });
    }
  }
  return out;
}

/** Alerts for two medications (interactions, duplicate therapy); symmetric in a and b. */
function medVsMed(
  a: ResolvedMed,
  b: ResolvedMed,
  key: (kind: AlertKind, detail: string) => string,
  table: SafetyTable,
): SafetyAlert[] {
  const out: SafetyAlert[] = [];
  const items = [a.med.id, b.med.id].sort();
  // Present the two in a fixed order so the wording does not depend on which came first.
  const [first, second] =
    a.med.drug.localeCompare(b.med.drug) < 0 || (a.med.drug === b.med.drug && a.med.id <= b.med.id)
      ? [a, b]
      : [b, a];
  const name = (r: string) => table.ingredientName.get(r) ?? r;
  const seen = new Set<string>();
  for (const x of first.ingredients) {
    for (const y of second.ingredients) {
      if (x === y) continue;
      const pair = x < y ? `${x}+${y}` : `${y}+${x}`;
      if (seen.has(pair)) continue;
      seen.add(pair);
      const found = table.interaction(x, y);
      if (!found) continue;
      const group = found.label ? ` (${found.label})` : '';
      out.push({
        kind: 'interaction',
        severity: found.tier,
        title: `Interaction: ${name(x)} + ${name(y)}`,
        why: `${first.med.drug} (${name(x)}) with ${second.med.drug} (${name(y)}): listed in the ${table.source(found.source)}${group}.`,
        key: key('interaction', pair),
        items,
      });
    }
  }
  const shared = first.ingredients.filter((x) => second.ingredients.includes(x)).sort();
  for (const x of shared) {
    out.push({
      kind: 'duplicate',
      severity: 'moderate',
      title: `Duplicate therapy: ${name(x)}`,
      why: `${first.med.drug} and ${second.med.drug} both contain ${name(x)}.`,
      key: key('duplicate', `ingredient:${x}`),
      items,
    });
  }
  const classesOf = (m: ResolvedMed) =>
    new Map(m.ingredients.flatMap((i) => table.classesOf(i).map((c) => [c.id, { c, i }] as const)));
  const ca = classesOf(first);
  const cb = classesOf(second);
  for (const [id, { c, i }] of [...ca].sort(([x], [y]) => x.localeCompare(y))) {
    const other = cb.get(id);
    // Same ingredient is already reported above.
    if (!other || shared.includes(i) || shared.includes(other.i)) continue;
    out.push({
      kind: 'duplicate',
      severity: 'low',
      title: `Duplicate therapy: two drugs of the ${c.name} class`,
      why: `${first.med.drug} (${name(i)}) and ${second.med.drug} (${name(other.i)}) are both in the ${memberOf(c)} (${table.source('rxclass')}).`,
      key: key('duplicate', `class:${id}`),
      items,
    });
  }
  return out;
}

function sortAlerts(alerts: SafetyAlert[]): SafetyAlert[] {
  const unique = new Map(alerts.map((a) => [a.key, a]));
  return [...unique.values()].sort(
    (x, y) =>
      RANK[y.severity] - RANK[x.severity] ||
      x.title.localeCompare(y.title) ||
      x.key.localeCompare(y.key),
  );
}

function uncheckedMed(m: ResolvedMed): Unchecked[] {
  return m.ingredients.length === 0
    ? [
        {
          id: m.med.id,
          text: m.med.drug,
          message: `Not checked: "${m.med.drug}" names no ingredient in Folio's drug table.`,
        },
      ]
    : [];
}

function uncheckedAllergy(al: ResolvedAllergy): Unchecked[] {
  return isDrugAllergy(al.allergy) && al.ingredients.length === 0 && al.classes.length === 0
    ? [
        {
          id: al.allergy.id,
          text: al.allergy.substance,
          message: `Not checked: the allergy "${al.allergy.substance}" names no drug or drug class in Folio's table.`,
        },
      ]
    : [];
}

/**
 * The alerts a new medication raises against the chart's active medications and allergies.
 * Keys are relative to the new medication: `allergy:<allergy id>:<rxcui>`,
 * `interaction:<medication id>:<rxcui pair>`, `duplicate:<medication id>:<ingredient or class>`.
 */
export function checkNewMedication(input: {
  candidate: Omit<SafetyMedication, 'id'>;
  medications: readonly SafetyMedication[];
  allergies: readonly SafetyAllergy[];
}): SafetyReport {
  const table = safetyTable();
  const c = resolveMed({ ...input.candidate, id: 'new' }, table);
  const alerts: SafetyAlert[] = [];
  for (const allergy of input.allergies.filter(isDrugAllergy)) {
    const al = resolveAllergy(allergy, table);
    alerts.push(...allergyVsMed(al, c, (r) => `allergy:${allergy.id}:${r}`, table));
  }
  for (const med of input.medications) {
    const m = resolveMed(med, table);
    alerts.push(...medVsMed(c, m, (kind, d) => `${kind}:${med.id}:${d}`, table));
  }
  return { alerts: sortAlerts(alerts), unchecked: uncheckedMed(c) };
}

/** The alerts a new allergy raises against the chart's active medications (never interruptive). */
export function checkNewAllergy(input: {
  candidate: Omit<SafetyAllergy, 'id'>;
  medications: readonly SafetyMedication[];
}): SafetyReport {
  const table = safetyTable();
  const allergy = { ...input.candidate, id: 'new' };
  if (!isDrugAllergy(allergy)) return { alerts: [], unchecked: [] };
  const al = resolveAllergy(allergy, table);
  const alerts: SafetyAlert[] = [];
  for (const med of input.medications) {
    const m = resolveMed(med, table);
    alerts.push(...allergyVsMed(al, m, (r) => `allergy:new:${med.id}:${r}`, table));
  }
  return { alerts: sortAlerts(alerts), unchecked: uncheckedAllergy(al) };
}

/**
 * Every conflict among a chart's active medications and allergies (an imported chart may already
 * hold some): each pair checked once; an alert the prescriber overrode carries the reason.
 */
export function reviewChart(input: {
  medications: readonly SafetyMedication[];
  allergies: readonly SafetyAllergy[];
}): SafetyReport {
  const table = safetyTable();
  const meds = input.medications.map((m) => resolveMed(m, table));
  const allergies = input.allergies.filter(isDrugAllergy).map((a) => resolveAllergy(a, table));
  const alerts: SafetyAlert[] = [];
  const overrideOf = (m: SafetyMedication, key: string) =>
    m.overrides?.find((o) => o.alert === key && o.reason.trim() !== '');
  for (const al of allergies) {
    for (const m of meds) {
      for (const alert of allergyVsMed(al, m, (r) => `allergy:${al.allergy.id}:${r}`, table)) {
        const o = overrideOf(m.med, alert.key);
        alerts.push({
          ...alert,
          key: `${alert.key}:${m.med.id}`,
          ...(o ? { overridden: { reason: o.reason, ...(o.at ? { at: o.at } : {}) } } : {}),
        });
      }
    }
  }
  for (let i = 0; i < meds.length; i++) {
    for (let j = i + 1; j < meds.length; j++) {
      const a = meds[i]!;
      const b = meds[j]!;
      const [x, y] = a.med.id < b.med.id ? [a, b] : [b, a];
      const relative = new Map<string, string>();
      const key = (kind: AlertKind, detail: string) => {
        const k = `${kind}:${x.med.id}+${y.med.id}:${detail}`;
        relative.set(k, `${kind}:%:${detail}`);
        return k;
      };
      for (const alert of medVsMed(x, y, key, table)) {
        // The keys each medication's prescriber saw: relative to the other medication.
        const rel = relative.get(alert.key)!;
        const o =
          overrideOf(x.med, rel.replace('%', y.med.id)) ??
          overrideOf(y.med, rel.replace('%', x.med.id));
        alerts.push({
          ...alert,
          ...(o ? { overridden: { reason: o.reason, ...(o.at ? { at: o.at } : {}) } } : {}),
        });
      }
    }
  }
  // Conflicting allergy data (e.g. from an import): "no known allergies" beside real allergies.
  const nka = input.allergies.filter((a) => a.noKnownAllergies);
  const real = input.allergies.filter((a) => !a.noKnownAllergies);
  if (nka.length > 0 && real.length > 0) {
    alerts.push({
      kind: 'record',
      severity: 'moderate',
      title: 'Allergy list contradicts itself',
      why: `"No known allergies" is recorded as active together with ${real.length === 1 ? 'an allergy' : `${real.length} allergies`} (${real.map((a) => a.substance).join(', ')}). Review the allergy list; nothing was changed.`,
      key: `record:nka:${[...nka, ...real]
        .map((a) => a.id)
        .sort()
        .join('+')}`,
      items: [...nka, ...real].map((a) => a.id).sort(),
    });
  }
  return {
    alerts: sortAlerts(alerts),
    unchecked: [...meds.flatMap(uncheckedMed), ...allergies.flatMap(uncheckedAllergy)],
  };
}

/** The high-severity alerts of a report that no override with a reason covers. */
export function unacknowledged(
  report: SafetyReport,
  overrides: readonly { alert: string; reason: string }[],
): SafetyAlert[] {
  return report.alerts.filter(
    (a) =>
      a.severity === 'high' && !overrides.some((o) => o.alert === a.key && o.reason.trim() !== ''),
  );
}

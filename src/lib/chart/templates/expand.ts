/**
 * Smart phrase expansion: a template's text with each phrase replaced by what the chart holds at
 * that moment (a snapshot: the note keeps the text, it does not follow later changes). Values are
 * at the precision and with the units the chart shows (precision.ts, key-results.ts), each with
 * its date; "active" is each section's own rule (the summary's pick, isActiveAllergy).
 *
 * A phrase alone on its line becomes one line per item; a phrase within a line becomes the items
 * joined by "; " in place. Entries entered in error never appear.
 */
import { keyResults } from '../key-results';
import { formatBloodPressure, formatVital, unitLabel } from '../precision';
import { isActiveAllergy } from '../safety/chart-items';
import { medications } from '../sections/medications';
import { problems } from '../sections/problems';
import { VITAL_LIMITS } from '../sections/vitals';
import { SYSTEM_LABEL, systemOfUri } from '../terminology/codes';
import {
  SOAP_FIELDS,
  type Allergy,
  type Entry,
  type LabResult,
  type Medication,
  type Problem,
  type SoapField,
  type Vitals,
} from '../types';
import { ValidationError } from '../validate';
import { PHRASE_PATTERN, isSmartPhrase, templateIssues, type SmartPhrase } from './template';

/** The parts of an open chart the phrases read (ChartView has them). */
export interface TemplateChart {
  vitals: readonly Entry<Vitals>[];
  medications: readonly Entry<Medication>[];
  allergies: readonly Entry<Allergy>[];
  problems: readonly Entry<Problem>[];
  labs: readonly Entry<LabResult>[];
}

type VitalField = Exclude<
  keyof Vitals,
  'effectiveDate' | 'status' | 'systolic' | 'diastolic' | 'encounter'
>;

/** Newest by date, then by when it was recorded. */
const newer = <T>(a: Entry<T>, b: Entry<T>, date: (e: Entry<T>) => string) =>
  date(a) > date(b) || (date(a) === date(b) && a.createdAt > b.createdAt);

function latestWith(
  sets: readonly Entry<Vitals>[],
  has: (v: Vitals) => boolean,
): Entry<Vitals> | undefined {
  let best: Entry<Vitals> | undefined;
  for (const e of sets) {
    if (e.data.status === 'entered-in-error' || !has(e.data)) continue;
    if (!best || newer(e, best, (x) => x.data.effectiveDate)) best = e;
  }
  return best;
}

const finite = (n: number | undefined) => typeof n === 'number' && Number.isFinite(n);

/** The latest value of each vital sign (each from its own latest set), with unit and date. */
export function vitalsLines(sets: readonly Entry<Vitals>[]): string[] {
  const out: string[] = [];
  const bp = latestWith(sets, (v) => finite(v.systolic) && finite(v.diastolic));
  if (bp)
    out.push(
      `Blood pressure ${formatBloodPressure(bp.data.systolic, bp.data.diastolic)} ${VITAL_LIMITS.systolic.unit} (${bp.data.effectiveDate})`,
    );
  const measures: { key: VitalField; label: string; unit: string }[] = [
    ...(Object.keys(VITAL_LIMITS) as (keyof typeof VITAL_LIMITS)[])
      .filter(
        (k): k is VitalField & keyof typeof VITAL_LIMITS => k !== 'systolic' && k !== 'diastolic',
      )
      .map((k) => ({ key: k, label: VITAL_LIMITS[k].label, unit: VITAL_LIMITS[k].unit })),
    { key: 'bmi', label: 'BMI', unit: unitLabel('kg/m2') },
  ];
  for (const m of measures) {
    const e = latestWith(sets, (v) => finite(v[m.key]));
    if (!e) continue;
    const unit = m.unit === '%' ? '%' : ` ${m.unit}`;
    out.push(`${m.label} ${formatVital(m.key, e.data[m.key])}${unit} (${e.data.effectiveDate})`);
  }
  return out.length ? out : ['No vitals recorded'];
}

/** Active medications with dose, route and frequency (and since when). */
export function medicationLines(entries: readonly Entry<Medication>[]): string[] {
  const active = medications.summary!.pick([...entries]);
  if (!active.length) return ['No active medications recorded'];
  return active.map((e) => {
    const d = e.data;
    const sig = [d.dose, d.route, d.frequency].map((s) => (s ?? '').trim()).filter(Boolean);
    return `${d.drug}${sig.length ? ` ${sig.join(' ')}` : ''}${d.startDate ? ` (since ${d.startDate})` : ''}`;
  });
}

/** High-risk allergies first, then low, then not assessed; by substance within each. */
const CRITICALITY_RANK: Record<string, number> = { high: 0, low: 1 };

/**
 * Active allergies with reaction and criticality, the high-risk ones first (a stable order
 * whatever order they were recorded or synced in); "No known allergies" only when that is what
 * is recorded (and nothing contradicts it), otherwise "Allergies not recorded".
 */
export function allergyLines(entries: readonly Entry<Allergy>[]): string[] {
  const active = entries.filter(isActiveAllergy);
  const real = active
    .filter((a) => !a.data.noKnownAllergies)
    .sort(
      (a, b) =>
        (CRITICALITY_RANK[a.data.criticality ?? ''] ?? 2) -
          (CRITICALITY_RANK[b.data.criticality ?? ''] ?? 2) ||
        a.data.substance.localeCompare(b.data.substance),
    );
  if (real.length)
    return real.map((e) => {
      const d = e.data;
      const parts = [
        d.reaction?.trim() ? `reaction: ${d.reaction.trim()}` : 'reaction not recorded',
        d.criticality && d.criticality !== 'unable-to-assess'
          ? `criticality: ${d.criticality}`
          : 'criticality not assessed',
      ];
      return `${d.substance}${d.category ? ` (${d.category})` : ''}: ${parts.join('; ')}`;
    });
  const nka = active.find((a) => a.data.noKnownAllergies);
  return nka
    ? [`No known allergies (recorded ${nka.createdAt.slice(0, 10)})`]
    : ['Allergies not recorded'];
}

/** Active problems with their codes. */
export function problemLines(entries: readonly Entry<Problem>[]): string[] {
  const active = problems.summary!.pick([...entries]);
  if (!active.length) return ['No active problems recorded'];
  return active.map((e) => {
    const d = e.data;
    const system = d.code ? systemOfUri(d.code.system) : undefined;
    const code = d.code?.code
      ? ` (${system ? SYSTEM_LABEL[system] : d.code.system} ${d.code.code})`
      : ' (no code)';
    return `${d.text}${code}${d.onsetDate ? `, since ${d.onsetDate}` : ''}`;
  });
}

/** The latest key lab results with unit, flag and date. */
export function labLines(entries: readonly Entry<LabResult>[]): string[] {
  const results = keyResults(entries);
  if (!results.length) return ['No key lab results recorded'];
  return results.map((r) => {
    const flag = r.flag === 'H' ? ' [H, above range]' : r.flag === 'L' ? ' [L, below range]' : '';
    return `${r.label} ${r.value}${r.unit ? ` ${r.unit}` : ''}${flag} (${r.date})`;
  });
}

const LINES: Record<SmartPhrase, (chart: TemplateChart) => string[]> = {
  '.vitals': (c) => vitalsLines(c.vitals),
  '.meds': (c) => medicationLines(c.medications),
  '.allergies': (c) => allergyLines(c.allergies),
  '.problems': (c) => problemLines(c.problems),
  '.labs': (c) => labLines(c.labs),
};

/** `text` with every known phrase expanded (unknown phrase-shaped tokens are left as written). */
export function expandText(text: string, chart: TemplateChart): string {
  const cache = new Map<SmartPhrase, string[]>();
  const lines = (p: SmartPhrase) => {
    let l = cache.get(p);
    if (!l) cache.set(p, (l = LINES[p](chart)));
    return l;
  };
  return text
    .split(/\r\n|\r|\n/)
    .map((line) => {
      const alone = line.trim();
      if (isSmartPhrase(alone)) {
        const indent = line.slice(0, line.indexOf(alone));
        return lines(alone)
          .map((l) => indent + l)
          .join('\n');
      }
      return line.replace(PHRASE_PATTERN, (match, before: string, phrase: string) =>
        isSmartPhrase(phrase) ? before + lines(phrase).join('; ') : match,
      );
    })
    .join('\n');
}

/**
 * A template's sections expanded against the chart, ready to insert into a note.
 * @throws ValidationError when the template is not valid (e.g. an unknown phrase), naming it
 */
export function expandTemplate(
  template: { name: string; sections: Partial<Record<SoapField, string>> },
  chart: TemplateChart,
): Record<SoapField, string> {
  const issues = templateIssues(template);
  if (issues.length) throw new ValidationError(issues);
  return Object.fromEntries(
    SOAP_FIELDS.map((f) => [f, expandText(template.sections[f] ?? '', chart)]),
  ) as Record<SoapField, string>;
}

/**
 * Lab results read by test: one group per LOINC code with its latest result, the flag against
 * that result's reference range and the direction since the result before; and the flowsheet
 * (tests × dates). Results marked entered-in-error are left out. Values are shown at their
 * clinical precision (precision.ts); numbers in another unit than the group's are converted when
 * a UCUM converter is given, otherwise they stay out of the plotted series (and are counted).
 */
import { filterByWords } from './text-filter';
import { formatLabValue, unitLabel, type UnitConverter } from './precision';
import { LAB_PRECISION } from './precision';
import { implausibleReason } from './lab-entry';
import type { Entry, LabResult } from './types';

export type LabFlag = 'H' | 'L' | 'N';
export type TrendDirection = 'up' | 'down' | 'same';

export interface LabPoint {
  date: string;
  /** In the group's unit. */
  value: number;
}

export interface LabGroup {
  /** Stable and id-safe: the LOINC code, or `uncoded-<name>` for a test recorded by name. */
  key: string;
  /** '' for an uncoded test. */
  loinc: string;
  /** The latest result's name. */
  name: string;
  /** The unit of the latest numeric result (UCUM code), '' for none. */
  unit: string;
  latest: Entry<LabResult>;
  /** The latest value as it should be read (`7.2`). */
  latestText: string;
  date: string;
  flag?: LabFlag;
  /** Latest against the numeric result before it, at display precision. */
  trend?: TrendDirection;
  /** The reference range of the latest result. */
  low?: number;
  high?: number;
  /** Numeric results oldest first, in `unit`. */
  points: LabPoint[];
  /** Numeric results that could not be put in `unit` (left out of `points`). */
  otherUnits: number;
  /** Every result, newest first. */
  results: Entry<LabResult>[];
  /** Results that cannot be right (lab-entry.ts implausibleReason), by entry id. */
  implausible: Record<string, string>;
}

/** H/L/N of a result: against its own range when numeric, else what was recorded. */
export function flagOf(lab: LabResult): LabFlag | undefined {
  const v = lab.value;
  if (
    typeof v === 'number' &&
    Number.isFinite(v) &&
    (lab.low !== undefined || lab.high !== undefined)
  )
    return lab.high !== undefined && v > lab.high
      ? 'H'
      : lab.low !== undefined && v < lab.low
        ? 'L'
        : 'N';
  return lab.interpretation;
}

const live = (e: Entry<LabResult>) => e.data.status !== 'entered-in-error';
const byDateDesc = (a: Entry<LabResult>, b: Entry<LabResult>) =>
  a.data.effectiveDate < b.data.effectiveDate
    ? 1
    : a.data.effectiveDate > b.data.effectiveDate
      ? -1
      : 0;

/** A result's group: its LOINC code, or for an uncoded test its name (case and spacing ignored). */
function groupKey(lab: LabResult): string {
  if (lab.loinc) return lab.loinc;
  const name = lab.name.trim().toLowerCase();
  const slug = name.replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
  // The slug alone could merge names that differ only in punctuation: add a short hash.
  let h = 0;
  for (const ch of name.replace(/\s+/g, ' ')) h = (Math.imul(h, 31) + ch.charCodeAt(0)) >>> 0;
  return `uncoded-${slug}-${h.toString(36)}`;
}

/**
 * Groups results by LOINC code (uncoded ones by name), groups ordered by test name. `labs` may be in any order; within a
 * group results are newest first (a stable sort keeps the store's order for the same date).
 */
export function groupLabs(labs: readonly Entry<LabResult>[], convert?: UnitConverter): LabGroup[] {
  const byCode = new Map<string, Entry<LabResult>[]>();
  for (const e of labs) {
    if (!live(e)) continue;
    const key = groupKey(e.data);
    const list = byCode.get(key);
    if (list) list.push(e);
    else byCode.set(key, [e]);
  }
  const groups: LabGroup[] = [];
  for (const [key, list] of byCode) {
    const loinc = list[0]!.data.loinc ?? '';
    const results = [...list].sort(byDateDesc);
    const latest = results[0]!;
    const numeric = results.filter((r) => typeof r.data.value === 'number');
    const unit = numeric[0]?.data.unit ?? LAB_PRECISION[loinc]?.unit ?? '';
    const points: LabPoint[] = [];
    let otherUnits = 0;
    for (const r of [...numeric].reverse()) {
      const value = inUnit(r.data, unit, convert);
      if (value === null) otherUnits++;
      else points.push({ date: r.data.effectiveDate, value });
    }
    const group: LabGroup = {
      key,
      loinc,
      name: latest.data.name || loinc,
      unit,
      latest,
      latestText: formatLabValue(latest.data, convert),
      date: latest.data.effectiveDate,
      points,
      otherUnits,
      results,
      implausible: {},
    };
    for (const r of results) {
      const reason = implausibleReason(r.data, convert);
      if (reason) group.implausible[r.id] = reason;
    }
    const flag = flagOf(latest.data);
    if (flag) group.flag = flag;
    if (latest.data.low !== undefined) group.low = latest.data.low;
    if (latest.data.high !== undefined) group.high = latest.data.high;
    const trend = trendOf(loinc, unit, points, typeof latest.data.value === 'number', convert);
    if (trend) group.trend = trend;
    groups.push(group);
  }
  return groups.sort((a, b) => a.name.localeCompare(b.name) || a.key.localeCompare(b.key));
}

function inUnit(lab: LabResult, unit: string, convert?: UnitConverter): number | null {
  const value = lab.value as number;
  if (!Number.isFinite(value)) return null;
  const from = lab.unit ?? '';
  if (from === unit) return value;
  if (!convert || !from || !unit || LAB_PRECISION[lab.loinc]?.noConversion) return null;
  return convert(value, from, unit);
}

function trendOf(
  loinc: string,
  unit: string,
  points: LabPoint[],
  latestNumeric: boolean,
  convert?: UnitConverter,
): TrendDirection | undefined {
  if (!latestNumeric || points.length < 2) return undefined;
  const show = (value: number) => Number(formatLabValue({ loinc, value, unit }, convert));
  const last = show(points.at(-1)!.value);
  const before = show(points.at(-2)!.value);
  return last > before ? 'up' : last < before ? 'down' : 'same';
}

/** Groups whose test name or LOINC code contains every word of `query` (case-insensitive). */
export function filterGroups(groups: readonly LabGroup[], query: string): LabGroup[] {
  return filterByWords(groups, query, (g) => [g.name, g.loinc]);
}

export interface FlowsheetCell {
  text: string;
  flag?: LabFlag;
  /** More than one result of the test that day (the latest recorded is shown). */
  more: number;
}

export interface Flowsheet {
  /** Dates, newest first. */
  dates: string[];
  rows: {
    key: string;
    loinc: string;
    name: string;
    unit: string;
    cells: (FlowsheetCell | null)[];
  }[];
}

/** Tests × dates: one row per group, one column per date any of them has a result on. */
export function flowsheet(groups: readonly LabGroup[], convert?: UnitConverter): Flowsheet {
  const dateSet = new Set<string>();
  for (const g of groups) for (const r of g.results) dateSet.add(r.data.effectiveDate);
  const dates = [...dateSet].sort().reverse();
  const column = new Map(dates.map((d, i) => [d, i]));
  const rows = groups.map((g) => {
    const cells: (FlowsheetCell | null)[] = dates.map(() => null);
    for (const r of g.results) {
      const i = column.get(r.data.effectiveDate)!;
      const cell = cells[i];
      if (cell) {
        cell.more++;
        continue;
      }
      const text = formatLabValue(r.data, convert);
      const unit = r.data.unit && r.data.unit !== g.unit ? ` ${unitLabel(r.data.unit)}` : '';
      const flag = flagOf(r.data);
      cells[i] = { text: `${text}${unit}`, more: 0, ...(flag ? { flag } : {}) };
    }
    return { key: g.key, loinc: g.loinc, name: g.name, unit: g.unit, cells };
  });
  return { dates, rows };
}

/**
 * Growth charts: a child's measurements against the CDC 2000 growth-chart reference (LMS tables
 * in data/growth/, source and licence beside them).
 *
 * LMS method (Cole 1990; CDC "Percentile data files with LMS values"): for a measurement X and
 * the table's L (Box-Cox power), M (median) and S (coefficient of variation) at the child's age
 * and sex, z = ((X/M)^L − 1)/(L·S) when L ≠ 0, else ln(X/M)/S; the percentile is Φ(z). The value
 * at a given z (the percentile curves) is M·(1 + L·S·z)^(1/L), or M·exp(S·z).
 * L, M and S are interpolated linearly in age between the table's rows (ages in months at the
 * rows' half-month points). Which table: under 24 months the infant charts (weight-for-age,
 * recumbent length-for-age, head circumference up to 36 months); from 24 months to 20 years
 * the 2–20 year charts (weight, stature, BMI). BMI has no chart under 2 years.
 *
 * Invariants (tests/unit/chart/growth.spec.ts): every published percentile column is
 * reproduced from L, M, S; z rises with the measurement at any fixed age and sex.
 */
import type { Vitals } from './types';

export type GrowthMeasure = 'weight' | 'length' | 'bmi' | 'head';
export type GrowthTableName =
  'wtageinf' | 'lenageinf' | 'hcageinf' | 'wtage' | 'statage' | 'bmiagerev';
export type Sex = 1 | 2;

export interface Lms {
  L: number;
  M: number;
  S: number;
}

export interface LmsRow extends Lms {
  sex: Sex;
  agemos: number;
  /** The published percentile columns, e.g. `{ P3: …, P50: … }`. */
  published: Record<string, number>;
}

export const GROWTH_MEASURES: readonly {
  measure: GrowthMeasure;
  label: string;
  unit: string;
  key: 'weightKg' | 'heightCm' | 'bmi' | 'headCircumferenceCm';
}[] = [
  { measure: 'weight', label: 'Weight-for-age', unit: 'kg', key: 'weightKg' },
  { measure: 'length', label: 'Length/stature-for-age', unit: 'cm', key: 'heightCm' },
  { measure: 'bmi', label: 'BMI-for-age', unit: 'kg/m²', key: 'bmi' },
  { measure: 'head', label: 'Head circumference-for-age', unit: 'cm', key: 'headCircumferenceCm' },
];

/** Oldest age the 2–20 year charts cover, in months. */
export const GROWTH_MAX_MONTHS = 240.5;

/** z outside these limits is biologically implausible (CDC's cut-offs for its SAS program). */
const IMPLAUSIBLE: Record<GrowthMeasure, [number, number]> = {
  weight: [-5, 8],
  length: [-5, 4],
  bmi: [-4, 8],
  head: [-5, 5],
};

/** Reads one CDC LMS CSV (header `Sex,Agemos,L,M,S,P3,…`). @throws Error('bad-growth-table') */
export function parseLmsCsv(text: string): LmsRow[] {
  const lines = text.trim().split(/\r?\n/);
  const header = lines[0]?.split(',') ?? [];
  if (header[0] !== 'Sex' || header[1] !== 'Agemos' || header[2] !== 'L')
    throw new Error('bad-growth-table');
  const percentileColumns = header
    .map((name, i) => [name, i] as const)
    .filter(([name]) => /^P\d+$/.test(name));
  return lines.slice(1).map((line) => {
    const cells = line.split(',').map(Number);
    const published: Record<string, number> = {};
    for (const [name, i] of percentileColumns) published[name] = cells[i]!;
    const row = {
      sex: cells[0] as Sex,
      agemos: cells[1]!,
      L: cells[2]!,
      M: cells[3]!,
      S: cells[4]!,
      published,
    };
    if (
      ![row.agemos, row.L, row.M, row.S].every(Number.isFinite) ||
      (row.sex !== 1 && row.sex !== 2)
    )
      throw new Error('bad-growth-table');
    return row;
  });
}

/** z-score of measurement `x` (LMS method). */
export function zScore(x: number, { L, M, S }: Lms): number {
  return Math.abs(L) < 1e-12 ? Math.log(x / M) / S : ((x / M) ** L - 1) / (L * S);
}

/** The measurement at z-score `z` (LMS method); NaN where the curve does not reach. */
export function valueAtZ({ L, M, S }: Lms, z: number): number {
  return Math.abs(L) < 1e-12 ? M * Math.exp(S * z) : M * (1 + L * S * z) ** (1 / L);
}

/** Standard normal CDF Φ(z), via erfc (Numerical Recipes erfcc; relative error < 1.2e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * x);
  const erfc =
    t *
    Math.exp(
      -x * x -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 +
                            t *
                              (-1.13520398 +
                                t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return z >= 0 ? 1 - erfc / 2 : erfc / 2;
}

/** z-scores of the percentile curves Folio draws, and of the published columns (P3…P97). */
export const PERCENTILE_Z: Record<number, number> = {
  3: -1.880793608,
  5: -1.644853627,
  10: -1.281551566,
  25: -0.67448975,
  50: 0,
  75: 0.67448975,
  85: 1.036433389,
  90: 1.281551566,
  95: 1.644853627,
  97: 1.880793608,
};

/** L, M, S at `agemos` for `sex`, interpolated between rows; null outside the table's ages. */
export function lmsAt(rows: readonly LmsRow[], sex: Sex, agemos: number): Lms | null {
  let before: LmsRow | undefined;
  let after: LmsRow | undefined;
  for (const r of rows) {
    if (r.sex !== sex) continue;
    if (r.agemos <= agemos && (!before || r.agemos > before.agemos)) before = r;
    if (r.agemos >= agemos && (!after || r.agemos < after.agemos)) after = r;
  }
  if (!before || !after) return null;
  if (after.agemos === before.agemos) return { L: before.L, M: before.M, S: before.S };
  const f = (agemos - before.agemos) / (after.agemos - before.agemos);
  const mix = (a: number, b: number) => a + (b - a) * f;
  return { L: mix(before.L, after.L), M: mix(before.M, after.M), S: mix(before.S, after.S) };
}

/** The chart a measurement at `agemos` is read against (null: none for that age). */
export function tableFor(measure: GrowthMeasure, agemos: number): GrowthTableName | null {
  if (!(agemos >= 0) || agemos > GROWTH_MAX_MONTHS) return null;
  const infant = agemos < 24;
  switch (measure) {
    case 'weight':
      return infant ? 'wtageinf' : 'wtage';
    case 'length':
      return infant ? 'lenageinf' : 'statage';
    case 'bmi':
      return infant ? null : 'bmiagerev';
    case 'head':
      return agemos <= 36 ? 'hcageinf' : null;
  }
}

/** Exact age in months (days / 30.4375) between two calendar dates. */
export function ageInMonths(birthDate: string, on: string): number {
  const days =
    (Date.parse(`${on.slice(0, 10)}T00:00:00Z`) - Date.parse(`${birthDate}T00:00:00Z`)) /
    86_400_000;
  return days / 30.4375;
}

/** Patient.gender as the CDC tables' sex (1 male, 2 female); null for other/unknown. */
export function sexOf(gender: string): Sex | null {
  return gender === 'male' ? 1 : gender === 'female' ? 2 : null;
}

/** Percentile as people read it: `<0.1`, `2.3`, `45`, `99.2`, `>99.9`. */
export function formatPercentile(percentile: number): string {
  if (percentile < 0.1) return '<0.1';
  if (percentile > 99.9) return '>99.9';
  if (percentile < 3 || percentile > 97) return percentile.toFixed(1);
  return String(Math.round(percentile));
}

export interface GrowthPoint {
  date: string;
  ageMonths: number;
  value: number;
  z: number;
  percentile: number;
  table: GrowthTableName;
  /** Set when z is outside what is biologically plausible (check the measurement). */
  implausible?: true;
}

export interface GrowthSeries {
  measure: GrowthMeasure;
  points: GrowthPoint[];
  /** Measurements with no chart for their age (e.g. BMI under 2 years). */
  notCharted: number;
}

/** The tables needed for these vitals at these ages. */
export function tablesNeeded(
  birthDate: string,
  vitals: readonly Pick<Vitals, 'effectiveDate' | GrowthKey>[],
): GrowthTableName[] {
  const names = new Set<GrowthTableName>();
  for (const v of vitals) {
    const age = ageInMonths(birthDate, v.effectiveDate);
    for (const m of GROWTH_MEASURES) {
      const table = v[m.key] === undefined ? null : tableFor(m.measure, age);
      if (table) names.add(table);
    }
  }
  return [...names].sort();
}

type GrowthKey = (typeof GROWTH_MEASURES)[number]['key'];

/**
 * Each measure's points (oldest first) with age, z-score and percentile. BMI is the recorded one,
 * else computed from weight and height taken together.
 */
export function growthSeries(options: {
  birthDate: string;
  sex: Sex;
  vitals: readonly Pick<Vitals, 'effectiveDate' | GrowthKey>[];
  tables: Partial<Record<GrowthTableName, readonly LmsRow[]>>;
}): GrowthSeries[] {
  const { birthDate, sex, tables } = options;
  const vitals = [...options.vitals].sort((a, b) => a.effectiveDate.localeCompare(b.effectiveDate));
  return GROWTH_MEASURES.map(({ measure, key }) => {
    const points: GrowthPoint[] = [];
    let notCharted = 0;
    for (const v of vitals) {
      const value =
        key === 'bmi' && v.bmi === undefined && v.weightKg && v.heightCm
          ? v.weightKg / (v.heightCm / 100) ** 2
          : v[key];
      if (value === undefined || !(value > 0)) continue;
      const ageMonths = ageInMonths(birthDate, v.effectiveDate);
      const table = tableFor(measure, ageMonths);
      const lms = table && tables[table] ? lmsAt(tables[table]!, sex, ageMonths) : null;
      if (!table || !lms) {
        notCharted++;
        continue;
      }
      const z = zScore(value, lms);
      const [low, high] = IMPLAUSIBLE[measure];
      points.push({
        date: v.effectiveDate,
        ageMonths,
        value,
        z,
        percentile: normalCdf(z) * 100,
        table,
        ...(z < low || z > high ? { implausible: true as const } : {}),
      });
    }
    return { measure, points, notCharted };
  });
}

export interface PercentileCurve {
  percentile: number;
  points: { ageMonths: number; value: number }[];
}

/** Percentile curves of one table over [fromMonths, toMonths] (the table's rows in between). */
export function percentileCurves(
  rows: readonly LmsRow[],
  sex: Sex,
  fromMonths: number,
  toMonths: number,
  percentiles: readonly number[] = [5, 50, 95],
): PercentileCurve[] {
  const ages = rows
    .filter((r) => r.sex === sex && r.agemos >= fromMonths && r.agemos <= toMonths)
    .map((r) => r.agemos);
  for (const edge of [fromMonths, toMonths])
    if (lmsAt(rows, sex, edge) && !ages.includes(edge)) ages.push(edge);
  ages.sort((a, b) => a - b);
  return percentiles.map((percentile) => {
    const z = PERCENTILE_Z[percentile];
    if (z === undefined) throw new Error('unknown-percentile');
    return {
      percentile,
      points: ages.map((ageMonths) => ({
        ageMonths,
        value: valueAtZ(lmsAt(rows, sex, ageMonths)!, z),
      })),
    };
  });
}

/** The chart tables a measure's curves need over [from, to] months, as [table, from, to]. */
export function curveSegments(
  measure: GrowthMeasure,
  fromMonths: number,
  toMonths: number,
): [GrowthTableName, number, number][] {
  const out: [GrowthTableName, number, number][] = [];
  const from = Math.max(0, fromMonths);
  const to = Math.min(GROWTH_MAX_MONTHS, toMonths);
  if (measure === 'head') {
    if (from <= 36) out.push(['hcageinf', from, Math.min(to, 36)]);
  } else {
    const infant = tableFor(measure, from);
    // The infant part stops just short of 24 months, where the 2–20 y part starts.
    if (from < 24 && infant) out.push([infant, from, Math.min(to, 23.99)]);
    const older = tableFor(measure, Math.max(from, 24));
    if (to >= 24 && older) out.push([older, Math.max(from, 24), to]);
  }
  return out.filter(([, a, b]) => b > a);
}

/** Months of margin drawn around a child's measurements. */
const WINDOW_MARGIN = 6;

export interface GrowthChart extends GrowthSeries {
  label: string;
  unit: string;
  /** P5, P50, P95 over the measurements' ages (infant and 2–20 y parts joined). */
  curves: PercentileCurve[];
}

/** Every table a child's growth charts need (points and curves). */
export function growthTablesFor(
  birthDate: string,
  vitals: readonly Pick<Vitals, 'effectiveDate' | GrowthKey>[],
): GrowthTableName[] {
  const names = new Set<GrowthTableName>(tablesNeeded(birthDate, vitals));
  for (const { measure, key } of GROWTH_MEASURES) {
    const ages = vitals
      .filter((v) => v[key] !== undefined || (key === 'bmi' && v.weightKg && v.heightCm))
      .map((v) => ageInMonths(birthDate, v.effectiveDate))
      .filter((a) => a >= 0 && a <= GROWTH_MAX_MONTHS);
    if (ages.length === 0) continue;
    const from = Math.min(...ages) - WINDOW_MARGIN;
    const to = Math.max(...ages) + WINDOW_MARGIN;
    for (const [table] of curveSegments(measure, from, to)) names.add(table);
  }
  return [...names].sort();
}

/** The growth charts with at least one charted point: points, and P5/P50/P95 around them. */
export function growthCharts(options: Parameters<typeof growthSeries>[0]): GrowthChart[] {
  return growthSeries(options).flatMap((series) => {
    if (series.points.length === 0) return [];
    const meta = GROWTH_MEASURES.find((m) => m.measure === series.measure)!;
    const ages = series.points.map((p) => p.ageMonths);
    const from = Math.min(...ages) - WINDOW_MARGIN;
    const to = Math.max(...ages) + WINDOW_MARGIN;
    const parts = curveSegments(series.measure, from, to).flatMap(([table, a, b]) => {
      const rows = options.tables[table];
      return rows ? [percentileCurves(rows, options.sex, a, b)] : [];
    });
    const curves = [5, 50, 95].map((percentile, i) => ({
      percentile,
      points: parts.flatMap((part) => part[i]!.points),
    }));
    return [{ ...series, label: meta.label, unit: meta.unit, curves }];
  });
}

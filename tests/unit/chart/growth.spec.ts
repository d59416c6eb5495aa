import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ageInMonths,
  formatPercentile,
  growthSeries,
  lmsAt,
  normalCdf,
  parseLmsCsv,
  PERCENTILE_Z,
  percentileCurves,
  tableFor,
  tablesNeeded,
  growthCharts,
  growthTablesFor,
  curveSegments,
  valueAtZ,
  zScore,
  type GrowthTableName,
  type LmsRow,
} from '../../../src/lib/chart/growth.ts';
import { loadGrowthTables } from '../../../src/lib/chart/growth-tables.ts';

const NAMES: GrowthTableName[] = [
  'wtageinf',
  'lenageinf',
  'hcageinf',
  'wtage',
  'statage',
  'bmiagerev',
];
const read = (name: GrowthTableName) =>
  parseLmsCsv(
    readFileSync(
      new URL(`../../../src/lib/chart/data/growth/${name}.csv`, import.meta.url),
      'utf8',
    ),
  );
const TABLES = Object.fromEntries(NAMES.map((n) => [n, read(n)])) as Record<
  GrowthTableName,
  LmsRow[]
>;

describe('CDC 2000 LMS tables', () => {
  it('hold both sexes over the documented ages', () => {
    expect(TABLES.wtage).toHaveLength(436);
    expect(TABLES.bmiagerev).toHaveLength(438);
    expect(TABLES.hcageinf).toHaveLength(76);
    for (const name of NAMES) {
      const rows = TABLES[name];
      expect(new Set(rows.map((r) => r.sex))).toEqual(new Set([1, 2]));
    }
    expect(Math.min(...TABLES.wtageinf.map((r) => r.agemos))).toBe(0);
    expect(Math.max(...TABLES.statage.map((r) => r.agemos))).toBe(240);
    expect(() => parseLmsCsv('Age,L,M,S\n1,2,3,4')).toThrow('bad-growth-table');
  });

  it('reproduce every published percentile column from L, M and S (value and percentile)', () => {
    let checked = 0;
    for (const name of NAMES) {
      for (const row of TABLES[name]) {
        for (const [column, published] of Object.entries(row.published)) {
          const nominal = Number(column.slice(1));
          const z = PERCENTILE_Z[nominal]!;
          // Forward: the curve value at the column's z is the published number.
          expect(Math.abs(valueAtZ(row, z) - published) / published).toBeLessThan(1e-6);
          // Back: the published number's percentile is the column's.
          expect(normalCdf(zScore(published, row)) * 100).toBeCloseTo(nominal, 3);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(10_000);
  });

  it('interpolate L, M, S between rows and give the rows themselves at their ages', () => {
    const boys = TABLES.wtage.filter((r) => r.sex === 1);
    expect(lmsAt(TABLES.wtage, 1, boys[3]!.agemos)).toEqual({
      L: boys[3]!.L,
      M: boys[3]!.M,
      S: boys[3]!.S,
    });
    const mid = lmsAt(TABLES.wtage, 1, (boys[3]!.agemos + boys[4]!.agemos) / 2)!;
    expect(mid.M).toBeCloseTo((boys[3]!.M + boys[4]!.M) / 2, 10);
    expect(lmsAt(TABLES.wtage, 1, 12)).toBeNull();
    expect(lmsAt(TABLES.wtage, 1, 241)).toBeNull();
  });

  it('z rises with the measurement, and the percentile with z, at any age and sex (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<GrowthTableName>(...NAMES),
        fc.constantFrom<1 | 2>(1, 2),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: -0.5, max: 0.5, noNaN: true }),
        fc.double({ min: 0.001, max: 0.3, noNaN: true }),
        (name, sex, where, offset, step) => {
          const ages = TABLES[name].filter((r) => r.sex === sex).map((r) => r.agemos);
          const age = Math.min(...ages) + where * (Math.max(...ages) - Math.min(...ages));
          const lms = lmsAt(TABLES[name], sex, age)!;
          const x = lms.M * (1 + offset);
          const z1 = zScore(x, lms);
          const z2 = zScore(x * (1 + step), lms);
          expect(z2).toBeGreaterThan(z1);
          expect(normalCdf(z2)).toBeGreaterThanOrEqual(normalCdf(z1));
          // The percentile curves are ordered too.
          expect(valueAtZ(lms, PERCENTILE_Z[5]!)).toBeLessThan(valueAtZ(lms, 0));
          expect(valueAtZ(lms, 0)).toBeLessThan(valueAtZ(lms, PERCENTILE_Z[95]!));
        },
      ),
    );
  });

  it('Φ matches known values', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.959963985)).toBeCloseTo(0.975, 6);
    expect(normalCdf(-2.326347874)).toBeCloseTo(0.01, 6);
    expect(normalCdf(-8)).toBeLessThan(1e-14);
  });
});

describe('a child measured over time', () => {
  it('reads each measurement against the chart for the age: infant under 24 months, 2–20 y after', () => {
    expect(tableFor('length', 23.9)).toBe('lenageinf');
    expect(tableFor('length', 24)).toBe('statage');
    expect(tableFor('bmi', 12)).toBeNull();
    expect(tableFor('head', 36)).toBe('hcageinf');
    expect(tableFor('head', 37)).toBeNull();
    expect(tableFor('weight', 241)).toBeNull();
    expect(ageInMonths('2020-01-01', '2021-01-01')).toBeCloseTo(366 / 30.4375, 10);
  });

  it('gives the median child the 50th percentile and z 0', () => {
    const birthDate = '2018-03-01';
    const on = '2023-03-01';
    const age = ageInMonths(birthDate, on);
    const m = (name: GrowthTableName) => lmsAt(TABLES[name], 2, age)!.M;
    const vitals = [
      { effectiveDate: on, weightKg: m('wtage'), heightCm: m('statage'), bmi: m('bmiagerev') },
    ];
    expect(tablesNeeded(birthDate, vitals)).toEqual(['bmiagerev', 'statage', 'wtage']);
    const series = growthSeries({ birthDate, sex: 2, vitals, tables: TABLES });
    for (const s of series.filter((s) => s.measure !== 'head')) {
      expect(s.points).toHaveLength(1);
      expect(s.points[0]!.z).toBeCloseTo(0, 9);
      expect(formatPercentile(s.points[0]!.percentile)).toBe('50');
    }
  });

  it('computes BMI from weight and height when none was recorded, and flags implausible values', () => {
    const birthDate = '2010-06-15';
    const series = growthSeries({
      birthDate,
      sex: 1,
      vitals: [
        { effectiveDate: '2012-01-01', weightKg: 11, heightCm: 82 },
        { effectiveDate: '2020-06-15', weightKg: 31.5, heightCm: 138.2 },
        { effectiveDate: '2020-07-15', heightCm: 250 },
      ],
      tables: TABLES,
    });
    const bmi = series.find((s) => s.measure === 'bmi')!;
    // 18 months: no BMI chart under 2 years.
    expect(bmi.notCharted).toBe(1);
    expect(bmi.points[0]!.value).toBeCloseTo(31.5 / 1.382 ** 2, 10);
    const length = series.find((s) => s.measure === 'length')!;
    expect(length.points.map((p) => p.table)).toEqual(['lenageinf', 'statage', 'statage']);
    expect(length.points[2]!.implausible).toBe(true);
    expect(length.points[1]!.implausible).toBeUndefined();
  });

  it('draws percentile curves from the table rows in the window', () => {
    const [p5, p50, p95] = percentileCurves(TABLES.statage, 1, 30, 60);
    expect(p50!.points[0]).toEqual({ ageMonths: 30, value: lmsAt(TABLES.statage, 1, 30)!.M });
    expect(p50!.points.at(-1)!.ageMonths).toBe(60);
    for (let i = 0; i < p50!.points.length; i++) {
      expect(p5!.points[i]!.value).toBeLessThan(p50!.points[i]!.value);
      expect(p95!.points[i]!.value).toBeGreaterThan(p50!.points[i]!.value);
    }
    const row = TABLES.statage.find((r) => r.sex === 1 && r.agemos === 48.5)!;
    expect(p95!.points.find((p) => p.ageMonths === 48.5)!.value).toBeCloseTo(row.published.P95!, 6);
  });

  it('loads the tables it is asked for, parsed, once', async () => {
    const tables = await loadGrowthTables(['hcageinf', 'wtage']);
    expect(Object.keys(tables).sort()).toEqual(['hcageinf', 'wtage']);
    expect(tables.hcageinf).toEqual(TABLES.hcageinf);
    expect((await loadGrowthTables(['wtage'])).wtage).toBe(tables.wtage);
  });

  it('formats percentiles as people read them', () => {
    expect([0.05, 2.345, 45.4, 99.23, 99.95].map(formatPercentile)).toEqual([
      '<0.1',
      '2.3',
      '45',
      '99.2',
      '>99.9',
    ]);
  });
});

describe('growth charts of a Synthea child (Mao Kilback, born 2018-08-14, female)', () => {
  const bundle = JSON.parse(
    readFileSync(
      new URL(
        '../../fixtures/fhir/synthea-r4/Mao_Kilback_93cfa114-ace6-4e01-b30b-73863b9339a5.json',
        import.meta.url,
      ),
      'utf8',
    ),
  ) as { entry: { resource: Record<string, unknown> }[] };
  const byDate = new Map<string, { effectiveDate: string; weightKg?: number; heightCm?: number }>();
  for (const { resource: r } of bundle.entry) {
    if (r.resourceType !== 'Observation') continue;
    const code = (r.code as { coding: { code: string }[] }).coding[0]!.code;
    const key = code === '29463-7' ? 'weightKg' : code === '8302-2' ? 'heightCm' : null;
    if (!key) continue;
    const date = String(r.effectiveDateTime).slice(0, 10);
    const v = byDate.get(date) ?? { effectiveDate: date };
    v[key] = (r.valueQuantity as { value: number }).value;
    byDate.set(date, v);
  }
  const vitals = [...byDate.values()];

  it('charts every weight and length against infant then 2–20 y tables, with curves across both', () => {
    const names = growthTablesFor('2018-08-14', vitals);
    expect(names).toEqual(expect.arrayContaining(['wtageinf', 'lenageinf', 'wtage', 'statage']));
    const charts = growthCharts({ birthDate: '2018-08-14', sex: 2, vitals, tables: TABLES });
    const weight = charts.find((c) => c.measure === 'weight')!;
    expect(weight.points).toHaveLength(vitals.filter((v) => v.weightKg).length);
    for (const p of weight.points) {
      expect(Math.abs(p.z)).toBeLessThan(4);
      expect(p.percentile).toBeGreaterThan(0);
    }
    const [p5, p50, p95] = weight.curves;
    expect(p50!.points[0]!.ageMonths).toBe(0);
    expect(p50!.points.some((p) => p.ageMonths >= 24)).toBe(true);
    for (let i = 0; i < p50!.points.length; i++)
      expect(p5!.points[i]!.value).toBeLessThan(p95!.points[i]!.value);
    // No head circumference recorded: no head chart.
    expect(charts.some((c) => c.measure === 'head')).toBe(false);
    expect(curveSegments('head', 30, 50)).toEqual([['hcageinf', 30, 36]]);
  });
});

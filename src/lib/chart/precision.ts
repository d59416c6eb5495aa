/**
 * Clinical display precision: how many decimals a measurement is shown with, per measure and
 * per unit (glucose is whole mg/dL but one decimal in mmol/L; creatinine two decimals in mg/dL,
 * whole µmol/L). Stored values are never rounded — this is for display only (an imported
 * `160.2783029541737` mmHg stays stored as it came and shows as `160`).
 *
 * A unit the table does not list for a test can still be given the right precision when a UCUM
 * converter is at hand (lib/chart/units.ts, loaded lazily): the decimals move by the power of ten
 * between the two units (hemoglobin 1 decimal in g/dL → 0 in g/L). Without either, a number is
 * shown with three significant digits and at most two decimals.
 */

/**
 * Converts `value` from one UCUM unit to another, or null when they are not commensurable;
 * `molecularWeight` (g/mol) allows mass ↔ amount of substance.
 */
export type UnitConverter = (
  value: number,
  from: string,
  to: string,
  molecularWeight?: number,
) => number | null;

export interface MeasurePrecision {
  /** Display label. */
  label: string;
  /** The unit results of this test are usually reported in (UCUM). */
  unit: string;
  /** Decimals by UCUM unit; the first entry is `unit`'s. */
  decimals: Record<string, number>;
  /** Never convert to or from other units (e.g. HbA1c % ↔ mmol/mol is not a plain factor). */
  noConversion?: boolean;
  /** Values outside [min, max] in `unit` are not possible (lab entry refuses them). */
  limits?: [number, number];
  /** g/mol, for mass ↔ amount-of-substance conversion (mg/dL ↔ mmol/L). */
  molecularWeight?: number;
}

const p = (
  label: string,
  decimals: Record<string, number>,
  extra: Partial<MeasurePrecision> = {},
): MeasurePrecision => ({ label, unit: Object.keys(decimals)[0]!, decimals, ...extra });

const HBA1C = p('HbA1c', { '%': 1 }, { noConversion: true, limits: [2, 25] });
const GLUCOSE = p(
  'Glucose',
  { 'mg/dL': 0, 'mmol/L': 1 },
  { limits: [5, 3000], molecularWeight: 180.156 },
);
const CHOL = { molecularWeight: 386.65 };
const LDL = p('LDL cholesterol', { 'mg/dL': 0, 'mmol/L': 1 }, { ...CHOL, limits: [0, 1500] });
const HDL = p('HDL cholesterol', { 'mg/dL': 0, 'mmol/L': 2 }, { ...CHOL, limits: [1, 300] });
const CHOLESTEROL = p(
  'Total cholesterol',
  { 'mg/dL': 0, 'mmol/L': 1 },
  { ...CHOL, limits: [20, 2000] },
);
const TRIGLYCERIDES = p(
  'Triglycerides',
  { 'mg/dL': 0, 'mmol/L': 2 },
  { limits: [5, 30000], molecularWeight: 885.7 },
);
const EGFR = p('eGFR', { 'mL/min/{1.73_m2}': 0, 'mL/min': 0 }, { limits: [0, 250] });
const CREATININE = p(
  'Creatinine',
  { 'mg/dL': 2, 'umol/L': 0 },
  { limits: [0.05, 40], molecularWeight: 113.12 },
);
// Urea nitrogen: 1 mmol of urea carries 28.014 mg of nitrogen.
const UREA = p(
  'Urea nitrogen',
  { 'mg/dL': 0, 'mmol/L': 1 },
  { limits: [0.5, 400], molecularWeight: 28.014 },
);
const POTASSIUM = p('Potassium', { 'mmol/L': 1 }, { limits: [0.5, 15] });
const SODIUM = p('Sodium', { 'mmol/L': 0 }, { limits: [80, 220] });
const CALCIUM = p(
  'Calcium',
  { 'mg/dL': 1, 'mmol/L': 2 },
  { limits: [1, 25], molecularWeight: 40.078 },
);
const HEMOGLOBIN = p('Hemoglobin', { 'g/dL': 1, 'g/L': 0 }, { limits: [1, 30] });
const HEMATOCRIT = p('Hematocrit', { '%': 1 }, { limits: [3, 90] });
const TSH = p('TSH', { 'm[IU]/L': 2, 'u[IU]/mL': 2 });

/** Precision of laboratory tests by LOINC code. */
export const LAB_PRECISION: Record<string, MeasurePrecision> = {
  '4548-4': HBA1C,
  '17856-6': HBA1C,
  '2339-0': GLUCOSE,
  '2345-7': GLUCOSE,
  '18262-6': LDL,
  '13457-7': LDL,
  '2089-1': LDL,
  '2085-9': HDL,
  '2093-3': CHOLESTEROL,
  '2571-8': TRIGLYCERIDES,
  '33914-3': EGFR,
  '48642-3': EGFR,
  '48643-1': EGFR,
  '62238-1': EGFR,
  '98979-8': EGFR,
  '38483-4': CREATININE,
  '2160-0': CREATININE,
  '6299-2': UREA,
  '3094-0': UREA,
  '6298-4': POTASSIUM,
  '2823-3': POTASSIUM,
  '2947-0': SODIUM,
  '2951-2': SODIUM,
  '2069-3': p('Chloride', { 'mmol/L': 0 }),
  '2075-0': p('Chloride', { 'mmol/L': 0 }),
  '20565-8': p('Carbon dioxide', { 'mmol/L': 0 }),
  '2028-9': p('Carbon dioxide', { 'mmol/L': 0 }),
  '49765-1': CALCIUM,
  '17861-6': CALCIUM,
  '718-7': HEMOGLOBIN,
  '4544-3': HEMATOCRIT,
  '20570-8': HEMATOCRIT,
  '6690-2': p('Leukocytes', { '10*3/uL': 1 }, { limits: [0, 1500] }),
  '777-3': p('Platelets', { '10*3/uL': 0 }, { limits: [0, 5000] }),
  '789-8': p('Erythrocytes', { '10*6/uL': 2 }),
  '785-6': p('MCH', { pg: 1 }),
  '786-4': p('MCHC', { 'g/dL': 1 }),
  '787-2': p('MCV', { fL: 1 }),
  '21000-5': p('RDW', { fL: 1 }),
  '32207-3': p('Platelet distribution width', { fL: 1 }),
  '32623-1': p('Platelet mean volume', { fL: 1 }),
  '1751-7': p('Albumin', { 'g/dL': 1, 'g/L': 0 }, { limits: [0.5, 10] }),
  '2885-2': p('Protein', { 'g/dL': 1, 'g/L': 0 }),
  '10834-0': p('Globulin', { 'g/L': 1 }),
  '1975-2': p(
    'Bilirubin',
    { 'mg/dL': 1, 'umol/L': 0 },
    { limits: [0, 80], molecularWeight: 584.66 },
  ),
  '1742-6': p('ALT', { 'U/L': 0 }),
  '1920-8': p('AST', { 'U/L': 0 }),
  '6768-6': p('Alkaline phosphatase', { 'U/L': 0 }),
  '33762-6': p('NT-proBNP', { 'pg/mL': 0 }),
  '2857-1': p('PSA', { 'ng/mL': 2 }),
  '3016-3': TSH,
  '11580-8': TSH,
};

/** Precision of the vital signs Folio models (Vitals fields; units as Folio stores them). */
export const VITAL_PRECISION = {
  systolic: p('Systolic BP', { 'mm[Hg]': 0 }),
  diastolic: p('Diastolic BP', { 'mm[Hg]': 0 }),
  heartRate: p('Heart rate', { '/min': 0 }),
  respiratoryRate: p('Respiratory rate', { '/min': 0 }),
  temperatureC: p('Temperature', { Cel: 1 }),
  spo2: p('SpO₂', { '%': 0 }),
  weightKg: p('Weight', { kg: 1 }),
  heightCm: p('Height', { cm: 1 }),
  bmi: p('BMI', { 'kg/m2': 1 }),
  headCircumferenceCm: p('Head circumference', { cm: 1 }),
} as const satisfies Record<string, MeasurePrecision>;

export type VitalPrecisionKey = keyof typeof VITAL_PRECISION;

/** Three significant digits, at most two decimals, never fewer than the integer digits. */
export function defaultDecimals(value: number): number {
  const magnitude = Math.abs(value);
  if (magnitude === 0 || magnitude >= 100) return 0;
  if (magnitude >= 10) return 1;
  return 2;
}

/**
 * Decimals for a value of `spec` in `unit`: the table's, else shifted by the power of ten between
 * `unit` and the test's usual unit (needs `convert`), else the default.
 */
export function decimalsFor(
  spec: MeasurePrecision | undefined,
  unit: string | undefined,
  value: number,
  convert?: UnitConverter,
): number {
  if (!spec) return defaultDecimals(value);
  const listed = spec.decimals[unit ?? spec.unit];
  if (listed !== undefined) return listed;
  if (unit && convert && !spec.noConversion) {
    const factor = convert(1, unit, spec.unit);
    if (factor !== null && Number.isFinite(factor) && factor > 0) {
      const shifted = (spec.decimals[spec.unit] ?? 0) + Math.round(Math.log10(factor));
      return Math.min(4, Math.max(0, shifted));
    }
  }
  return defaultDecimals(value);
}

/** A number with a fixed count of decimals; `-0` shows as `0`. */
export function fixed(value: number, decimals: number): string {
  const text = value.toFixed(decimals);
  return /^-0(\.0*)?$/.test(text) ? text.slice(1) : text;
}

/** A lab value as it should be read (`7.2`, `160`); text values are returned as they are. */
export function formatLabValue(
  input: { loinc: string; value: number | string; unit?: string },
  convert?: UnitConverter,
): string {
  if (typeof input.value !== 'number') return input.value;
  if (!Number.isFinite(input.value)) return String(input.value);
  const decimals = decimalsFor(LAB_PRECISION[input.loinc], input.unit, input.value, convert);
  return fixed(input.value, decimals);
}

/** A vital sign at its clinical precision (weights under 10 kg keep 10 g: infant scales). */
export function formatVital(key: VitalPrecisionKey, value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '';
  const spec = VITAL_PRECISION[key];
  let decimals = spec.decimals[spec.unit as keyof typeof spec.decimals] as number;
  if (key === 'weightKg' && Math.abs(value) < 10) decimals = 2;
  return fixed(value, decimals);
}

/** Blood pressure as `120/80` (whole mmHg), or '' when either part is missing. */
export function formatBloodPressure(systolic?: number, diastolic?: number): string {
  if (systolic === undefined || diastolic === undefined) return '';
  return `${formatVital('systolic', systolic)}/${formatVital('diastolic', diastolic)}`;
}

const UNIT_SYMBOLS: Record<string, string> = {
  'mm[Hg]': 'mmHg',
  Cel: '°C',
  '[degF]': '°F',
  'kg/m2': 'kg/m²',
  'mL/min/{1.73_m2}': 'mL/min/1.73 m²',
  '10*3/uL': '×10³/µL',
  '10*6/uL': '×10⁶/µL',
  '10*9/L': '×10⁹/L',
  '10*12/L': '×10¹²/L',
  umol: 'µmol',
  'umol/L': 'µmol/L',
  ug: 'µg',
  'ug/L': 'µg/L',
  'ug/dL': 'µg/dL',
  uL: 'µL',
  '[lb_av]': 'lb',
  '[in_i]': 'in',
  'm[IU]/L': 'mIU/L',
  'u[IU]/mL': 'µIU/mL',
  '/min': '/min',
};

/**
 * How a UCUM unit code is printed for people (`mm[Hg]` → `mmHg`, `Cel` → `°C`); annotations
 * alone (`{score}`) print as nothing; anything else as written.
 */
export function unitLabel(unit: string | undefined): string {
  if (!unit) return '';
  const known = UNIT_SYMBOLS[unit];
  if (known !== undefined) return known;
  if (/^\{[^}]*\}$/.test(unit)) return '';
  return unit;
}

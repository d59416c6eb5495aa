/**
 * Input validation for chart commands. Problems are collected per field and reported together;
 * hard errors block the command, outliers (implausible but possible values) need the user's
 * explicit confirmation.
 */
import { isCalendarDate, today } from './dates';
import type { Vitals } from './types';

export interface Issue {
  field: string;
  message: string;
}

export class ValidationError extends Error {
  constructor(
    readonly issues: Issue[],
    readonly outliers: Issue[] = [],
  ) {
    super(
      issues.length ? issues.map((i) => i.message).join(' ') : 'Please confirm unusual values.',
    );
    this.name = 'ValidationError';
  }
  /** True when only outliers stand in the way (the user may confirm them). */
  get needsConfirmation(): boolean {
    return this.issues.length === 0 && this.outliers.length > 0;
  }
}

export class Checker {
  readonly issues: Issue[] = [];
  readonly outliers: Issue[] = [];

  required(field: string, value: unknown, label: string): this {
    if (typeof value !== 'string' || value.trim() === '') {
      this.issues.push({ field, message: `${label} is required.` });
    }
    return this;
  }

  maxLength(field: string, value: string | undefined, max: number, label: string): this {
    if (value && value.length > max)
      this.issues.push({ field, message: `${label} is too long (${max} characters at most).` });
    return this;
  }

  /** A real calendar date; `past` forbids dates after today; optional unless `required`. */
  date(
    field: string,
    value: string | undefined,
    label: string,
    options: { required?: boolean; past?: boolean; notBefore?: string } = {},
  ): this {
    if (!value) {
      if (options.required) this.issues.push({ field, message: `${label} is required.` });
      return this;
    }
    if (!isCalendarDate(value)) {
      this.issues.push({ field, message: `${label} is not a real date (use YYYY-MM-DD).` });
      return this;
    }
    if (options.past !== false && value > today())
      this.issues.push({ field, message: `${label} cannot be in the future.` });
    if (options.notBefore && value < options.notBefore)
      this.issues.push({ field, message: `${label} is before ${options.notBefore}.` });
    return this;
  }

  oneOf<T extends string>(
    field: string,
    value: unknown,
    allowed: readonly T[],
    label: string,
  ): this {
    if (!allowed.includes(value as T))
      this.issues.push({ field, message: `${label} must be one of: ${allowed.join(', ')}.` });
    return this;
  }

  /** Numbers outside [hardMin, hardMax] are errors; outside [softMin, softMax], outliers. */
  range(
    field: string,
    value: number | undefined,
    label: string,
    unit: string,
    limits: [number, number, number, number],
  ): this {
    if (value === undefined) return this;
    const [hardMin, softMin, softMax, hardMax] = limits;
    if (!Number.isFinite(value)) {
      this.issues.push({ field, message: `${label} must be a number.` });
    } else if (value < hardMin || value > hardMax) {
      this.issues.push({
        field,
        message: `${label} ${value} ${unit} is not possible (${hardMin}–${hardMax} ${unit}).`,
      });
    } else if (value < softMin || value > softMax) {
      this.outliers.push({
        field,
        message: `${label} ${value} ${unit} is unusual — please confirm.`,
      });
    }
    return this;
  }

  /** Throws ValidationError unless clean (outliers pass when confirmed). */
  done(confirmOutliers = false): void {
    if (this.issues.length > 0 || (this.outliers.length > 0 && !confirmOutliers)) {
      throw new ValidationError(this.issues, this.outliers);
    }
  }
}

/** Plausibility limits: [impossible below, unusual below, unusual above, impossible above]. */
export const VITAL_LIMITS = {
  systolic: { label: 'Systolic BP', unit: 'mmHg', limits: [40, 70, 200, 300] },
  diastolic: { label: 'Diastolic BP', unit: 'mmHg', limits: [20, 40, 130, 200] },
  heartRate: { label: 'Heart rate', unit: '/min', limits: [20, 40, 150, 300] },
  respiratoryRate: { label: 'Respiratory rate', unit: '/min', limits: [4, 8, 30, 80] },
  temperatureC: { label: 'Temperature', unit: '°C', limits: [25, 35, 40, 45] },
  spo2: { label: 'SpO₂', unit: '%', limits: [50, 88, 100, 100] },
  weightKg: { label: 'Weight', unit: 'kg', limits: [0.3, 2, 250, 500] },
  heightCm: { label: 'Height', unit: 'cm', limits: [20, 45, 220, 260] },
} as const satisfies Record<
  string,
  { label: string; unit: string; limits: [number, number, number, number] }
>;

export type VitalKey = keyof typeof VITAL_LIMITS;

export function checkVitals(v: Partial<Vitals>, confirmOutliers = false): void {
  const c = new Checker().date('effectiveDate', v.effectiveDate, 'Date', { required: true });
  let any = false;
  for (const [key, spec] of Object.entries(VITAL_LIMITS) as [
    VitalKey,
    (typeof VITAL_LIMITS)[VitalKey],
  ][]) {
    if (v[key] !== undefined) any = true;
    c.range(
      key,
      v[key],
      spec.label,
      spec.unit,
      spec.limits as unknown as [number, number, number, number],
    );
  }
  if (!any) c.issues.push({ field: 'systolic', message: 'Enter at least one measurement.' });
  if ((v.systolic === undefined) !== (v.diastolic === undefined)) {
    c.issues.push({
      field: 'diastolic',
      message: 'Blood pressure needs both systolic and diastolic values.',
    });
  } else if (v.systolic !== undefined && v.diastolic !== undefined && v.diastolic >= v.systolic) {
    c.issues.push({
      field: 'diastolic',
      message: 'Diastolic pressure must be lower than systolic.',
    });
  }
  c.done(confirmOutliers);
}

/** BMI from kg and cm, one decimal; undefined unless both are present. */
export function bmi(weightKg?: number, heightCm?: number): number | undefined {
  if (!weightKg || !heightCm) return undefined;
  return Math.round((weightKg / (heightCm / 100) ** 2) * 10) / 10;
}

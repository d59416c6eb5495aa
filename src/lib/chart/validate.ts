/**
 * Input validation for chart commands. Problems are collected per field and reported together;
 * hard errors block the command, outliers (implausible but possible values) need the user's
 * explicit confirmation. Each section's own checks live in its module (sections/<name>.ts).
 */
import { isCalendarDate, today } from './dates';

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

  /**
   * An end that must not come before its start: flags `endField` with `message` when both are
   * given (non-empty strings) and `end` sorts before `start` (ISO dates compare as text).
   */
  order(endField: string, start: unknown, end: unknown, message: string): this {
    if (endBeforeStart(start, end)) this.issues.push({ field: endField, message });
    return this;
  }

  /** Throws ValidationError unless clean (outliers pass when confirmed). */
  done(confirmOutliers = false): void {
    if (this.issues.length > 0 || (this.outliers.length > 0 && !confirmOutliers)) {
      throw new ValidationError(this.issues, this.outliers);
    }
  }
}

/** True when both dates are given (non-empty strings) and `end` is before `start`. */
export function endBeforeStart(start: unknown, end: unknown): boolean {
  return typeof start === 'string' && typeof end === 'string' && start !== '' && end !== ''
    ? end < start
    : false;
}

/**
 * Checks of a lab result typed by hand: a value at all, no negative concentrations, a unit that
 * is UCUM and can express the test (mg where the test is in g/dL is a mass, not a
 * concentration), and a value that is possible once put in the test's usual unit (hemoglobin
 * 14 mg/dL is 0.014 g/dL: the unit is wrong). The value is stored as typed, in the unit typed;
 * nothing is converted in the record.
 *
 * Imports are never refused by these checks (what a source system sent is kept as it came).
 */
import { LAB_PRECISION, unitLabel, type UnitConverter } from './precision';
import type { LabResult } from './types';
import type { Units } from './units';
import type { Issue } from './validate';

/** Tests whose results may be negative (base excess). */
const SIGNED = new Set(['11555-0', '1925-7', '1926-5']);

export interface LabEntryInput {
  loinc: string;
  name: string;
  value: LabResult['value'];
  unit?: string;
}

export interface LabEntryContext {
  /** UCUM tools (lib/chart/units.ts), or null while they load. */
  units: Units | null;
  /** The unit earlier results of the same test in this chart were recorded in. */
  previousUnit?: string;
}

const shown = (unit: string) => unitLabel(unit) || unit;

/** Issues with a typed lab result's value and unit (empty when fine). */
export function labEntryIssues(input: LabEntryInput, context: LabEntryContext): Issue[] {
  const out: Issue[] = [];
  const test = input.name.trim() || 'This test';
  const value = input.value;
  if (value === '') return [{ field: 'value', message: 'Value is required.' }];
  if (typeof value !== 'number') return out; // a text result (positive, see report…)
  if (!Number.isFinite(value)) return [{ field: 'value', message: 'Value must be a number.' }];
  if (value < 0 && !SIGNED.has(input.loinc))
    out.push({ field: 'value', message: `${test} cannot be negative.` });

  const spec = LAB_PRECISION[input.loinc];
  const expected = spec?.unit ?? context.previousUnit;
  const unit = input.unit?.trim() ?? '';
  // A number without a unit is kept as typed (nothing to check it against).
  if (!unit) return out;
  if (unit === expected) {
    if (spec?.limits) rangeIssue(out, test, value, unit, value, spec.limits, expected);
    return out;
  }
  const units = context.units;
  const known = spec !== undefined && unit in spec.decimals;
  if (!units) {
    if (!known)
      out.push({ field: 'unit', message: 'The unit check is still loading. Try Save again.' });
    return out;
  }
  const check = units.check(unit);
  if (!check.ok) {
    out.push({
      field: 'unit',
      message: check.suggestion
        ? `“${unit}” is not a UCUM unit. Did you mean ${check.suggestion}?`
        : `“${unit}” is not a UCUM unit (examples: mg/dL, mmol/L, %, 10*3/uL).`,
    });
    return out;
  }
  if (!expected) return out;
  if (spec?.noConversion && !known) {
    out.push({
      field: 'unit',
      message: `${test} is recorded in ${shown(expected)}; ${shown(unit)} is not converted to it. Enter the result in ${shown(expected)}.`,
    });
    return out;
  }
  const inExpected = units.convert(value, unit, expected, spec?.molecularWeight);
  if (inExpected === null) {
    const expectedName = units.check(expected).name ?? expected;
    out.push({
      field: 'unit',
      message: `${shown(unit)} (${check.name}) cannot express ${test}, which is reported in ${shown(expected)} (${expectedName}).`,
    });
    return out;
  }
  if (spec?.limits) rangeIssue(out, test, value, unit, inExpected, spec.limits, expected);
  return out;
}

function rangeIssue(
  out: Issue[],
  test: string,
  value: number,
  unit: string,
  inExpected: number,
  [min, max]: [number, number],
  expected: string,
): void {
  if (inExpected >= min && inExpected <= max) return;
  const range = `${min}–${max} ${shown(expected)}`;
  if (unit === expected) {
    out.push({
      field: 'value',
      message: `${test} ${value} ${shown(unit)} is not possible (${range}).`,
    });
  } else {
    out.push({
      field: 'unit',
      message: `${test} ${value} ${shown(unit)} is ${Number(inExpected.toPrecision(3))} ${shown(expected)}, which is not possible (${range}). Check the unit.`,
    });
  }
}

/**
 * Why a stored result (typically imported) cannot be right, or null: negative where the test
 * cannot be, or outside what is possible once in the test's usual unit (which needs `convert`
 * for other units). The result is kept as it is; this is only said beside it.
 */
export function implausibleReason(lab: LabResult, convert?: UnitConverter): string | null {
  const value = lab.value;
  if (typeof value !== 'number' || !Number.isFinite(value)) return null;
  if (value < 0 && !SIGNED.has(lab.loinc)) return 'A negative value is not possible for this test.';
  const spec = LAB_PRECISION[lab.loinc];
  if (!spec?.limits || !lab.unit) return null;
  const inUsual =
    lab.unit === spec.unit
      ? value
      : spec.noConversion || !convert
        ? null
        : convert(value, lab.unit, spec.unit, spec.molecularWeight);
  if (inUsual === null) return null;
  const [min, max] = spec.limits;
  if (inUsual >= min && inUsual <= max) return null;
  const range = `${min}–${max} ${shown(spec.unit)}`;
  return lab.unit === spec.unit
    ? `Outside what is possible (${range}).`
    : `Outside what is possible (${range}) once in ${shown(spec.unit)}: check the unit.`;
}

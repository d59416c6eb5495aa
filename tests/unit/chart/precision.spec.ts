import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decimalsFor,
  formatBloodPressure,
  formatLabValue,
  formatVital,
  LAB_PRECISION,
  unitLabel,
} from '../../../src/lib/chart/precision.ts';
import { loadUnits } from '../../../src/lib/chart/units.ts';

describe('clinical display precision', () => {
  it('shows the blood pressure an import carried with 13 decimals as whole mmHg', () => {
    expect(formatBloodPressure(160.2783029541737, 99.11760331914749)).toBe('160/99');
    expect(formatBloodPressure(120)).toBe('');
  });

  it('rounds each vital to its own precision (infant weights to 10 g)', () => {
    expect(formatVital('temperatureC', 37.04999)).toBe('37.0');
    expect(formatVital('weightKg', 81.26)).toBe('81.3');
    expect(formatVital('weightKg', 3.5302)).toBe('3.53');
    expect(formatVital('heartRate', 71.6)).toBe('72');
    expect(formatVital('bmi', 27.349)).toBe('27.3');
    expect(formatVital('spo2', undefined)).toBe('');
  });

  it('rounds lab values per test and per unit', () => {
    const lab = (loinc: string, value: number | string, unit?: string) =>
      formatLabValue({ loinc, value, unit });
    expect(lab('4548-4', 7.2499, '%')).toBe('7.2');
    expect(lab('4548-4', 6, '%')).toBe('6.0');
    expect(lab('2339-0', 98.7, 'mg/dL')).toBe('99');
    expect(lab('2339-0', 5.55, 'mmol/L')).toBe('5.5');
    expect(lab('38483-4', 1.2345, 'mg/dL')).toBe('1.23');
    expect(lab('38483-4', 97.6, 'umol/L')).toBe('98');
    expect(lab('33914-3', 59.99999999999999, 'mL/min/{1.73_m2}')).toBe('60');
    expect(lab('2093-3', 'see report')).toBe('see report');
    // A test Folio has no precision for: three significant digits, at most two decimals.
    expect(lab('9999-9', 1234.5678, 'U/L')).toBe('1235');
    expect(lab('9999-9', 12.3456, 'U/L')).toBe('12.3');
    expect(lab('9999-9', 0.012345, 'U/L')).toBe('0.01');
    expect(lab('9999-9', -0.001, 'U/L')).toBe('0.00');
  });

  it('derives the precision of a unit it does not list from the UCUM factor', async () => {
    const units = await loadUnits();
    const convert = (v: number, from: string, to: string) => units.convert(v, from, to);
    // Hemoglobin: 1 decimal in g/dL; 1 mg/mL = 0.1 g/dL, so whole mg/mL.
    expect(decimalsFor(LAB_PRECISION['718-7'], 'mg/mL', 140, convert)).toBe(0);
    // LDL mg/dL whole → g/L two decimals (1 mg/dL = 0.01 g/L).
    expect(decimalsFor(LAB_PRECISION['18262-6'], 'g/L', 1.3, convert)).toBe(2);
    // Not convertible: the default rule.
    expect(decimalsFor(LAB_PRECISION['718-7'], 'mmol/L', 8.6, convert)).toBe(2);
    // HbA1c is never converted.
    expect(decimalsFor(LAB_PRECISION['4548-4'], 'mmol/mol', 53, convert)).toBe(1);
  });

  it('never rounds a value by more than half its last shown digit', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...Object.keys(LAB_PRECISION)),
        fc.double({ min: -1e5, max: 1e5, noNaN: true }),
        (loinc, value) => {
          const spec = LAB_PRECISION[loinc]!;
          const text = formatLabValue({ loinc, value, unit: spec.unit });
          const decimals = spec.decimals[spec.unit]!;
          expect(text).toMatch(
            decimals === 0 ? /^-?\d+$/ : new RegExp(`^-?\\d+\\.\\d{${decimals}}$`),
          );
          expect(Math.abs(Number(text) - value)).toBeLessThanOrEqual(0.5 * 10 ** -decimals + 1e-9);
        },
      ),
    );
  });

  it('prints UCUM codes for people', () => {
    expect(unitLabel('mm[Hg]')).toBe('mmHg');
    expect(unitLabel('Cel')).toBe('°C');
    expect(unitLabel('10*3/uL')).toBe('×10³/µL');
    expect(unitLabel('mL/min/{1.73_m2}')).toBe('mL/min/1.73 m²');
    expect(unitLabel('{score}')).toBe('');
    expect(unitLabel('mg/dL')).toBe('mg/dL');
    expect(unitLabel(undefined)).toBe('');
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  FREQUENCIES,
  ROUTES,
  UNITS,
  deaProblem,
  dosesPerDay,
  npiProblem,
  numberInWords,
  quantityText,
  readOrder,
  refillsText,
  sigText,
  type RxOrder,
} from '../../../../src/lib/chart/rx/index.ts';

const amox = {
  doseValue: '1',
  doseUnit: 'capsule',
  route: 'oral',
  frequency: 'TID',
  durationDays: '10',
  quantityValue: '30',
  quantityUnit: 'capsule',
  refills: '0',
  substitutionAllowed: 'yes',
};

const messages = (v: Record<string, string>) =>
  readOrder(v).issues.map((i) => `${i.field}: ${i.message}`);

describe('readOrder: impossible input is refused with a message per field', () => {
  it('reads a well-formed order with no warnings', () => {
    const { order, issues, warnings } = readOrder(amox);
    expect(issues).toEqual([]);
    expect(warnings).toEqual([]);
    expect(order).toEqual({
      doseValue: 1,
      doseUnit: 'capsule',
      route: 'oral',
      frequency: 'TID',
      durationDays: 10,
      quantityValue: 30,
      quantityUnit: 'capsule',
      refills: 0,
      substitutionAllowed: true,
    });
  });

  it('zero, negative, non-numeric and absurd doses', () => {
    expect(messages({ ...amox, doseValue: '0' })).toEqual(['doseValue: Dose must be more than 0.']);
    expect(messages({ ...amox, doseValue: '-5' })).toEqual(['doseValue: Dose cannot be negative.']);
    expect(messages({ ...amox, doseValue: 'lots' })).toEqual([
      'doseValue: Dose must be a number, e.g. 500 or 0.5.',
    ]);
    expect(messages({ ...amox, doseValue: '' })).toEqual(['doseValue: Dose is required.']);
    expect(messages({ ...amox, doseValue: '5000' })).toEqual([
      'doseValue: A single dose of 5000 capsules is not plausible (at most 10 capsules). Check the dose and its unit.',
    ]);
    expect(messages({ ...amox, doseValue: '50000', doseUnit: 'mg' })).toEqual([
      'doseValue: A single dose of 50000 mg is not plausible (at most 5000 mg). Check the dose and its unit.',
    ]);
    expect(messages({ ...amox, doseValue: 'Infinity' })).toHaveLength(1);
    expect(messages({ ...amox, doseValue: '1e3' })).toHaveLength(1);
  });

  it('refills, duration, quantity, units, route and frequency', () => {
    for (const refills of ['12', '-1', '1.5', 'x', ''])
      expect(messages({ ...amox, refills })).toEqual([
        'refills: Refills must be a whole number from 0 to 11.',
      ]);
    expect(messages({ ...amox, refills: '11' })).toEqual([]);
    for (const durationDays of ['0', '366', '2.5'])
      expect(messages({ ...amox, durationDays })).toEqual([
        'durationDays: Duration must be a whole number of days from 1 to 365.',
      ]);
    expect(messages({ ...amox, quantityValue: '0' })).toEqual([
      'quantityValue: Quantity must be a number more than 0.',
    ]);
    expect(messages({ ...amox, quantityValue: '20000' })).toEqual([
      'quantityValue: Quantity is more than 10000. Check it.',
    ]);
    expect(
      messages({
        ...amox,
        doseUnit: 'spoon',
        quantityUnit: '',
        route: 'toString',
        frequency: 'constructor',
      }),
    ).toEqual([
      'doseUnit: Choose the dose unit.',
      'route: Choose the route.',
      'frequency: Choose how often.',
      'quantityUnit: Choose the quantity unit.',
    ]);
    expect(messages({ ...amox, note: 'x'.repeat(501) })).toEqual([
      'note: Notes to the pharmacist are too long (500 characters at most).',
    ]);
  });

  it('warns when the quantity does not match the sig over the duration', () => {
    expect(readOrder({ ...amox, quantityValue: '20' }).warnings).toEqual([
      {
        field: 'quantityValue',
        message:
          '20 capsules lasts 6.67 days at this sig, not the 10 days prescribed (30 capsules needed).',
      },
    ]);
    expect(readOrder({ ...amox, quantityValue: '90' }).warnings).toEqual([
      {
        field: 'quantityValue',
        message: '90 capsules is more than the 30 capsules the sig uses in 10 days.',
      },
    ]);
    // Different units (mg dose, tablets dispensed): nothing to compare.
    expect(
      readOrder({ ...amox, doseValue: '500', doseUnit: 'mg', quantityValue: '3' }).warnings,
    ).toEqual([]);
    // As needed: fewer than the most the sig allows is normal.
    expect(readOrder({ ...amox, frequency: 'Q6H_PRN', quantityValue: '10' }).warnings).toEqual([]);
  });

  it('property: any typed input gives either an order or field messages, never a throw', () => {
    const keys = Object.keys(amox);
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...keys), fc.string({ maxLength: 12 })), (over) => {
        const r = readOrder({ ...amox, ...over });
        if (r.order) {
          expect(r.issues).toEqual([]);
          expect(r.order.doseValue).toBeGreaterThan(0);
          expect(r.order.doseValue).toBeLessThanOrEqual(UNITS[r.order.doseUnit].maxDose);
          expect(r.order.refills).toBeGreaterThanOrEqual(0);
          expect(r.order.refills).toBeLessThanOrEqual(11);
          expect(Number.isInteger(r.order.durationDays)).toBe(true);
        } else {
          expect(r.issues.length).toBeGreaterThan(0);
          for (const i of r.issues) expect(keys.concat('note')).toContain(i.field);
        }
      }),
    );
  });
});

describe('sig and quantities in words', () => {
  const order: RxOrder = {
    doseValue: 1,
    doseUnit: 'capsule',
    route: 'oral',
    frequency: 'TID',
    durationDays: 10,
    quantityValue: 30,
    quantityUnit: 'capsule',
    refills: 2,
    substitutionAllowed: true,
  };
  it('says the sig as a prescriber would write it', () => {
    expect(sigText(order)).toBe('Take 1 capsule by mouth three times a day for 10 days.');
    expect(
      sigText({
        ...order,
        doseValue: 2,
        doseUnit: 'puff',
        route: 'inhaled',
        frequency: 'Q6H_PRN',
        durationDays: 1,
      }),
    ).toBe('Inhale 2 puffs by mouth every 6 hours as needed for 1 day.');
    expect(sigText({ ...order, doseValue: 0.5, doseUnit: 'tablet', frequency: 'QHS' })).toBe(
      'Take 0.5 tablets by mouth at bedtime for 10 days.',
    );
  });
  it('quantities and refills in words and figures', () => {
    expect(quantityText(order)).toBe('thirty (30) capsules');
    expect(quantityText({ quantityValue: 1, quantityUnit: 'patch' })).toBe('one (1) patch');
    expect(quantityText({ quantityValue: 2.5, quantityUnit: 'mL' })).toBe(
      'two point five (2.5) mL',
    );
    expect(refillsText(0)).toBe('no refills');
    expect(refillsText(1)).toBe('one (1) refill');
    expect(refillsText(11)).toBe('eleven (11) refills');
    expect(numberInWords(1250)).toBe('one thousand two hundred fifty');
    expect(numberInWords(999_999)).toBe(
      'nine hundred ninety-nine thousand nine hundred ninety-nine',
    );
    expect(numberInWords(100)).toBe('one hundred');
    expect(() => numberInWords(-1)).toThrow(RangeError);
  });
  it('doses per day follow the timing', () => {
    expect(dosesPerDay('QD')).toBe(1);
    expect(dosesPerDay('Q6H')).toBe(4);
    expect(dosesPerDay('Q8H')).toBe(3);
    expect(dosesPerDay('QWK')).toBeCloseTo(1 / 7);
    for (const k of Object.keys(FREQUENCIES)) expect(dosesPerDay(k as 'QD')).toBeGreaterThan(0);
    for (const r of Object.values(ROUTES)) expect(r.snomed).toMatch(/^\d{6,18}$/);
  });
});

describe('prescriber identifiers', () => {
  it('NPI: 10 digits with a Luhn check digit over 80840 + the first nine', () => {
    expect(npiProblem('1234567893')).toBeNull();
    expect(npiProblem('1245319599')).toBeNull();
    expect(npiProblem('1234567890')).toBe(
      'This NPI fails its check digit: check for a mistyped digit.',
    );
    expect(npiProblem('123456789')).toBe('An NPI is 10 digits.');
    expect(npiProblem('12345678a3')).toBe('An NPI is 10 digits.');
  });
  it('NPI: property: changing one digit breaks the check', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 1, max: 9 }), (pos, delta) => {
        const valid = '1234567893';
        const d = (Number(valid[pos]) + delta) % 10;
        const typo = valid.slice(0, pos) + d + valid.slice(pos + 1);
        expect(npiProblem(typo)).not.toBeNull();
      }),
    );
  });
  it('DEA: two letters, seven digits, check digit', () => {
    expect(deaProblem('AB1234563')).toBeNull();
    expect(deaProblem('ab1234563')).toBeNull();
    expect(deaProblem('A91234563')).toBeNull();
    expect(deaProblem('AB1234564')).toBe(
      'This DEA number fails its check digit: check for a mistyped digit.',
    );
    expect(deaProblem('IB1234563')).toBe('A DEA number does not start with I.');
    expect(deaProblem('AB123456')).toBe(
      'A DEA number is two letters and seven digits, e.g. AB1234563.',
    );
  });
});

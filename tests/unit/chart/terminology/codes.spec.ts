import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  codeFormatProblem,
  codingIssue,
  luhnCheckDigit,
  normalizeCode,
  verhoeffDigit,
  verhoeffValid,
} from '../../../../src/lib/chart/terminology/codes.ts';
import { SYSTEMS } from '../../../../src/lib/chart/types.ts';
import { shipped } from './shipped.ts';

describe('ICD-10-CM format', () => {
  it('takes codes with or without the dot, any case, and stores them dotted', () => {
    expect(normalizeCode('icd10cm', ' e119 ')).toBe('E11.9');
    expect(normalizeCode('icd10cm', 'S72001A')).toBe('S72.001A');
    expect(normalizeCode('icd10cm', 'i10')).toBe('I10');
    for (const ok of ['E11.9', 'e119', 'I10', 'S72.001A', 'C4A.0', 'QA0.0', 'Z79.4', 'U07.1'])
      expect(codeFormatProblem('icd10cm', ok), ok).toBeNull();
  });

  it('refuses words and malformed codes with a message that says what a code looks like', () => {
    expect(codeFormatProblem('icd10cm', 'HYPERTENSION')).toBe(
      '“HYPERTENSION” is not an ICD-10-CM code: codes are a letter and two more characters, a digit among them, then up to four more after a dot (e.g. E11.9).',
    );
    for (const bad of ['HYPER', 'E1', '11.9', 'E11.99999', 'E11..9', 'EEE.1', 'E1.19', '', 'I 10x'])
      expect(codeFormatProblem('icd10cm', bad), bad).not.toBeNull();
  });

  it('every shipped ICD-10-CM code passes', () => {
    const icd = shipped('icd10cm');
    expect(icd.size).toBe(98_186);
    for (let doc = 0; doc < icd.size; doc++) {
      const { code } = icd.concept(doc);
      expect(codeFormatProblem('icd10cm', code), code).toBeNull();
    }
  });
});

describe('LOINC check digit (mod 10)', () => {
  it('known codes pass, a wrong check digit is named with the one that would pass', () => {
    for (const ok of ['2345-7', '718-7', '4548-4', '2160-0', '8480-6', '33914-3'])
      expect(codeFormatProblem('loinc', ok), ok).toBeNull();
    expect(codeFormatProblem('loinc', '2345-8')).toBe(
      'LOINC code 2345-8 fails its check digit (2345-7 would pass): check for a typo.',
    );
    expect(codeFormatProblem('loinc', 'abc')).toBe('LOINC codes look like 2345-7.');
    expect(codeFormatProblem('loinc', '23457')).toBe('LOINC codes look like 2345-7.');
  });

  it('every shipped LOINC code passes', () => {
    const loinc = shipped('loinc');
    for (let doc = 0; doc < loinc.size; doc++)
      expect(codeFormatProblem('loinc', loinc.concept(doc).code)).toBeNull();
  });

  it('exactly one check digit passes, and it catches every single-digit error', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[1-9]\d{0,6}$/), fc.nat(9), (digits, wrong) => {
        const check = luhnCheckDigit(digits);
        expect(codeFormatProblem('loinc', `${digits}-${check}`)).toBeNull();
        if (wrong !== check)
          expect(codeFormatProblem('loinc', `${digits}-${wrong}`)).not.toBeNull();
      }),
    );
  });
});

describe('SNOMED CT identifiers (Verhoeff)', () => {
  it('real concept ids pass; other partitions and typos do not', () => {
    // Codes from the Synthea fixtures (all 270 of theirs pass), short and long (extension) ids.
    for (const id of [
      ...['38341003', '44054006', '195967001', '10509002', '444814009', '84229001', '134435003'],
      ...['185317003', '165131004', '127783003', '14768001', '183452005', '169690007', '90226004'],
      ...['1015401000000102', '124171000119105', '326051000000105', '428191000124101'],
    ])
      expect(codeFormatProblem('snomed', id), id).toBeNull();
    expect(codeFormatProblem('snomed', '38341004')).toBe(
      'SNOMED CT identifier 38341004 fails its check digit: check for a typo.',
    );
    // A description id (partition 01) is not a concept.
    const description = `1234501${verhoeffDigit('1234501')}`;
    expect(codeFormatProblem('snomed', description)).toBe(
      `SNOMED CT identifier ${description} is not a concept identifier.`,
    );
    expect(codeFormatProblem('snomed', '0123456')).toMatch(/not a SNOMED CT identifier/);
    expect(codeFormatProblem('snomed', 'diabetes')).toMatch(/not a SNOMED CT identifier/);
  });

  it('the check digit catches every single-digit error and every adjacent transposition', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[1-9]\d{4,16}$/),
        fc.nat(),
        fc.integer({ min: 1, max: 9 }),
        (body, at, shift) => {
          const id = body + verhoeffDigit(body);
          expect(verhoeffValid(id)).toBe(true);
          const i = at % id.length;
          const changed = id.slice(0, i) + ((Number(id[i]) + shift) % 10) + id.slice(i + 1);
          expect(verhoeffValid(changed)).toBe(false);
          const j = at % (id.length - 1);
          if (id[j] !== id[j + 1]) {
            const swapped = id.slice(0, j) + id[j + 1] + id[j] + id.slice(j + 2);
            expect(verhoeffValid(swapped)).toBe(false);
          }
        },
      ),
    );
  });
});

describe('RxNorm and CVX', () => {
  it('RxCUIs are whole numbers, CVX codes up to three digits', () => {
    expect(codeFormatProblem('rxnorm', '197884')).toBeNull();
    expect(codeFormatProblem('rxnorm', 'lisinopril')).toBe(
      '“lisinopril” is not an RxNorm code: RxCUIs are whole numbers (e.g. 197884).',
    );
    expect(codeFormatProblem('rxnorm', '0123')).not.toBeNull();
    expect(codeFormatProblem('cvx', '03')).toBeNull();
    expect(codeFormatProblem('cvx', '208')).toBeNull();
    expect(codeFormatProblem('cvx', 'MMR')).toMatch(/not a CVX code/);
  });

  it('a chart coding is checked against the systems the field allows', () => {
    expect(codingIssue('code', undefined, ['icd10cm'], 'Problem')).toBeNull();
    expect(
      codingIssue(
        'code',
        { system: SYSTEMS.loinc, code: '2345-7' },
        ['icd10cm', 'snomed'],
        'Problem',
      ),
    ).toEqual({ field: 'code', message: 'Problem codes are ICD-10-CM or SNOMED CT codes.' });
    expect(
      codingIssue('code', { system: SYSTEMS.snomed, code: '38341003' }, ['icd10cm', 'snomed'], 'P'),
    ).toBeNull();
    expect(
      codingIssue('code', { system: SYSTEMS.icd10cm, code: 'HYPERTENSION' }, ['icd10cm'], 'P')
        ?.message,
    ).toMatch(/^“HYPERTENSION” is not an ICD-10-CM code/);
  });
});

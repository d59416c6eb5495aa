import { describe, expect, it } from 'vitest';
import { letterheadIssues, noPrescriberDetails } from '../../../../src/lib/chart/rx/identifiers.ts';

const PRACTICE = { practiceAddress: '14 Wrenfield Road', practicePhone: '+1 217 555 0142' };
const PRESCRIBER = { credentials: 'MD', npi: '1234567893', dea: '' };

describe('letterhead checks', () => {
  it('needs the prescriber part on a prescription and in a prescriber’s settings', () => {
    expect(letterheadIssues({ ...PRACTICE, ...PRESCRIBER })).toEqual([]);
    expect(letterheadIssues(PRACTICE).map((i) => i.field)).toEqual(['credentials', 'npi']);
    expect(letterheadIssues({ ...PRACTICE, ...PRESCRIBER, npi: '1234567894' })).toEqual([
      { field: 'npi', message: 'This NPI fails its check digit: check for a mistyped digit.' },
    ]);
  });

  it('checks only the practice part for an admin who does not prescribe', () => {
    expect(noPrescriberDetails(PRACTICE)).toBe(true);
    expect(noPrescriberDetails({ ...PRACTICE, dea: ' ' })).toBe(true);
    expect(noPrescriberDetails({ ...PRACTICE, credentials: 'MD' })).toBe(false);
    expect(letterheadIssues(PRACTICE, { prescriber: false })).toEqual([]);
    expect(
      letterheadIssues(
        { practiceAddress: '', practicePhone: 'call us' },
        { prescriber: false },
      ).map((i) => i.field),
    ).toEqual(['practiceAddress', 'practicePhone']);
  });
});

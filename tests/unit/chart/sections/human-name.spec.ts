import { describe, expect, it } from 'vitest';
import { humanName, officialName } from '../../../../src/lib/chart/sections/fhir-read.ts';
import { SYSTEM_URI, systemOfUri } from '../../../../src/lib/chart/terminology/codes.ts';
import { SYSTEMS } from '../../../../src/lib/chart/types.ts';

describe('humanName', () => {
  it('reads the text, else given and family names', () => {
    expect(humanName({ text: 'Ada King', given: ['Ada'], family: 'Lovelace' })).toBe('Ada King');
    expect(humanName({ given: ['Ada', 'Augusta'], family: 'Lovelace' })).toBe(
      'Ada Augusta Lovelace',
    );
  });

  it('puts the prefixes first only when asked', () => {
    const n = { prefix: ['Dr'], given: ['Ada'], family: 'Lovelace' };
    expect(humanName(n)).toBe('Ada Lovelace');
    expect(humanName(n, { prefix: true })).toBe('Dr Ada Lovelace');
  });

  it('reads odd shapes as empty and never throws', () => {
    expect(humanName(undefined)).toBe('');
    expect(humanName('Ada')).toBe('');
    expect(humanName([{ text: 'Ada' }])).toBe('');
    expect(humanName({ given: 'Ada', family: 7, prefix: 'Dr' }, { prefix: true })).toBe('');
    expect(humanName({ given: [null, 'Ada', 3], family: 'Lovelace' })).toBe('Ada Lovelace');
  });
});

describe('officialName', () => {
  it('picks the official name, else the first, else none', () => {
    const usual = { use: 'usual', text: 'Addie' };
    const official = { use: 'official', text: 'Ada Lovelace' };
    expect(officialName([usual, official])).toBe(official);
    expect(officialName([usual, { use: 'maiden' }])).toBe(usual);
    expect(officialName([])).toBeUndefined();
    expect(officialName({ use: 'official' })).toBeUndefined();
    expect(officialName(['Ada'])).toEqual({});
  });
});

describe('SYSTEM_URI', () => {
  it('is SYSTEMS for exactly the checked code systems', () => {
    expect(SYSTEM_URI).toEqual({
      icd10cm: SYSTEMS.icd10cm,
      snomed: SYSTEMS.snomed,
      rxnorm: SYSTEMS.rxnorm,
      loinc: SYSTEMS.loinc,
      cvx: SYSTEMS.cvx,
    });
    for (const [id, uri] of Object.entries(SYSTEM_URI)) expect(systemOfUri(uri)).toBe(id);
    expect(systemOfUri(SYSTEMS.ucum)).toBeUndefined();
  });
});

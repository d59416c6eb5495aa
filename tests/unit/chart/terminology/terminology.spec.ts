import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { VACCINES } from '../../../../src/lib/chart/cvx.ts';
import { TerminologyService } from '../../../../src/lib/chart/terminology/service.ts';
import { TerminologyError } from '../../../../src/lib/chart/terminology/protocol.ts';
import { tokens } from '../../../../src/lib/chart/terminology/text-index.ts';
import { cvxTerminology, Terminology } from '../../../../src/lib/chart/terminology/terminology.ts';
import { decodePack } from '../../../../src/lib/chart/terminology/pack.ts';
import { packBytes, shipped } from './shipped.ts';

const codes = (list: { code: string }[]) => list.map((c) => c.code);

describe('ICD-10-CM FY2026 (shipped)', () => {
  const icd = shipped('icd10cm');

  it('finds a code typed with or without its dot, exact code first', () => {
    for (const q of ['E11.9', 'e119', ' E11.9 ']) expect(icd.search(q)[0]?.code, q).toBe('E11.9');
    const e11 = codes(icd.search('E11'));
    expect(e11[0]).toBe('E11');
    expect(e11.slice(1, 4)).toEqual(expect.arrayContaining(['E11.9', 'E11.8']));
    expect(e11.every((c) => c.startsWith('E11'))).toBe(true);
    expect(e11).toHaveLength(20);
  });

  it('matches words by prefix, every word, billable codes before category headers', () => {
    const diab = icd.search('diab');
    expect(codes(diab)).toEqual(expect.arrayContaining(['E11.9', 'E10.9']));
    for (const c of diab)
      expect(
        tokens(c.display).some((t) => t.startsWith('diab')),
        c.display,
      ).toBe(true);
    const billable = diab.map((c) => c.billable);
    expect(
      billable.indexOf(false) === -1 || !billable.slice(billable.indexOf(false)).includes(true),
    ).toBe(true);
    expect(icd.search('type 2 diab')[0]).toMatchObject({
      code: 'E11.9',
      display: 'Type 2 diabetes mellitus without complications',
      billable: true,
    });
    expect(codes(icd.search('hypert'))).toContain('I10');
    expect(icd.search('fracture of femur').every((c) => /fracture/i.test(c.display))).toBe(true);
    expect(icd.search('zzzqqq')).toEqual([]);
  });

  it('looks codes up exactly; codes not in FY2026 are not found', () => {
    expect(icd.lookup('i10')).toEqual({
      system: 'icd10cm',
      code: 'I10',
      display: 'Essential (primary) hypertension',
      billable: true,
    });
    expect(icd.lookup('E11.99')).toBeNull();
    expect(icd.lookup('E11')?.billable).toBe(false);
  });
});

describe('RxNorm prescribable (shipped)', () => {
  const rx = shipped('rxnorm');

  it('every drug the safety checks name is findable as its ingredient, A* gap included', () => {
    const expected: Record<string, string> = {
      amoxicillin: '723',
      atorvastatin: '83367',
      aspirin: '1191',
      lisinopril: '29046',
      simvastatin: '36567',
      verapamil: '11170',
      warfarin: '11289',
      ibuprofen: '5640',
      amlodipine: '17767',
      acetaminophen: '161',
    };
    for (const [name, rxcui] of Object.entries(expected))
      expect(rx.search(name)[0], name).toEqual({
        system: 'rxnorm',
        code: rxcui,
        display: name,
        tty: 'IN',
        ingredients: [{ rxcui, name }],
      });
  });

  it('clinical and branded drugs carry strength, dose form, term type and ingredients', () => {
    expect(rx.lookup('197884')).toEqual({
      system: 'rxnorm',
      code: '197884',
      display: 'lisinopril 40 MG Oral Tablet',
      tty: 'SCD',
      ingredients: [{ rxcui: '29046', name: 'lisinopril' }],
    });
    expect(rx.search('zestril 10')[0]).toMatchObject({
      display: 'lisinopril 10 MG Oral Tablet [Zestril]',
      tty: 'SBD',
      ingredients: [{ rxcui: '29046', name: 'lisinopril' }],
    });
    // A combination whose A* ingredient comes from the supplement.
    const combo = rx.search('atorvastatin 10 ezetimibe')[0]!;
    expect(combo).toMatchObject({ code: '1422086', tty: 'SCD' });
    expect(combo.ingredients!.map((i) => i.name).sort()).toEqual(['atorvastatin', 'ezetimibe']);
    const lisinopril = rx.search('lisinopril');
    expect(lisinopril[0]!.tty).toBe('IN');
    // Ingredient, then clinical drugs, then branded drugs, then packs.
    const order = lisinopril.map((c) => ['IN', 'SCD', 'SBD', 'GPCK', 'BPCK'].indexOf(c.tty!));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(new Set(order)).toEqual(new Set([0, 1, 2]));
  });
});

describe('LOINC common labs (shipped)', () => {
  const loinc = shipped('loinc');

  it('common tests first, with the usual UCUM unit where known', () => {
    expect(loinc.search('glucose')[0]?.code).toBe('2345-7');
    expect(loinc.search('a1c')[0]).toMatchObject({ code: '4548-4', unit: '%' });
    expect(loinc.lookup('2339-0')).toMatchObject({
      display: 'Glucose [Mass/volume] in Blood',
      unit: 'mg/dL',
    });
    expect(loinc.search('2345')[0]?.code).toBe('2345-7');
    // LOINC codes seen in Synthea but not in the Top 2000 are there too, with their unit.
    expect(loinc.lookup('18262-6')).toMatchObject({ unit: 'mg/dL' });
  });
});

describe('CVX (the app table)', () => {
  const cvx = cvxTerminology(VACCINES);
  it('finds vaccines by name, synonym and code (leading zeros optional)', () => {
    expect(cvx.size).toBe(VACCINES.length);
    expect(cvx.search('MMR')[0]?.code).toBe('03');
    expect(cvx.search('3')[0]?.code).toBe('03');
    expect(cvx.lookup('3')?.code).toBe('03');
    expect(cvx.lookup('208')?.display).toBe(VACCINES.find((v) => v.code === '208')!.name);
    expect(cvx.lookup('555')).toBeNull();
  });
});

describe('the terminology service (worker side)', () => {
  it('loads each system once, on first use, and retries a failed load', async () => {
    const loads: string[] = [];
    let fail = true;
    const service = new TerminologyService(async (system) => {
      loads.push(system);
      if (fail) throw new Error('offline');
      return system === 'cvx' ? cvxTerminology(VACCINES) : shipped('loinc');
    });
    const error = await service.search('loinc', 'glucose').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TerminologyError);
    expect(error).toMatchObject({ code: 'unavailable' });
    fail = false;
    expect((await service.search('loinc', 'glucose'))[0]?.code).toBe('2345-7');
    expect(await service.lookup('loinc', ['2345-7', '9999-4', 42 as never])).toEqual([
      expect.objectContaining({ code: '2345-7' }),
      null,
      null,
    ]);
    await service.handle({ id: 1, op: 'info', system: 'loinc' });
    expect(loads).toEqual(['loinc', 'loinc']);
    await expect(service.handle({ id: 2, op: 'nope' } as never)).rejects.toMatchObject({
      code: 'bad-request',
    });
    await expect(service.search('snomed' as never, 'x')).rejects.toMatchObject({
      code: 'bad-request',
    });
  });
});

const FIXTURES = `${import.meta.dirname}/../../../../../shared/fixtures/terminology`;
describe.skipIf(!existsSync(FIXTURES))('the shipped packs', () => {
  it('hold every row of their fixtures (ICD-10-CM all 98,186 codes)', () => {
    const icd = new Terminology(decodePack(packBytes('icd10cm')));
    expect(icd.size).toBe(98_186);
    expect(shipped('rxnorm').size).toBeGreaterThan(22_000);
    expect(shipped('loinc').size).toBeGreaterThan(2_177);
  });
});

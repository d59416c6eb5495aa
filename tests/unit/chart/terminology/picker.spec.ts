import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  clearedValues,
  decodeIngredients,
  encodeIngredients,
  localStatus,
  lookedUpStatus,
  moveActive,
  optionLabel,
  optionNote,
  rxnormFromForm,
  rxnormIssues,
  codeTag,
  statusLine,
  valuesFor,
  type CodeFieldSpec,
} from '../../../../src/lib/chart/terminology/picker.ts';
import { medications } from '../../../../src/lib/chart/sections/medications.ts';
import { labs } from '../../../../src/lib/chart/sections/labs.ts';
import { immunizations } from '../../../../src/lib/chart/sections/immunizations.ts';
import { SYSTEMS } from '../../../../src/lib/chart/types.ts';
import { issues, openChart } from '../sections/helpers.ts';
import { shipped } from './shipped.ts';

const MED: CodeFieldSpec = medications.form!.fields.find((f) => f.kind === 'code')!.code!;
const LAB: CodeFieldSpec = labs.form!.fields.find((f) => f.kind === 'code')!.code!;

describe('what a picked concept fills into the form', () => {
  it('a medication: code, name, term type and ingredients', () => {
    const concept = shipped('rxnorm').lookup('197885')!;
    expect(valuesFor(concept, MED)).toEqual({
      code: '197885',
      drug: 'hydrochlorothiazide 12.5 MG / lisinopril 10 MG Oral Tablet',
      rxnormTty: 'SCD',
      ingredients: JSON.stringify([
        { rxcui: '5487', name: 'hydrochlorothiazide' },
        { rxcui: '29046', name: 'lisinopril' },
      ]),
    });
    expect(clearedValues(MED)).toEqual({ rxnormTty: '', ingredients: '' });
    expect(optionLabel(concept)).toBe(
      '197885 — hydrochlorothiazide 12.5 MG / lisinopril 10 MG Oral Tablet',
    );
    expect(optionNote(concept)).toBe('clinical drug');
  });

  it('a lab: LOINC code, test name and its usual unit (left alone when unknown)', () => {
    expect(valuesFor(shipped('loinc').lookup('2339-0')!, LAB)).toEqual({
      loinc: '2339-0',
      name: 'Glucose [Mass/volume] in Blood',
      unit: 'mg/dL',
    });
    expect(valuesFor(shipped('loinc').lookup('2345-7')!, LAB)).not.toHaveProperty('unit');
  });

  it('the form lists every picker with a "Search codes" label and its system', () => {
    for (const [section, system] of [
      [medications, 'rxnorm'],
      [labs, 'loinc'],
      [immunizations, 'cvx'],
    ] as const) {
      const field = section.form!.fields.find((f) => f.kind === 'code')!;
      expect(field.label).toMatch(/^Search codes \(/);
      expect(field.code!.system).toBe(system);
      // The code goes into a field of the same form.
      expect(section.form!.fields.map((f) => f.key)).toContain(field.code!.codeKey);
    }
  });
});

describe('the status of a code typed into a form', () => {
  it('is uncoded, invalid, checked, coded or not in the list, each with a clear line', () => {
    expect(localStatus('icd10cm', '  ')).toEqual({ kind: 'uncoded' });
    expect(statusLine('icd10cm', { kind: 'uncoded' }, true)).toBe(
      'Uncoded: no ICD-10-CM code, the entry is saved as free text.',
    );
    const invalid = localStatus('icd10cm', 'HYPERTENSION');
    expect(invalid.kind).toBe('invalid');
    expect(statusLine('icd10cm', invalid, true)).toMatch(
      /^“HYPERTENSION” is not an ICD-10-CM code/,
    );
    expect(localStatus('icd10cm', 'e119')).toEqual({ kind: 'checking', code: 'E11.9' });
    const unknown = lookedUpStatus('icd10cm', 'E11.99', null);
    expect(statusLine('icd10cm', unknown, true)).toBe(
      'E11.99 is not in ICD-10-CM FY2026. Pick a code from “Search codes”, or clear the code to save the entry uncoded.',
    );
    const coded = lookedUpStatus('icd10cm', 'E11.9', shipped('icd10cm').lookup('E11.9'));
    expect(statusLine('icd10cm', coded, true)).toBe(
      'Coded: ICD-10-CM E11.9 — Type 2 diabetes mellitus without complications',
    );
    expect(lookedUpStatus('loinc', '2345-7', 'unavailable').kind).toBe('unchecked');
  });

  it('stored codes read with their system; malformed or unshipped ones (imports) are marked', () => {
    const icd = (code: string) => ({ system: SYSTEMS.icd10cm, code });
    expect(codeTag(icd('E11.9'), true)).toEqual({ label: 'ICD-10-CM E11.9' });
    expect(codeTag(icd('E11.9'), undefined)).toEqual({ label: 'ICD-10-CM E11.9' });
    expect(codeTag(icd('E11.99'), false)).toEqual({
      label: 'ICD-10-CM E11.99',
      warning: 'not in ICD-10-CM FY2026',
    });
    expect(codeTag(icd('HYPERTENSION'), undefined)).toEqual({
      label: 'ICD-10-CM HYPERTENSION',
      warning: 'not a valid ICD-10-CM code',
    });
    // SNOMED CT is not shipped: only its check digit is checked.
    expect(codeTag({ system: SYSTEMS.snomed, code: '44054006' }, undefined)).toEqual({
      label: 'SNOMED CT 44054006',
    });
    expect(codeTag({ system: SYSTEMS.snomed, code: '44054007' }, undefined).warning).toBe(
      'not a valid SNOMED CT code',
    );
    expect(codeTag({ system: 'urn:oid:1.2.3', code: 'X1' }, undefined)).toEqual({ label: 'X1' });
  });

  it('arrow keys move through the options and wrap', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1, max: 30 }), fc.nat(30), fc.boolean(), (a, n, down) => {
        const next = moveActive(Math.min(a, n - 1), down ? 1 : -1, n);
        if (n === 0) expect(next).toBe(-1);
        else expect(next >= 0 && next < n).toBe(true);
      }),
    );
    expect(moveActive(-1, 1, 3)).toBe(0);
    expect(moveActive(-1, -1, 3)).toBe(2);
    expect(moveActive(2, 1, 3)).toBe(0);
  });
});

describe('RxNorm details of a medication (model)', () => {
  const lisinopril = [{ rxcui: '29046', name: 'lisinopril' }];
  const form = {
    drug: 'lisinopril 40 MG Oral Tablet',
    code: '197884',
    rxnormTty: 'SCD',
    ingredients: encodeIngredients(lisinopril),
    dose: '1 tablet',
    route: 'oral',
    frequency: 'daily',
    startDate: '2024-01-02',
  };

  it('a picked drug is stored with its RxCUI, term type and ingredients', async () => {
    const chart = await openChart();
    chart.addFromForm('medication', form);
    expect(chart.medications()[0]!.data).toMatchObject({
      drug: 'lisinopril 40 MG Oral Tablet',
      code: { system: SYSTEMS.rxnorm, code: '197884', display: 'lisinopril 40 MG Oral Tablet' },
      rxnormTty: 'SCD',
      ingredients: lisinopril,
    });
    // Free text stays possible: no code, no RxNorm details.
    chart.addFromForm('medication', {
      ...form,
      drug: 'Grandma’s tonic',
      code: '',
      ingredients: '',
    });
    const free = chart.medications().find((m) => m.data.drug === 'Grandma’s tonic')!.data;
    expect(free.code).toBeUndefined();
    expect(free.ingredients).toBeUndefined();
  });

  it('a code that is not an RxCUI, or damaged ingredients, are refused and nothing is stored', async () => {
    const chart = await openChart();
    expect(issues(() => chart.addFromForm('medication', { ...form, code: 'lisinopril' }))).toEqual([
      'code: “lisinopril” is not an RxNorm code: RxCUIs are whole numbers (e.g. 197884).',
    ]);
    expect(
      issues(() => chart.addFromForm('medication', { ...form, ingredients: '[{"x":1}]' })),
    ).toEqual(['code: The ingredients of the picked drug are damaged: pick it again.']);
    expect(
      issues(() =>
        chart.addMedication({
          drug: 'x',
          dose: '',
          route: '',
          frequency: '',
          ingredients: lisinopril,
        }),
      ),
    ).toEqual(['code: RxNorm ingredients need the RxNorm code they belong to.']);
    expect(chart.medications()).toEqual([]);
  });

  it('ingredients round-trip through the form value; anything else is damaged', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            rxcui: fc.integer({ min: 1, max: 99_999_999 }).map(String),
            name: fc.string({ minLength: 1 }).filter((s) => s.trim() === s && s !== ''),
          }),
          { minLength: 1, maxLength: 20 },
        ),
        (list) => {
          expect(decodeIngredients(encodeIngredients(list))).toEqual(list);
        },
      ),
    );
    for (const bad of ['{', '[]', '{"rxcui":"1","name":"a"}', '[{"rxcui":"01","name":"a"}]'])
      expect(decodeIngredients(bad), bad).toBeNull();
    expect(decodeIngredients('')).toBeUndefined();
    expect(rxnormFromForm({ code: '' })).toEqual({});
    expect(rxnormIssues({ rxnormTty: 'XYZ' as never, code: form as never })).toHaveLength(2);
  });
});

import { describe, expect, it } from 'vitest';
import { labs } from '../../../../src/lib/chart/sections/labs.ts';
import { medications } from '../../../../src/lib/chart/sections/medications.ts';
import { problems } from '../../../../src/lib/chart/sections/problems.ts';
import type { CodeFieldSpec } from '../../../../src/lib/chart/terminology/picker.ts';
import { CodeFieldCheck, SearchSession } from '../../../../src/lib/chart/terminology/session.ts';
import type { Concept } from '../../../../src/lib/chart/terminology/terminology.ts';
import { shipped } from './shipped.ts';

/** A promise the test resolves by hand (worker answers arriving out of order). */
function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

const specOf = (section: typeof problems | typeof medications): CodeFieldSpec =>
  section.form!.fields.find((f) => f.kind === 'code')!.code!;

describe('a search session', () => {
  it('shows only the latest query’s results, even when an older answer arrives last', async () => {
    const answers = new Map<string, ReturnType<typeof deferred<Concept[]>>>();
    const session = new SearchSession((q) => {
      const d = deferred<Concept[]>();
      answers.set(q, d);
      return d.promise;
    });
    const first = session.search('dia');
    const second = session.search('diab');
    const icd = shipped('icd10cm');
    answers.get('diab')!.resolve(icd.search('diab'));
    await second;
    answers.get('dia')!.resolve(icd.search('dia'));
    await first;
    expect(session.view).toMatchObject({ shownQuery: 'diab', open: true, active: 0 });
    expect(session.view.results).toEqual(icd.search('diab'));
    session.move(-1);
    expect(session.view.active).toBe(19);
    session.move(1);
    expect(session.view.active).toBe(0);
    // Enter waits for the results of what was typed.
    const third = session.search('e11');
    let settled = false;
    void session.settled().then(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(false);
    answers.get('e11')!.resolve(icd.search('e11'));
    await third;
    await Promise.resolve();
    expect(settled).toBe(true);
    expect(session.view.results[0]!.code).toBe('E11');
  });

  it('clearing closes the list; a failing worker leaves a message, not an exception', async () => {
    const session = new SearchSession(async () => {
      throw new Error('offline and not cached');
    });
    await session.search('x');
    expect(session.view).toMatchObject({
      open: false,
      results: [],
      error: 'Code search is not available: offline and not cached',
    });
    await session.search('  ');
    expect(session.view).toMatchObject({ open: false, shownQuery: '  ' });
    // An answer for a closed list is dropped.
    const d = deferred<Concept[]>();
    const late = new SearchSession(() => d.promise);
    const pending = late.search('asthma');
    late.close();
    d.resolve(shipped('icd10cm').search('asthma'));
    await pending;
    expect(late.view).toMatchObject({ open: false, results: [] });
  });
});

describe('the check of a code field', () => {
  function form(initial: Record<string, string>) {
    const values = { ...initial };
    return { values, form: { values: () => values, set: (u: object) => Object.assign(values, u) } };
  }
  const rx = shipped('rxnorm');
  const lookupIn = (system: 'rxnorm' | 'icd10cm') => async (code: string) =>
    shipped(system).lookup(code);

  it('a code typed by hand and found fills the drug’s details; its text only when empty', async () => {
    const { values, form: f } = form({ drug: '', code: '' });
    const check = new CodeFieldCheck(specOf(medications), f, lookupIn('rxnorm'));
    values.code = '197884';
    check.run(values.code);
    expect(check.status.kind).toBe('checking');
    await check.settled();
    expect(check.status).toEqual({ kind: 'coded', concept: rx.lookup('197884') });
    expect(values).toMatchObject({
      drug: 'lisinopril 40 MG Oral Tablet',
      rxnormTty: 'SCD',
      ingredients: JSON.stringify([{ rxcui: '29046', name: 'lisinopril' }]),
    });
    // Another code: the text it filled is replaced; text the user typed would not be.
    values.code = '5640';
    check.run(values.code);
    await check.settled();
    expect(values).toMatchObject({ drug: 'ibuprofen', rxnormTty: 'IN' });
    values.drug = 'Ibuprofen for gout';
    values.code = '197884';
    check.run(values.code);
    await check.settled();
    expect(values.drug).toBe('Ibuprofen for gout');
    expect(values.rxnormTty).toBe('SCD');
  });

  it('a lookup never writes into the field the user is typing in; a pick does', async () => {
    const { values, form: f } = form({ drug: '', code: '' });
    let inDrug = true;
    const check = new CodeFieldCheck(
      specOf(medications),
      { ...f, editing: (key) => inDrug && key === 'drug' },
      lookupIn('rxnorm'),
    );
    values.code = '197884';
    check.run(values.code);
    await check.settled();
    expect(values.drug).toBe('');
    expect(values.rxnormTty).toBe('SCD');
    check.pick(rx.lookup('5640')!);
    expect(values.drug).toBe('ibuprofen');
    inDrug = false;
    values.drug = '';
    values.code = '197884';
    check.run(values.code);
    await check.settled();
    expect(values.drug).toBe('lisinopril 40 MG Oral Tablet');
  });

  it('a unit the user typed is never replaced by a LOINC lookup or pick (mg/dL stays mg/dL)', async () => {
    const labSpec = labs.form!.fields.find((f) => f.kind === 'code')!.code!;
    const loinc = shipped('loinc');
    const withUnit = loinc.lookup('718-7')!; // Hemoglobin [Mass/volume] in Blood, g/dL
    expect(withUnit.unit).toBe('g/dL');
    const { values, form: f } = form({ name: '', loinc: '', unit: 'mg/dL' });
    const check = new CodeFieldCheck(labSpec, f, async (code) => loinc.lookup(code));
    values.loinc = withUnit.code;
    check.run(values.loinc);
    await check.settled();
    expect(values.unit).toBe('mg/dL');
    check.pick(withUnit);
    expect(values.unit).toBe('mg/dL');
    // An empty unit, or the one the last concept filled, is filled.
    values.unit = '';
    check.pick(withUnit);
    expect(values.unit).toBe(withUnit.unit);
    const other = loinc.lookup('4548-4')!; // HbA1c, %
    check.pick(other);
    expect(values.unit).toBe(other.unit);
  });

  it('an unknown, malformed or cleared code clears the picked concept’s hidden values', async () => {
    const { values, form: f } = form({ drug: '', code: '' });
    const check = new CodeFieldCheck(specOf(medications), f, lookupIn('rxnorm'));
    check.pick(rx.lookup('314076')!);
    expect(values).toMatchObject({ code: '314076', drug: 'lisinopril 10 MG Oral Tablet' });
    expect(values.ingredients).not.toBe('');
    for (const [code, kind] of [
      ['99999999', 'unknown'],
      ['lisinopril', 'invalid'],
      ['', 'uncoded'],
    ] as const) {
      check.pick(rx.lookup('314076')!);
      values.code = code;
      check.run(code);
      await check.settled();
      expect(check.status.kind, code).toBe(kind);
      expect(values, code).toMatchObject({ rxnormTty: '', ingredients: '' });
    }
  });

  it('a late answer for an old code never overwrites the current one', async () => {
    const { values, form: f } = form({ text: '', code: '' });
    const answers = new Map<string, ReturnType<typeof deferred<Concept | null>>>();
    const check = new CodeFieldCheck(specOf(problems), f, (code) => {
      const d = deferred<Concept | null>();
      answers.set(code, d);
      return d.promise;
    });
    check.run('E11.9');
    check.run('I10');
    answers.get('I10')!.resolve(shipped('icd10cm').lookup('I10'));
    await check.settled();
    answers.get('E11.9')!.resolve(shipped('icd10cm').lookup('E11.9'));
    await Promise.resolve();
    await Promise.resolve();
    expect(check.status).toMatchObject({ kind: 'coded', concept: { code: 'I10' } });
    expect(values.text).toBe('Essential (primary) hypertension');
  });

  it('a lookup that fails leaves the code unchecked (saved on its format alone)', async () => {
    const { form: f } = form({ text: '', code: '' });
    const check = new CodeFieldCheck(specOf(problems), f, async () => {
      throw new Error('worker gone');
    });
    check.run('E11.9');
    await check.settled();
    expect(check.status.kind).toBe('unchecked');
  });

  it('text typed in the search and not picked becomes the entry’s text, never over typed text', () => {
    const { values, form: f } = form({ text: '', code: '' });
    const check = new CodeFieldCheck(specOf(problems), f, lookupIn('icd10cm'));
    check.keepAsText('  knee pain ');
    expect(values.text).toBe('knee pain');
    check.keepAsText('ankle');
    expect(values.text).toBe('knee pain');
  });
});

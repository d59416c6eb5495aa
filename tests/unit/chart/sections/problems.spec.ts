import { describe, expect, it } from 'vitest';
import {
  checkProblem,
  problemOf,
  problems,
  problemToFhir,
} from '../../../../src/lib/chart/sections/problems.ts';
import { context, entry, issues, openChart } from './helpers.ts';

describe('problems', () => {
  it('need a text of at most 300 characters and a real, past onset date', () => {
    expect(issues(() => checkProblem({ text: 'Hypertension', onsetDate: '2020-01-01' }))).toEqual(
      [],
    );
    expect(issues(() => checkProblem({ text: ' ', onsetDate: '2020-02-30' }))).toEqual([
      'text: Problem is required.',
      'onsetDate: Onset date is not a real date (use YYYY-MM-DD).',
    ]);
    expect(issues(() => checkProblem({ text: 'x'.repeat(301), onsetDate: '2999-01-01' }))).toEqual([
      'text: Problem is too long (300 characters at most).',
      'onsetDate: Onset date cannot be in the future.',
    ]);
  });

  it('export as a problem-list Condition, without clinical status once entered in error', () => {
    const code = { system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'I10', display: 'HTN' };
    const active = entry({
      text: 'Hypertension',
      code,
      onsetDate: '2020-01-01',
      clinicalStatus: 'active' as const,
      verificationStatus: 'confirmed' as const,
    });
    expect(problemToFhir(active, context)).toEqual({
      resourceType: 'Condition',
      id: 'e1',
      clinicalStatus: {
        coding: [
          { system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' },
        ],
      },
      verificationStatus: {
        coding: [
          {
            system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status',
            code: 'confirmed',
          },
        ],
      },
      category: [
        {
          coding: [
            {
              system: 'http://terminology.hl7.org/CodeSystem/condition-category',
              code: 'problem-list-item',
            },
          ],
        },
      ],
      code: { coding: [code], text: 'Hypertension' },
      subject: { reference: 'Patient/p1' },
      onsetDateTime: '2020-01-01',
      recordedDate: '2024-01-02T03:04:05.000Z',
    });
    const wrong = problemToFhir(
      entry({ ...active.data, verificationStatus: 'entered-in-error' as const }),
      context,
    );
    expect(wrong.clinicalStatus).toBeUndefined();
    expect(problems.fhirOut.render(active, context)).toEqual([problemToFhir(active, context)]);
  });

  it('import a Condition, mapping statuses Folio does not model to the nearest', () => {
    const fields = problemOf({
      resourceType: 'Condition',
      id: 'c1',
      code: {
        coding: [
          { system: 'http://snomed.info/sct', code: '38341003', display: 'Hypertension' },
          { system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'I10', display: 'HTN' },
        ],
      },
      clinicalStatus: { coding: [{ code: 'remission' }] },
      verificationStatus: { coding: [{ code: 'provisional' }] },
      onsetPeriod: { start: '2019-05-06T10:00:00Z' },
    });
    expect(fields).toEqual({
      text: 'Hypertension',
      code: { system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'I10', display: 'HTN' },
      onsetDate: '2019-05-06',
      clinicalStatus: 'inactive',
      verificationStatus: 'confirmed',
    });
    expect(problemOf({ resourceType: 'Condition', id: 'c2', code: {} })).toBeNull();
  });
});

describe('the problem form', () => {
  it('adds a problem with a normalised ICD-10-CM code, or none when the code is blank', async () => {
    const chart = await openChart();
    const form = problems.form!;
    expect(form.fields.map((f) => f.key)).toEqual(['search', 'text', 'code', 'onsetDate']);
    expect(form.fields[0]).toMatchObject({
      label: 'Search codes (ICD-10-CM)',
      kind: 'code',
      code: { system: 'icd10cm', codeKey: 'code', textKey: 'text' },
    });
    chart.addFromForm('problem', { text: ' Hypertension ', code: ' i10 ', onsetDate: '' });
    chart.addFromForm('problem', { text: 'Asthma', code: '', onsetDate: '2001-05-01' });
    expect(chart.problems().map((p) => p.data)).toEqual([
      {
        text: 'Hypertension',
        code: { system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'I10', display: 'Hypertension' },
        clinicalStatus: 'active',
        verificationStatus: 'confirmed',
      },
      {
        text: 'Asthma',
        onsetDate: '2001-05-01',
        clinicalStatus: 'active',
        verificationStatus: 'confirmed',
      },
    ]);
    expect(
      issues(() => chart.addFromForm('problem', { text: '', code: '', onsetDate: '' })),
    ).toEqual(['text: Problem is required.']);
    chart.addFromForm('problem', { search: 'diab', text: 'T2DM', code: 'e119', onsetDate: '' });
    expect(chart.problems().find((p) => p.data.text === 'T2DM')!.data.code?.code).toBe('E11.9');
    // A code that is not an ICD-10-CM code is refused, and nothing is stored.
    expect(
      issues(() =>
        chart.addFromForm('problem', { text: 'High BP', code: 'HYPERTENSION', onsetDate: '' }),
      ),
    ).toEqual([
      'code: “HYPERTENSION” is not an ICD-10-CM code: codes are a letter and two more characters, a digit among them, then up to four more after a dot (e.g. E11.9).',
    ]);
    expect(chart.problems()).toHaveLength(3);
  });
});

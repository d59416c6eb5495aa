/**
 * Destructive steps are deliberate (issue 13 item 3): entered-in-error and stopping a medication
 * need a reason, which is kept in the entry's signed history; an empty note cannot be signed.
 * Each test is the attack (the command called without what it needs) and the proof it fails.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { ChartModel } from '../../../src/lib/chart/model.ts';
import { today } from '../../../src/lib/chart/dates.ts';
import { ChartError } from '../../../src/lib/chart/errors.ts';
import { ValidationError } from '../../../src/lib/chart/validate.ts';
import { checkReason } from '../../../src/lib/chart/destructive.ts';
import { issues, openChart } from './sections/helpers.ts';

let chart: ChartModel;
beforeEach(async () => {
  chart = await openChart();
});

const med = () =>
  chart.addMedication({
    drug: 'Lisinopril 10 mg tablet',
    dose: '10 mg',
    route: 'oral',
    frequency: 'once daily',
    startDate: '2025-01-01',
  });

describe('entered in error', () => {
  it('is refused without a reason, and nothing changes', () => {
    const id = chart.addAllergy({
      substance: 'Peanut',
      category: 'food',
      criticality: 'high',
      reaction: 'Anaphylaxis',
    });
    for (const reason of [undefined, '', '   ', '\n\t']) {
      expect(() => chart.markEnteredInError(id, reason as unknown as string)).toThrow(
        ValidationError,
      );
    }
    const [allergy] = chart.allergies();
    expect(allergy!.data.verificationStatus).toBe('confirmed');
    expect(allergy!.history).toHaveLength(1);
  });

  it('keeps the reason in the entry and its history', () => {
    const id = chart.addProblem({ text: 'Asthma', onsetDate: '2001-05-01' });
    chart.markEnteredInError(id, 'Recorded on the wrong patient');
    const [problem] = chart.problems();
    expect(problem!.data).toMatchObject({
      verificationStatus: 'entered-in-error',
      enteredInErrorReason: 'Recorded on the wrong patient',
    });
    expect(problem!.history.at(-1)!.changes).toEqual({
      verificationStatus: 'entered-in-error',
      enteredInErrorReason: 'Recorded on the wrong patient',
    });
  });

  it('refuses a second retraction of the same entry', () => {
    const id = chart.addProblem({ text: 'Asthma' });
    chart.markEnteredInError(id, 'Duplicate');
    expect(() => chart.markEnteredInError(id, 'Again')).toThrow(ChartError);
    expect(chart.problems()[0]!.history).toHaveLength(2);
  });
});

describe('stopping a medication', () => {
  it('is refused without a reason, and the medication stays active', () => {
    const id = med();
    expect(() => chart.stopMedication(id, '2026-01-01', '')).toThrow(ValidationError);
    expect(() =>
      (chart.stopMedication as (id: string, date: string) => void)(id, '2026-01-01'),
    ).toThrow(ValidationError);
    expect(chart.medications()[0]!.data.status).toBe('active');
  });

  it('records the reason as the FHIR status reason', () => {
    const id = med();
    chart.stopMedication(id, '2026-01-01', 'Dry cough (ACE inhibitor)');
    expect(chart.medications()[0]!.data).toMatchObject({
      status: 'stopped',
      endDate: '2026-01-01',
      statusReason: 'Dry cough (ACE inhibitor)',
    });
  });

  it('refuses stopping one that is not active', () => {
    const id = med();
    chart.stopMedication(id, '2026-01-01', 'Finished course');
    expect(() => chart.stopMedication(id, '2026-01-02', 'Again')).toThrow(ChartError);
    expect(chart.medications()[0]!.data.endDate).toBe('2026-01-01');
  });
});

describe('resolving a problem', () => {
  it('refuses one already resolved or entered in error', () => {
    const id = chart.addProblem({ text: 'Otitis media', onsetDate: '2026-01-01' });
    chart.resolveProblem(id, '2026-01-10');
    expect(() => chart.resolveProblem(id, '2026-01-11')).toThrow(ChartError);
    expect(chart.problems()[0]!.data.abatementDate).toBe('2026-01-10');
  });

  it('refuses a resolution date before the onset', () => {
    const id = chart.addProblem({ text: 'Otitis media', onsetDate: '2026-01-10' });
    expect(() => chart.resolveProblem(id, '2026-01-01')).toThrow(ValidationError);
    expect(chart.problems()[0]!.data.clinicalStatus).toBe('active');
  });
});

describe('signing a note', () => {
  it('refuses an empty note (whitespace counts as empty)', () => {
    const id = chart.newNote({ date: today(), title: 'Visit' });
    expect(() => chart.signNote(id)).toThrow(ChartError);
    chart.noteText(id, 'plan').set('  \n ');
    expect(() => chart.signNote(id)).toThrow('An empty note cannot be signed.');
    expect(chart.notes()[0]!.data.status).toBe('draft');
    chart.noteText(id, 'plan').set('Review in 2 weeks.');
    chart.signNote(id);
    expect(chart.notes()[0]!.data.status).toBe('signed');
  });
});

describe('reasons', () => {
  it('need a visible character and at most 500 characters', () => {
    expect(issues(() => checkReason(''))).toEqual(['reason: Reason is required.']);
    expect(issues(() => checkReason('x'.repeat(501)))).toEqual([
      'reason: Reason is too long (500 characters at most).',
    ]);
    fc.assert(
      fc.property(fc.string({ maxLength: 600 }), (s) => {
        let ok = true;
        try {
          checkReason(s);
        } catch (e) {
          if (!(e instanceof ValidationError)) throw e;
          ok = false;
        }
        expect(ok).toBe(s.trim().length > 0 && s.length <= 500);
      }),
    );
  });
});

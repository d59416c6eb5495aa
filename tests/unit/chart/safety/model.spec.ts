import { beforeEach, describe, expect, it } from 'vitest';
import { ChartError } from '../../../../src/lib/chart/errors.ts';
import type { ChartModel } from '../../../../src/lib/chart/model.ts';
import { sectionNamed } from '../../../../src/lib/chart/sections/index.ts';
import type { Medication } from '../../../../src/lib/chart/types.ts';
import { issues, openChart } from '../sections/helpers.ts';

let chart: ChartModel;
beforeEach(async () => {
  chart = await openChart();
});

const amoxicillin = {
  drug: 'Amoxicillin 500 MG Oral Capsule',
  dose: '500 mg',
  route: 'oral',
  frequency: 'three times daily',
};
const penicillin = () =>
  chart.addAllergy({ substance: 'Penicillin', category: 'medication', criticality: 'high' });

function refused(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof ChartError) return `${error.code}: ${error.message}`;
    throw error;
  }
  return 'saved';
}

describe('a medication with a high-severity alert (attacks on the model, not the UI)', () => {
  it('is refused without an override, and nothing is stored', () => {
    const allergy = penicillin();
    expect(refused(() => chart.addFromForm('medication', amoxicillin))).toBe(
      `safety-override-needed: Amoxicillin 500 MG Oral Capsule raises a high-severity alert that needs a reason to override: Allergy to Penicillin: Amoxicillin 500 MG Oral Capsule.`,
    );
    expect(refused(() => chart.addMedication(amoxicillin))).toMatch(/^safety-override-needed/);
    expect(chart.medications()).toEqual([]);
    // An override with an empty reason, or for another alert, does not count.
    for (const overrides of [
      [{ alert: `allergy:${allergy}:723`, reason: '   ' }],
      [{ alert: `allergy:someone-else:723`, reason: 'Tolerated before' }],
      [{ alert: `interaction:${allergy}:723`, reason: 'Tolerated before' }],
    ])
      expect(refused(() => chart.addFromForm('medication', amoxicillin, { overrides }))).toMatch(
        /^safety-override-needed/,
      );
    expect(chart.medications()).toEqual([]);
  });

  it('is saved with an override whose reason is signed into the entry and its history', () => {
    const allergy = penicillin();
    const id = chart.addFromForm('medication', amoxicillin, {
      overrides: [
        { alert: `allergy:${allergy}:723`, reason: ' Tolerated amoxicillin in 2023 ' },
        // Not an alert of this medication: ignored, not stored.
        { alert: 'interaction:x:1+2', reason: 'forged', title: 'Forged title' } as never,
      ],
    });
    const med = chart.medications().find((m) => m.id === id)!;
    const overrides = (med.data as Medication).overrides!;
    expect(overrides).toHaveLength(1);
    expect(overrides[0]).toMatchObject({
      alert: `allergy:${allergy}:723`,
      kind: 'allergy',
      severity: 'high',
      title: 'Allergy to Penicillin: Amoxicillin 500 MG Oral Capsule',
      reason: 'Tolerated amoxicillin in 2023',
    });
    // The title and why are the model's, never the caller's.
    expect(overrides[0]!.why).toContain('contains amoxicillin');
    expect(med.history[0]!.changes.overrides).toEqual(overrides);
  });

  it('a reason over 500 characters is a validation problem', () => {
    const allergy = penicillin();
    expect(
      issues(() =>
        chart.addFromForm('medication', amoxicillin, {
          overrides: [{ alert: `allergy:${allergy}:723`, reason: 'x'.repeat(501) }],
        }),
      ),
    ).toEqual(['overrides: The reason is longer than 500 characters.']);
    expect(chart.medications()).toEqual([]);
  });

  it('moderate and low alerts never block; only active items count', () => {
    chart.addFromForm('medication', { ...amoxicillin, drug: 'Naproxen 500 MG Oral Tablet' });
    // Atenolol + naproxen: ONC non-interruptive (moderate): saved without an override.
    expect(
      refused(() =>
        chart.addFromForm('medication', { ...amoxicillin, drug: 'Atenolol 50 MG Oral Tablet' }),
      ),
    ).toBe('saved');
    // A penicillin allergy marked entered in error no longer raises the alert.
    const allergy = penicillin();
    chart.markEnteredInError(allergy, 'Wrong patient');
    expect(refused(() => chart.addFromForm('medication', amoxicillin))).toBe('saved');
  });

  it('verapamil + simvastatin needs an override; a stopped verapamil does not', () => {
    const verapamil = chart.addMedication({ ...amoxicillin, drug: 'Verapamil 80 MG Oral Tablet' });
    const simvastatin = { ...amoxicillin, drug: 'Simvastatin 20 MG Oral Tablet' };
    expect(refused(() => chart.addFromForm('medication', simvastatin))).toMatch(
      /Interaction: simvastatin \+ verapamil/,
    );
    chart.stopMedication(verapamil, '2026-01-01', 'Switched to amlodipine');
    expect(refused(() => chart.addFromForm('medication', simvastatin))).toBe('saved');
  });
});

describe('the forms’ safety checks (what the UI shows before saving)', () => {
  it('the medication form reports the same alerts the model enforces; the allergy form never blocks', () => {
    const allergyId = penicillin();
    const chartItems = { medications: chart.medications(), allergies: chart.allergies() };
    const medForm = sectionNamed('medication')!.form!;
    const report = medForm.safety!.check(amoxicillin, chartItems);
    expect(medForm.safety!.interruptive).toBe(true);
    expect(report.alerts.map((a) => a.key)).toEqual([`allergy:${allergyId}:723`]);

    chart.addFromForm('medication', amoxicillin, {
      overrides: [{ alert: `allergy:${allergyId}:723`, reason: 'Tolerated' }],
    });
    const allergyForm = sectionNamed('allergy')!.form!;
    expect(allergyForm.safety!.interruptive).toBe(false);
    const onAllergy = allergyForm.safety!.check(
      { substance: 'Amoxicillin', category: 'medication' },
      { medications: chart.medications(), allergies: chart.allergies() },
    );
    expect(onAllergy.alerts.map((a) => [a.severity, a.title])).toEqual([
      ['high', 'Allergy to Amoxicillin: Amoxicillin 500 MG Oral Capsule'],
    ]);
  });
});

describe('the medication form with an RxNorm pick', () => {
  it('checks the picked ingredients, whatever the typed name says', () => {
    const allergyId = penicillin();
    const values = {
      ...amoxicillin,
      drug: 'Pharmacy compound 12',
      code: '308182',
      rxnormTty: 'SCD',
      ingredients: JSON.stringify([{ rxcui: '723', name: 'amoxicillin' }]),
    };
    const form = sectionNamed('medication')!.form!;
    const report = form.safety!.check(values, {
      medications: chart.medications(),
      allergies: chart.allergies(),
    });
    expect(report.alerts.map((a) => a.key)).toEqual([`allergy:${allergyId}:723`]);
    expect(refused(() => chart.addFromForm('medication', values))).toMatch(
      /^safety-override-needed/,
    );
  });

  it('a damaged pick never throws out of the check (the add command reports it)', () => {
    penicillin();
    const values = { ...amoxicillin, code: '308182', ingredients: '[{"rxcui": "723"' };
    const form = sectionNamed('medication')!.form!;
    const report = form.safety!.check(values, {
      medications: chart.medications(),
      allergies: chart.allergies(),
    });
    // Checked by its name instead.
    expect(report.alerts.map((a) => a.severity)).toEqual(['high']);
    expect(issues(() => chart.addFromForm('medication', values))).toEqual([
      'code: The ingredients of the picked drug are damaged: pick it again.',
    ]);
  });
});

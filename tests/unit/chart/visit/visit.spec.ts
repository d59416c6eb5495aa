import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import { ChartError } from '../../../../src/lib/chart/errors.ts';
import { chartToFhir, type FhirResource } from '../../../../src/lib/chart/fhir-out.ts';
import type { ChartModel } from '../../../../src/lib/chart/model.ts';
import type { Entry, Medication } from '../../../../src/lib/chart/types.ts';
import { today } from '../../../../src/lib/chart/dates.ts';
import {
  localDateTime,
  unreconciled,
  visitStart,
  visitView,
  type Reconciliation,
  type VisitSource,
} from '../../../../src/lib/chart/visit/visit.ts';
import { checkResource } from '../../../../src/lib/fhir/r4/index.ts';
import { entry, issues, openChart } from '../sections/helpers.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- reading nested FHIR in assertions
type Loose = Record<string, any>;

let chart: ChartModel;
beforeEach(async () => {
  chart = await openChart();
});

function chartError(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof ChartError) return `${error.code}: ${error.message}`;
    throw error;
  }
  return '';
}

const NOW = '2026-12-02T18:00:00.000Z';

describe('starting a visit', () => {
  it('refuses a blank reason and names the field', () => {
    expect(issues(() => chart.startVisit({ reason: '  ' }))).toEqual([
      'reason: Reason for visit is required.',
    ]);
    expect(chart.entries('encounter')).toEqual([]);
  });

  it('refuses a start in the future beyond clock skew, allows small skew', () => {
    expect(issues(() => visitStart('2026-12-02T19:00:00Z', NOW))).toEqual([
      'start: The visit cannot start in the future (check the date, time and this device’s clock).',
    ]);
    expect(Date.parse(visitStart('2026-12-02T18:04:00Z', NOW))).toBe(
      Date.parse('2026-12-02T18:04:00Z'),
    );
    expect(issues(() => visitStart('2099-01-01', NOW))).toEqual([
      'start: The visit cannot start on a future date.',
    ]);
    expect(issues(() => visitStart('2026-02-30T10:00', NOW))).toEqual([
      'start: Visit start is not a real date and time.',
    ]);
    expect(issues(() => visitStart('yesterday', NOW))).toEqual([
      'start: Visit start is not a real date and time.',
    ]);
    expect(Date.parse(visitStart('', NOW))).toBe(Date.parse(NOW));
    expect(visitStart('2026-11-30', NOW)).toBe('2026-11-30');
  });

  it('a start is written in local time with its offset: same instant, local calendar date', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_102_444_800_000 }), (ms) => {
        const s = localDateTime(ms);
        expect(s).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/);
        expect(Date.parse(s)).toBe(Math.floor(ms / 1000) * 1000);
        expect(s.slice(0, 10)).toBe(today(new Date(ms)));
      }),
    );
  });

  it('makes an in-progress encounter with its draft note', () => {
    const { id, noteId } = chart.startVisit({ reason: 'Cough for 3 weeks', type: 'Follow-up' });
    const v = chart.visit(id);
    expect(v.open).toBe(true);
    expect(v.key).toBe(`Encounter/${id}`);
    expect(v.encounter.data).toMatchObject({
      reason: 'Cough for 3 weeks',
      type: 'Follow-up',
      class: 'AMB',
      status: 'in-progress',
    });
    expect(v.notes.map((n) => n.id)).toEqual([noteId]);
    expect(v.notes[0]!.data).toMatchObject({
      status: 'draft',
      title: 'Follow-up: Cough for 3 weeks',
    });
  });
});

function setUp() {
  const lisinopril = chart.addMedication({
    drug: 'Lisinopril 10 MG Oral Tablet',
    dose: '10 mg',
    route: 'oral',
    frequency: 'once daily',
  });
  const metformin = chart.addMedication({
    drug: 'Metformin 500 MG Oral Tablet',
    dose: '500 mg',
    route: 'oral',
    frequency: 'twice daily',
  });
  const htn = chart.addProblem({ text: 'Essential hypertension' });
  const { id, noteId } = chart.startVisit({ reason: 'Blood pressure review' });
  return { lisinopril, metformin, htn, id, noteId };
}

describe('reconciliation and sign-off', () => {
  it('lists every missing part at once and stores nothing when refused', () => {
    const { id } = setUp();
    expect(issues(() => chart.signOffVisit(id))).toEqual([
      'reconciliation: Reconcile every active medication (continue, change or stop): Metformin 500 MG Oral Tablet, Lisinopril 10 MG Oral Tablet.',
      'note: Write the visit note before signing off.',
    ]);
    expect(chart.visit(id).open).toBe(true);
  });

  it('stop and change need a reason; change needs a new dose or frequency', () => {
    const { id, lisinopril, metformin } = setUp();
    expect(issues(() => chart.reconcileMedication(id, lisinopril, { decision: 'stop' }))).toEqual([
      'reason: Reason for stopping is required.',
    ]);
    expect(chart.medications().find((m) => m.id === lisinopril)!.data.status).toBe('active');
    expect(
      issues(() =>
        chart.reconcileMedication(id, metformin, { decision: 'change', dose: '1000 mg' }),
      ),
    ).toEqual(['reason: Reason for the change is required.']);
    expect(
      issues(() =>
        chart.reconcileMedication(id, metformin, {
          decision: 'change',
          reason: 'A1c high',
          dose: '500 mg',
        }),
      ),
    ).toEqual(['dose: Give the new dose or frequency.']);
    expect(chart.visit(id).reconcile.every((r) => r.decision === undefined)).toBe(true);
  });

  it('stop stops the medication now with the reason; change sets the new dose, keeping the old in history', () => {
    const { id, lisinopril, metformin } = setUp();
    chart.reconcileMedication(id, lisinopril, { decision: 'stop', reason: 'Dry cough' });
    chart.reconcileMedication(id, metformin, {
      decision: 'change',
      reason: 'A1c 8.1%',
      dose: '1000 mg',
    });
    const meds = chart.medications();
    const lis = meds.find((m) => m.id === lisinopril)!;
    expect(lis.data).toMatchObject({ status: 'stopped', statusReason: 'Dry cough' });
    const met = meds.find((m) => m.id === metformin)!;
    expect(met.data).toMatchObject({ dose: '1000 mg', frequency: 'twice daily', status: 'active' });
    const v = chart.visit(id);
    expect(
      v.reconcile.map((r) => [r.entry.data.drug, r.decision?.decision, r.decision?.reason]),
    ).toEqual(
      expect.arrayContaining([
        ['Lisinopril 10 MG Oral Tablet', 'stop', 'Dry cough'],
        ['Metformin 500 MG Oral Tablet', 'change', 'A1c 8.1%'],
      ]),
    );
    expect(v.reconcile.find((r) => r.entry.id === metformin)!.decision).toMatchObject({
      from: { dose: '500 mg', frequency: 'twice daily' },
      to: { dose: '1000 mg', frequency: 'twice daily' },
    });
    expect(v.blockers.map((b) => b.field)).toEqual(['note']);
  });

  it('a medication started in the visit needs no decision', () => {
    const { id, lisinopril, metformin } = setUp();
    chart.reconcileMedication(id, lisinopril, { decision: 'continue' });
    chart.reconcileMedication(id, metformin, { decision: 'continue' });
    chart.addFromForm('medication', {
      drug: 'Amlodipine 5 MG Oral Tablet',
      dose: '5 mg',
      route: 'oral',
      frequency: 'once daily',
      encounter: `Encounter/${id}`,
    });
    const v = chart.visit(id);
    expect(v.started.map((m) => m.data.drug)).toEqual(['Amlodipine 5 MG Oral Tablet']);
    expect(v.blockers.map((b) => b.field)).toEqual(['note']);
  });

  it('sign-off signs the note, finishes the encounter, records who and when; then only addenda', () => {
    const { id, noteId, lisinopril, metformin, htn } = setUp();
    chart.recordVitals({
      effectiveDate: '2026-12-02',
      systolic: 150,
      diastolic: 92,
      encounter: `Encounter/${id}`,
    });
    chart.reconcileMedication(id, lisinopril, { decision: 'continue' });
    chart.reconcileMedication(id, metformin, { decision: 'stop', reason: 'GI upset' });
    chart.addressProblem(id, htn);
    chart.noteText(noteId, 'assessment').append('BP above target.');
    chart.signOffVisit(id);
    const v = chart.visit(id);
    expect(v.open).toBe(false);
    expect(v.encounter.data.status).toBe('finished');
    expect(v.signedAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(Date.parse(v.encounter.data.end!)).toBe(
      Math.floor(Date.parse(v.signedAt!) / 1000) * 1000,
    );
    expect(v.signedBy?.memberName).toBe('Ada');
    expect(v.notes[0]!.data.status).toBe('signed');
    expect(v.vitals).toHaveLength(1);
    expect(v.problems.find((p) => p.entry.id === htn)!.addressed).toBe(true);
    expect(v.blockers).toEqual([]);

    const signed =
      'visit-signed: This visit is signed off: nothing more is added to it; its note changes only by addendum.';
    const key = `Encounter/${id}`;
    expect(chartError(() => chart.signOffVisit(id))).toBe(signed);
    expect(
      chartError(() => chart.reconcileMedication(id, lisinopril, { decision: 'continue' })),
    ).toBe(signed);
    expect(chartError(() => chart.addressProblem(id, htn, false))).toBe(signed);
    expect(chartError(() => chart.setVisitReason(id, 'Other'))).toBe(signed);
    expect(
      chartError(() =>
        chart.recordVitals({ effectiveDate: '2026-12-02', heartRate: 70, encounter: key }),
      ),
    ).toBe(signed);
    expect(
      chartError(() => chart.newNote({ date: '2026-12-02', title: 'More', encounter: key })),
    ).toBe(signed);
    expect(chartError(() => chart.addFromForm('problem', { text: 'Cough', encounter: key }))).toBe(
      signed,
    );
    expect(chart.vitals()).toHaveLength(1);
    expect(chart.problems()).toHaveLength(1);
    expect(chartError(() => chart.noteText(noteId, 'plan'))).toMatch(/^note-signed/);
    chart.addAddendum(noteId, 'Patient called: BP at home 128/80.');
    expect(chart.addenda(noteId)).toHaveLength(1);
  });

  it('a problem recorded in the visit is addressed; an un-addressed one is not', () => {
    const { id, htn } = setUp();
    const cough = chart.addFromForm('problem', {
      text: 'Chronic cough',
      encounter: `Encounter/${id}`,
    });
    chart.addressProblem(id, htn);
    chart.addressProblem(id, htn, false);
    const v = chart.visit(id);
    expect(v.problems.map((p) => [p.entry.data.text, p.addressed, p.added])).toEqual(
      expect.arrayContaining([
        ['Chronic cough', true, true],
        ['Essential hypertension', false, false],
      ]),
    );
    expect(chart.problems().find((p) => p.id === cough)!.data.encounter).toBe(`Encounter/${id}`);
  });

  it('a prescription signed in the visit that renews an active medication decides it', () => {
    const { id, metformin, lisinopril } = setUp();
    const amoxicillin = chart.addMedication({
      drug: 'Amoxicillin 500 MG Oral Capsule',
      dose: '1 capsule',
      route: 'oral',
      frequency: 'three times daily',
    });
    chart.reconcileMedication(id, metformin, { decision: 'continue' });
    chart.reconcileMedication(id, lisinopril, { decision: 'continue' });
    expect(chart.visit(id).blockers.map((b) => b.message)[0]).toBe(
      'Reconcile every active medication (continue, change or stop): Amoxicillin 500 MG Oral Capsule.',
    );
    const rx = chart.draftPrescription({ ...AMOXICILLIN, encounter: `Encounter/${id}` });
    expect(chart.signPrescription(rx)).toBe(amoxicillin);
    const v = chart.visit(id);
    expect(v.reconcile.find((r) => r.entry.id === amoxicillin)!.decision).toMatchObject({
      decision: 'change',
      reason: 'Renewed by a prescription in this visit',
    });
    expect(v.blockers.map((b) => b.field)).toEqual(['note']);
  });

  it('draft prescriptions of the visit block sign-off', () => {
    const { id } = setUp();
    chart.draftPrescription({ ...AMOXICILLIN, encounter: `Encounter/${id}` });
    expect(chart.visit(id).blockers.map((b) => b.message)).toContain(
      'Sign or cancel the draft prescription for Amoxicillin 500 MG Oral Capsule.',
    );
  });
});

const AMOXICILLIN = {
  drug: 'Amoxicillin 500 MG Oral Capsule',
  code: '308191',
  doseValue: '1',
  doseUnit: 'capsule',
  route: 'oral',
  frequency: 'TID',
  durationDays: '10',
  quantityValue: '30',
  quantityUnit: 'capsule',
  refills: '0',
  substitutionAllowed: 'yes',
  note: '',
  controlled: 'no',
  credentials: 'MD',
  npi: '1234567893',
  dea: '',
  practiceAddress: '12 Harbour Street, Springfield',
  practicePhone: '+1 555 0100',
};

describe('reconciliation completeness (property)', () => {
  const KEY = 'Encounter/v1';
  const medArb = fc.record({
    status: fc.constantFrom('active', 'stopped', 'completed', 'entered-in-error'),
    startedHere: fc.boolean(),
    decided: fc.boolean(),
  });
  it('sign-off is blocked by reconciliation exactly when an active medication from before the visit has no decision, and names each', () => {
    fc.assert(
      fc.property(fc.array(medArb, { maxLength: 12 }), (specs) => {
        const meds: Entry<Medication>[] = specs.map((s, i) =>
          entry<Medication>(
            {
              drug: `Drug ${i}`,
              dose: '1',
              route: 'oral',
              frequency: 'daily',
              status: s.status as Medication['status'],
              ...(s.startedHere ? { encounter: KEY } : {}),
            },
            `m${i}`,
          ),
        );
        const decisions: Record<string, Reconciliation> = {};
        specs.forEach((s, i) => {
          if (s.decided)
            decisions[`reconciled/m${i}`] = { decision: 'continue', drug: `Drug ${i}`, at: NOW };
        });
        const source: VisitSource = {
          encounters: [
            entry(
              { type: 'Visit', reason: 'Check', status: 'in-progress', start: NOW, ...decisions },
              'v1',
            ),
          ],
          medications: meds,
          problems: [],
          vitals: [],
          notes: [],
          prescriptions: [],
        };
        const expected = specs
          .map((s, i) => ({ ...s, drug: `Drug ${i}` }))
          .filter((s) => s.status === 'active' && !s.startedHere && !s.decided)
          .map((s) => s.drug);
        const v = visitView(source, 'v1');
        const blocker = v.blockers.find((b) => b.field === 'reconciliation');
        expect(blocker !== undefined).toBe(expected.length > 0);
        if (blocker) expect(blocker.message).toContain(`stop): ${expected.join(', ')}.`);
        const decided = new Map(Object.entries(decisions).map(([k, r]) => [k.slice(11), r]));
        expect(unreconciled(meds, decided, KEY).map((m) => m.data.drug)).toEqual(expected);
      }),
    );
  });
});

describe('FHIR export of a visit', () => {
  it('the Encounter references its parts and they point back at it', async () => {
    const { id, noteId, lisinopril, htn } = setUp();
    const key = `Encounter/${id}`;
    chart.recordVitals({
      effectiveDate: '2026-12-02',
      systolic: 150,
      diastolic: 92,
      heartRate: 80,
      encounter: key,
    });
    chart.reconcileMedication(id, lisinopril, { decision: 'stop', reason: 'Dry cough' });
    const metformin = chart.medications().find((m) => m.data.drug.startsWith('Metformin'))!.id;
    chart.reconcileMedication(id, metformin, { decision: 'continue' });
    chart.addressProblem(id, htn);
    const cough = chart.addFromForm('problem', { text: 'Chronic cough', encounter: key });
    const rx = chart.draftPrescription({ ...AMOXICILLIN, encounter: key });
    const started = chart.signPrescription(rx);
    chart.noteText(noteId, 'plan').append('Stop lisinopril; start amoxicillin.');
    chart.signOffVisit(id);

    const out = chartToFhir(chart, 'p1') as Loose[];
    const byRef = new Map(out.map((r) => [`${r.resourceType}/${r.id}`, r]));
    const enc = byRef.get(key)!;
    expect(enc).toMatchObject({
      status: 'finished',
      reasonCode: [{ text: 'Blood pressure review' }],
      class: { code: 'AMB' },
    });
    expect(enc.period.end).toBeDefined();
    expect(enc.participant).toEqual([expect.objectContaining({ individual: { display: 'Ada' } })]);
    expect(enc.diagnosis.map((d: Loose) => d.condition.reference).sort()).toEqual(
      [`Condition/${htn}`, `Condition/${cough}`].sort(),
    );
    for (const d of enc.diagnosis) expect(byRef.has(d.condition.reference)).toBe(true);

    const pointing = out.filter(
      (r) =>
        r.encounter?.reference === key ||
        r.context?.encounter?.some((e: Loose) => e.reference === key),
    );
    expect(pointing.map((r) => `${r.resourceType}/${r.id}`).sort()).toEqual(
      [
        `Observation/${chart.vitals()[0]!.id}-bp`,
        `Observation/${chart.vitals()[0]!.id}-8867-4`,
        `Condition/${cough}`,
        `MedicationRequest/${started}`,
        `MedicationRequest/${rx}`,
        `DocumentReference/${noteId}`,
      ].sort(),
    );
    // The visit's note does not invent an encounter of its own.
    expect(byRef.has(`Encounter/${noteId}-enc`)).toBe(false);
    // The stop decision travels on the medication it stopped.
    expect(byRef.get(`MedicationRequest/${lisinopril}`)).toMatchObject({
      status: 'stopped',
      statusReason: { text: 'Dry cough' },
    });
    for (const r of [enc, ...pointing])
      expect(
        await checkResource({ resource: r as FhirResource, where: `${r.resourceType}/${r.id}` }),
      ).toEqual([]);
  }, 120_000);

  it('an in-progress visit exports as in-progress, without an end', () => {
    const { id } = setUp();
    const enc = (chartToFhir(chart, 'p1') as Loose[]).find((r) => r.id === id)!;
    expect(enc.status).toBe('in-progress');
    expect(enc.period.end).toBeUndefined();
    expect(enc.diagnosis).toBeUndefined();
  });
});

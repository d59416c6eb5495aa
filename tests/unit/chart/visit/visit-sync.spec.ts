/**
 * A visit worked on from two devices at once: reconciliation decisions and problems addressed are
 * one field each in the encounter, so concurrent decisions on different medications all survive
 * the merge; sign-off is attributed to the device's verified member. And an imported problem
 * addressed in a visit is named by the id it is exported with.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chartToFhir } from '../../../../src/lib/chart/fhir-out.ts';
import { planImport } from '../../../../src/lib/chart/fhir-in.ts';
import { ChartModel } from '../../../../src/lib/chart/model.ts';
import { ChartDoc } from '../../../../src/lib/crdt/chart-doc.ts';
import { SealedDoc, type Signer } from '../../../../src/lib/crdt/sealed-doc.ts';
import { ADA, BOB, fakePort } from '../../crdt/fake-port.ts';
import { envelopeStores } from '../../crdt/stores.ts';
import { openChart } from '../sections/helpers.ts';
import type { Encounter } from '../../../../src/lib/chart/sections/encounters.ts';
import { encounterKey, recordedInVisits } from '../../../../src/lib/chart/visits.ts';

const newStore = envelopeStores('visit-sync');

async function device(self: Signer) {
  const sealed = await SealedDoc.open({
    docId: new Uint8Array(16).fill(7),
    port: fakePort(self),
    store: await newStore(),
    self,
    coalesceMs: 1,
  });
  const sent: Uint8Array[] = [];
  sealed.onSealed((envelopes) => sent.push(...envelopes));
  return { chart: new ChartModel(new ChartDoc(sealed)), sealed, sent };
}
type Device = Awaited<ReturnType<typeof device>>;

async function deliver(from: Device, to: Device) {
  await from.sealed.flush();
  await to.sealed.receive([...from.sent]);
}

async function visitOnBoth(meds: number) {
  const ada = await device(ADA);
  ada.chart.create({
    given: 'Ines',
    family: 'Okafor',
    birthDate: '1961-04-12',
    gender: 'female',
    mrn: 'MRN-1',
  });
  const ids: string[] = [];
  for (let i = 0; i < meds; i++)
    ids.push(
      ada.chart.addMedication({
        drug: `Drug ${i}`,
        dose: '1 tablet',
        route: 'oral',
        frequency: 'daily',
      }),
    );
  const { id, noteId } = ada.chart.startVisit({ reason: 'Review' });
  const bob = await device(BOB);
  await deliver(ada, bob);
  return { ada, bob, ids, id, noteId };
}

describe('a visit on two devices', () => {
  it('concurrent decisions on different medications all survive, in any delivery order', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom('ada', 'bob', 'none'), { minLength: 1, maxLength: 5 }),
        fc.boolean(),
        async (who, adaFirst) => {
          const { ada, bob, ids, id } = await visitOnBoth(who.length);
          who.forEach((w, i) => {
            if (w === 'ada') ada.chart.reconcileMedication(id, ids[i]!, { decision: 'continue' });
            if (w === 'bob')
              bob.chart.reconcileMedication(id, ids[i]!, {
                decision: 'stop',
                reason: 'Not needed',
              });
          });
          if (adaFirst) {
            await deliver(ada, bob);
            await deliver(bob, ada);
          } else {
            await deliver(bob, ada);
            await deliver(ada, bob);
          }
          const decided = (c: ChartModel) =>
            c
              .visit(id)
              .reconcile.filter((r) => r.decision)
              .map((r) => `${r.entry.data.drug}:${r.decision!.decision}`)
              .sort();
          const expected = who
            .map((w, i) =>
              w === 'ada' ? `Drug ${i}:continue` : w === 'bob' ? `Drug ${i}:stop` : '',
            )
            .filter(Boolean)
            .sort();
          expect(decided(ada.chart)).toEqual(expected);
          expect(decided(bob.chart)).toEqual(expected);
          expect(ada.chart.visit(id).blockers).toEqual(bob.chart.visit(id).blockers);
        },
      ),
      { numRuns: 12 },
    );
  }, 120_000);

  it('sign-off on one device reaches the other as signed by that member, and closes the visit there', async () => {
    const { ada, bob, ids, id, noteId } = await visitOnBoth(1);
    bob.chart.reconcileMedication(id, ids[0]!, { decision: 'continue' });
    bob.chart.noteText(noteId, 'plan').append('Continue as before.');
    bob.chart.signOffVisit(id);
    await deliver(bob, ada);
    const v = ada.chart.visit(id);
    expect(v.open).toBe(false);
    expect(v.signedBy).toEqual(BOB);
    expect(() => ada.chart.addressProblem(id, 'x')).toThrow(/signed off/);
  });
});

describe('an imported problem addressed in a visit', () => {
  it('is named in Encounter.diagnosis by the id it is exported with', async () => {
    const chart = await openChart();
    chart.applyImport(
      planImport([
        {
          resourceType: 'Patient',
          id: 'p',
          identifier: [{ system: 'urn:folio:mrn', value: 'MRN-9' }],
          name: [{ family: 'Okafor', given: ['Ines'] }],
          birthDate: '1961-04-12',
          gender: 'female',
        },
        {
          resourceType: 'Condition',
          id: 'src-htn',
          clinicalStatus: {
            coding: [
              {
                system: 'http://terminology.hl7.org/CodeSystem/condition-clinical',
                code: 'active',
              },
            ],
          },
          code: { text: 'Hypertension' },
          subject: { reference: 'Patient/p' },
        },
      ] as never),
    );
    const problem = chart.problems()[0]!;
    const { id } = chart.startVisit({ reason: 'Review' });
    chart.addressProblem(id, problem.id);
    const out = chartToFhir(chart, 'p1');
    const enc = out.find((r) => r.resourceType === 'Encounter' && r.id === id)!;
    expect(enc.diagnosis).toEqual([{ condition: { reference: 'Condition/src-htn' }, rank: 1 }]);
    expect(out.some((r) => r.resourceType === 'Condition' && r.id === 'src-htn')).toBe(true);
  });
});

describe('a visit exported and imported again', () => {
  it('its parts are recorded in the imported visit', async () => {
    const chart = await openChart();
    const med = chart.addMedication({
      drug: 'Lisinopril 10 MG',
      dose: '10 mg',
      route: 'oral',
      frequency: 'daily',
    });
    const { id, noteId } = chart.startVisit({ reason: 'Blood pressure review' });
    const key = `Encounter/${id}`;
    chart.recordVitals({
      effectiveDate: '2026-12-02',
      systolic: 150,
      diastolic: 90,
      encounter: key,
    });
    chart.addFromForm('problem', { text: 'Hypertension', encounter: key });
    chart.reconcileMedication(id, med, { decision: 'continue' });
    chart.noteText(noteId, 'plan').append('Recheck in 4 weeks.');
    chart.signOffVisit(id);

    const again = await openChart();
    again.applyImport(planImport(chartToFhir(chart, 'p1')));
    const visit = again.entries<Encounter>('encounter');
    expect(visit.map((e) => [e.data.reason, e.data.status])).toEqual([
      ['Blood pressure review', 'finished'],
    ]);
    const items = recordedInVisits(again).get(encounterKey(visit[0]!)) ?? [];
    expect(items.map((i) => i.kind).sort()).toEqual(['Documents', 'Problems', 'Vitals']);
  });
});

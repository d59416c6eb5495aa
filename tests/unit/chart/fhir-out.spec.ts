import 'fake-indexeddb/auto';
import { beforeEach, expect, it } from 'vitest';
import { ChartModel } from '../../../src/lib/chart/index.ts';
import { chartToFhir, type FhirResource } from '../../../src/lib/chart/fhir-out.ts';
import { ChartDoc } from '../../../src/lib/crdt/chart-doc.ts';
import { openEnvelopeStore } from '../../../src/lib/crdt/envelope-store.ts';
import { SealedDoc } from '../../../src/lib/crdt/sealed-doc.ts';
import { checkResource } from '../../../src/lib/fhir/r4/index.ts';
import { ADA, fakePort } from '../crdt/fake-port.ts';

/** Every resource passes the official R4 JSON schema and the calendar checks. */
async function expectValid(resources: FhirResource[]): Promise<void> {
  for (const r of resources)
    expect(await checkResource({ resource: r, where: `${r.resourceType}/${r.id}` })).toEqual([]);
}

let chart: ChartModel;
let n = 0;
beforeEach(async () => {
  const sealed = await SealedDoc.open({
    docId: new Uint8Array(16),
    port: fakePort(ADA),
    store: await openEnvelopeStore(`fhir-out-${++n}`),
    self: ADA,
  });
  chart = new ChartModel(new ChartDoc(sealed));
  chart.create({
    given: 'Ines',
    family: 'Okafor',
    birthDate: '1961-04-12',
    gender: 'female',
    mrn: 'MRN-1',
    phone: '+1 555 0100',
  });
});

const byType = (resources: FhirResource[]) =>
  resources.reduce<Record<string, number>>((acc, r) => {
    acc[r.resourceType] = (acc[r.resourceType] ?? 0) + 1;
    return acc;
  }, {});

it('exports every section as the FHIR resource it mirrors, codes and statuses intact, valid R4', async () => {
  chart.addProblem({
    text: 'Type 2 diabetes',
    code: {
      system: 'http://hl7.org/fhir/sid/icd-10-cm',
      code: 'E11.9',
      display: 'Type 2 diabetes mellitus',
    },
    onsetDate: '2019-03-01',
  });
  const wrong = chart.addProblem({ text: 'Charted on the wrong patient' });
  chart.markEnteredInError(wrong, 'Wrong patient');
  chart.addMedication({
    drug: 'Metformin 500 mg tablet',
    dose: '500 mg',
    route: 'oral',
    frequency: 'twice daily',
    startDate: '2019-03-02',
  });
  chart.addAllergy({
    substance: 'Penicillin',
    category: 'medication',
    criticality: 'high',
    reaction: 'Hives',
  });
  chart.addImmunization({ cvx: '140', occurrenceDate: '2025-10-01', lotNumber: 'LOT-9' });
  chart.recordVitals({
    effectiveDate: '2026-11-20',
    systolic: 128,
    diastolic: 82,
    heartRate: 71,
    weightKg: 70,
    heightCm: 170,
  });
  chart.addLab({
    loinc: '4548-4',
    name: 'Hemoglobin A1c',
    value: 7.9,
    unit: '%',
    low: 4,
    high: 5.6,
    effectiveDate: '2026-11-18',
  });
  const note = chart.newNote({ date: '2026-11-20', title: 'Diabetes follow-up' });
  chart.noteText(note, 'subjective').set('Feels well. Ünïcode ✓');
  chart.signNote(note);
  chart.addAddendum(note, 'A1c reviewed by phone.');

  const resources = chartToFhir(chart, 'p1');
  await expectValid(resources);
  expect(byType(resources)).toEqual({
    Patient: 1,
    Condition: 2,
    MedicationRequest: 1,
    AllergyIntolerance: 1,
    Immunization: 1,
    // BP panel + heart rate + weight + height + BMI, and one lab.
    Observation: 6,
    Encounter: 1,
    DocumentReference: 1,
  });
  const ids = resources.map((r) => `${r.resourceType}/${r.id}`);
  expect(new Set(ids).size).toBe(ids.length);
  for (const r of resources) expect(r.id).toMatch(/^[A-Za-z0-9\-.]{1,64}$/);
  // Every reference points at a resource in the export.
  const refs = JSON.stringify(resources).match(/"reference":"([^"]+)"/g) ?? [];
  for (const ref of refs) expect(ids).toContain(ref.slice(13, -1));

  const find = (type: string, pred: (r: FhirResource) => boolean = () => true) =>
    resources.find((r) => r.resourceType === type && pred(r))!;
  expect(find('Patient')).toMatchObject({
    name: [{ family: 'Okafor', given: ['Ines'] }],
    birthDate: '1961-04-12',
    gender: 'female',
    identifier: [{ value: 'MRN-1' }],
    telecom: [{ system: 'phone', value: '+1 555 0100' }],
  });
  expect(find('Condition', (r) => JSON.stringify(r).includes('E11.9'))).toMatchObject({
    clinicalStatus: { coding: [{ code: 'active' }] },
    code: {
      coding: [
        {
          system: 'http://hl7.org/fhir/sid/icd-10-cm',
          code: 'E11.9',
          display: 'Type 2 diabetes mellitus',
        },
      ],
    },
    onsetDateTime: '2019-03-01',
  });
  const inError = find('Condition', (r) => r.id === wrong);
  expect(inError.clinicalStatus).toBeUndefined();
  expect(inError.verificationStatus).toEqual({
    coding: [
      {
        system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status',
        code: 'entered-in-error',
      },
    ],
  });
  expect(find('Immunization')).toMatchObject({
    status: 'completed',
    vaccineCode: { coding: [{ system: 'http://hl7.org/fhir/sid/cvx', code: '140' }] },
    occurrenceDateTime: '2025-10-01',
    lotNumber: 'LOT-9',
  });
  const bp = find('Observation', (r) => JSON.stringify(r).includes('85354-9'));
  expect(bp.component).toEqual([
    expect.objectContaining({
      code: expect.objectContaining({ coding: [expect.objectContaining({ code: '8480-6' })] }),
      valueQuantity: expect.objectContaining({ value: 128, code: 'mm[Hg]' }),
    }),
    expect.objectContaining({
      code: expect.objectContaining({ coding: [expect.objectContaining({ code: '8462-4' })] }),
      valueQuantity: expect.objectContaining({ value: 82 }),
    }),
  ]);
  expect(
    find('Observation', (r) => JSON.stringify(r).includes('39156-5')).valueQuantity,
  ).toMatchObject({ value: 24.2 });
  expect(find('Observation', (r) => JSON.stringify(r).includes('4548-4'))).toMatchObject({
    valueQuantity: { value: 7.9, unit: '%' },
    interpretation: [{ coding: [{ code: 'H' }] }],
    referenceRange: [{ low: { value: 4 }, high: { value: 5.6 } }],
  });
  const doc = find('DocumentReference');
  expect(doc.docStatus).toBe('final');
  const attachment = (doc.content as { attachment: { data: string } }[])[0]!.attachment;
  const text = new TextDecoder().decode(
    Uint8Array.from(atob(attachment.data), (c) => c.charCodeAt(0)),
  );
  expect(text).toContain('Feels well. Ünïcode ✓');
  expect(text).toContain('A1c reviewed by phone.');
});

it('records "no known allergies" with its SNOMED code and appends kept resources unchanged', () => {
  chart.recordNoKnownAllergies();
  const kept = {
    resourceType: 'Coverage',
    id: 'cov1',
    status: 'active',
    beneficiary: { reference: 'Patient/p1' },
    payor: [{ display: 'Acme' }],
  };
  const resources = chartToFhir(chart, 'p1', [kept]);
  expect(resources.find((r) => r.resourceType === 'AllergyIntolerance')).toMatchObject({
    code: { coding: [{ system: 'http://snomed.info/sct', code: '716186003' }] },
  });
  expect(resources.at(-1)).toBe(kept);
});

it('records consent before sharing, refuses impossible consents, and shares only the consented sections', async () => {
  chart.addProblem({ text: 'Asthma' });
  chart.addMedication({
    drug: 'Salbutamol inhaler',
    dose: '2 puffs',
    route: 'inhaled',
    frequency: 'as needed',
  });
  const bad = () =>
    chart.recordConsent({
      recipient: ' ',
      scope: [],
      purpose: 'NOPE' as never,
      expires: '2023-02-30',
    });
  expect(bad).toThrow(/Recipient is required/);
  expect(() =>
    chart.recordConsent({
      recipient: 'Dr. Lung',
      scope: 'all',
      purpose: 'TREAT',
      expires: '2000-01-01',
    }),
  ).toThrow(/Consent ends is before/);
  const consent = chart.recordConsent({
    recipient: 'Dr. Lung, Pulmonology',
    scope: ['problem'],
    purpose: 'TREAT',
    expires: '2099-12-31',
  });
  const shared = chartToFhir(chart, 'p1', [], { sections: ['problem'] });
  expect(byType(shared)).toEqual({ Patient: 1, Condition: 1 });
  const full = chartToFhir(chart, 'p1');
  await expectValid(full);
  expect(full.find((r) => r.resourceType === 'Consent')).toMatchObject({
    id: consent,
    status: 'active',
    scope: { coding: [{ code: 'patient-privacy' }] },
    provision: {
      type: 'permit',
      period: { end: '2099-12-31' },
      actor: [{ reference: { display: 'Dr. Lung, Pulmonology' } }],
      purpose: [{ code: 'TREAT' }],
      class: [{ code: 'problem' }],
    },
  });
  // A link needs an active consent.
  chart.withdrawConsent(consent);
  expect(() =>
    chart.addShareLink({
      consentId: consent,
      linkId: 'x',
      shlink: 'shlink:/x',
      flags: 'P',
      key: 'k',
      manageSecret: 's',
      expiresAt: Date.now(),
      label: 'x',
    }),
  ).toThrow(/active consent/);
});

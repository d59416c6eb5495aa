/**
 * FHIR fidelity (issue 12 §3): what an import → export keeps, and what an edit changes.
 */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { ChartModel } from '../../../src/lib/chart/index.ts';
import { planImport } from '../../../src/lib/chart/fhir-in.ts';
import { chartToFhir, type FhirResource } from '../../../src/lib/chart/fhir-out.ts';
import { editedFields } from '../../../src/lib/chart/fhir-source.ts';
import { ChartDoc } from '../../../src/lib/crdt/chart-doc.ts';
import { openEnvelopeStore } from '../../../src/lib/crdt/envelope-store.ts';
import { SealedDoc } from '../../../src/lib/crdt/sealed-doc.ts';
import { prepareImport, readImport } from '../../../src/lib/fhir/r4/index.ts';
import { ADA, fakePort } from '../crdt/fake-port.ts';

let n = 0;
async function emptyChart(): Promise<ChartModel> {
  const sealed = await SealedDoc.open({
    docId: new Uint8Array(16),
    port: fakePort(ADA),
    store: await openEnvelopeStore(`fhir-fidelity-${++n}`),
    self: ADA,
  });
  return new ChartModel(new ChartDoc(sealed));
}

const T = 'http://terminology.hl7.org/CodeSystem';
const coded = (system: string, code: string, display?: string) => ({
  coding: [{ system: `${T}/${system}`, code, ...(display ? { display } : {}) }],
});
const subject = { reference: 'Patient/p1' };

const PATIENT: FhirResource = {
  resourceType: 'Patient',
  id: 'p1',
  identifier: [{ system: 'urn:mrn', value: 'MRN-7' }],
  name: [{ family: 'Ode', given: ['Ama'] }],
  gender: 'female',
  birthDate: '1970-05-06',
};
/** A resource of each kind whose status Folio does not model, plus a resolved Condition. */
const SOURCES: FhirResource[] = [
  {
    resourceType: 'Condition',
    id: 'c-provisional',
    clinicalStatus: coded('condition-clinical', 'active'),
    verificationStatus: coded('condition-ver-status', 'provisional', 'Provisional'),
    code: { text: 'Suspected asthma' },
    subject,
    onsetDateTime: '2020-01-01',
  },
  {
    resourceType: 'Condition',
    id: 'c-remission',
    clinicalStatus: coded('condition-clinical', 'remission', 'Remission'),
    verificationStatus: coded('condition-ver-status', 'confirmed'),
    code: { text: 'Lymphoma' },
    subject,
  },
  {
    resourceType: 'Condition',
    id: 'c-resolved',
    clinicalStatus: coded('condition-clinical', 'resolved'),
    verificationStatus: coded('condition-ver-status', 'confirmed'),
    code: { text: 'Sprained ankle' },
    subject,
    onsetDateTime: '2021-03-01T10:00:00+01:00',
    abatementDateTime: '2021-04-02T10:00:00+01:00',
  },
  {
    resourceType: 'AllergyIntolerance',
    id: 'a-unconfirmed',
    clinicalStatus: coded('allergyintolerance-clinical', 'active'),
    verificationStatus: coded('allergyintolerance-verification', 'unconfirmed'),
    code: { text: 'Latex' },
    patient: subject,
  },
  {
    resourceType: 'Observation',
    id: 'o-amended',
    status: 'amended',
    category: [{ coding: [{ system: `${T}/observation-category`, code: 'laboratory' }] }],
    code: { coding: [{ system: 'http://loinc.org', code: '2345-7', display: 'Glucose' }] },
    subject,
    effectiveDateTime: '2022-02-02',
    valueQuantity: { value: 5.4, unit: 'mmol/L' },
  },
  {
    resourceType: 'Observation',
    id: 'o-corrected',
    status: 'corrected',
    category: [{ coding: [{ system: `${T}/observation-category`, code: 'vital-signs' }] }],
    code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
    subject,
    effectiveDateTime: '2022-02-02T09:00:00Z',
    valueQuantity: { value: 61, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
  },
  {
    resourceType: 'MedicationRequest',
    id: 'm-on-hold',
    status: 'on-hold',
    intent: 'order',
    medicationCodeableConcept: { text: 'Warfarin 5 mg' },
    subject,
    authoredOn: '2022-01-01',
    dosageInstruction: [{ text: '5 mg daily', timing: { repeat: { frequency: 1, period: 1 } } }],
  },
];

describe('an imported chart exported again', () => {
  it('is byte-for-byte the source while unedited: statuses Folio does not model and abatementDateTime kept', async () => {
    const chart = await emptyChart();
    chart.applyImport(planImport([PATIENT, ...SOURCES]));
    // Mapped into sections (not kept aside), so the UI shows them …
    expect(chart.problems()).toHaveLength(3);
    expect(chart.allergies()).toHaveLength(1);
    expect(chart.medications()).toHaveLength(1);
    expect(chart.labs()).toHaveLength(1);
    expect(chart.vitals()).toHaveLength(1);
    // … and exported exactly as they came.
    const out = chartToFhir(chart, 'x');
    for (const source of SOURCES)
      expect(
        out.find((r) => r.id === source.id),
        source.id,
      ).toEqual(source);
    expect(out.find((r) => r.resourceType === 'Patient')).toEqual(PATIENT);
  });

  it('changes only the elements of the fields edited; a status nobody edited stays', async () => {
    const chart = await emptyChart();
    chart.applyImport(planImport([PATIENT, ...SOURCES]));
    const problem = (id: string) =>
      chart.problems().find((p) => (p.data as unknown as { fhir: FhirResource }).fhir.id === id)!;
    chart.resolveProblem(problem('c-provisional').id, '2026-11-20');
    chart.markEnteredInError(problem('c-remission').id, 'Duplicate');
    chart.stopMedication(chart.medications()[0]!.id, '2026-11-21', 'Side effects');
    const out = chartToFhir(chart, 'x');
    const get = (id: string) => out.find((r) => r.id === id)!;

    expect(get('c-provisional')).toEqual({
      ...SOURCES[0],
      clinicalStatus: coded('condition-clinical', 'resolved'),
      abatementDateTime: '2026-11-20',
    });
    // Entered in error: verification changed, clinical status removed (con-5), nothing else.
    const remission = Object.fromEntries(
      Object.entries(SOURCES[1]!).filter(([k]) => k !== 'clinicalStatus'),
    );
    expect(get('c-remission')).toEqual({
      ...remission,
      verificationStatus: coded('condition-ver-status', 'entered-in-error'),
    });
    expect(get('m-on-hold')).toEqual({
      ...SOURCES[6],
      status: 'stopped',
      dosageInstruction: [
        {
          text: '5 mg daily',
          timing: { repeat: { frequency: 1, period: 1, boundsPeriod: { end: '2026-11-21' } } },
        },
      ],
    });
    // Untouched entries stay as they came.
    for (const id of ['c-resolved', 'a-unconfirmed', 'o-amended', 'o-corrected'])
      expect(get(id)).toEqual(SOURCES.find((s) => s.id === id));
  });

  it('counts as edited only what history records after the creation; replacing the source starts again', () => {
    const at = '2026-01-01T00:00:00Z';
    expect(editedFields([{ at, changes: { status: 'active', fhir: {} } }])).toEqual(new Set());
    expect(
      [
        ...editedFields([
          { at, changes: { status: 'active' } },
          { at, changes: { status: 'stopped', endDate: '2026-01-02' } },
        ]),
      ].sort(),
    ).toEqual(['endDate', 'status']);
    expect(
      editedFields([
        { at, changes: {} },
        { at, changes: { status: 'stopped' } },
        { at, changes: { fhir: {}, status: 'active' } },
      ]),
    ).toEqual(new Set(['status']));
  });
});

describe('abatementDateTime', () => {
  it('is exported for a problem resolved in Folio', async () => {
    const chart = await emptyChart();
    chart.create({ given: 'A', family: 'B', birthDate: '1980-01-01', gender: 'other', mrn: 'M' });
    const id = chart.addProblem({ text: 'Otitis media', onsetDate: '2026-10-01' });
    chart.resolveProblem(id, '2026-10-20');
    const condition = chartToFhir(chart, 'p').find((r) => r.resourceType === 'Condition')!;
    expect(condition.abatementDateTime).toBe('2026-10-20');
    expect(condition.clinicalStatus).toEqual(coded('condition-clinical', 'resolved'));
  });

  it('is read on import (the problem shows when it resolved)', () => {
    const plan = planImport([PATIENT, SOURCES[2]!]);
    expect(plan.entries[0]!.fields).toMatchObject({ abatementDate: '2021-04-02' });
  });
});

describe('references', () => {
  const bundle = {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      {
        fullUrl: 'urn:uuid:0b8a3bc4-6b4a-4f5e-9d55-0a4c6c1c1a01',
        resource: { ...PATIENT, id: undefined },
      },
      {
        fullUrl: 'urn:uuid:0b8a3bc4-6b4a-4f5e-9d55-0a4c6c1c1a02',
        resource: {
          resourceType: 'Practitioner',
          id: 'dr-1',
          identifier: [{ system: 'http://hl7.org/fhir/sid/us-npi', value: '9999999999' }],
        },
      },
      {
        fullUrl: 'urn:uuid:0b8a3bc4-6b4a-4f5e-9d55-0a4c6c1c1a03',
        resource: {
          resourceType: 'Encounter',
          status: 'finished',
          class: { code: 'AMB' },
          subject: { reference: 'urn:uuid:0b8a3bc4-6b4a-4f5e-9d55-0a4c6c1c1a01' },
          participant: [
            {
              individual: {
                reference: 'Practitioner?identifier=http://hl7.org/fhir/sid/us-npi|9999999999',
              },
            },
          ],
          serviceProvider: { reference: 'https://elsewhere.example/fhir/Organization/o9' },
          contained: [
            {
              resourceType: 'Location',
              id: 'here',
              managingOrganization: { reference: 'urn:uuid:0b8a3bc4-6b4a-4f5e-9d55-0a4c6c1c1a02' },
            },
          ],
          location: [{ location: { reference: '#here' } }],
        },
      },
      {
        fullUrl: 'urn:uuid:0b8a3bc4-6b4a-4f5e-9d55-0a4c6c1c1a04',
        resource: {
          resourceType: 'Condition',
          clinicalStatus: coded('condition-clinical', 'active'),
          code: { text: 'Gout' },
          subject: { reference: 'Patient?identifier=urn:mrn|MRN-7' },
          encounter: { reference: 'urn:uuid:0b8a3bc4-6b4a-4f5e-9d55-0a4c6c1c1a03' },
        },
      },
    ],
  };
  const referencesIn = (node: unknown): string[] =>
    Array.isArray(node)
      ? node.flatMap(referencesIn)
      : node && typeof node === 'object'
        ? Object.entries(node).flatMap(([k, v]) =>
            k === 'reference' && typeof v === 'string' ? [v] : referencesIn(v),
          )
        : [];

  it(
    'are rewritten to Type/id at import (ids given first); contained and other servers kept',
    { timeout: 180_000 },
    async () => {
      const prepared = await prepareImport(readImport(JSON.stringify(bundle)));
      const group = prepared.patients[0]!;
      expect(group.issues).toEqual([]);
      const byType = Object.fromEntries(group.resources.map((r) => [r.resourceType, r]));
      expect(byType.Patient!.id).toBe('0b8a3bc4-6b4a-4f5e-9d55-0a4c6c1c1a01');
      expect(byType.Condition!.id).toBe('0b8a3bc4-6b4a-4f5e-9d55-0a4c6c1c1a04');
      expect(referencesIn(byType.Condition).sort()).toEqual([
        'Encounter/0b8a3bc4-6b4a-4f5e-9d55-0a4c6c1c1a03',
        'Patient/0b8a3bc4-6b4a-4f5e-9d55-0a4c6c1c1a01',
      ]);
      expect(referencesIn(byType.Encounter).sort()).toEqual([
        '#here',
        'Patient/0b8a3bc4-6b4a-4f5e-9d55-0a4c6c1c1a01',
        'Practitioner/dr-1',
        'Practitioner/dr-1',
        'https://elsewhere.example/fhir/Organization/o9',
      ]);
      // The input itself is not changed.
      expect(bundle.entry[3]!.resource.subject).toEqual({
        reference: 'Patient?identifier=urn:mrn|MRN-7',
      });

      const chart = await emptyChart();
      chart.applyImport(planImport(group.resources));
      const exported = chartToFhir(chart, 'x');
      const all = exported.flatMap(referencesIn);
      expect(all.filter((r) => r.startsWith('urn:') || r.includes('?'))).toEqual([]);
    },
  );

  it('stored before this rule (urn:uuid, conditional) are rewritten at export where they still match', async () => {
    // What an import stored before: the resources as they came, ids from their urn:uuid fullUrls.
    const old = bundle.entry.map((e) => ({
      ...e.resource,
      id: e.resource.id ?? e.fullUrl.slice('urn:uuid:'.length),
    })) as FhirResource[];
    const chart = await emptyChart();
    chart.applyImport(planImport(old));
    const exported = chartToFhir(chart, 'x');
    const get = (type: string) => exported.find((r) => r.resourceType === type)!;
    expect(referencesIn(get('Condition')).sort()).toEqual([
      'Encounter/0b8a3bc4-6b4a-4f5e-9d55-0a4c6c1c1a03',
      'Patient/0b8a3bc4-6b4a-4f5e-9d55-0a4c6c1c1a01',
    ]);
    expect(referencesIn(get('Encounter')).sort()).toEqual([
      '#here',
      'Patient/0b8a3bc4-6b4a-4f5e-9d55-0a4c6c1c1a01',
      'Practitioner/dr-1',
      'https://elsewhere.example/fhir/Organization/o9',
      // Its fullUrl was not stored and its id is not that uuid: it cannot be matched any more.
      'urn:uuid:0b8a3bc4-6b4a-4f5e-9d55-0a4c6c1c1a02',
    ]);
  });
});

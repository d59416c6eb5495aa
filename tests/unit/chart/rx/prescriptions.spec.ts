import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import { ChartError } from '../../../../src/lib/chart/errors.ts';
import { chartToFhir, type FhirResource } from '../../../../src/lib/chart/fhir-out.ts';
import type { ChartModel } from '../../../../src/lib/chart/model.ts';
import {
  NOT_CONFIGURED_MESSAGE,
  notConfigured,
  formValuesOf,
  printedPrescription,
  readPrescriptionForm,
} from '../../../../src/lib/chart/rx/index.ts';
import { medicationOf } from '../../../../src/lib/chart/sections/medications.ts';
import { medicationSafety } from '../../../../src/lib/chart/safety/chart-items.ts';
import { checkResource } from '../../../../src/lib/fhir/r4/index.ts';
import { issues, openChart } from '../sections/helpers.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- reading nested FHIR in assertions
type Loose = Record<string, any>;

let chart: ChartModel;
beforeEach(async () => {
  chart = await openChart();
});

const amoxicillin = {
  drug: 'Amoxicillin 500 MG Oral Capsule',
  code: '308191',
  doseValue: '1',
  doseUnit: 'capsule',
  route: 'oral',
  frequency: 'TID',
  durationDays: '10',
  quantityValue: '30',
  quantityUnit: 'capsule',
  refills: '1',
  substitutionAllowed: 'no',
  note: 'Patient prefers capsules',
  controlled: 'no',
  credentials: 'MD',
  npi: '1234567893',
  dea: '',
  practiceAddress: '12 Harbour Street, Springfield',
  practicePhone: '+1 555 0100',
};

function refused(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof ChartError) return `${error.code}: ${error.message}`;
    throw error;
  }
  return 'saved';
}

const penicillin = () =>
  chart.addAllergy({ substance: 'Penicillin', category: 'medication', criticality: 'high' });

describe('the prescription form', () => {
  it('refuses an uncoded drug, a bad NPI, a controlled drug without a DEA number', () => {
    expect(
      readPrescriptionForm({
        ...amoxicillin,
        code: '',
        npi: '1234567890',
        controlled: 'yes',
      }).issues.map((i) => `${i.field}: ${i.message}`),
    ).toEqual([
      'code: A prescription needs an RxNorm drug: pick it from "Search codes (RxNorm)" or type its RxCUI.',
      'npi: This NPI fails its check digit: check for a mistyped digit.',
      'dea: A controlled substance needs the prescriber’s DEA number.',
    ]);
    expect(
      readPrescriptionForm({
        ...amoxicillin,
        practiceAddress: ' ',
        practicePhone: 'call me',
        credentials: '',
      }).issues.map((i) => i.field),
    ).toEqual(['credentials', 'practiceAddress', 'practicePhone']);
  });

  it('an impossible dose is refused with the message, and nothing is stored', () => {
    expect(issues(() => chart.draftPrescription({ ...amoxicillin, doseValue: '-2' }))).toEqual([
      'doseValue: Dose cannot be negative.',
    ]);
    expect(issues(() => chart.draftPrescription({ ...amoxicillin, doseValue: '400' }))).toEqual([
      'doseValue: A single dose of 400 capsules is not plausible (at most 10 capsules). Check the dose and its unit.',
    ]);
    expect(chart.prescriptions()).toEqual([]);
  });
});

describe('malformed input (property)', () => {
  it('a draft is stored only when every field reads back; otherwise nothing is stored', () => {
    const keys = Object.keys(amoxicillin);
    let stored = 0;
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.constantFrom(...keys),
          fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('0', '-1', '12', '1e9', 'NaN')),
          { maxKeys: 3 },
        ),
        (over) => {
          const before = chart.prescriptions().length;
          const values = { ...amoxicillin, ...over };
          let id = '';
          const problems = issues(() => (id = chart.draftPrescription(values)));
          const after = chart.prescriptions();
          if (problems.length > 0) {
            expect(after).toHaveLength(before);
            expect(readPrescriptionForm(values).input).toBeNull();
          } else {
            stored++;
            expect(after).toHaveLength(before + 1);
            // What was stored reads back as a valid prescription.
            const saved = after.find((p) => p.id === id)!;
            expect(readPrescriptionForm(formValuesOf(saved.data)).issues).toEqual([]);
          }
        },
      ),
      { numRuns: 150 },
    );
    expect(stored).toBeGreaterThan(0);
  });
});

describe('signing', () => {
  it('runs the safety checks again: a high alert needs an override with a reason', () => {
    const allergy = penicillin();
    const id = chart.draftPrescription(amoxicillin);
    expect(chart.prescriptions()[0]!.data.status).toBe('draft');
    expect(chart.medications()).toEqual([]);
    expect(refused(() => chart.signPrescription(id))).toBe(
      'safety-override-needed: Amoxicillin 500 MG Oral Capsule raises a high-severity alert that needs a reason to override: Allergy to Penicillin: Amoxicillin 500 MG Oral Capsule.',
    );
    expect(chart.prescriptions()[0]!.data.status).toBe('draft');
    expect(chart.medications()).toEqual([]);

    const report = medicationSafety(
      { drug: amoxicillin.drug },
      { medications: chart.medications(), allergies: chart.allergies() },
    );
    const key = report.alerts[0]!.key;
    expect(key).toContain(allergy);
    expect(
      refused(() => chart.signPrescription(id, { overrides: [{ alert: key, reason: '  ' }] })),
    ).toMatch(/^safety-override-needed/);

    const before = new Date().toISOString();
    const medId = chart.signPrescription(id, {
      overrides: [{ alert: key, reason: 'Tolerated amoxicillin in 2023' }],
    });
    const [rx] = chart.prescriptions();
    expect(rx!.data.status).toBe('active');
    expect(rx!.data.signedAt! >= before && rx!.data.signedAt! <= new Date().toISOString()).toBe(
      true,
    );
    expect(rx!.data.medicationId).toBe(medId);
    expect(rx!.data.overrides?.map((o) => o.reason)).toEqual(['Tolerated amoxicillin in 2023']);
    expect(rx!.history.find((h) => h.changes.status === 'active')?.by?.memberName).toBeTruthy();
    const meds = chart.medications();
    expect(meds).toHaveLength(1);
    expect(meds[0]!.data).toMatchObject({
      drug: 'Amoxicillin 500 MG Oral Capsule',
      code: { code: '308191' },
      dose: '1 capsule',
      route: 'oral',
      frequency: 'three times a day',
      status: 'active',
      prescriptionId: id,
    });
    expect(meds[0]!.data.overrides?.map((o) => o.reason)).toEqual([
      'Tolerated amoxicillin in 2023',
    ]);
  });

  it('is immutable once signed (only cancel), and a renewal updates the active entry', () => {
    const first = chart.draftPrescription(amoxicillin);
    const medId = chart.signPrescription(first);
    expect(refused(() => chart.signPrescription(first))).toBe(
      'not-draft: Only a draft prescription can be signed.',
    );
    const renewal = chart.draftPrescription({
      ...amoxicillin,
      doseValue: '2',
      quantityValue: '60',
    });
    // No duplicate-therapy alert against the entry it renews, and no second entry.
    expect(chart.signPrescription(renewal)).toBe(medId);
    expect(chart.medications()).toHaveLength(1);
    expect(chart.medications()[0]!.data).toMatchObject({
      dose: '2 capsule',
      prescriptionId: renewal,
    });

    expect(issues(() => chart.cancelPrescription(first, ' '))).toEqual([
      'reason: Reason for cancelling is required.',
    ]);
    chart.cancelPrescription(first, 'Replaced by a higher dose');
    const cancelled = chart.prescriptions().find((p) => p.id === first)!;
    expect(cancelled.data).toMatchObject({
      status: 'cancelled',
      cancelReason: 'Replaced by a higher dose',
    });
    expect(refused(() => chart.cancelPrescription(first, 'again'))).toBe(
      'not-cancellable: This prescription is already cancelled.',
    );
    // The medication stays on the list: stopping it is a separate step.
    expect(chart.medications()[0]!.data.status).toBe('active');
  });
});

describe('FHIR, print and transmission', () => {
  it('exports a valid MedicationRequest with structured dosage, dispense, substitution, requester', async () => {
    const id = chart.draftPrescription({ ...amoxicillin, controlled: 'yes', dea: 'AB1234563' });
    chart.signPrescription(id);
    const resources = chartToFhir(chart, 'p1');
    for (const r of resources)
      expect(await checkResource({ resource: r, where: `${r.resourceType}/${r.id}` })).toEqual([]);
    const rx = resources.find((r) => r.id === id) as FhirResource & Loose;
    expect(rx.intent).toBe('order');
    expect(rx.status).toBe('active');
    expect(rx.medicationCodeableConcept.coding[0]).toMatchObject({
      system: 'http://www.nlm.nih.gov/research/umls/rxnorm',
      code: '308191',
    });
    expect(rx.dosageInstruction[0]).toEqual({
      text: 'Take 1 capsule by mouth three times a day for 10 days.',
      timing: {
        repeat: {
          boundsDuration: {
            value: 10,
            unit: 'days',
            system: 'http://unitsofmeasure.org',
            code: 'd',
          },
          frequency: 3,
          period: 1,
          periodUnit: 'd',
        },
      },
      route: {
        coding: [{ system: 'http://snomed.info/sct', code: '26643006', display: 'Oral route' }],
        text: 'oral',
      },
      doseAndRate: [
        {
          doseQuantity: {
            value: 1,
            unit: 'capsule',
            system: 'http://unitsofmeasure.org',
            code: '{capsule}',
          },
        },
      ],
    });
    expect(rx.dispenseRequest).toMatchObject({
      numberOfRepeatsAllowed: 1,
      quantity: { value: 30 },
      expectedSupplyDuration: { value: 10, code: 'd' },
    });
    expect(rx.substitution).toEqual({ allowedBoolean: false });
    expect(rx.note).toEqual([{ text: 'Patient prefers capsules' }]);
    const practitioner = resources.find((r) => r.id === `${id}-prescriber`) as Loose;
    expect(rx.requester.reference).toBe(`Practitioner/${id}-prescriber`);
    expect(practitioner.identifier).toEqual([
      { system: 'http://hl7.org/fhir/sid/us-npi', value: '1234567893' },
      { system: 'urn:oid:2.16.840.1.113883.4.814', value: 'AB1234563' },
    ]);
    // The medication-list entry points at the prescription it came from.
    const med = resources.find(
      (r) => r.resourceType === 'MedicationRequest' && r.id !== id,
    ) as Loose;
    expect(med.basedOn).toEqual([{ reference: `MedicationRequest/${id}` }]);
    // Imported again, the prescription is kept verbatim and the medication read once.
    expect(medicationOf(rx)).toBeNull();
    expect(medicationOf(med as FhirResource)).toMatchObject({ drug: amoxicillin.drug });
  });

  it('prints only a signed prescription, with the letterhead, patient, sig and quantities', () => {
    const id = chart.draftPrescription(amoxicillin);
    const draft = chart.prescriptions()[0]!;
    expect(printedPrescription(draft, chart.patient(), 'Harbour Clinic')).toBeNull();
    chart.signPrescription(id);
    const printed = printedPrescription(
      chart.prescriptions()[0]!,
      chart.patient(),
      'Harbour Clinic',
    );
    expect(printed).toMatchObject({
      practiceName: 'Harbour Clinic',
      practiceAddress: '12 Harbour Street, Springfield',
      practicePhone: '+1 555 0100',
      npi: '1234567893',
      patientName: 'Ines Okafor',
      patientBirthDate: '1961-04-12',
      drug: 'Amoxicillin 500 MG Oral Capsule',
      sig: 'Take 1 capsule by mouth three times a day for 10 days.',
      quantity: 'thirty (30) capsules',
      refills: 'one (1) refill',
      substitution: 'Dispense as written',
    });
    expect(printed!.prescriber).toMatch(/, MD$/);
    expect(printed!.dea).toBeUndefined();
  });

  it('transmission is an adapter that says it is not configured', async () => {
    expect(notConfigured.configured).toBe(false);
    expect(
      await notConfigured.transmit({
        medicationRequest: { resourceType: 'MedicationRequest', id: 'x' },
        practitioner: { resourceType: 'Practitioner', id: 'y' },
        pharmacy: 'any',
      }),
    ).toEqual({ sent: false, reason: 'not-configured', message: NOT_CONFIGURED_MESSAGE });
  });
});

/**
 * Issue 13 items 6-7 over a real export (US Core patient 85: died 1977, 60 encounters, a
 * Provenance for every resource, a Coverage): visits with what was recorded in each, original
 * dates and sources instead of "recorded today by the importer", the deceased patient, insurance,
 * and the export keeping all of it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { planImport, type ImportPlan } from '../../../../src/lib/chart/fhir-in.ts';
import { chartToFhir, type FhirResource } from '../../../../src/lib/chart/fhir-out.ts';
import { ageLabel, statusLabel, panelTitle } from '../../../../src/lib/chart/deceased.ts';
import { entryOrigin } from '../../../../src/lib/chart/origin.ts';
import { patientOf } from '../../../../src/lib/chart/patient-fhir.ts';
import type { Coverage } from '../../../../src/lib/chart/sections/coverage.ts';
import { encounterKey, type Encounter } from '../../../../src/lib/chart/sections/encounters.ts';
import { recordedInVisits } from '../../../../src/lib/chart/visits.ts';
import { checkResource } from '../../../../src/lib/fhir/r4/index.ts';
import { emptyChart, PATIENT_85, preparedResources } from './helpers.ts';

let resources: FhirResource[];
let plan: ImportPlan;
beforeAll(async () => {
  resources = await preparedResources(PATIENT_85);
  plan = planImport(resources, { importedFrom: 'uscore_bundle_patient_85.json' });
});

const IMPORT_DAY = '2026-12-02T10:00:00.000Z';

describe('US Core patient 85', () => {
  it('reads the deceased patient, language, gender identity and address', () => {
    expect(plan.patient).toMatchObject({
      given: 'Lucien408',
      family: 'Bosco882',
      birthDate: '1940-03-29',
      deceasedDate: '1977-07-14',
      language: 'English (United States)',
      languageCode: 'en-US',
      genderIdentity: 'asked but unknown',
      genderIdentityCode: 'ASKU',
      phone: '555-510-6254',
      addressLine: '934 Olson Highlands',
      city: 'Lowell',
      postalCode: '01854',
      country: 'US',
    });
    // Dead at 37, not "86 y" today.
    expect(ageLabel(plan.patient, '2026-12-02')).toBe('37 y at death');
    expect(statusLabel('active', plan.patient)).toBe('active at death');
    expect(panelTitle('Active medications', plan.patient)).toBe('Medications active at death');
    // The curated file adds results and a coverage dated decades after the death: imported as
    // they are, each named.
    expect(plan.warnings.map((w) => `${w.where.split('/')[0]}: ${w.message}`).sort()).toEqual([
      "Coverage: Dated 2020-01-01, after the patient's death (1977-07-14).",
      "Observation: Dated 2005-07-05, after the patient's death (1977-07-14).",
      "Observation: Dated 2005-07-05, after the patient's death (1977-07-14).",
      "Observation: Dated 2020-11-18, after the patient's death (1977-07-14).",
    ]);
  });

  it('imports every encounter as a visit with type, period, reason, practitioner and place', async () => {
    const chart = await emptyChart(() => IMPORT_DAY);
    chart.applyImport(plan);
    const visits = chart.entries<Encounter>('encounter');
    expect(visits).toHaveLength(60);
    expect(plan.counts.Encounter).toEqual({ mapped: 60, kept: 0 });
    const first = visits.at(-1)!;
    expect(first.data).toMatchObject({
      type: 'Well child visit (procedure)',
      class: 'AMB',
      start: '1940-03-29T00:11:45-05:00',
      end: '1940-03-29T00:26:45-05:00',
      practitioner: 'Dr. Melvin857 Torp761',
      location: 'PCP87052',
      serviceProvider: 'PCP87052',
      status: 'finished',
    });
    // Newest first.
    expect(visits[0]!.data.start! >= visits[1]!.data.start!).toBe(true);
  });

  it('lists what was recorded in each visit, from the entries and the resources kept', async () => {
    const chart = await emptyChart(() => IMPORT_DAY);
    chart.applyImport(plan);
    const byVisit = recordedInVisits(chart);
    // The visit where heart failure was diagnosed holds the condition.
    const chf = resources.find(
      (r) => r.resourceType === 'Condition' && JSON.stringify(r.code).includes('heart failure'),
    )!;
    const visitId = String((chf.encounter as { reference: string }).reference).split('/')[1];
    const visit = chart
      .entries<Encounter>('encounter')
      .find((v) => encounterKey(v) === `Encounter/${visitId}`)!;
    const items = byVisit.get(encounterKey(visit))!;
    expect(items.map((i) => `${i.kind}: ${i.text}`)).toContain(
      'Problems: Chronic congestive heart failure (disorder)',
    );
    // Every resource that names an encounter is listed under it, mapped or kept.
    // (`encounter`, DocumentReference `context.encounter`, MedicationDispense `context`)
    const naming = resources.filter((r) => r.encounter || r.context);
    const listed = [...byVisit.values()].flat().length;
    expect(listed).toBe(naming.length);
    const kinds = new Set([...byVisit.values()].flat().map((i) => i.kind));
    expect([...kinds].sort()).toEqual(
      expect.arrayContaining([
        'Documents',
        'Immunizations',
        'Medications',
        'Procedures',
        'Reports',
      ]),
    );
  });

  it('shows original dates and sources from the resource and its Provenance, not the import', async () => {
    const chart = await emptyChart(() => IMPORT_DAY);
    chart.applyImport(plan);
    const chf = chart.problems().find((p) => p.data.text.includes('heart failure'))!;
    expect(chf.createdAt).toBe(IMPORT_DAY);
    expect(entryOrigin(chf)).toEqual({
      recorded: '1974-03-29T01:11:45-04:00',
      // The Provenance's author agent is the organization; its transmitter the practitioner.
      author: 'Dr. Melvin857 Torp761',
      organization: 'PCP87052',
      importedFrom: 'uscore_bundle_patient_85.json',
      importedAt: IMPORT_DAY,
      importedBy: 'Ada',
    });
    const furosemide = chart.medications().find((m) => m.data.status === 'active')!;
    expect(entryOrigin(furosemide)).toMatchObject({
      recorded: '1977-05-13T01:11:45-04:00',
      author: 'Dr. Melvin857 Torp761',
    });
    // Every imported entry has an original date older than the import.
    for (const section of ['problem', 'medication', 'immunization', 'lab', 'encounter'] as const)
      for (const e of chart.entries(section))
        expect(entryOrigin(e)!.recorded!.slice(0, 4) < '2026', `${section} ${e.id}`).toBe(true);
    // Made in Folio: no origin.
    const mine = chart.addProblem({ text: 'Added in Folio' });
    expect(entryOrigin(chart.problems().find((p) => p.id === mine)!)).toBeNull();
  });

  it('imports the Coverage as insurance', async () => {
    const chart = await emptyChart(() => IMPORT_DAY);
    chart.applyImport(plan);
    const [policy, ...rest] = chart.entries<Coverage>('coverage');
    expect(rest).toEqual([]);
    expect(policy!.data).toMatchObject({
      payor: 'PCP87052',
      plan: 'Acme Gold Plan',
      group: 'XYZ employee Group Plan',
      subscriberId: '888009335',
      relationship: 'self',
      type: 'PPO',
      start: '2020-01-01',
      status: 'active',
    });
  });

  it('exports everything it imported unchanged, and the stored statuses unchanged', async () => {
    const chart = await emptyChart(() => IMPORT_DAY);
    chart.applyImport(plan);
    const out = chartToFhir(chart, 'unused');
    const byKey = new Map(out.map((r) => [`${r.resourceType}/${r.id}`, r]));
    for (const r of resources) expect(byKey.get(`${r.resourceType}/${r.id}`), r.id).toEqual(r);
    // "Active at death" is display only: the MedicationRequest stays active.
    const active = out.filter(
      (r) => r.resourceType === 'MedicationRequest' && r.status === 'active',
    );
    expect(active.length).toBe(2);
  });

  it('demographics edited after import are exported over the source Patient; the rest stays', async () => {
    const chart = await emptyChart(() => IMPORT_DAY);
    chart.applyImport(plan);
    chart.updatePatient({
      email: 'lucien@example.org',
      pronouns: 'he/him/his/his/himself',
      pronounsCode: 'LA29518-0',
      contactName: 'Ronald Jefferson',
      contactRelationship: 'roommate',
      contactPhone: '555-164-3435',
    });
    chart.addFromForm('coverage', {
      payor: 'Medicare',
      subscriberId: '1EG4-TE5-MK73',
      plan: 'Part B',
      start: '1975-01-01',
      end: '1977-07-14',
    });
    const out = chartToFhir(chart, 'unused');
    const patient = out.find((r) => r.resourceType === 'Patient')!;
    const source = resources.find((r) => r.resourceType === 'Patient')!;
    expect(await checkResource({ resource: patient, where: 'Patient' })).toEqual([]);
    // Kept: race, ethnicity, birth place, identifiers, both addresses, the deceased date.
    expect(patient.identifier).toEqual(source.identifier);
    expect(patient.address).toEqual(source.address);
    expect(patient.deceasedDateTime).toBe(source.deceasedDateTime);
    const urls = (patient.extension as { url: string }[]).map((e) => e.url);
    expect(urls).toEqual(
      expect.arrayContaining([
        'http://hl7.org/fhir/us/core/StructureDefinition/us-core-race',
        'http://hl7.org/fhir/us/core/StructureDefinition/us-core-genderIdentity',
        'http://hl7.org/fhir/StructureDefinition/individual-pronouns',
      ]),
    );
    expect(patient.telecom).toEqual([
      { system: 'phone', value: '555-510-6254', use: 'home' },
      { system: 'email', value: 'lucien@example.org' },
    ]);
    // Read back, the edits are there.
    expect(patientOf(patient)).toMatchObject({
      email: 'lucien@example.org',
      pronouns: 'he/him/his/his/himself',
      pronounsCode: 'LA29518-0',
      contactName: 'Ronald Jefferson',
      contactRelationship: 'roommate',
      contactPhone: '555-164-3435',
      genderIdentityCode: 'ASKU',
      deceasedDate: '1977-07-14',
    });
    const coverages = out.filter((r) => r.resourceType === 'Coverage');
    expect(coverages).toHaveLength(2);
    for (const c of coverages)
      expect(await checkResource({ resource: c, where: 'Coverage' })).toEqual([]);
    expect(coverages.find((c) => c.subscriberId === '1EG4-TE5-MK73')).toMatchObject({
      status: 'active',
      payor: [{ display: 'Medicare' }],
      period: { start: '1975-01-01', end: '1977-07-14' },
      beneficiary: { reference: `Patient/${source.id}` },
    });
  });
});

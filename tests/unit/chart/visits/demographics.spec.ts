import { describe, expect, it } from 'vitest';
import { ageLabel, panelTitle, statusLabel } from '../../../../src/lib/chart/deceased.ts';
import { demographicIssues } from '../../../../src/lib/chart/demographics.ts';
import { planImport } from '../../../../src/lib/chart/fhir-in.ts';
import { chartToFhir } from '../../../../src/lib/chart/fhir-out.ts';
import { checkImport, patientConflicts } from '../../../../src/lib/chart/import-checks.ts';
import {
  EXT_GENDER_IDENTITY,
  EXT_PRONOUNS,
  patientOf,
  patientResource,
} from '../../../../src/lib/chart/patient-fhir.ts';
import { checkCoverage, coverageOf, inForce } from '../../../../src/lib/chart/sections/coverage.ts';
import { checkResource } from '../../../../src/lib/fhir/r4/index.ts';
import { issues, openChart } from '../sections/helpers.ts';
import { emptyChart } from './helpers.ts';

describe('editing demographics', () => {
  it('stores address, phone, email, language, contact, gender identity and pronouns, with history', async () => {
    const chart = await openChart();
    chart.updatePatient({
      phone: '+1 (555) 010-0199',
      email: 'ines@example.org',
      addressLine: '12 Harbour Street',
      city: 'Boston',
      state: 'MA',
      postalCode: '02110',
      country: 'US',
      language: 'Spanish',
      languageCode: 'es',
      contactName: 'Ada Okafor',
      contactRelationship: 'daughter',
      contactPhone: '555 010 0142',
      genderIdentity: 'Identifies as female gender',
      genderIdentityCode: '446141000124107',
      pronouns: 'she/her/her/hers/herself',
      pronounsCode: 'LA29519-8',
    });
    expect(chart.patient()).toMatchObject({ email: 'ines@example.org', city: 'Boston' });
    const [change] = chart.patientHistory();
    expect(change!.by?.memberName).toBe('Ada');
    expect(Object.keys(change!.changes)).toHaveLength(16);
    // Clearing a field is a change too; an unchanged value is not.
    chart.updatePatient({ email: '', phone: '+1 (555) 010-0199' });
    expect(chart.patient().email).toBeUndefined();
    expect(chart.patientHistory().at(-1)!.changes).toEqual({ email: null });
    chart.updatePatient({ phone: '+1 (555) 010-0199' });
    expect(chart.patientHistory()).toHaveLength(2);

    const [patient] = chartToFhir(chart, 'p1');
    expect(await checkResource({ resource: patient!, where: 'Patient' })).toEqual([]);
    expect(patient).toMatchObject({
      telecom: [{ system: 'phone', value: '+1 (555) 010-0199' }],
      address: [
        {
          line: ['12 Harbour Street'],
          city: 'Boston',
          state: 'MA',
          postalCode: '02110',
          country: 'US',
        },
      ],
      communication: [
        {
          language: { coding: [{ system: 'urn:ietf:bcp:47', code: 'es' }], text: 'Spanish' },
          preferred: true,
        },
      ],
      contact: [
        {
          relationship: [
            { coding: [{ code: 'C', display: 'Emergency Contact' }] },
            { text: 'daughter' },
          ],
          name: { text: 'Ada Okafor' },
          telecom: [{ system: 'phone', value: '555 010 0142' }],
        },
      ],
      extension: [
        {
          url: EXT_GENDER_IDENTITY,
          extension: [
            {
              url: 'value',
              valueCodeableConcept: {
                coding: [{ system: 'http://snomed.info/sct', code: '446141000124107' }],
              },
            },
          ],
        },
        {
          url: EXT_PRONOUNS,
          extension: [
            {
              url: 'value',
              valueCodeableConcept: { coding: [{ system: 'http://loinc.org', code: 'LA29519-8' }] },
            },
          ],
        },
      ],
    });
    // What is exported reads back as what was edited.
    const back = patientOf(patient!);
    for (const key of [
      'phone',
      'addressLine',
      'languageCode',
      'contactName',
      'contactRelationship',
      'contactPhone',
      'genderIdentityCode',
      'pronouns',
    ] as const)
      expect(back[key], key).toBe(chart.patient()[key]);
  });

  it('refuse impossible values with a message per field, changing nothing', async () => {
    const chart = await openChart();
    expect(
      issues(() =>
        chart.updatePatient({
          email: 'ines@',
          phone: '12',
          postalCode: '1234',
          contactPhone: '555 010 0142',
          deceasedDate: '1950-01-01',
          languageCode: 'xx',
        }),
      ),
    ).toEqual([
      'email: Email is not an address (e.g. name@example.org).',
      'phone: Phone needs 7 to 15 digits (spaces, +, -, dots and brackets allowed).',
      'postalCode: Postal code: a US ZIP code is 5 digits (or 5+4, e.g. 02110-1234).',
      'contactName: Name the emergency contact.',
      'language: Choose a language from the list.',
      'deceasedDate: Date of death is before the date of birth (1961-04-12).',
    ]);
    expect(issues(() => chart.updatePatient({ deceasedDate: '2999-01-01' }))).toEqual([
      'deceasedDate: Date of death cannot be in the future.',
    ]);
    expect(issues(() => chart.updatePatient({ deceasedDate: '2001-02-29' }))).toEqual([
      'deceasedDate: Date of death is not a real date (use YYYY-MM-DD).',
    ]);
    // Outside the US, a postal code is letters and digits.
    expect(
      issues(() => chart.updatePatient({ country: 'United Kingdom', postalCode: 'SW1A 1AA' })),
    ).toEqual([]);
    expect(chart.patientHistory()).toHaveLength(1);
    expect(chart.patient()).not.toHaveProperty('email');
  });

  it('check only the fields changed: an odd imported phone does not block editing the email', () => {
    const odd = {
      given: 'A',
      family: 'B',
      birthDate: '1980-01-01',
      gender: 'male' as const,
      mrn: 'M',
      phone: 'ask reception',
    };
    expect(demographicIssues({ ...odd, email: 'a@b.org' }, new Set(['email']))).toEqual([]);
    expect(demographicIssues(odd, new Set(['phone']))).toHaveLength(1);
  });
});

describe('a deceased patient', () => {
  const p = { birthDate: '1915-07-03', deceasedDate: '1996-01-21' };
  it('is aged at death, and what was active reads as active at death', () => {
    expect(ageLabel(p, '2026-12-02')).toBe('80 y at death');
    expect(ageLabel({ birthDate: '1915-07-03' }, '2026-12-02')).toBe('111 y');
    expect(ageLabel({ birthDate: '1915-07-03', deceased: true }, '2026-12-02')).toBe('');
    expect(ageLabel({ birthDate: '1996-02-01', deceasedDate: '1996-01-21' })).toBe('');
    expect(statusLabel('active', p)).toBe('active at death');
    expect(statusLabel('stopped', p)).toBe('stopped');
    expect(statusLabel('active', { birthDate: '1915-07-03' })).toBe('active');
    expect(panelTitle('Active problems', p)).toBe('Problems active at death');
    expect(panelTitle('Allergies', p)).toBe('Allergies');
  });

  it('is imported from deceasedDateTime or deceasedBoolean; conflicting dates are named, kept', () => {
    const base = {
      resourceType: 'Patient',
      id: 'p',
      name: [{ family: 'H', given: ['F'] }],
      birthDate: '1915-07-03',
    };
    expect(patientOf({ ...base, deceasedDateTime: '1996-01-21T19:20:06+00:00' })).toMatchObject({
      deceasedDate: '1996-01-21',
    });
    expect(patientOf({ ...base, deceasedBoolean: true })).toMatchObject({ deceased: true });
    expect(patientOf({ ...base, deceasedBoolean: false })).not.toHaveProperty('deceased');
    expect(patientConflicts({ birthDate: '1915-07-03', deceasedDate: '1901-01-01' })).toEqual([
      'The date of death (1901-01-01) is before the date of birth (1915-07-03).',
    ]);
    const plan = planImport([
      { ...base, deceasedDateTime: '1996-01-21' },
      {
        resourceType: 'MedicationRequest',
        id: 'm',
        status: 'active',
        intent: 'order',
        medicationCodeableConcept: { text: 'Cisplatin' },
        authoredOn: '1997-03-01',
      },
      {
        resourceType: 'Condition',
        id: 'c',
        code: { text: 'Rickets' },
        onsetDateTime: '1910-01-01',
      },
    ]);
    expect(plan.warnings.map((w) => `${w.where}: ${w.message}`)).toEqual([
      "MedicationRequest/m: Dated 1997-03-01, after the patient's death (1996-01-21).",
      "Condition/c: Dated 1910-01-01, before the patient's birth (1915-07-03).",
    ]);
    expect(plan.entries.map((e) => e.fields.conflicts)).toEqual([
      ["Dated 1997-03-01, after the patient's death (1996-01-21)."],
      ["Dated 1910-01-01, before the patient's birth (1915-07-03)."],
    ]);
    // A death before birth: named once; entry dates are not judged against it.
    const impossible = checkImport({
      patient: { birthDate: '1915-07-03', deceasedDate: '1901-01-01' },
      patientResource: { id: 'p' },
      entries: [{ section: 'problem', fields: { onsetDate: '1950-01-01' } }],
    });
    expect(impossible).toEqual([
      {
        where: 'Patient/p',
        message: 'The date of death (1901-01-01) is before the date of birth (1915-07-03).',
      },
    ]);
  });

  it('keeps its stored statuses: the export says active, the chart says active at death', async () => {
    const chart = await emptyChart();
    chart.applyImport(
      planImport([
        {
          resourceType: 'Patient',
          id: 'p',
          name: [{ family: 'H', given: ['F'] }],
          birthDate: '1915-07-03',
          identifier: [{ value: 'M' }],
          deceasedDateTime: '1996-01-21',
        },
        {
          resourceType: 'MedicationRequest',
          id: 'm',
          status: 'active',
          intent: 'order',
          subject: { reference: 'Patient/p' },
          medicationCodeableConcept: { text: 'Cisplatin' },
          authoredOn: '1995-03-01',
        },
      ]),
    );
    expect(chart.medications()[0]!.data.status).toBe('active');
    expect(statusLabel(chart.medications()[0]!.data.status, chart.patient())).toBe(
      'active at death',
    );
    expect(chartToFhir(chart, 'x').find((r) => r.id === 'm')!.status).toBe('active');
  });

  it('recorded in Folio is exported as deceasedDateTime', async () => {
    const chart = await openChart();
    chart.updatePatient({ deceasedDate: '2020-05-01', deceased: true });
    const [patient] = chartToFhir(chart, 'p1');
    expect(patient).toMatchObject({ deceasedDateTime: '2020-05-01' });
    expect(patient).not.toHaveProperty('deceasedBoolean');
    expect(await checkResource({ resource: patient!, where: 'Patient' })).toEqual([]);
    expect(patientResource({ ...chart.patient(), deceasedDate: undefined }, 'x')).toMatchObject({
      deceasedBoolean: true,
    });
  });
});

describe('charts imported before demographics were kept', () => {
  it("show the imported Patient's values until they are edited, and stay verbatim on export", async () => {
    const source = {
      resourceType: 'Patient',
      id: 'p',
      name: [{ family: 'Hyatt', given: ['Fletcher'] }],
      birthDate: '1915-07-03',
      identifier: [{ value: 'M1' }],
      deceasedDateTime: '1996-01-21T19:20:06+00:00',
      extension: [
        {
          url: EXT_PRONOUNS,
          extension: [{ url: 'value', valueCodeableConcept: { text: 'he/him' } }],
        },
      ],
    };
    const plan = planImport([source]);
    // As an earlier version stored it: no death date, no pronouns in the chart's own fields.
    const { deceasedDate, pronouns, ...older } = plan.patient;
    expect([deceasedDate, pronouns]).toEqual(['1996-01-21', 'he/him']);
    const chart = await emptyChart();
    chart.applyImport({ ...plan, patient: older });
    expect(chart.patient()).toMatchObject({ deceasedDate: '1996-01-21', pronouns: 'he/him' });
    expect(chartToFhir(chart, 'x')[0]).toEqual(source);
    // Cleared in Folio: stays cleared (not filled in again from the source), and exported so.
    chart.updatePatient({ pronouns: '' });
    expect(chart.patient()).not.toHaveProperty('pronouns');
    expect(chartToFhir(chart, 'x')[0]).not.toHaveProperty('extension');
    expect(chartToFhir(chart, 'x')[0]).toMatchObject({ deceasedDateTime: source.deceasedDateTime });
  });
});

describe('insurance (FHIR Coverage)', () => {
  it('refuse impossible policies with a message per field', () => {
    expect(
      issues(() => checkCoverage({ payor: ' ', subscriberId: 'A<1>', start: '2024-13-01' })),
    ).toEqual([
      'payor: Insurer is required.',
      'start: Coverage start is not a real date (use YYYY-MM-DD).',
      'subscriberId: Member ID may contain letters, digits, spaces, dots, dashes and slashes only.',
    ]);
    expect(
      issues(() => checkCoverage({ payor: 'Aetna', start: '2024-02-01', end: '2024-01-01' })),
    ).toEqual(['end: Coverage end is before coverage start.']);
  });

  it('are ended, not deleted; in force until their end', async () => {
    const chart = await openChart();
    const id = chart.addFromForm('coverage', {
      payor: 'Aetna',
      subscriberId: 'W123',
      start: '2024-01-01',
    });
    const policy = () =>
      chart.entries<{ status: string; start?: string; end?: string; payor: string }>(
        'coverage',
      )[0]!;
    expect(inForce(policy().data as never, '2026-01-01')).toBe(true);
    expect(issues(() => chart.endCoverage(id, '2023-01-01'))).toEqual([
      'end: Coverage end is before coverage start.',
    ]);
    chart.endCoverage(id, '2026-06-30');
    expect(policy().data.end).toBe('2026-06-30');
    expect(inForce(policy().data as never, '2026-07-01')).toBe(false);
    expect(policy().history).toHaveLength(2);
  });

  it('read from imports: odd periods named, a missing payor shown as such', () => {
    expect(
      coverageOf({
        resourceType: 'Coverage',
        id: 'c',
        status: 'active',
        subscriberId: 'X1',
        period: { start: '2020-01-01', end: '2019-01-01' },
      }),
    ).toEqual({
      payor: 'Insurer not named',
      subscriberId: 'X1',
      start: '2020-01-01',
      end: '2019-01-01',
      status: 'active',
      conflicts: [
        'Its coverage ends (2019-01-01) before it starts (2020-01-01).',
        'The insurer is not named.',
      ],
    });
    expect(coverageOf({ resourceType: 'Coverage', id: 'c', status: 'active' })).toBeNull();
  });
});

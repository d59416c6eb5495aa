import { describe, expect, it } from 'vitest';
import { planImport } from '../../../../src/lib/chart/fhir-in.ts';
import { chartToFhir } from '../../../../src/lib/chart/fhir-out.ts';
import {
  checkEncounter,
  encounterOf,
  encounterToFhir,
  type Encounter,
} from '../../../../src/lib/chart/sections/encounters.ts';
import { filterVisits, groupItems, recordedInVisits } from '../../../../src/lib/chart/visits.ts';
import { checkResource } from '../../../../src/lib/fhir/r4/index.ts';
import { context, entry, issues, openChart } from '../sections/helpers.ts';
import { emptyChart } from './helpers.ts';

const VISIT = {
  resourceType: 'Encounter',
  id: 'enc-1',
  status: 'finished',
  class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
  type: [{ coding: [{ system: 'http://snomed.info/sct', code: '185349003' }], text: 'Check-up' }],
  subject: { reference: 'Patient/p' },
  participant: [
    { individual: { display: 'Dr. Amara Nwosu' } },
    { individual: { display: 'Dr. Amara Nwosu' } },
    { individual: { display: 'Nurse Lee' } },
  ],
  period: { start: '2019-03-04T09:00:00+01:00', end: '2019-03-04T09:30:00+01:00' },
  reasonCode: [{ text: 'Cough' }],
  reasonReference: [{ reference: 'Condition/c', display: 'Asthma' }],
  location: [{ location: { display: 'Clinic A' } }],
  serviceProvider: { display: 'Folio Health' },
};

describe('visits (FHIR Encounter)', () => {
  it('read type, period, reasons, practitioners and places from an imported encounter', () => {
    expect(encounterOf(VISIT)).toEqual({
      type: 'Check-up',
      code: { system: 'http://snomed.info/sct', code: '185349003', display: '' },
      class: 'AMB',
      start: '2019-03-04T09:00:00+01:00',
      end: '2019-03-04T09:30:00+01:00',
      reason: 'Cough; Asthma',
      practitioner: 'Dr. Amara Nwosu; Nurse Lee',
      location: 'Clinic A',
      serviceProvider: 'Folio Health',
      status: 'finished',
    });
  });

  it('keep an impossible encounter as recorded, naming what does not add up', () => {
    const backwards = encounterOf({
      ...VISIT,
      period: { start: '2019-03-04', end: '2019-02-01' },
      status: 'something-else',
    })!;
    expect(backwards.conflicts).toEqual(['It ends (2019-02-01) before it starts (2019-03-04).']);
    expect(backwards.status).toBe('unknown');
    expect(encounterOf({ ...VISIT, period: {} })!.conflicts).toEqual([
      'The visit has no start date.',
    ]);
    // Nothing to show: kept verbatim instead (planImport keeps a null reading).
    expect(encounterOf({ resourceType: 'Encounter', id: 'x', status: 'finished' })).toBeNull();
    const plan = planImport([
      { resourceType: 'Patient', id: 'p', name: [{ family: 'O', given: ['I'] }] },
      { resourceType: 'Encounter', id: 'x', status: 'finished' },
      { ...VISIT, period: { start: '2019-03-04', end: '2019-02-01' } },
    ]);
    expect(plan.kept.map((r) => r.id)).toEqual(['x']);
    expect(plan.warnings).toEqual([
      {
        where: 'Encounter/enc-1',
        message: 'It ends (2019-02-01) before it starts (2019-03-04).',
      },
    ]);
  });

  it('refuse an incomplete or impossible visit typed in Folio, every problem at once', () => {
    expect(issues(() => checkEncounter({ type: ' ', start: '2023-02-30' }))).toEqual([
      'type: Visit type is required.',
      'start: Date is not a real date (use YYYY-MM-DD).',
    ]);
    expect(issues(() => checkEncounter({ type: 'Follow-up', start: '2999-01-01' }))).toEqual([
      'start: Date cannot be in the future.',
    ]);
    expect(
      issues(() => checkEncounter({ type: 'Follow-up', start: '2020-01-02', end: '2020-01-01' })),
    ).toEqual(['end: End date is before the visit date.']);
    expect(
      issues(() => checkEncounter({ type: 'Follow-up', start: '2020-01-02', class: 'X' })),
    ).toEqual(['class: Choose a kind of visit from the list.']);
  });

  it('record a visit from the form and export it as a valid R4 Encounter', async () => {
    const chart = await openChart();
    const id = chart.addFromForm('encounter', {
      class: 'VR',
      type: 'Follow-up',
      start: '2026-11-02',
      reason: 'Blood pressure review',
      practitioner: 'Dr. Amara Nwosu',
    });
    const [visit] = chart.entries<Encounter>('encounter');
    expect(visit!.id).toBe(id);
    const out = chartToFhir(chart, 'p1').find((r) => r.resourceType === 'Encounter')!;
    expect(out).toMatchObject({
      status: 'finished',
      class: { code: 'VR' },
      type: [{ text: 'Follow-up' }],
      period: { start: '2026-11-02' },
      reasonCode: [{ text: 'Blood pressure review' }],
      participant: [{ individual: { display: 'Dr. Amara Nwosu' } }],
    });
    expect(await checkResource({ resource: out, where: 'Encounter' })).toEqual([]);
    const bare = encounterToFhir(entry<Encounter>({ type: 'Visit', status: 'finished' }), context);
    expect(await checkResource({ resource: bare, where: 'Encounter' })).toEqual([]);
  });

  it('filter by every word over type, date, reason, practitioner and place', () => {
    const visits = [
      entry<Encounter>({ ...encounterOf(VISIT)! }, 'a'),
      entry<Encounter>(
        { type: 'Emergency', start: '2021-07-01', practitioner: 'Dr. Ito', status: 'finished' },
        'b',
      ),
    ];
    expect(filterVisits(visits, '').map((v) => v.id)).toEqual(['a', 'b']);
    expect(filterVisits(visits, 'nwosu cough').map((v) => v.id)).toEqual(['a']);
    expect(filterVisits(visits, '2021-07').map((v) => v.id)).toEqual(['b']);
    expect(filterVisits(visits, 'CLINIC  a').map((v) => v.id)).toEqual(['a']);
    expect(filterVisits(visits, 'nwosu emergency')).toEqual([]);
  });

  it('list what was recorded in a visit, including what was entered in error', async () => {
    const chart = await emptyChart();
    chart.applyImport(
      planImport([
        {
          resourceType: 'Patient',
          id: 'p',
          birthDate: '1970-01-01',
          name: [{ family: 'O', given: ['I'] }],
          identifier: [{ value: 'M' }],
        },
        VISIT,
        {
          resourceType: 'Condition',
          id: 'c',
          code: { text: 'Asthma' },
          subject: { reference: 'Patient/p' },
          encounter: { reference: 'Encounter/enc-1' },
        },
        {
          resourceType: 'Procedure',
          id: 'pr',
          status: 'completed',
          code: { text: 'Spirometry' },
          subject: { reference: 'Patient/p' },
          encounter: { reference: 'Encounter/enc-1' },
          performedDateTime: '2019-03-04T09:10:00+01:00',
        },
      ]),
    );
    chart.markEnteredInError(chart.problems()[0]!.id, 'Wrong patient');
    const items = recordedInVisits(chart).get('Encounter/enc-1')!;
    expect(groupItems(items)).toEqual([
      { kind: 'Problems', items: [expect.objectContaining({ text: 'Asthma', inError: true })] },
      {
        kind: 'Procedures',
        items: [
          {
            id: 'Procedure/pr',
            kind: 'Procedures',
            text: 'Spirometry · 2019-03-04',
            inError: false,
          },
        ],
      },
    ]);
  });

  it('build the visit index of a chart with 2,000 visits and 10,000 items in well under a second', async () => {
    const chart = await emptyChart();
    const resources: Record<string, unknown>[] = [
      {
        resourceType: 'Patient',
        id: 'p',
        birthDate: '1950-01-01',
        name: [{ family: 'O', given: ['I'] }],
        identifier: [{ value: 'M' }],
      },
    ];
    for (let i = 0; i < 2000; i++) {
      resources.push({
        ...VISIT,
        id: `e${i}`,
        period: { start: `2000-01-01T00:00:${String(i % 60).padStart(2, '0')}Z` },
      });
      for (let j = 0; j < 5; j++)
        resources.push({
          resourceType: 'Procedure',
          id: `p${i}-${j}`,
          status: 'completed',
          code: { text: `Procedure ${j}` },
          subject: { reference: 'Patient/p' },
          encounter: { reference: `Encounter/e${i}` },
        });
    }
    chart.applyImport(planImport(resources as never));
    const started = performance.now();
    const index = recordedInVisits(chart);
    const filtered = filterVisits(chart.entries<Encounter>('encounter'), 'nwosu');
    const took = performance.now() - started;
    expect(index.size).toBe(2000);
    expect(filtered).toHaveLength(2000);
    expect(took).toBeLessThan(1000);
  });
});

/**
 * Origins of imported entries, and bad input: malformed Encounter, Provenance and Coverage
 * resources never make an import throw and never lose the other data.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planImport } from '../../../../src/lib/chart/fhir-in.ts';
import { chartToFhir, type FhirResource } from '../../../../src/lib/chart/fhir-out.ts';
import {
  entryOrigin,
  importIndex,
  originOf,
  encounterRefOf,
} from '../../../../src/lib/chart/origin.ts';
import { coverageOf } from '../../../../src/lib/chart/sections/coverage.ts';
import { encounterOf } from '../../../../src/lib/chart/sections/encounters.ts';
import { entry } from '../sections/helpers.ts';
import { emptyChart } from './helpers.ts';

const PATIENT = {
  resourceType: 'Patient',
  id: 'p',
  birthDate: '1950-02-03',
  name: [{ family: 'Okafor', given: ['Ines'] }],
  identifier: [{ value: 'MRN-9' }],
};
const CONDITION = {
  resourceType: 'Condition',
  id: 'c1',
  code: { text: 'Asthma' },
  subject: { reference: 'urn:uuid:p' },
  encounter: { reference: 'urn:uuid:e1' },
  onsetDateTime: '2001-05-06',
};
const ENCOUNTER = {
  resourceType: 'Encounter',
  id: 'e1',
  status: 'finished',
  class: { code: 'AMB' },
  type: [{ text: 'Check-up' }],
  period: { start: '2001-05-06T10:00:00Z' },
  participant: [{ individual: { reference: 'urn:uuid:dr' } }],
  serviceProvider: { reference: 'Organization/org' },
};
const PRACTITIONER = {
  resourceType: 'Practitioner',
  id: 'dr',
  name: [{ prefix: ['Dr.'], given: ['Amara'], family: 'Nwosu' }],
};
const ORGANIZATION = { resourceType: 'Organization', id: 'org', name: 'Lakeside Clinic' };

describe('origin of an imported entry', () => {
  it('comes from the resource, then its Provenance, then the encounter it was recorded in', () => {
    const index = importIndex([CONDITION, ENCOUNTER, PRACTITIONER, ORGANIZATION] as never);
    // No recorder, no Provenance: the encounter's people (resolved by reference) and provider.
    expect(originOf(CONDITION as never, index, 'a.json')).toEqual({
      recorded: '2001-05-06',
      author: 'Dr. Amara Nwosu',
      organization: 'Lakeside Clinic',
      importedFrom: 'a.json',
    });
    const withProvenance = importIndex([
      { ...CONDITION, recordedDate: '2001-05-07T08:00:00Z' },
      ENCOUNTER,
      {
        resourceType: 'Provenance',
        id: 'pv',
        target: [{ reference: 'Condition/c1/_history/2' }],
        recorded: '2001-05-08T00:00:00Z',
        agent: [
          { type: { coding: [{ code: 'transmitter' }] }, who: { display: 'HIE gateway' } },
          {
            type: { coding: [{ code: 'author' }] },
            who: { display: 'Dr. Jon Ito' },
            onBehalfOf: { display: 'Hillside Hospital' },
          },
        ],
      },
    ] as never);
    const condition = { ...CONDITION, recordedDate: '2001-05-07T08:00:00Z' };
    // Its own recordedDate wins over the Provenance's; the author agent over the transmitter.
    expect(originOf(condition as never, withProvenance)).toEqual({
      recorded: '2001-05-07T08:00:00Z',
      author: 'Dr. Jon Ito',
      organization: 'Hillside Hospital',
    });
    expect(encounterRefOf(CONDITION as never, index)).toBe('Encounter/e1');
    expect(
      encounterRefOf({ ...CONDITION, encounter: { reference: 'Encounter/gone' } } as never, index),
    ).toBe('Encounter/gone');
  });

  it('is kept on the entry at import; the import itself stays the signed creation', async () => {
    const chart = await emptyChart(() => '2026-12-02T09:00:00.000Z');
    chart.applyImport(
      planImport([PATIENT, CONDITION, ENCOUNTER, PRACTITIONER, ORGANIZATION] as never, {
        importedFrom: 'okafor.json',
      }),
    );
    const problem = chart.problems()[0]!;
    expect(problem.data).toMatchObject({ encounter: 'Encounter/e1' });
    expect(entryOrigin(problem)).toEqual({
      recorded: '2001-05-06',
      author: 'Dr. Amara Nwosu',
      organization: 'Lakeside Clinic',
      importedFrom: 'okafor.json',
      importedAt: '2026-12-02T09:00:00.000Z',
      importedBy: 'Ada',
    });
    // The origin is not an edit: the export is still the source, byte for byte.
    const out = chartToFhir(chart, 'x').find((r) => r.id === 'c1')!;
    expect(out).toEqual(CONDITION);
  });

  it('of charts imported before origins were kept is read from the source resource', () => {
    const legacy = entry({ text: 'Asthma', fhir: { ...CONDITION, recordedDate: '2001-05-07' } });
    expect(entryOrigin(legacy)).toEqual({
      recorded: '2001-05-07',
      importedAt: '2024-01-02T03:04:05.000Z',
    });
    expect(entryOrigin(entry({ text: 'Typed in Folio' }))).toBeNull();
  });
});

/** Any JSON value, including the wrong shapes for FHIR elements. */
const junk = fc.jsonValue({ maxDepth: 3 });
const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
const ref = fc.oneof(
  fc.constantFrom('Encounter/e1', 'urn:uuid:e1', 'Condition/c1', 'Patient/p', 'Organization/org'),
  fc.string(),
);
const malformedEncounter = fc.record(
  {
    resourceType: fc.constant('Encounter'),
    id: fc.constantFrom('e1', 'e2', 'e3'),
    status: fc.oneof(fc.string(), junk),
    class: fc.oneof(junk, fc.record({ code: fc.oneof(fc.string(), junk) })),
    type: fc.oneof(junk, fc.array(fc.record({ text: fc.oneof(fc.string(), junk) }))),
    period: fc.oneof(
      junk,
      fc.record({
        start: fc.oneof(fc.string(), fc.constantFrom('2020-02-30', '2020-01-01T00:00:00Z'), junk),
        end: maybe(fc.oneof(fc.string(), fc.constant('1999-01-01'), junk)),
      }),
    ),
    participant: fc.oneof(
      junk,
      fc.array(
        fc.record({ individual: fc.oneof(junk, fc.record({ display: junk, reference: ref })) }),
      ),
    ),
    reasonCode: junk,
    location: junk,
    serviceProvider: fc.oneof(junk, fc.record({ display: junk, reference: ref })),
  },
  { requiredKeys: ['resourceType', 'id'] },
);
const malformedProvenance = fc.record(
  {
    resourceType: fc.constant('Provenance'),
    id: fc.constantFrom('pv1', 'pv2'),
    target: fc.oneof(junk, fc.array(fc.oneof(junk, fc.record({ reference: ref })))),
    recorded: fc.oneof(fc.string(), junk),
    agent: fc.oneof(
      junk,
      fc.array(
        fc.record({
          type: junk,
          who: fc.oneof(junk, fc.record({ display: junk, reference: ref })),
          onBehalfOf: junk,
        }),
      ),
    ),
  },
  { requiredKeys: ['resourceType', 'id'] },
);
const malformedCoverage = fc.record(
  {
    resourceType: fc.constant('Coverage'),
    id: fc.constantFrom('cv1', 'cv2'),
    status: fc.oneof(fc.string(), junk),
    payor: fc.oneof(junk, fc.array(fc.record({ display: fc.oneof(fc.string(), junk) }))),
    subscriberId: fc.oneof(fc.string(), junk),
    class: junk,
    period: fc.oneof(
      junk,
      fc.record({ start: fc.oneof(fc.string(), junk), end: fc.oneof(fc.string(), junk) }),
    ),
    relationship: junk,
    type: junk,
  },
  { requiredKeys: ['resourceType', 'id'] },
);

describe('malformed Encounter, Provenance and Coverage input', () => {
  it('never throws in the readers', () => {
    fc.assert(
      fc.property(malformedEncounter, malformedProvenance, malformedCoverage, (e, p, c) => {
        encounterOf(e as never);
        coverageOf(c as never);
        const index = importIndex([e, p, c, CONDITION] as never);
        originOf(CONDITION as never, index);
        originOf(e as never, index);
        expect(typeof encounterRefOf(CONDITION as never, index)).toBe('string');
      }),
      { numRuns: 400 },
    );
  });

  it('never makes an import throw or lose the other data', async () => {
    const chart = await emptyChart();
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(malformedEncounter, malformedProvenance, malformedCoverage), {
          maxLength: 6,
        }),
        async (bad) => {
          const resources = [PATIENT, CONDITION, ...bad] as unknown as FhirResource[];
          const plan = planImport(resources);
          // The condition is always there, with its text; every bad resource is either mapped
          // or kept verbatim, never dropped.
          const problem = plan.entries.find((e) => e.section === 'problem')!;
          expect(problem.fields.text).toBe('Asthma');
          const placed =
            plan.entries.flatMap((e) => [e.fields.fhir].flat()).length + plan.kept.length;
          expect(placed).toBe(resources.length - 1);
          for (const w of plan.warnings) expect(typeof w.message).toBe('string');
        },
      ),
      { numRuns: 150 },
    );
    // Once into a chart and out again: the same resources, unchanged.
    const bad = fc.sample(fc.oneof(malformedEncounter, malformedProvenance, malformedCoverage), {
      numRuns: 30,
      seed: 7,
    });
    const unique = [...new Map(bad.map((r) => [`${r.resourceType}/${r.id}`, r])).values()];
    const resources = [PATIENT, CONDITION, ...unique] as unknown as FhirResource[];
    chart.applyImport(planImport(resources));
    const out = chartToFhir(chart, 'x');
    for (const r of resources)
      expect(
        out.find((o) => o.resourceType === r.resourceType && o.id === r.id),
        r.id,
      ).toBeDefined();
    expect(chart.problems().map((p) => p.data.text)).toEqual(['Asthma']);
  });
});

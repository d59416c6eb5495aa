/**
 * Issue 15 item 4: validation made cheaper (resources inside resources checked as the type they
 * name, places spelled out only for problems, references walked once) must still name every bad
 * resource at its place, refuse exactly the patients that hold one, and keep every resource of
 * the others.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkResource,
  prepareImport,
  readImport,
  type FhirResource,
} from '../../../src/lib/fhir/r4/index.ts';

const patient = (id: string) => ({
  resourceType: 'Patient',
  id,
  identifier: [{ system: 'urn:mrn', value: `MRN-${id}` }],
  name: [{ family: `Family${id}`, given: ['Given'] }],
  birthDate: '1980-01-02',
});
const condition = (id: string, patientId: string): FhirResource => ({
  resourceType: 'Condition',
  id,
  subject: { reference: `Patient/${patientId}` },
  code: { text: 'Asthma' },
  contained: [{ resourceType: 'Practitioner', id: 'dr', name: [{ family: 'Who' }] }],
  asserter: { reference: '#dr' },
});

/** Ways to spoil a Condition, with the place and message its problem must be reported at. */
const SPOILERS = {
  calendar: {
    spoil: (c: FhirResource): FhirResource => ({ ...c, onsetPeriod: { start: '2023-02-30' } }),
    at: '.onsetPeriod.start',
    message: '2023-02-30 is not a day of the calendar',
  },
  containedDate: {
    spoil: (c: FhirResource): FhirResource => ({
      ...c,
      contained: [{ resourceType: 'Practitioner', id: 'dr', birthDate: '2021-02-29' }],
    }),
    at: '.contained[0].birthDate',
    message: '2021-02-29 is not a day of the calendar',
  },
  element: {
    spoil: (c: FhirResource): FhirResource => ({ ...c, severityScore: 3 }),
    at: '',
    message: 'unknown element "severityScore"',
  },
  containedElement: {
    spoil: (c: FhirResource): FhirResource => ({
      ...c,
      contained: [{ resourceType: 'Practitioner', id: 'dr', specialty: 'x' }],
    }),
    at: '.contained[0]',
    message: 'unknown element "specialty"',
  },
  containedType: {
    spoil: (c: FhirResource): FhirResource => ({
      ...c,
      contained: [{ resourceType: 'Doctor', id: 'dr' }],
    }),
    at: '.contained[0]',
    message: '"Doctor" is not a FHIR R4 resource type.',
  },
  containedStu3: {
    spoil: (c: FhirResource): FhirResource => ({
      ...c,
      contained: [{ resourceType: 'ProcedureRequest', id: 'dr' }],
    }),
    at: '.contained[0]',
    message:
      '"ProcedureRequest" is a resource of an older FHIR version (STU3); Folio reads FHIR R4.',
  },
} as const;
type Spoiler = keyof typeof SPOILERS;

describe('errors per resource', () => {
  it(
    'a contained resource is checked as the type it names: its own errors only',
    { timeout: 120_000 },
    async () => {
      const where = 'Condition/c';
      expect(await checkResource({ resource: condition('c', 'p'), where })).toEqual([]);
      const bad = SPOILERS.containedElement.spoil(condition('c', 'p'));
      // One error, at the contained resource, about its own element — not one per resource type
      // the old oneOf tried (Account, ActivityDefinition, …).
      expect(await checkResource({ resource: bad, where })).toEqual([
        expect.objectContaining({
          code: 'invalid',
          expression: ['Condition/c.contained[0]'],
          diagnostics: 'unknown element "specialty"',
        }),
      ]);
      const missing = { ...condition('c', 'p'), contained: [{ id: 'dr' }] };
      const issues = await checkResource({ resource: missing, where });
      expect(issues.length).toBeGreaterThan(0);
      expect(issues.every((i) => i.expression[0] === 'Condition/c.contained[0]')).toBe(true);
    },
  );

  it('names every bad resource at its place, refuses exactly its patient, keeps the others whole (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.array(
            fc.option(fc.constantFrom(...(Object.keys(SPOILERS) as Spoiler[])), { freq: 2 }),
            { minLength: 0, maxLength: 4 },
          ),
          { minLength: 1, maxLength: 4 },
        ),
        async (plan) => {
          const entries: unknown[] = [];
          const expected: { at: string; message: string }[] = [];
          plan.forEach((conditions, p) => {
            entries.push(patient(`p${p}`));
            conditions.forEach((spoiler, c) => {
              const good = condition(`c${p}-${c}`, `p${p}`);
              const at = `Bundle.entry[${entries.length}].resource`;
              if (spoiler) {
                entries.push(SPOILERS[spoiler].spoil(good));
                expected.push({
                  at: `${at}${SPOILERS[spoiler].at}`,
                  message: SPOILERS[spoiler].message,
                });
              } else entries.push(good);
            });
          });
          const text = JSON.stringify({
            resourceType: 'Bundle',
            type: 'collection',
            entry: entries.map((resource) => ({ resource })),
          });
          const prepared = await prepareImport(readImport(text));
          expect(prepared.patients).toHaveLength(plan.length);
          const reported = prepared.patients.flatMap((p) =>
            p.issues.map((i) => ({ at: i.expression[0], message: i.diagnostics })),
          );
          expect(reported).toEqual(expect.arrayContaining(expected));
          expect(reported).toHaveLength(expected.length);
          prepared.patients.forEach((p, i) => {
            const spoiled = plan[i]!.some(Boolean);
            expect(p.ok).toBe(!spoiled);
            // Nothing is lost: every resource of the patient is in its group.
            expect(p.resources.map((r) => r.id).sort()).toEqual(
              [`p${i}`, ...plan[i]!.map((_, c) => `c${i}-${c}`)].sort(),
            );
          });
        },
      ),
      { numRuns: 60 },
    );
  });
});

import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ImportCancelled,
  ImportError,
  MAX_IMPORT_BYTES,
  prepareImport,
  readImport,
  readImportFiles,
  type OutcomeIssue,
} from '../../../src/lib/fhir/r4/index.ts';
import { splitSynthea } from '../../fixtures/fhir/synthea-split.ts';

const fixture = (path: string) =>
  readFileSync(new URL(`../../fixtures/fhir/${path}`, import.meta.url), 'utf8');
const SYNTHEA = fixture('synthea-r4/Clemente_Kreiger_1484a42d-0eaf-4654-9cbf-6b050a5cd73b.json');

const patient = (id: string, extra: Record<string, unknown> = {}) => ({
  resourceType: 'Patient',
  id,
  identifier: [{ system: 'urn:mrn', value: `MRN-${id}` }],
  name: [{ family: `Family${id}`, given: ['Given'] }],
  birthDate: '1980-01-02',
  gender: 'female',
  ...extra,
});
const bundle = (resources: unknown[], type = 'collection') =>
  JSON.stringify({
    resourceType: 'Bundle',
    type,
    entry: resources.map((resource) => ({ resource })),
  });

async function readError(fn: () => unknown): Promise<OutcomeIssue[]> {
  try {
    await fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ImportError);
    return (error as ImportError).outcome.issue;
  }
  throw new Error('expected an ImportError');
}

describe('reading and validating imports', () => {
  // The first test loads the R4 validators (a large module): slow on a busy machine.
  it(
    'accepts a Synthea patient: every resource valid, grouped under its Patient',
    { timeout: 120_000 },
    async () => {
      const inputs = readImport(SYNTHEA, 'synthea.json');
      const prepared = await prepareImport(inputs);
      expect(prepared.patients).toHaveLength(1);
      expect(prepared.patients[0]!.issues).toEqual([]);
      expect(prepared.patients[0]!.ok).toBe(true);
      expect(prepared.patients[0]!.resources).toHaveLength(inputs.length);
    },
  );

  it('finds the deliberate schema error of the US Core test patient, at its place', async () => {
    // The same error the reference validator (@asymmetrik/fhir-json-schema-validator) reports.
    const prepared = await prepareImport(
      readImport(fixture('us-core-inferno/uscore_bundle_patient_355.json')),
    );
    const errors = prepared.patients.flatMap((p) => p.issues).filter((i) => i.severity === 'error');
    expect(errors).toEqual([
      expect.objectContaining({
        expression: ['Bundle.entry[266].resource.effectivePeriod'],
        diagnostics: 'unknown element "stop"',
      }),
    ]);
    expect(prepared.patients.every((p) => !p.ok)).toBe(true);
  });

  it('refuses a patient whole when one of its resources is invalid, and imports the others', async () => {
    const text = bundle([
      patient('a'),
      {
        resourceType: 'Condition',
        id: 'c1',
        subject: { reference: 'Patient/a' },
        code: { text: 'Asthma' },
        onsetDateTime: '2023-02-30',
      },
      patient('b'),
      {
        resourceType: 'Condition',
        id: 'c2',
        subject: { reference: 'Patient?identifier=urn:mrn|MRN-b' },
        code: { text: 'Gout' },
      },
    ]);
    const prepared = await prepareImport(readImport(text));
    const [a, b] = prepared.patients;
    expect(a!.ok).toBe(false);
    expect(a!.issues).toEqual([
      expect.objectContaining({
        code: 'value',
        expression: ['Bundle.entry[1].resource.onsetDateTime'],
        diagnostics: '2023-02-30 is not a day of the calendar',
      }),
    ]);
    // Conditional reference resolved: the condition is b's.
    expect(b!.ok).toBe(true);
    expect(b!.resources.map((r) => r.id)).toEqual(['b', 'c2']);
  });

  it('names the place of every kind of bad input and reads nothing into a chart', async () => {
    expect(
      (
        await readError(() => readImport('{"resourceType": "Bundle",\n "type": "collection", }'))
      )[0]!.diagnostics,
    ).toMatch(/line 2/);
    expect((await readError(() => readImport('')))[0]!.diagnostics).toBe('This file is empty.');
    expect((await readError(() => readImport('[1,2]')))[0]!.diagnostics).toMatch(
      /not a FHIR resource/,
    );
    expect((await readError(() => readImport('{"hello":1}')))[0]!.diagnostics).toMatch(
      /no resourceType/,
    );
    expect((await readError(() => readImport(bundle([], 'history'))))[0]!.expression).toEqual([
      'Bundle.type',
    ]);
    const big = await readError(() => readImport('x'.repeat(MAX_IMPORT_BYTES + 1), 'huge.json'));
    expect(big[0]).toMatchObject({ code: 'too-costly', expression: ['huge.json'] });
    const ndjson = `${JSON.stringify(patient('n1'))}\n{"resourceType": "Condition", oops}\n`;
    expect((await readError(() => readImport(ndjson, 'export.ndjson')))[0]!.expression).toEqual([
      'export.ndjson line 2',
    ]);

    const prepared = await prepareImport(
      readImport(
        bundle([
          patient('p', { birthDate: '2021-02-29' }),
          patient('p'),
          { resourceType: 'ProcedureRequest', id: 'old', subject: { reference: 'Patient/p' } },
          { resourceType: 'Spaceship', id: 's', subject: { reference: 'Patient/p' } },
          {
            resourceType: 'Observation',
            id: 'o',
            status: 'final',
            code: { text: 'x' },
            subject: { reference: 'Patient/nowhere' },
          },
          {
            resourceType: 'Observation',
            id: 'v',
            status: 'final',
            code: { text: 'x' },
            subject: { reference: 'Patient/p' },
            meta: { fhirVersion: '3.0.1' },
          },
          { resourceType: 'Patient', id: 'q', gender: 'shark' },
        ]),
      ),
    );
    const all = [...prepared.issues, ...prepared.patients.flatMap((p) => p.issues)];
    const say = (where: string) =>
      all.filter((i) => i.expression[0] === where).map((i) => i.diagnostics);
    expect(say('Bundle.entry[0].resource.birthDate')).toEqual([
      '2021-02-29 is not a day of the calendar',
    ]);
    expect(say('Bundle.entry[1].resource.id')).toEqual(['Patient/p appears twice.']);
    expect(say('Bundle.entry[2].resource')[0]).toMatch(/older FHIR version/);
    expect(say('Bundle.entry[3].resource')[0]).toMatch(/not a FHIR R4 resource type/);
    expect(say('Bundle.entry[4].resource.subject.reference')[0]).toMatch(/points at nothing/);
    expect(say('Bundle.entry[5].resource.meta')[0]).toMatch(/FHIR 3.0.1/);
    expect(say('Bundle.entry[6].resource.gender')[0]).toMatch(
      /must be one of male, female, other, unknown/,
    );
  });

  it('can be cancelled', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(
      prepareImport(readImport(SYNTHEA), { signal: controller.signal }),
    ).rejects.toBeInstanceOf(ImportCancelled);
  });

  it('never fails with anything but a clear outcome, whatever the input (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string(),
          fc.jsonValue().map((v) => JSON.stringify(v)),
          fc.jsonValue().map((v) => bundle([patient('x', { extra: v }), v])),
          fc.tuple(fc.nat(), fc.string({ maxLength: 12 })).map(([at, junk]) => {
            const i = at % SYNTHEA.length;
            return SYNTHEA.slice(0, i) + junk + SYNTHEA.slice(i + 1);
          }),
        ),
        async (text) => {
          try {
            const prepared = await prepareImport(readImport(text));
            for (const p of prepared.patients)
              for (const i of p.issues) expect(i.expression[0]).toBeTruthy();
          } catch (error) {
            expect(error).toBeInstanceOf(ImportError);
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('depth', () => {
  /** `levels` nested extensions: the leaf is 2 × levels − 1 objects and arrays below the first. */
  const nested = (levels: number): string => {
    const open = '{"url": "http://example.org/n", "extension": ['.repeat(levels - 1);
    const leaf = '{"url": "http://example.org/leaf", "valueString": "x"}';
    return open + leaf + ']}'.repeat(levels - 1);
  };
  const withExtension = (levels: number, id: string) =>
    `{"resourceType": "Bundle", "type": "collection", "entry": [{"resource": ${JSON.stringify(patient('a'))}}, {"resource": ${JSON.stringify(patient(id)).slice(0, -1)}, "extension": [${nested(levels)}]}}]}`;
  it('refuses a resource nested 10,000 levels deep with the place, before validating', async () => {
    const issues = await readError(() => readImport(withExtension(10_000, 'b')));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ code: 'too-costly', severity: 'error' });
    expect(issues[0]!.diagnostics).toMatch(/more than 100 levels deep/);
    expect(issues[0]!.expression[0]).toMatch(
      /^Bundle\.entry\[1\]\.resource\.extension\[0\](\.extension\[0\]){49}$/,
    );
  });

  it('reads and validates resources up to the limit (well below where validators overflow)', async () => {
    // Resource, its extension array, then 49 extensions and 48 arrays: 99 levels.
    const prepared = await prepareImport(readImport(withExtension(49, 'b')));
    expect(prepared.patients.map((p) => p.issues)).toEqual([[], []]);
  }, 120_000);
});

describe('several files read together', () => {
  const files = splitSynthea(SYNTHEA);

  it('alone, a patient file of the multi-file layout points at nothing', async () => {
    const prepared = await prepareImport(readImport(files[0]!.data, files[0]!.name));
    const missing = prepared.patients[0]!.issues.filter((i) => i.code === 'not-found');
    expect(missing.length).toBeGreaterThan(10);
    expect(missing[0]!.diagnostics).toMatch(/points at nothing in this file/);
  }, 120_000);

  it('together, references resolve across files: the patient imports with what it refers to', async () => {
    const inputs = readImportFiles(files);
    expect(inputs[0]!.where).toBe('patient.json: Bundle.entry[0].resource');
    const prepared = await prepareImport(inputs);
    expect(prepared.patients).toHaveLength(1);
    const p = prepared.patients[0]!;
    expect(p.issues).toEqual([]);
    expect(p.ok).toBe(true);
    const types = p.resources.map((r) => r.resourceType);
    expect(types).toContain('Organization');
    expect(types).toContain('Practitioner');
    const refs = JSON.stringify(p.resources).match(/"reference":"[^"]*"/g) ?? [];
    expect(refs.filter((r) => r.includes('?') || r.includes('urn:uuid'))).toEqual([]);
  }, 120_000);

  it('reads a resource found in several files once; warns when the copies differ; notes what is left out', async () => {
    const extra = {
      name: 'more.json',
      data: bundle([
        { resourceType: 'Organization', id: 'spare', name: 'Nobody refers to me' },
        ...(JSON.parse(files[2]!.data).entry as { resource: unknown }[]).map((e) => e.resource),
      ]),
    };
    const changed = JSON.parse(files[1]!.data);
    changed.entry[0].resource.name = 'Renamed';
    const prepared = await prepareImport(
      readImportFiles([
        files[0]!,
        { name: 'hospital-older.json', data: JSON.stringify(changed) },
        files[1]!,
        files[2]!,
        extra,
      ]),
    );
    expect(prepared.patients[0]!.issues).toEqual([]);
    expect(prepared.issues.map((i) => [i.severity, i.expression[0], i.diagnostics])).toEqual([
      [
        'warning',
        `${files[1]!.name}: Bundle.entry[0].resource`,
        'This Organization is also in hospital-older.json with different content; the copy in hospital-older.json is used.',
      ],
      [
        'warning',
        'more.json',
        '1 of its resources are referred to by no patient read and are left out.',
      ],
    ]);
    const org = prepared.patients[0]!.resources.find((r) => r.resourceType === 'Organization')!;
    expect(org.name).toBe('Renamed');
  }, 120_000);

  it('names the file of every problem, and reads nothing when one file cannot be read', async () => {
    const issues = await readError(() =>
      readImportFiles([files[0]!, { name: 'broken.json', data: '{"resourceType": ' }]),
    );
    expect(issues).toEqual([
      expect.objectContaining({ expression: ['broken.json'], code: 'structure' }),
    ]);
  });
});

describe('locating JSON errors', () => {
  it('finds where any JSON text first goes wrong (property: agrees with JSON.parse)', async () => {
    const { jsonErrorOffset } = await import('../../../src/lib/fhir/r4/json-error.ts');
    expect(jsonErrorOffset('{"a": [1, }')).toBe(10);
    expect(jsonErrorOffset('{"a": 1}')).toBe(-1);
    expect(jsonErrorOffset('{"a": "x')).toBe(8);
    fc.assert(
      fc.property(fc.jsonValue(), fc.nat(), fc.string({ maxLength: 3 }), (value, at, junk) => {
        const text = JSON.stringify(value, null, 1);
        const i = at % (text.length + 1);
        const broken = text.slice(0, i) + junk + text.slice(i);
        let valid = true;
        try {
          JSON.parse(broken);
        } catch {
          valid = false;
        }
        // It calls text invalid exactly when JSON.parse does.
        expect(jsonErrorOffset(broken) === -1).toBe(valid);
      }),
      { numRuns: 500 },
    );
  });
});

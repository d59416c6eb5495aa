import 'fake-indexeddb/auto';
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { ChartModel } from '../../../src/lib/chart/index.ts';
import { planImport } from '../../../src/lib/chart/fhir-in.ts';
import { chartToFhir, type FhirResource } from '../../../src/lib/chart/fhir-out.ts';
import { ChartDoc } from '../../../src/lib/crdt/chart-doc.ts';
import { openEnvelopeStore } from '../../../src/lib/crdt/envelope-store.ts';
import { SealedDoc } from '../../../src/lib/crdt/sealed-doc.ts';
import { checkResource } from '../../../src/lib/fhir/r4/index.ts';
import { splitSynthea } from '../../fixtures/fhir/synthea-split.ts';
import { ADA, fakePort } from '../crdt/fake-port.ts';

const FIXTURE = new URL(
  '../../fixtures/fhir/synthea-r4/Clemente_Kreiger_1484a42d-0eaf-4654-9cbf-6b050a5cd73b.json',
  import.meta.url,
);
const bundle = JSON.parse(readFileSync(FIXTURE, 'utf8')) as { entry: { resource: FhirResource }[] };
const resources = bundle.entry.map((e) => e.resource);

let n = 0;
async function emptyChart(): Promise<ChartModel> {
  const sealed = await SealedDoc.open({
    docId: new Uint8Array(16),
    port: fakePort(ADA),
    store: await openEnvelopeStore(`fhir-roundtrip-${++n}`),
    self: ADA,
  });
  return new ChartModel(new ChartDoc(sealed));
}

const counts = (rs: FhirResource[]) =>
  rs.reduce<Record<string, number>>(
    (acc, r) => ((acc[r.resourceType] = (acc[r.resourceType] ?? 0) + 1), acc),
    {},
  );
const byKey = (rs: FhirResource[]) => new Map(rs.map((r) => [`${r.resourceType}/${r.id}`, r]));

it('imports a Synthea patient into chart sections and exports every resource again, unchanged', async () => {
  const plan = planImport(resources);
  expect(plan.patient).toMatchObject({ given: 'Clemente', family: 'Kreiger', gender: 'male' });
  expect(plan.patient.mrn).not.toBe('');
  const chart = await emptyChart();
  chart.applyImport(plan);

  // Imported entries are in the sections the UI shows.
  expect(chart.immunizations().length).toBe(4);
  expect(chart.problems().length).toBe(1);
  expect(chart.vitals().length).toBeGreaterThan(0);
  expect(chart.labs().length).toBeGreaterThan(10);
  const bp = chart.vitals().find((v) => v.data.systolic !== undefined)!;
  expect(bp.data.diastolic).toBeGreaterThan(0);

  const out = chartToFhir(chart, 'ignored-for-imports');
  expect(counts(out)).toEqual(counts(resources));
  // Unchanged but for references, which name the exported resources as Type/id (issue 12).
  const typeOf = new Map(resources.map((r) => [r.id, r.resourceType]));
  const asExported = (node: unknown): unknown =>
    JSON.parse(JSON.stringify(node), (k, v) =>
      k === 'reference' && typeof v === 'string' && v.startsWith('urn:uuid:')
        ? `${typeOf.get(v.slice(9))}/${v.slice(9)}`
        : v,
    );
  const before = byKey(resources);
  for (const [key, resource] of byKey(out))
    expect(resource, key).toEqual(asExported(before.get(key)));
});

it(
  'round trip over Synthea patients (scripts/fhir-roundtrip.ts): one file, and split across files',
  { timeout: 180_000 },
  async () => {
    const { roundTrip } = await import('../../../scripts/fhir-roundtrip.ts');
    const report = await roundTrip([FIXTURE.pathname]);
    expect(report).toMatchObject({ patients: 1, compared: resources.length, differences: [] });
    expect([...report.unmatched, ...report.invalid, ...report.refused]).toEqual([]);
    // The same patient with its organization and practitioner in files of their own.
    const split = await roundTrip(splitSynthea(readFileSync(FIXTURE, 'utf8')));
    expect(split).toMatchObject({ patients: 1, compared: resources.length, differences: [] });
    expect([...split.unmatched, ...split.invalid, ...split.refused]).toEqual([]);
  },
);

it('an edit made after import appears in the next export, over the source resource', async () => {
  const chart = await emptyChart();
  chart.applyImport(planImport(resources));
  const problem = chart.problems()[0]!;
  chart.resolveProblem(problem.id, '2026-11-20');
  chart.markEnteredInError(chart.immunizations()[0]!.id, 'Wrong vaccine recorded');
  chart.addProblem({ text: 'Added in Folio after import' });

  const out = chartToFhir(chart, 'x');
  for (const r of out)
    expect(await checkResource({ resource: r, where: `${r.resourceType}/${r.id}` })).toEqual([]);
  const source = resources.find((r) => r.resourceType === 'Condition')!;
  const exported = out.find((r) => r.resourceType === 'Condition' && r.id === source.id)!;
  expect(exported.clinicalStatus).toMatchObject({ coding: [{ code: 'resolved' }] });
  expect(exported.code).toEqual(source.code);
  expect(exported.subject).toEqual({
    reference: (source.subject as { reference: string }).reference.replace('urn:uuid:', 'Patient/'),
  });
  expect(
    out.filter((r) => r.resourceType === 'Immunization' && r.status === 'entered-in-error'),
  ).toHaveLength(1);
  const added = out.find(
    (r) => r.resourceType === 'Condition' && JSON.stringify(r).includes('Added in Folio'),
  )!;
  // New entries reference the imported Patient by its own id.
  expect(added.subject).toEqual({
    reference: `Patient/${resources.find((r) => r.resourceType === 'Patient')!.id}`,
  });
  expect(counts(out).Condition).toBe(2);
});

it('importing the same patient again adds only what is new', async () => {
  const chart = await emptyChart();
  const first = chart.applyImport(planImport(resources));
  expect(first.skipped).toBe(0);
  const again = chart.applyImport(planImport(resources));
  expect(again.added).toBe(0);
  expect(counts(chartToFhir(chart, 'x'))).toEqual(counts(resources));
  const extra = {
    resourceType: 'Goal',
    id: 'goal-1',
    lifecycleStatus: 'active',
    description: { text: 'Walk daily' },
    subject: { reference: 'Patient/x' },
  };
  const third = chart.applyImport(planImport([...resources, extra]));
  expect(third).toEqual({ added: 1, skipped: resources.length - 1 });
});

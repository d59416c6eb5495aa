/**
 * Issue 15 item 4: a FHIR import is written to the chart as ONE change (one Yjs update, one
 * sealed envelope) instead of one per resource — and still loses no resource, adds only what is
 * new on a repeated import, and keeps the chart's demographics.
 */
import 'fake-indexeddb/auto';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ChartModel } from '../../../src/lib/chart/index.ts';
import { planImport } from '../../../src/lib/chart/fhir-in.ts';
import { chartToFhir, type FhirResource } from '../../../src/lib/chart/fhir-out.ts';
import { ChartDoc } from '../../../src/lib/crdt/chart-doc.ts';
import { openEnvelopeStore } from '../../../src/lib/crdt/envelope-store.ts';
import { SealedDoc } from '../../../src/lib/crdt/sealed-doc.ts';
import { ADA, fakePort } from '../crdt/fake-port.ts';

const FIXTURE = new URL(
  '../../fixtures/fhir/synthea-r4/Clemente_Kreiger_1484a42d-0eaf-4654-9cbf-6b050a5cd73b.json',
  import.meta.url,
);
const resources = (
  JSON.parse(readFileSync(FIXTURE, 'utf8')) as { entry: { resource: FhirResource }[] }
).entry.map((e) => e.resource);
const patientResource = resources.find((r) => r.resourceType === 'Patient')!;
const others = resources.filter((r) => r !== patientResource);
const key = (r: FhirResource) => `${r.resourceType}/${r.id}`;

let n = 0;
async function emptyChart(): Promise<{ chart: ChartModel; sealed: SealedDoc }> {
  const sealed = await SealedDoc.open({
    docId: new Uint8Array(16),
    port: fakePort(ADA),
    store: await openEnvelopeStore(`import-batch-${++n}`),
    self: ADA,
  });
  return { chart: new ChartModel(new ChartDoc(sealed)), sealed };
}

describe('a FHIR import is one change of the chart', () => {
  it('one update, one envelope, one change notice for a whole patient', async () => {
    const { chart, sealed } = await emptyChart();
    const updates: Uint8Array[] = [];
    sealed.ydoc.on('update', (u: Uint8Array) => updates.push(u));
    let changes = 0;
    chart.onChange(() => changes++);
    const { added } = chart.applyImport(planImport(resources));
    expect(added).toBe(resources.length - 1);
    expect(updates).toHaveLength(1);
    expect(changes).toBe(1);
    await sealed.flush();
    expect(sealed.envelopes).toHaveLength(1);
    // Written by this member: every imported entry's author is the verified signer.
    expect(chart.labs().every((e) => e.createdBy?.member === ADA.member)).toBe(true);
    expect(chart.patient()).toMatchObject({ family: 'Kreiger' });
    await sealed.close();
  });

  it('loses no resource and adds only what is new, in any order and any overlap (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.shuffledSubarray(others),
        fc.shuffledSubarray(others),
        async (first, second) => {
          const { chart, sealed } = await emptyChart();
          const a = chart.applyImport(planImport([patientResource, ...first]));
          expect(a).toEqual({ added: first.length, skipped: 0 });
          const held = new Set(first.map(key));
          const fresh = second.filter((r) => !held.has(key(r)));
          const b = chart.applyImport(planImport([...second, patientResource]));
          // A vitals set (several Observations in one entry) only partly held is added whole
          // again (as before batching), so `added` may count a held Observation too.
          expect(b.added).toBeGreaterThanOrEqual(fresh.length);
          if (fresh.length === 0) expect(b.added).toBe(0);
          const exported = [...new Set(chartToFhir(chart, 'x').map(key))].sort();
          expect(exported).toEqual(
            [...new Set([patientResource, ...first, ...second].map(key))].sort(),
          );
          await sealed.close();
        },
      ),
      { numRuns: 12 },
    );
  }, 120_000);
});

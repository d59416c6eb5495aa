import 'fake-indexeddb/auto';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { ChartModel } from '../../../../src/lib/chart/model.ts';
import type { FhirResource } from '../../../../src/lib/chart/fhir-codes.ts';
import { ChartDoc } from '../../../../src/lib/crdt/chart-doc.ts';
import { openEnvelopeStore } from '../../../../src/lib/crdt/envelope-store.ts';
import { SealedDoc } from '../../../../src/lib/crdt/sealed-doc.ts';
import { prepareImport, readImportFiles } from '../../../../src/lib/fhir/r4/index.ts';
import { ADA, fakePort } from '../../crdt/fake-port.ts';

export const PATIENT_85 = new URL(
  '../../../fixtures/fhir/us-core-inferno/uscore_bundle_patient_85.json',
  import.meta.url,
).pathname;
export const CLEMENTE = new URL(
  '../../../fixtures/fhir/synthea-r4/Clemente_Kreiger_1484a42d-0eaf-4654-9cbf-6b050a5cd73b.json',
  import.meta.url,
).pathname;

/** A file's resources as `Import FHIR` hands them to planImport (validated, references resolved). */
export async function preparedResources(path: string): Promise<FhirResource[]> {
  const prepared = await prepareImport(
    readImportFiles([{ name: basename(path), data: readFileSync(path, 'utf8') }]),
  );
  const group = prepared.patients[0]!;
  if (!group.ok) throw new Error(`refused: ${JSON.stringify(group.issues[0])}`);
  return group.resources as FhirResource[];
}

let n = 0;
/** An empty chart on a sealed in-memory document (entries are signed by ADA). */
export async function emptyChart(now?: () => string): Promise<ChartModel> {
  const sealed = await SealedDoc.open({
    docId: new Uint8Array(16),
    port: fakePort(ADA),
    store: await openEnvelopeStore(`visits-${++n}`),
    self: ADA,
  });
  return new ChartModel(new ChartDoc(sealed), now);
}

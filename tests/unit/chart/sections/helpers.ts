import 'fake-indexeddb/auto';
import { ChartModel } from '../../../../src/lib/chart/model.ts';
import { ChartDoc } from '../../../../src/lib/crdt/chart-doc.ts';
import { openEnvelopeStore } from '../../../../src/lib/crdt/envelope-store.ts';
import { SealedDoc } from '../../../../src/lib/crdt/sealed-doc.ts';
import { ADA, fakePort } from '../../crdt/fake-port.ts';
import { ValidationError } from '../../../../src/lib/chart/validate.ts';
import type { Entry } from '../../../../src/lib/chart/types.ts';
import type { ExportContext } from '../../../../src/lib/chart/sections/index.ts';

/** The validation issues (and outliers) a call raises, as `field: message`. */
export function issues(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof ValidationError)
      return [...error.issues, ...error.outliers].map((i) => `${i.field}: ${i.message}`);
    throw error;
  }
  return [];
}

export function entry<T>(data: T, id = 'e1'): Entry<T> {
  return {
    id,
    data,
    createdAt: '2024-01-02T03:04:05.000Z',
    updatedAt: '2024-01-02T03:04:05.000Z',
    history: [],
  };
}

export const context: ExportContext = {
  subject: { reference: 'Patient/p1' },
  addenda: () => [],
};

let n = 0;
/** A fresh chart (patient Ines Okafor) on an in-memory sealed document. */
export async function openChart(): Promise<ChartModel> {
  const sealed = await SealedDoc.open({
    docId: new Uint8Array(16),
    port: fakePort(ADA),
    store: await openEnvelopeStore(`chart-section-${++n}`),
    self: ADA,
  });
  const chart = new ChartModel(new ChartDoc(sealed));
  chart.create({
    given: 'Ines',
    family: 'Okafor',
    birthDate: '1961-04-12',
    gender: 'female',
    mrn: 'MRN-1',
  });
  return chart;
}

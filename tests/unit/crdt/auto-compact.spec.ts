import 'fake-indexeddb/auto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { autoCompact } from '../../../src/lib/crdt/auto-compact.ts';
import { ChartDoc } from '../../../src/lib/crdt/chart-doc.ts';
import { CrdtError } from '../../../src/lib/crdt/errors.ts';
import type { EnvelopeStore } from '../../../src/lib/crdt/envelope-store.ts';
import { SealedDoc } from '../../../src/lib/crdt/sealed-doc.ts';
import { ADA, fakePort } from './fake-port.ts';
import { envelopeStores } from './stores.ts';

const newStore = envelopeStores('auto-compact');
const DOC = new Uint8Array(16).fill(9);
const AT = '2026-11-22T10:00:00.000Z';

async function write(doc: SealedDoc, chart: ChartDoc, n: number) {
  for (let i = 0; i < n; i++) {
    chart.addEntry('vital', { code: '8867-4', value: 60 + i }, AT);
    await doc.flush();
  }
}

describe('automatic compaction', () => {
  it('starts a new generation once the log passes the threshold, keeping every entry', async () => {
    const store = await newStore();
    const doc = await SealedDoc.open({ docId: DOC, port: fakePort(ADA), store, self: ADA });
    const chart = new ChartDoc(doc);
    chart.init({ given: 'Ivo' });
    await doc.flush();
    const auto = autoCompact(doc, 10);
    await write(doc, chart, 9);
    await auto.settled();
    expect(doc.generation).toBe(0);
    await write(doc, chart, 1);
    await auto.settled();
    expect(doc.generation).toBe(1);
    expect(doc.envelopeCount).toBe(1);
    await write(doc, chart, 25);
    await auto.settled();
    expect(doc.generation).toBe(3);
    auto.stop();
    await doc.close();
    const again = await SealedDoc.open({ docId: DOC, port: fakePort(ADA, 1000), store, self: ADA });
    expect(new ChartDoc(again).entries('vital')).toHaveLength(35);
    expect(again.envelopeCount).toBeLessThanOrEqual(10);
  });

  it('compacts a long log as soon as it is attached (an index opened at unlock)', async () => {
    const store = await newStore();
    const doc = await SealedDoc.open({ docId: DOC, port: fakePort(ADA), store, self: ADA });
    const chart = new ChartDoc(doc);
    chart.init({ given: 'Long' });
    await write(doc, chart, 30);
    const auto = autoCompact(doc, 20);
    await auto.settled();
    expect(doc.generation).toBe(1);
    auto.stop();
  });

  it('after a failed compaction (storage full) waits for another threshold before retrying; nothing is lost', async () => {
    const real = await newStore();
    let attempts = 0;
    const store: EnvelopeStore = {
      ...real,
      compact: async () => {
        attempts++;
        throw new CrdtError('quota-exceeded', 'full');
      },
    };
    const failedAt: number[] = [];
    const doc = await SealedDoc.open({ docId: DOC, port: fakePort(ADA), store, self: ADA });
    const chart = new ChartDoc(doc);
    chart.init({ given: 'Full' });
    await doc.flush();
    const auto = autoCompact(doc, 5, (e) => {
      expect(e).toBeInstanceOf(CrdtError);
      failedAt.push(doc.envelopeCount);
    });
    await write(doc, chart, 6);
    await auto.settled();
    expect(attempts).toBe(1);
    // Up to another threshold of envelopes: no new attempt.
    await write(doc, chart, failedAt[0]! + 5 - doc.envelopeCount);
    await auto.settled();
    expect(attempts).toBe(1);
    await write(doc, chart, 1);
    await auto.settled();
    expect(attempts).toBe(2);
    expect(chart.entries('vital')).toHaveLength(doc.envelopeCount - 1);
    auto.stop();
  });

  it('never changes what the document holds (any threshold, any number of writes)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 0, max: 20 }),
        async (t, n) => {
          const store = await newStore();
          const doc = await SealedDoc.open({ docId: DOC, port: fakePort(ADA), store, self: ADA });
          const chart = new ChartDoc(doc);
          chart.init({ given: 'P' });
          const auto = autoCompact(doc, t);
          await write(doc, chart, n);
          await auto.settled();
          auto.stop();
          await doc.close();
          const again = await SealedDoc.open({
            docId: DOC,
            port: fakePort(ADA, 5000),
            store,
            self: ADA,
          });
          expect(new ChartDoc(again).entries('vital').map((e) => e.fields.value)).toEqual(
            Array.from({ length: n }, (_, i) => 60 + i),
          );
        },
      ),
      { numRuns: 25 },
    );
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { IndexEntry } from '../../../src/lib/crdt/index-doc.ts';
import { CatchUpDocs, type CatchUpVault } from '../../../src/lib/state/catch-up-docs.ts';

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');
const chartId = (n: number) => b64(new Uint8Array(16).fill(n));

function entry(n: number, keys: { epoch: number; wrappedKey: string }[]): IndexEntry {
  const [key, ...older] = [...keys].reverse();
  return {
    chartId: chartId(n),
    given: 'Ada',
    family: `Patient${n}`,
    birthDate: '1980-01-01',
    gender: 'female',
    mrn: `F${n}`,
    key: key ?? null,
    olderKeys: older.reverse(),
  };
}

/** A vault that opens the wraps named in `opens` and counts what it is asked. */
function fakeVault(opens: (wrap: string) => boolean) {
  const asked = { wraps: 0, rooms: 0, calls: 0 };
  const vault: CatchUpVault = {
    async loadChartKeys(charts) {
      asked.calls++;
      asked.wraps += charts.length;
      const failed = charts
        .filter((c) => !opens(`${b64(c.docId)}:${c.epoch}:${b64(c.wrappedKey)}`))
        .map((c) => ({ docId: c.docId, code: 'decrypt-failure' }));
      return { failed };
    },
    async roomsFor(docIds) {
      asked.calls++;
      asked.rooms += docIds.length;
      return docIds.map((id) => ({ room: `room-${b64(id)}`, capability: `cap-${b64(id)}` }));
    },
  };
  return { vault, asked };
}

const W = (s: string) => Buffer.from(s).toString('base64url');

describe('the documents a catch-up pass visits', () => {
  it('asks the vault about each chart once per session, not on every pass', async () => {
    const { vault, asked } = fakeVault(() => true);
    const docs = new CatchUpDocs(vault);
    const entries = Array.from({ length: 50 }, (_, i) =>
      entry(i, [{ epoch: 0, wrappedKey: W(`k${i}`) }]),
    );
    const first = await docs.docs(entries);
    expect(first.map((d) => d.key)).toEqual(entries.map((e) => e.chartId));
    expect(first[3]).toMatchObject({ room: `room-${chartId(3)}`, capability: `cap-${chartId(3)}` });
    expect(asked).toEqual({ wraps: 50, rooms: 50, calls: 2 });
    // A pass with nothing new: no vault call at all, the same answer.
    expect(await docs.docs(entries)).toEqual(first);
    expect(asked.calls).toBe(2);
    // A new chart: only it is loaded and placed.
    const more = [...entries, entry(99, [{ epoch: 0, wrappedKey: W('k99') }])];
    expect((await docs.docs(more)).map((d) => d.key)).toEqual(more.map((e) => e.chartId));
    expect(asked).toEqual({ wraps: 51, rooms: 51, calls: 4 });
  });

  it('retries a key that did not open, and loads a rotated key when it appears', async () => {
    let clinicalArrived = false;
    const { vault, asked } = fakeVault((w) => clinicalArrived || !w.includes(W('late')));
    const docs = new CatchUpDocs(vault);
    const one = entry(1, [{ epoch: 0, wrappedKey: W('early') }]);
    const two = entry(2, [{ epoch: 0, wrappedKey: W('late') }]);
    expect((await docs.docs([one, two])).map((d) => d.key)).toEqual([one.chartId]);
    expect((await docs.docs([one, two])).map((d) => d.key)).toEqual([one.chartId]);
    expect(asked.wraps).toBe(3); // the failing wrap was tried again, the good one not
    clinicalArrived = true;
    expect((await docs.docs([one, two])).map((d) => d.key)).toEqual([one.chartId, two.chartId]);
    // A rotation adds a wrap for a newer epoch: it is loaded; the room does not move.
    const rotated = entry(1, [
      { epoch: 0, wrappedKey: W('early') },
      { epoch: 1, wrappedKey: W('rotated') },
    ]);
    const before = asked.rooms;
    const after = await docs.docs([rotated, two]);
    expect(after.map((d) => d.room)).toEqual([`room-${one.chartId}`, `room-${two.chartId}`]);
    expect(asked.rooms).toBe(before);
  });

  it('skips entries without a key, and a chart with one good key of two is reachable', async () => {
    const { vault } = fakeVault((w) => !w.includes(W('bad')));
    const docs = new CatchUpDocs(vault);
    const keyless = { ...entry(5, []), key: null };
    const mixed = entry(6, [
      { epoch: 0, wrappedKey: W('good') },
      { epoch: 1, wrappedKey: W('bad') },
    ]);
    expect((await docs.docs([keyless, mixed])).map((d) => d.key)).toEqual([mixed.chartId]);
    expect((await docs.docs([keyless, mixed])).map((d) => d.key)).toEqual([mixed.chartId]);
  });

  it('answers what asking the vault about every chart on every pass would (any passes)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            charts: fc.uniqueArray(fc.integer({ min: 0, max: 20 }), { maxLength: 12 }),
            arrived: fc.boolean(),
          }),
          { minLength: 1, maxLength: 6 },
        ),
        async (passes) => {
          let arrived = false;
          const opens = (w: string) => arrived || !w.includes(W('k7'));
          const cached = new CatchUpDocs(fakeVault(opens).vault);
          for (const pass of passes) {
            arrived ||= pass.arrived;
            const entries = pass.charts.map((n) =>
              entry(n, [{ epoch: 0, wrappedKey: W(`k${n}`) }]),
            );
            const fresh = new CatchUpDocs(fakeVault(opens).vault);
            expect(await cached.docs(entries)).toEqual(await fresh.docs(entries));
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});

it('walks the index in slices, giving the main thread back between them, with the same answer', async () => {
  const entries = Array.from({ length: 45 }, (_, i) =>
    entry(i, [{ epoch: 0, wrappedKey: W(`k${i}`) }]),
  );
  const whole = await new CatchUpDocs(fakeVault(() => true).vault).docs(entries);
  let pauses = 0;
  const sliced = new CatchUpDocs(fakeVault(() => true).vault, {
    size: 10,
    pause: async () => void pauses++,
  });
  expect(await sliced.docs(entries)).toEqual(whole);
  // 45 entries in slices of 10 twice over (the index, then the charts found): 4 pauses each.
  expect(pauses).toBe(8);
});

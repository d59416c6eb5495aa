/**
 * Issue 15 item 1: catch-up asks the vault for every chart's room in one call, and per-chart key
 * lookups are keyed by document (no scan of every loaded key).
 */
import { expect, it } from 'vitest';
import { errorCode, foundingAdmin, vault } from './helpers.ts';

it('gives the same rooms as roomFor, one call for many charts, null for a chart without a key', async () => {
  const v = await foundingAdmin();
  const charts = Array.from({ length: 50 }, () => v.createChartKey());
  const unknown = crypto.getRandomValues(new Uint8Array(16));
  const docIds = [...charts.map((c) => c.docId), unknown];
  const rooms = v.roomsFor({ docIds, generation: 0 });
  expect(rooms).toHaveLength(51);
  charts.forEach((c, i) => expect(rooms[i]).toEqual(v.roomFor({ docId: c.docId, generation: 0 })));
  expect(rooms[50]).toBeNull();
  expect(new Set(rooms.slice(0, 50).map((r) => r!.room)).size).toBe(50);
  expect(
    await errorCode(
      Promise.resolve().then(() => v.roomsFor({ docIds: 'x' as never, generation: 0 })),
    ),
  ).toBe('bad-input');
});

it("keeps a chart's room on its lowest epoch and seals with its newest, with many charts loaded", async () => {
  const v = await foundingAdmin();
  const many = Array.from({ length: 200 }, () => v.createChartKey());
  const chart = many[123]!;
  const before = v.roomFor({ docId: chart.docId, generation: 0 });
  const rotated = v.rotateChartKey({ docId: chart.docId });
  expect(rotated.epoch).toBeGreaterThan(chart.epoch);
  // Rotating never moves the room (ADR 0006); other charts are untouched.
  expect(v.roomsFor({ docIds: [chart.docId, many[0]!.docId], generation: 0 })).toEqual([
    before,
    v.roomFor({ docId: many[0]!.docId, generation: 0 }),
  ]);
  const { v: locked } = await vault();
  expect(
    await errorCode(Promise.resolve().then(() => locked.roomsFor({ docIds: [], generation: 0 }))),
  ).toBe('locked');
});

import { describe, expect, it } from 'vitest';
import type { CatchUpDoc, CatchUpReport } from '../../../src/lib/sync/catch-up.ts';
import {
  CatchUpScheduler,
  type CatchUpRunner,
  type CatchUpSource,
} from '../../../src/lib/sync/catch-up-scheduler.ts';
import type { EnvelopeStore } from '../../../src/lib/crdt/envelope-store.ts';
import { manualClock } from '../../kit/clock.ts';

const REPORT: CatchUpReport = {
  full: false,
  visited: 1,
  received: 0,
  uploaded: 0,
  unfinished: 0,
  saveError: null,
};
const DOCS: CatchUpDoc[] = [{ key: 'k1', docId: new Uint8Array(16), room: 'r1', capability: 'c1' }];

function setup() {
  const clock = manualClock();
  const state = {
    online: true,
    runs: 0,
    created: 0,
    dirty: [] as string[],
    fail: null as string | null,
    /** When set, a run waits for this promise. */
    gate: null as Promise<void> | null,
    skipped: [] as boolean[],
    passes: 0,
  };
  const runner: CatchUpRunner = {
    markDirty: (key) => state.dirty.push(key),
    async run(docs, skip) {
      state.runs += 1;
      state.skipped.push(...docs.map((d) => skip(d.key)));
      if (state.gate) await state.gate;
      if (state.fail) throw new Error(state.fail);
      return REPORT;
    },
  };
  const scheduler = new CatchUpScheduler({
    clock,
    online: () => state.online,
    create: async () => {
      state.created += 1;
      return runner;
    },
    onPass: () => (state.passes += 1),
  });
  const source: CatchUpSource = {
    store: {} as EnvelopeStore,
    docs: async () => DOCS,
    receive: async () => undefined,
    isOpen: (key) => key === 'k1',
  };
  return { clock, state, scheduler, source };
}

describe('CatchUpScheduler', () => {
  it('runs nothing before start, then a pass at once and every 15 s', async () => {
    const { clock, state, scheduler, source } = setup();
    scheduler.schedule(0);
    scheduler.markDirty('early');
    await clock.advance(60_000);
    expect(state.runs).toBe(0);
    scheduler.start(source);
    scheduler.start(source); // once only
    await clock.advance(0);
    expect(state.runs).toBe(1);
    expect(state.skipped).toEqual([true]); // open documents are skipped
    expect(scheduler.lastReport).toEqual(REPORT);
    expect(scheduler.passes).toBe(1);
    await clock.advance(14_999);
    expect(state.runs).toBe(1);
    await clock.advance(1);
    expect(state.runs).toBe(2);
    await clock.advance(30_000);
    expect(state.runs).toBe(4);
    expect(state.created).toBe(1);
    scheduler.stop();
    await clock.advance(60_000);
    expect(state.runs).toBe(4);
  });

  it('debounces dirty documents by 1 s and gives the runner marks made before it existed', async () => {
    const { clock, state, scheduler, source } = setup();
    scheduler.start(source);
    scheduler.markDirty('a'); // replaces the pass due now: the runner does not exist yet
    await clock.advance(600);
    scheduler.markDirty('b');
    await clock.advance(999);
    expect(state.runs).toBe(0);
    await clock.advance(1);
    expect(state.runs).toBe(1);
    expect(state.dirty).toEqual(['a', 'b']);
    scheduler.markDirty('c'); // the runner exists: marked at once
    expect(state.dirty).toEqual(['a', 'b', 'c']);
    await clock.advance(1_000);
    expect(state.runs).toBe(2);
    // Marks already handed over are not handed over again.
    expect(state.dirty).toEqual(['a', 'b', 'c']);
    scheduler.stop();
  });

  it('runs no pass while offline', async () => {
    const { clock, state, scheduler, source } = setup();
    state.online = false;
    scheduler.start(source);
    await clock.advance(30_000);
    expect(state.runs).toBe(0);
    expect(state.created).toBe(0);
    state.online = true;
    scheduler.schedule(0); // back online
    await clock.advance(0);
    expect(state.runs).toBe(1);
    scheduler.stop();
  });

  it('runs a pass asked for during another right after it, not beside it', async () => {
    const { clock, state, scheduler, source } = setup();
    scheduler.start(source);
    let open!: () => void;
    state.gate = new Promise((resolve) => (open = resolve));
    await clock.advance(0);
    expect(state.runs).toBe(1);
    const second = scheduler.runNow();
    const third = scheduler.runNow();
    await clock.advance(0);
    expect(state.runs).toBe(1);
    state.gate = null;
    open();
    await Promise.all([second, third]);
    await clock.advance(0);
    expect(state.runs).toBe(2); // one queued pass for both requests
    scheduler.stop();
  });

  it('records why a pass failed until one succeeds', async () => {
    const { clock, state, scheduler, source } = setup();
    state.fail = 'relay unreachable';
    scheduler.start(source);
    await clock.advance(0);
    expect(scheduler.error).toBe('relay unreachable');
    expect(scheduler.passes).toBe(0);
    expect(state.passes).toBe(1);
    state.fail = null;
    await scheduler.runNow();
    expect(scheduler.error).toBeNull();
    expect(scheduler.passes).toBe(1);
    expect(state.passes).toBe(2);
    scheduler.stop();
  });
});

it('counts the passes that visited every document', async () => {
  const clock = manualClock();
  const reports: CatchUpReport[] = [
    { ...REPORT, full: true },
    { ...REPORT, full: false },
    { ...REPORT, full: true },
  ];
  const scheduler = new CatchUpScheduler({
    clock,
    online: () => true,
    create: async () => ({ markDirty: () => undefined, run: async () => reports.shift()! }),
  });
  scheduler.start({
    store: {} as EnvelopeStore,
    docs: async () => DOCS,
    receive: async () => undefined,
    isOpen: () => false,
  });
  await clock.advance(0);
  expect([scheduler.passes, scheduler.fullPasses]).toEqual([1, 1]);
  await clock.advance(30_000);
  expect([scheduler.passes, scheduler.fullPasses]).toEqual([3, 2]);
});

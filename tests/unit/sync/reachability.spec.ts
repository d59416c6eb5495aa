import { describe, expect, it } from 'vitest';
import {
  healthProbe,
  NetworkMonitor,
  type NetworkSnapshot,
} from '../../../src/lib/sync/reachability.ts';
import { manualClock } from '../../kit/clock.ts';

function setup(options: { browserOnline: boolean; relayUp: boolean }) {
  const clock = manualClock();
  const state = { relayUp: options.relayUp, probes: 0 };
  const monitor = new NetworkMonitor({
    browserOnline: options.browserOnline,
    clock,
    probe: async () => {
      state.probes += 1;
      return state.relayUp;
    },
  });
  const seen: NetworkSnapshot[] = [];
  monitor.subscribe((s) => seen.push(s));
  return { clock, state, monitor, seen };
}

describe('NetworkMonitor', () => {
  it('is offline when the browser claims online but the relay does not answer', async () => {
    // Chromium after an offline reload: navigator.onLine is true and no event comes.
    const { monitor } = setup({ browserOnline: true, relayUp: false });
    expect(monitor.snapshot.online).toBe(true); // unknown yet: not claimed offline
    await monitor.check();
    expect(monitor.snapshot).toEqual({ browserOnline: true, relay: 'unreachable', online: false });
  });

  it('is online once the relay answers, and offline at once when the browser says so', async () => {
    const { monitor, seen } = setup({ browserOnline: true, relayUp: true });
    await monitor.check();
    expect(monitor.snapshot.online).toBe(true);
    monitor.browserEvent(false);
    expect(monitor.snapshot.online).toBe(false);
    expect(seen.at(-1)?.online).toBe(false);
    monitor.stop();
  });

  it('re-probes an unreachable relay with a growing delay and notices when it comes back', async () => {
    const { clock, state, monitor } = setup({ browserOnline: true, relayUp: false });
    await monitor.check();
    expect(state.probes).toBe(1);
    await clock.advance(1_000);
    expect(state.probes).toBe(2);
    await clock.advance(1_999);
    expect(state.probes).toBe(2); // second retry after 2 s
    await clock.advance(1);
    expect(state.probes).toBe(3);
    state.relayUp = true;
    await clock.advance(4_000);
    expect(state.probes).toBe(4);
    expect(monitor.snapshot.online).toBe(true);
    // Delays are capped at 30 s.
    state.relayUp = false;
    for (let i = 0; i < 10; i++) await clock.advance(30_000);
    expect(clock.pending()).toBe(1);
    const before = state.probes;
    await clock.advance(30_000);
    expect(state.probes).toBe(before + 1);
    monitor.stop();
    expect(clock.pending()).toBe(0);
  });

  it('a socket that opened wins over an older probe that failed late', async () => {
    let answer: (up: boolean) => void = () => undefined;
    const monitor = new NetworkMonitor({
      browserOnline: true,
      clock: manualClock(),
      probe: () => new Promise<boolean>((resolve) => (answer = resolve)),
    });
    const probing = monitor.check();
    monitor.relayAnswered();
    answer(false);
    await probing;
    expect(monitor.snapshot.relay).toBe('reachable');
    monitor.stop();
  });

  it('a probe that throws counts as no answer', async () => {
    const monitor = new NetworkMonitor({
      browserOnline: true,
      clock: manualClock(),
      probe: () => Promise.reject(new TypeError('Failed to fetch')),
    });
    await monitor.check();
    expect(monitor.snapshot.relay).toBe('unreachable');
    monitor.stop();
  });

  it('back online by event: probes at once and reports online only when the relay answers', async () => {
    const { monitor, state } = setup({ browserOnline: false, relayUp: true });
    expect(monitor.snapshot.online).toBe(false);
    monitor.browserEvent(true);
    expect(monitor.snapshot.online).toBe(false); // offline made the relay unreachable until asked
    await Promise.resolve();
    await Promise.resolve();
    expect(state.probes).toBe(1);
    expect(monitor.snapshot.online).toBe(true);
    monitor.stop();
  });
});

describe('healthProbe', () => {
  it('asks the health endpoint afresh each time, discards the body and answers by status', async () => {
    const asked: { url: string; cache?: string; signal: boolean }[] = [];
    let status = 200;
    let cancelled = 0;
    const fetcher = (async (url: string, init?: RequestInit) => {
      asked.push({ url, cache: init?.cache, signal: init?.signal instanceof AbortSignal });
      const body = new ReadableStream({ cancel: () => void cancelled++ });
      return new Response(body, { status });
    }) as typeof fetch;
    const probe = healthProbe('https://relay.example/healthz', { fetcher });
    expect(await probe()).toBe(true);
    status = 503;
    expect(await probe()).toBe(false);
    expect(asked).toEqual([
      { url: 'https://relay.example/healthz', cache: 'no-store', signal: true },
      { url: 'https://relay.example/healthz', cache: 'no-store', signal: true },
    ]);
    expect(cancelled).toBe(2);
  });

  it('fails when the request does not finish in time', async () => {
    const fetcher = ((_url: string, init?: RequestInit) =>
      new Promise((_resolve, reject) =>
        init?.signal?.addEventListener('abort', () => reject(init.signal!.reason)),
      )) as typeof fetch;
    await expect(healthProbe('http://x/healthz', { fetcher, timeoutMs: 10 })()).rejects.toThrow();
  });
});

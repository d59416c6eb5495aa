/**
 * Chart benchmarks in Chromium (issue 4): open time sealed vs plain y-indexeddb, edit → durable
 * p95, open time vs uncompacted envelopes, patient search over 20,000, storage bytes.
 */
import { execFileSync } from 'node:child_process';
import { benchCaller, withBrowser } from './chromium.ts';
import { line } from './report.ts';

export async function benchCharts(options: { envelopeCounts: number[] }): Promise<void> {
  execFileSync('npx', ['vite', 'build', '--config', 'bench/browser/vite.config.ts'], {
    stdio: 'inherit',
  });
  await withBrowser('bench/.build', async (browser, url) => {
    const page = await browser.newPage();
    await page.goto(`${url}/`);
    await page.waitForFunction(() => document.title === 'ready');
    type Bench = {
      setup(): Promise<void>;
      chartWorkload(label: string, e: number, o: number): Promise<Record<string, number | string>>;
      uncompacted(
        counts: number[],
      ): Promise<{ envelopes: number; openMs: number; sealMs: number }[]>;
      search(n: number): { count: number; buildMs: number; p95: number; median: number };
    };
    const bench = benchCaller<Bench>(page);
    await bench((b) => b.setup());
    for (const [label, e, o, budget] of [
      ['typical', 60, 1200, 60],
      ['heavy', 450, 8600, 150],
    ] as const) {
      const r = await bench(
        (b, a) => {
          const [l, e2, o2] = a as [string, number, number];
          return b.chartWorkload(l, e2, o2);
        },
        [label, e, o],
      );
      const openS = Number(r.openSealedMs);
      const openP = Number(r.openPlainMs);
      line(
        'open chart (Chromium)',
        `${label} ${e} enc/${o} obs`,
        `sealed ${openS.toFixed(1)} ms vs plain y-indexeddb ${openP.toFixed(1)} ms`,
        `ratio ${(openS / openP).toFixed(2)}× (budget ≤ 1.2×; ≤ ${budget} ms)`,
      );
      const es = Number(r.editSealedP95);
      const ep = Number(r.editPlainP95);
      const er = Number(r.editRelaxedP95);
      line(
        'edit → durable write p95',
        label,
        `sealed ${es.toFixed(1)} ms vs plain ${ep.toFixed(1)} ms`,
        `ratio ${(es / ep).toFixed(2)}× (budget ≤ 25 ms and ≤ 2×; sealed writes are strict-durability)`,
      );
      line(
        'edit → write p95, like for like',
        `${label}, relaxed`,
        `sealed ${er.toFixed(1)} ms vs plain ${ep.toFixed(1)} ms (both relaxed durability)`,
        `ratio ${(er / ep).toFixed(2)}×`,
      );
      line(
        'storage bytes',
        label,
        `sealed ${r.sealedBytes} B vs plain ${r.plainBytes} B`,
        `ratio ${(Number(r.sealedBytes) / Number(r.plainBytes)).toFixed(2)}×`,
      );
    }
    const rows = await bench(
      (b, counts) => b.uncompacted(counts as number[]),
      options.envelopeCounts,
    );
    for (const r of rows) {
      line(
        'open vs uncompacted envelopes',
        `${r.envelopes} envelopes`,
        `${r.openMs.toFixed(0)} ms`,
        `(${(r.openMs / r.envelopes).toFixed(3)} ms/envelope; sealing them took ${r.sealMs.toFixed(0)} ms)`,
      );
    }
    const s = await bench((b) => b.search(20_000));
    line(
      'patient search',
      `${s.count} patients`,
      `p95 ${s.p95.toFixed(2)} ms, median ${s.median.toFixed(2)} ms`,
      `(index build ${s.buildMs.toFixed(0)} ms; budget ≤ 50 ms)`,
    );
  });
}

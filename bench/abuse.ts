/**
 * Relay under abuse (issue 11 item 7): the relay's RSS and /healthz latency while one abusive
 * client floods it (bench/abuse-flood.ts, its own process, one address), against the same
 * measures with no abuse, in one run. The relay runs in its own process (its memory is its own)
 * over a throwaway build and data folder. Bounded: a few seconds of flood. Reports, never fails.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { line } from './report.ts';
import { freePort } from '../tests/kit/net.ts';

const rssOf = (pid: number) =>
  Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;

const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;

/** /healthz latencies (sequential) and the relay's peak RSS over `ms`. */
async function measure(url: string, pid: number, ms: number) {
  const latencies: number[] = [];
  let peak = rssOf(pid);
  const sampler = setInterval(() => (peak = Math.max(peak, rssOf(pid))), 50);
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const start = performance.now();
    const res = await fetch(url + '/healthz');
    await res.text();
    latencies.push(performance.now() - start);
  }
  clearInterval(sampler);
  const mean = latencies.reduce((a, b) => a + b, 0) / latencies.length;
  return {
    p50: pct(latencies, 0.5),
    p95: pct(latencies, 0.95),
    max: Math.max(...latencies),
    mean,
    n: latencies.length,
    peak,
  };
}

export async function benchAbuse(options: { seconds: number }): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'folio-bench-abuse-'));
  await mkdir(join(root, 'build'));
  await writeFile(join(root, 'build', 'index.html'), '<!doctype html><title>bench</title>');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const relay = spawn(process.execPath, ['--import', 'tsx', 'relay/main.ts'], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      FOLIO_DATA_DIR: join(root, 'data'),
      FOLIO_BUILD_DIR: join(root, 'build'),
    },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  try {
    await new Promise<void>((resolve, reject) => {
      relay.stdout!.on('data', (d: Buffer) => d.toString().includes('running at') && resolve());
      relay.once('exit', () => reject(new Error('relay exited')));
    });
    await measure(url, relay.pid!, 500); // warm up
    const calm = await measure(url, relay.pid!, options.seconds * 1000);
    const flood = spawn(
      process.execPath,
      ['--import', 'tsx', 'bench/abuse-flood.ts', url, String(options.seconds + 1)],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let sent = '';
    flood.stdout!.on('data', (d: Buffer) => (sent += d.toString()));
    await new Promise((r) => setTimeout(r, 500));
    const abused = await measure(url, relay.pid!, options.seconds * 1000);
    await new Promise((r) => flood.once('exit', r));
    const workload = `${options.seconds} s, 1 client`;
    line(
      'relay /healthz p50/p95, no abuse',
      workload,
      `${calm.p50.toFixed(2)} / ${calm.p95.toFixed(2)} ms, mean ${calm.mean.toFixed(2)}, max ${calm.max.toFixed(0)} ms (${calm.n} requests)`,
    );
    line(
      'relay /healthz p50/p95, flooded',
      workload,
      `${abused.p50.toFixed(2)} / ${abused.p95.toFixed(2)} ms, mean ${abused.mean.toFixed(2)}, max ${abused.max.toFixed(0)} ms (${abused.n} requests)`,
      `ratios p95 ${(abused.p95 / calm.p95).toFixed(1)}×, mean ${(abused.mean / calm.mean).toFixed(1)}×`,
    );
    line(
      'relay peak RSS, no abuse → flooded',
      workload,
      `${(calm.peak / 2 ** 20).toFixed(0)} → ${(abused.peak / 2 ** 20).toFixed(0)} MiB`,
      `ratio ${(abused.peak / calm.peak).toFixed(2)}×`,
    );
    line('abusive client sent', workload, sent.trim() || '(nothing reported)');
  } finally {
    relay.kill('SIGTERM');
    await new Promise((r) => relay.once('exit', r));
    await rm(root, { recursive: true, force: true });
  }
}

// `npx tsx bench/abuse.ts` runs this case alone.
if (import.meta.url === `file://${process.argv[1]}`) {
  await benchAbuse({ seconds: Number(process.env.FOLIO_BENCH_ABUSE_SECONDS ?? 5) });
}

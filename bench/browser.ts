/**
 * Browser measures in Debian Chromium against the built app served by the relay:
 * - initial JavaScript before unlock (gzip), with libsodium absent (budget ≤ 120 KB);
 * - Argon2id unlock (moderate limits) in the vault Worker, against the same crypto_pwhash in
 *   Node in the same run.
 */
import { gzipSync } from 'node:zlib';
import { loadSodium, sodium, DEFAULT_ARGON2 } from '../src/lib/crypto/index.ts';
import { BENCH_PASSPHRASE, createBenchPractice, withBrowser } from './chromium.ts';
import { line } from './report.ts';

export async function benchBrowser(): Promise<void> {
  await withBrowser('build', async (browser, url) => {
    const context = await browser.newContext({ baseURL: url });
    const page = await context.newPage();
    const scripts = new Map<string, number>();
    page.on('response', async (response) => {
      if (!/\.m?js$/.test(new URL(response.url()).pathname)) return;
      const body = await response.body().catch(() => Buffer.alloc(0));
      scripts.set(response.url(), gzipSync(body).length);
    });
    await page.goto('/');
    await page.getByRole('button', { name: 'Create practice' }).waitFor();
    await page.waitForTimeout(300);
    const total = [...scripts.values()].reduce((a, b) => a + b, 0);
    const worker = [...scripts]
      .filter(([u]) => u.includes('worker'))
      .reduce((a, [, b]) => a + b, 0);
    const sodiumLoaded = [...scripts.keys()].some((u) => /sodium/i.test(u));
    line(
      'initial JS before unlock (gzip)',
      `${scripts.size} files`,
      `${(total / 1024).toFixed(1)} KB (of which vault worker ${(worker / 1024).toFixed(1)} KB)`,
      `budget ≤ 120 KB; libsodium loaded: ${sodiumLoaded ? 'YES' : 'no'}`,
    );

    const passphrase = BENCH_PASSPHRASE;
    await createBenchPractice(page);
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      await page.getByRole('button', { name: 'Lock' }).click();
      await page.getByRole('heading', { name: 'Folio is locked' }).waitFor();
      await page.getByLabel('Passphrase', { exact: true }).fill(passphrase);
      const start = performance.now();
      await page.getByRole('button', { name: 'Unlock' }).click();
      await page.getByRole('heading', { name: 'Bench', level: 1 }).waitFor({ timeout: 30_000 });
      times.push(performance.now() - start);
    }
    await loadSodium();
    const s = sodium();
    const nodeStart = performance.now();
    s.crypto_pwhash(
      32,
      passphrase,
      s.randombytes_buf(16),
      DEFAULT_ARGON2.opslimit,
      DEFAULT_ARGON2.memlimit,
      s.crypto_pwhash_ALG_ARGON2ID13,
    );
    const nodeMs = performance.now() - nodeStart;
    const median = times.sort((a, b) => a - b)[1]!;
    line(
      'unlock (Argon2id moderate)',
      'click → unlocked',
      `median ${median.toFixed(0)} ms in Chromium (each run loads libsodium anew: ${times.map((t) => t.toFixed(0)).join('/')})`,
      `vs crypto_pwhash alone in Node ${nodeMs.toFixed(0)} ms: ratio ${(median / nodeMs).toFixed(2)}×`,
    );
  });
}

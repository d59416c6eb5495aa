import { spawn } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';

function run(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'relay/main.ts'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (c) => (out += c));
  child.stderr.on('data', (c) => (err += c));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, out: () => out, err: () => err };
}

it('npm start serves on the configured port, creates FOLIO_DATA_DIR and stops on SIGTERM', async () => {
  const root = await mkdtemp(join(tmpdir(), 'folio-main-'));
  try {
    const build = join(root, 'build');
    await mkdir(build);
    await writeFile(join(build, 'index.html'), '<!doctype html><title>shell</title>');
    const data = join(root, 'nested', 'data');
    const relay = run({ PORT: '0', FOLIO_DATA_DIR: data, FOLIO_BUILD_DIR: build });
    const deadline = Date.now() + 15_000;
    while (!/running at (http:\S+?)\/ /.test(relay.out()) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const url = /running at (http:\S+?)\/ /.exec(relay.out())?.[1];
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(existsSync(data)).toBe(true);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    relay.child.kill('SIGTERM');
    expect(await relay.exited).toBe(0);
    expect(relay.out()).toContain('"event":"relay.stopped"');
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

it('refuses a bad PORT with a clear message', async () => {
  const relay = run({ PORT: 'eighty' });
  expect(await relay.exited).toBe(1);
  expect(relay.err()).toContain('PORT must be a whole number from 0 to 65535, not "eighty"');
});

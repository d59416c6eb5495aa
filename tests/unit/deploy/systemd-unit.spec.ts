/**
 * Issue 14 item 2: deploy/folio-relay.service passes `systemd-analyze verify` (offline: it parses
 * the unit and checks that ExecStart's program exists; it needs no running systemd). Unknown
 * values are only printed (exit status 0), so the test wants no output at all, and a misspelled
 * copy shows the check does read the file.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect, it } from 'vitest';

const ANALYZE = '/usr/bin/systemd-analyze';
const available = existsSync(ANALYZE);
if (!available && process.env.CI)
  throw new Error(`${ANALYZE} is missing: .ci/run installs systemd`);
const UNIT = resolve(import.meta.dirname, '../../../deploy/folio-relay.service');

function verify(path: string): { status: number | null; output: string } {
  const run = spawnSync(ANALYZE, ['verify', path], { encoding: 'utf8', timeout: 30_000 });
  return { status: run.status, output: (run.stdout + run.stderr).trim() };
}

it.skipIf(!available)('the shipped unit verifies without a word', () => {
  expect(verify(UNIT)).toEqual({ status: 0, output: '' });
});

it.skipIf(!available)('a misspelled copy is reported (the check reads the file)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'folio-unit-'));
  try {
    const text = await readFile(UNIT, 'utf8');
    expect(text).toContain('ProtectSystem=strict');
    const copy = join(dir, 'folio-relay.service');
    await writeFile(copy, text.replace('ProtectSystem=strict', 'ProtectSystem=strikt'));
    expect(verify(copy).output).toMatch(/protect system value.*strikt/i);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

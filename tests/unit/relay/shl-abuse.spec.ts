/**
 * Issue 11 items 8 and 9 (relay side): share links cannot be worn out, flooded or logged without
 * bound by whoever holds the URL; revoking deletes the encrypted file; a manifest's `location`
 * never comes from the request's Host header.
 */
import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { jwe } from './helpers.ts';
import { startRelay, type Relay, type RelayOptions } from '../../../relay/server.ts';
import type { ShlLimits } from '../../../relay/shl.ts';
import { PRACTICE } from '../../kit/practice.ts';

let relay: Relay | null = null;
let dataDir = '';
afterEach(async () => {
  await relay?.close();
  relay = null;
  await rm(dataDir, { recursive: true, force: true });
});

async function start(limits: Partial<ShlLimits> = {}, extra: Partial<RelayOptions> = {}) {
  dataDir = await mkdtemp(join(tmpdir(), 'folio-shl-abuse-'));
  relay = await startRelay({
    port: 0,
    host: '127.0.0.1',
    dataDir,
    buildDir: dataDir,
    log: () => {},
    shlLimits: limits,
    ...extra,
  });
  return relay.url;
}

async function link(url: string, flags = 'P', file = jwe()) {
  const id = randomBytes(32).toString('base64url');
  const secret = randomBytes(32).toString('base64url');
  const created = await fetch(`${url}/shl`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...PRACTICE.headers() },
    body: JSON.stringify({
      id,
      manageHash: createHash('sha256').update(secret).digest('hex'),
      flags,
      expires: Date.now() + 3600_000,
      ...(flags.includes('P') ? { passcode: 'quartz-4417' } : {}),
    }),
  });
  expect(created.status).toBe(201);
  const manage = { 'x-folio-manage': secret };
  const put = await fetch(`${url}/shl/${id}/file`, { method: 'PUT', headers: manage, body: file });
  expect(put.status).toBe(204);
  return { id, manage, file };
}

const manifest = (url: string, id: string, body: Record<string, unknown>) =>
  fetch(`${url}/shl/${id}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...PRACTICE.headers() },
    body: JSON.stringify(body),
  });

async function accessLog(url: string, id: string, manage: Record<string, string>) {
  const res = await fetch(`${url}/shl/${id}/log`, { headers: manage });
  return (await res.json()) as {
    remainingAttempts: number | null;
    omitted: number;
    accesses: { outcome: string }[];
  };
}

it('a manifest request without a passcode does not use up an attempt', async () => {
  const url = await start({ maxFailures: 3 });
  const l = await link(url);
  for (let i = 0; i < 6; i++) {
    const res = await manifest(url, l.id, { recipient: 'curious' });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ remainingAttempts: 3 });
  }
  expect((await accessLog(url, l.id, l.manage)).remainingAttempts).toBe(3);
  const ok = await manifest(url, l.id, { recipient: 'Dr. S', passcode: 'quartz-4417' });
  expect(ok.status).toBe(200);
});

it('rate-limits requests to one link (429 with Retry-After), not to the others', async () => {
  const url = await start({ linkBurst: 5, linkRatePerMinute: 1 });
  const a = await link(url, '');
  const b = await link(url, '');
  const statuses: number[] = [];
  for (let i = 0; i < 8; i++) statuses.push((await manifest(url, a.id, { recipient: 'r' })).status);
  expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429, 429]);
  const limited = await manifest(url, a.id, { recipient: 'r' });
  expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
  const u = await fetch(`${url}/shl/${a.id}?recipient=r`);
  expect(u.status).toBe(429);
  expect((await manifest(url, b.id, { recipient: 'r' })).status).toBe(200);
});

it('caps the access log per link, keeping successful accesses before refused ones', async () => {
  const url = await start({ maxFailures: 1000, accessLogCap: 10, linkBurst: 1000 });
  const l = await link(url);
  expect((await manifest(url, l.id, { recipient: 'Dr. S', passcode: 'quartz-4417' })).status).toBe(
    200,
  );
  for (let i = 0; i < 30; i++) {
    await manifest(url, l.id, { recipient: `spam-${i}`, passcode: 'wrong-pass' });
  }
  const log = await accessLog(url, l.id, l.manage);
  expect(log.accesses).toHaveLength(10);
  expect(log.accesses[0]!.outcome).toBe('ok');
  expect(log.omitted).toBe(21);
});

it('revoking deletes the encrypted file from the relay, not just a flag', async () => {
  const url = await start();
  const l = await link(url, '', jwe(20_000));
  // Slices of the ciphertext (a long value spans several database pages).
  const ciphertext = l.file.split('.')[3]!;
  const slices = [0, 5000, 10_000, 20_000].map((at) => Buffer.from(ciphertext.slice(at, at + 200)));
  const found = async () => {
    const files = await readdir(dataDir);
    const disk = Buffer.concat(await Promise.all(files.map((f) => readFile(join(dataDir, f)))));
    return slices.filter((s) => disk.includes(s)).length;
  };
  expect(await found()).toBeGreaterThan(0);
  const revoked = await fetch(`${url}/shl/${l.id}`, { method: 'DELETE', headers: l.manage });
  expect(revoked.status).toBe(204);
  expect(await found()).toBe(0);
  expect((await accessLog(url, l.id, l.manage)).accesses).toEqual([]);
});

it("builds a manifest's location from the configured public URL, never the Host header", async () => {
  const url = await start({}, { publicUrl: 'https://folio.example.org' });
  const l = await link(url, '', jwe(5000));
  const answer = await new Promise<string>((resolve, reject) => {
    const req = request(
      `${url}/shl/${l.id}`,
      {
        method: 'POST',
        headers: {
          host: 'evil.example',
          'x-forwarded-proto': 'https',
          'content-type': 'application/json',
        },
      },
      (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve(text));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify({ recipient: 'r', embeddedLengthMax: 10 }));
  });
  const location = (JSON.parse(answer) as { files: { location: string }[] }).files[0]!.location;
  expect(location).toMatch(/^https:\/\/folio\.example\.org\/shl\/file\/[A-Za-z0-9_-]{43}$/);
});

it('defaults the public URL to the address the relay is bound to', async () => {
  const url = await start();
  const l = await link(url, '', jwe(5000));
  const res = await fetch(`${url}/shl/${l.id}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...PRACTICE.headers() },
    body: JSON.stringify({ recipient: 'r', embeddedLengthMax: 10 }),
  });
  const { files } = (await res.json()) as { files: { location: string }[] };
  expect(files[0]!.location.startsWith(`${url}/shl/file/`)).toBe(true);
});

it('rate-limits the share links one client (address) may create', async () => {
  const url = await start({ createBurst: 3, createsPerHour: 1 });
  for (let i = 0; i < 3; i++) await link(url, '');
  const res = await fetch(`${url}/shl`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...PRACTICE.headers() },
    body: JSON.stringify({
      id: randomBytes(32).toString('base64url'),
      manageHash: 'c'.repeat(64),
      flags: '',
      expires: Date.now() + 3600_000,
    }),
  });
  expect(res.status).toBe(429);
  expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
});

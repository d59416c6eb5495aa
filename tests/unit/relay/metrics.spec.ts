/**
 * Issue 14 item 5: /metrics in Prometheus text format — gauges and refusals by kind, counted in
 * full even when the log suppresses a flood, never an id; readable from this machine or with
 * FOLIO_METRICS_TOKEN.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { mayReadMetrics } from '../../../relay/metrics.ts';
import { PRACTICE } from '../../kit/practice.ts';
import { RawClient } from './frames.ts';
import { startTestRelay, type TestRelay } from './helpers.ts';
import { startRelay } from '../../../relay/server.ts';

let server: TestRelay | null = null;
afterEach(async () => {
  await server?.stop();
  server = null;
});

const metric = (text: string, name: string): number =>
  Number(new RegExp(`^${name.replace(/[{}"=,.]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1]);

it('reports gauges and every refusal by kind, never a room or practice id', async () => {
  server = await startTestRelay();
  const url = server.relay.url;
  const room = 'a'.repeat(32);
  const c = new RawClient(url);
  await c.authenticate(room, PRACTICE.token('b'.repeat(64)));
  // 100 pairing mailboxes refused for want of a practice proof: the log keeps 30 of them.
  for (let i = 0; i < 100; i++) {
    await fetch(`${url}/pair/${i.toString(16).padStart(32, '0')}`, {
      method: 'PUT',
      body: JSON.stringify({ ownerHash: 'c'.repeat(64) }),
    });
  }
  const res = await fetch(`${url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  expect(
    metric(text, 'folio_relay_refusals_total{event="practice.refused",reason="malformed"}'),
  ).toBe(100);
  expect(server.logs.filter((l) => l.includes('practice.refused')).length).toBeLessThanOrEqual(31);
  expect(metric(text, 'folio_relay_sync_sockets')).toBe(1);
  expect(metric(text, 'folio_relay_practices')).toBe(1);
  expect(metric(text, 'folio_relay_rooms_stored')).toBe(1);
  expect(metric(text, 'folio_relay_resident_bytes')).toBeGreaterThan(1e6);
  expect(text).not.toContain(room);
  expect(text).not.toContain(PRACTICE.id);
  expect(text).not.toContain('127.0.0.1');
  c.terminate();
  await expect
    .poll(async () =>
      metric(await (await fetch(`${url}/metrics`)).text(), 'folio_relay_sync_sockets'),
    )
    .toBe(0);
});

it('with FOLIO_METRICS_TOKEN, answers only a request that bears it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'folio-metrics-'));
  const token = 'm'.repeat(40);
  const relay = await startRelay({
    port: 0,
    host: '127.0.0.1',
    dataDir: dir,
    buildDir: dir,
    log: () => {},
    metricsToken: token,
  });
  try {
    expect((await fetch(`${relay.url}/metrics`)).status).toBe(403);
    const wrong = { authorization: `Bearer ${'x'.repeat(40)}` };
    expect((await fetch(`${relay.url}/metrics`, { headers: wrong })).status).toBe(403);
    const right = { authorization: `Bearer ${token}` };
    expect((await fetch(`${relay.url}/metrics`, { headers: right })).status).toBe(200);
    expect((await fetch(`${relay.url}/metrics`, { method: 'POST', headers: right })).status).toBe(
      405,
    );
  } finally {
    await relay.close();
    await rm(dir, { recursive: true, force: true });
  }
});

it('without a token, only this machine may read them', () => {
  const req = (address: string) =>
    ({ socket: { remoteAddress: address }, headers: {} }) as unknown as IncomingMessage;
  expect(mayReadMetrics(req('127.0.0.1'), undefined)).toBe(true);
  expect(mayReadMetrics(req('::ffff:127.0.0.1'), undefined)).toBe(true);
  expect(mayReadMetrics(req('::1'), undefined)).toBe(true);
  expect(mayReadMetrics(req('203.0.113.5'), undefined)).toBe(false);
  expect(mayReadMetrics(req('192.168.1.20'), undefined)).toBe(false);
});

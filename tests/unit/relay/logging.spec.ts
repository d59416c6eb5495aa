/**
 * Issue 11 item 7: library logging (Hocuspocus's console.error with socket and room ids, stack
 * traces) never reaches the relay's log or its output, and error logging is rate-limited.
 */
import { afterEach, expect, it, vi } from 'vitest';
import { rateLimited } from '../../../relay/log.ts';
import { RawClient, TYPE, stringFrame, syncFrame, SYNC } from './frames.ts';
import { startTestRelay, until, type TestRelay } from './helpers.ts';
import { PRACTICE } from '../../kit/practice.ts';

let server: TestRelay | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
  vi.restoreAllMocks();
});

const ROOM = 'a'.repeat(32);
/** A room token: the capability and a practice proof. */
const CAP = PRACTICE.token('b'.repeat(64));

it('keeps Hocuspocus console output (room ids, stack traces) out of the output and the log', async () => {
  const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
  server = await startTestRelay();
  // A refused frame: Hocuspocus 3.4 then calls console.error("closing connection <socket> (while
  // handling <room>) because of exception", …).
  const c = new RawClient(server.relay.url);
  await c.authenticate(ROOM, CAP);
  c.send(stringFrame(ROOM, TYPE.stateless, 'junk'));
  await until(() => server!.logs.some((l) => l.includes('library.console')));
  c.terminate();
  expect(error).not.toHaveBeenCalled();
  expect(warn).not.toHaveBeenCalled();
  const text = server.logs.join('\n');
  expect(text).not.toContain(ROOM);
  expect(text).not.toMatch(/\n\s+at /);
  expect(text).not.toContain('closing connection');
});

it('rate-limits warnings and errors per event, and says how many it dropped', () => {
  const lines: string[] = [];
  let now = 0;
  const log = rateLimited(
    (level, event, fields) => lines.push(`${level} ${event} ${JSON.stringify(fields ?? {})}`),
    {
      perMinute: 5,
      now: () => now,
    },
  );
  for (let i = 0; i < 1000; i++) log('warn', 'sync.refused', { reason: 'malformed' });
  log('info', 'relay.listening');
  expect(lines.filter((l) => l.startsWith('warn sync.refused'))).toHaveLength(5);
  now += 61_000;
  log('warn', 'sync.refused', { reason: 'malformed' });
  expect(lines.some((l) => l.includes('log.suppressed') && l.includes('995'))).toBe(true);
  expect(lines.filter((l) => l.startsWith('warn sync.refused'))).toHaveLength(6);
});

it('bounds the log lines a flood of garbage produces', async () => {
  server = await startTestRelay();
  const before = server.logs.length;
  for (let i = 0; i < 30; i++) {
    const c = new RawClient(server.relay.url);
    await c.authenticate(ROOM, CAP);
    for (let j = 0; j < 5; j++)
      c.send(syncFrame(ROOM, TYPE.sync, SYNC.update, new Uint8Array([9, 9, 9])));
    await until(() => c.closed !== null || server!.logs.length > before + i);
    c.terminate();
  }
  const refused = server.logs.slice(before).filter((l) => l.includes('"level":"warn"'));
  expect(refused.length).toBeLessThanOrEqual(60);
});

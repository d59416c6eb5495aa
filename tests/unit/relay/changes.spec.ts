/**
 * Issue 11 item 7: the change feed answers only for rooms the asker proves it holds (each room
 * with its capability, which the relay checks against the hash it keeps), and one client cannot
 * keep the relay busy with it.
 */
import { afterEach, expect, it } from 'vitest';
import * as Y from 'yjs';
import { RawClient, SYNC, TYPE, env, syncFrame } from './frames.ts';
import { startTestRelay, until, type TestRelay } from './helpers.ts';
import { PRACTICE } from '../../kit/practice.ts';

let server: TestRelay | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

const ROOM = 'a'.repeat(32);
const CAP = 'b'.repeat(64);

async function ask(body: unknown) {
  const res = await fetch(server!.relay.url + '/sync/changes', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return {
    status: res.status,
    body: res.ok ? ((await res.json()) as { changed: string[] }) : null,
  };
}

async function writeOnce(): Promise<void> {
  const c = new RawClient(server!.relay.url);
  await c.authenticate(ROOM, PRACTICE.token(CAP));
  const doc = new Y.Doc();
  doc.getArray('envelopes').push([env(1)]);
  c.send(syncFrame(ROOM, TYPE.sync, SYNC.update, Y.encodeStateAsUpdate(doc)));
  await until(() => c.acks(ROOM) > 0);
  c.terminate();
}

it('reports a room only to an asker that proves it holds the room', async () => {
  server = await startTestRelay();
  await writeOnce();
  let held = await ask({ since: 0, rooms: [{ room: ROOM, capability: CAP }] });
  for (let i = 0; i < 50 && held.body?.changed.length === 0; i++) {
    await new Promise((r) => setTimeout(r, 50));
    held = await ask({ since: 0, rooms: [{ room: ROOM, capability: CAP }] });
  }
  expect(held.body?.changed).toEqual([ROOM]);
  // Someone who only knows (or guesses) the room id learns nothing.
  const bare = await ask({ since: 0, rooms: [ROOM] });
  expect(bare.body?.changed ?? []).toEqual([]);
  const wrong = await ask({ since: 0, rooms: [{ room: ROOM, capability: 'c'.repeat(64) }] });
  expect(wrong.body?.changed ?? []).toEqual([]);
});

it('answers one query per client at a time and bounds the rooms it checks per minute', async () => {
  server = await startTestRelay();
  const rooms = Array.from({ length: 20_000 }, (_, i) => ({
    room: i.toString(16).padStart(32, '0'),
    capability: CAP,
  }));
  const answers = await Promise.all(Array.from({ length: 8 }, () => ask({ since: 0, rooms })));
  const statuses = answers.map((a) => a.status);
  expect(statuses.filter((s) => s === 200).length).toBeGreaterThan(0);
  expect(statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
});

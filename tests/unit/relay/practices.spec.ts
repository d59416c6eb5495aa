/**
 * Issue 11 item 7: rooms, pairing mailboxes and share links need a practice-level proof
 * (docs/spec/envelope.md §12), practices register at a limited rate (or only those the operator
 * lists), and each practice's rooms share one storage quota. Each attack first, then the rule.
 */
import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as Y from 'yjs';
import { afterEach, describe, expect, it } from 'vitest';
import { checkProof } from '../../../relay/practice-proof.ts';
import { openRoomStore, ROOM_OVERHEAD_BYTES } from '../../../relay/store.ts';
import { proofFor, testPractice } from '../../kit/practice.ts';
import { authFrame, env, RawClient, SYNC, syncFrame, TYPE } from './frames.ts';
import { startTestRelay, until, type TestRelay } from './helpers.ts';

let server: TestRelay | null = null;
const sockets: RawClient[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.terminate();
  await server?.stop();
  server = null;
});

const room = () => randomBytes(16).toString('hex');
const cap = () => randomBytes(32).toString('hex');

/** Sends an auth frame on a fresh socket and waits for the relay's answer. */
async function authOutcome(token: string, name = room()): Promise<'authenticated' | 'denied'> {
  const c = new RawClient(server!.relay.url);
  sockets.push(c);
  await c.opened;
  c.send(authFrame(name, token));
  await until(() => c.authOutcome(name) !== null);
  return c.authOutcome(name)!;
}

describe('sync rooms', () => {
  it('cannot be created with a capability alone, or with a forged, stale or future proof', async () => {
    server = await startTestRelay();
    const p = testPractice();
    const c = cap();
    const forged = Buffer.from(p.proof(), 'base64url');
    forged[forged.length - 1]! ^= 1;
    const otherKey = testPractice();
    // Another key's signature over this practice's id.
    const swapped = Buffer.from(otherKey.proof(), 'base64url');
    swapped.set(p.publicKey, 1);
    for (const token of [
      c,
      `${c}.${forged.toString('base64url')}`,
      `${c}.${swapped.toString('base64url')}`,
      p.token(c, Date.now() - 2 * 3600_000),
      p.token(c, Date.now() + 3600_000),
      `${c}.${proofFor(p.publicKey, p.privateKey, Date.now(), 2)}`,
    ]) {
      expect(await authOutcome(token)).toBe('denied');
    }
    expect(server.logs.filter((l) => l.includes('practice.registered'))).toEqual([]);
    expect(await authOutcome(p.token(c))).toBe('authenticated');
  });

  it("another practice cannot open a practice's room, even holding its capability", async () => {
    server = await startTestRelay();
    const [a, b] = [testPractice(), testPractice()];
    const [name, c] = [room(), cap()];
    expect(await authOutcome(a.token(c), name)).toBe('authenticated');
    expect(await authOutcome(b.token(c), name)).toBe('denied');
    expect(await authOutcome(a.token(c), name)).toBe('authenticated');
  });

  it('each practice has one storage quota for all its rooms; other practices are not affected', async () => {
    server = await startTestRelay({}, {}, {}, { practiceLimits: { quotaBytes: 8 * 1024 } });
    const [a, b] = [testPractice(), testPractice()];
    const write = async (p: typeof a, name: string, size: number) => {
      const c = new RawClient(server!.relay.url);
      sockets.push(c);
      await c.authenticate(name, p.token('c'.repeat(64)));
      const doc = new Y.Doc();
      const bytes = env(1);
      doc.getArray('envelopes').push([new Uint8Array(size).map((_, i) => bytes[i % 96]!)]);
      c.send(syncFrame(name, TYPE.sync, SYNC.update, Y.encodeStateAsUpdate(doc)));
      await until(() => c.acks(name) > 0 || c.closed !== null || closedRoom(c, name));
      return c.acks(name) > 0 ? 'stored' : 'refused';
    };
    // Two rooms of 1 KiB overhead plus ~3 KiB each fit in 8 KiB; a third room's write does not.
    expect(await write(a, room(), 3000)).toBe('stored');
    expect(await write(a, room(), 3000)).toBe('stored');
    expect(await write(a, room(), 3000)).toBe('refused');
    expect(await write(b, room(), 3000)).toBe('stored');
  });

  it('registers new practices at a limited rate per address; known practices are never refused', async () => {
    server = await startTestRelay(
      {},
      {},
      {},
      {
        practiceLimits: { registrationBurst: 2, registrationsPerHour: 1 },
      },
    );
    const [p1, p2, p3] = [testPractice(), testPractice(), testPractice()];
    expect(await authOutcome(p1.token(cap()))).toBe('authenticated');
    expect(await authOutcome(p2.token(cap()))).toBe('authenticated');
    expect(await authOutcome(p3.token(cap()))).toBe('denied');
    expect(server.logs.some((l) => l.includes('registration-rate'))).toBe(true);
    expect(await authOutcome(p1.token(cap()))).toBe('authenticated');
  });

  it('admits only the listed practices when the operator lists them (FOLIO_PRACTICES)', async () => {
    const listed = testPractice();
    server = await startTestRelay({}, {}, {}, { practiceLimits: { allow: [listed.id] } });
    expect(await authOutcome(testPractice().token(cap()))).toBe('denied');
    expect(await authOutcome(listed.token(cap()))).toBe('authenticated');
  });
});

function closedRoom(c: RawClient, name: string): boolean {
  return c.received.some((m) => {
    const text = Buffer.from(m).toString('latin1');
    return text.includes(name) && text.includes('quota-exceeded');
  });
}

describe('pairing mailboxes and share links', () => {
  it('a pairing mailbox needs a practice proof, and one practice holds a bounded number', async () => {
    server = await startTestRelay({}, { mailboxesPerPractice: 2 });
    const url = server.relay.url;
    const put = (headers: Record<string, string>) =>
      fetch(`${url}/pair/${room()}`, {
        method: 'PUT',
        headers,
        body: JSON.stringify({ ownerHash: 'c'.repeat(64) }),
      });
    const anonymous = await put({});
    expect(anonymous.status).toBe(403);
    expect(await anonymous.text()).toMatch(/practice's proof/);
    expect((await put({ 'x-folio-practice': 'x'.repeat(140) })).status).toBe(403);
    const p = testPractice();
    expect((await put(p.headers())).status).toBe(201);
    expect((await put(p.headers())).status).toBe(201);
    expect((await put(p.headers())).status).toBe(429);
    expect((await put(testPractice().headers())).status).toBe(201);
    expect(server.relay.pairing.size).toBe(3);
  });

  it('a share link needs a practice proof', async () => {
    server = await startTestRelay();
    const create = (headers: Record<string, string>) =>
      fetch(`${server!.relay.url}/shl`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({
          id: randomBytes(32).toString('base64url'),
          manageHash: 'c'.repeat(64),
          flags: '',
          expires: Date.now() + 3600_000,
        }),
      });
    expect((await create({})).status).toBe(403);
    expect((await create(testPractice().headers(Date.now() - 3 * 3600_000))).status).toBe(403);
    expect((await create(testPractice().headers())).status).toBe(201);
  });
});

describe('the proof decoder', () => {
  it('refuses every altered proof and any other text (10,000 generated cases)', () => {
    const p = testPractice();
    const now = Date.now();
    const good = Buffer.from(p.proof(now), 'base64url');
    expect(checkProof(good.toString('base64url'), now)).toMatchObject({ ok: true, practice: p.id });
    fc.assert(
      fc.property(
        fc.oneof(
          // One byte flipped anywhere (version, key, time or signature).
          fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 1, max: 255 })).map(([i, x]) => {
            const b = Buffer.from(good);
            b[i]! ^= x;
            return b.toString('base64url');
          }),
          // Random bytes of the right length, and any string at all.
          fc
            .uint8Array({ minLength: 105, maxLength: 105 })
            .map((b) => Buffer.from(b).toString('base64url')),
          fc.string({ maxLength: 300 }),
        ),
        (text) => {
          expect(checkProof(text, now).ok).toBe(false);
        },
      ),
      { numRuns: 10_000 },
    );
  });

  it('the store accounts every room of a practice exactly, through appends and compaction', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'folio-practice-store-'));
    const store = openRoomStore(dir);
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.tuple(fc.nat(3), fc.integer({ min: 1, max: 400 })), { maxLength: 120 }),
          async (appends) => {
            const practice = randomBytes(32).toString('hex');
            store.addPractice(practice);
            const rooms = [0, 1, 2, 3].map(() => room());
            // One room stored before practices existed, claimed later.
            store.store(rooms[3]!, new Uint8Array(50).fill(7));
            for (const r of rooms.slice(0, 3)) store.claimRoom(r, practice);
            for (const [i, size] of appends) {
              const doc = new Y.Doc();
              doc.getArray('envelopes').push([new Uint8Array(size).fill(i + 1)]);
              store.append(rooms[i]!, Y.encodeStateAsUpdate(doc));
            }
            store.claimRoom(rooms[3]!, practice);
            store.claimRoom(rooms[3]!, practice); // twice: counted once
            const expected = rooms.reduce((n, r) => n + store.bytes(r) + ROOM_OVERHEAD_BYTES, 0);
            expect(store.practiceBytes(practice)).toBe(expected);
          },
        ),
        { numRuns: 60 },
      );
    } finally {
      store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

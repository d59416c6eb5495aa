/**
 * Issue 11 item 7: appends are stored incrementally (the relay no longer re-encodes and rewrites a
 * whole room on every append), old data folders stay readable, and each room has a storage quota
 * with a clear error to the device.
 */
import Database from 'better-sqlite3';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import * as Y from 'yjs';
import { silentLogger } from '../../../relay/log.ts';
import { createPractices } from '../../../relay/practices.ts';
import { openRoomStore, type RoomStore } from '../../../relay/store.ts';
import { createSync, type SyncEndpoint, type SyncLimits } from '../../../relay/sync.ts';
import { RELAY_REFUSALS } from '../../../src/lib/sync/relay-refusals.ts';
import { closeReason, RawClient, SYNC, TYPE, env, syncFrame } from './frames.ts';
import { until } from './helpers.ts';
import { PRACTICE } from '../../kit/practice.ts';

const ROOM = 'a'.repeat(32);
/** A room token: the capability and a practice proof. */
const CAP = PRACTICE.token('b'.repeat(64));
const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'folio-store-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** An envelope of `size` bytes (version 1). */
function big(size: number, tag: number): Uint8Array {
  const bytes = new Uint8Array(size).fill(tag);
  bytes[0] = 1;
  return bytes;
}

/** A /sync endpoint over `store` on a loopback server of its own. */
async function syncOver(store: RoomStore, limits: Partial<SyncLimits> = {}) {
  const practices = createPractices({ store, log: silentLogger });
  const sync: SyncEndpoint = createSync({ store, practices, log: silentLogger, limits });
  const server: Server = createServer();
  server.on('upgrade', (req, socket, head) => sync.handleUpgrade(req, socket, head));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  cleanup.push(async () => {
    await sync.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function appendFrame(doc: Y.Doc, envelope: Uint8Array): Uint8Array {
  const before = Y.encodeStateVector(doc);
  doc.getArray<Uint8Array>('envelopes').push([envelope]);
  return syncFrame(ROOM, TYPE.sync, SYNC.update, Y.encodeStateAsUpdate(doc, before));
}

it('stores an append as the update alone, not the whole room again', async () => {
  const real = openRoomStore(await tempDir());
  cleanup.push(() => real.close());
  const written: number[] = [];
  const spy: RoomStore = {
    ...real,
    store: (room, state) => {
      written.push(state.length);
      real.store(room, state);
    },
    append: (room, update) => {
      written.push(update.length);
      real.append(room, update);
    },
    appendNew: (room, doc) => {
      const bytes = real.appendNew(room, doc);
      if (bytes > 0) written.push(bytes);
      return bytes;
    },
  };
  const url = await syncOver(spy);
  const c = new RawClient(url);
  cleanup.push(() => c.terminate());
  await c.authenticate(ROOM, CAP);
  const doc = new Y.Doc();
  c.send(appendFrame(doc, big(4 * 1024 * 1024, 7)));
  await until(() => written.length > 0, 10_000);
  const acked = c.acks(ROOM);
  c.send(appendFrame(doc, env(9)));
  await until(() => c.acks(ROOM) > acked && written.length > 1, 10_000);
  expect(written[1]).toBeLessThan(1024);
  // What is stored reads back as the whole room.
  const stored = new Y.Doc();
  Y.applyUpdate(stored, real.fetch(ROOM)!);
  expect(stored.getArray('envelopes').length).toBe(2);
});

it('appends only what storage lacks, so storing the same document again adds nothing', async () => {
  const store = openRoomStore(await tempDir());
  cleanup.push(() => store.close());
  const a = new Y.Doc();
  a.getArray<Uint8Array>('envelopes').push([env(1)]);
  expect(store.appendNew(ROOM, a)).toBeGreaterThan(0);
  const change = store.changes([ROOM], 0).cursor;
  expect(store.appendNew(ROOM, a)).toBe(0); // nothing new: no row, no change number
  expect(store.changes([ROOM], 0).cursor).toBe(change);
  // Another process's copy with one more envelope adds just that one.
  const b = new Y.Doc();
  Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
  b.getArray<Uint8Array>('envelopes').push([env(2)]);
  const bytes = store.appendNew(ROOM, b);
  expect(bytes).toBeGreaterThan(0);
  expect(bytes).toBeLessThan(Y.encodeStateAsUpdate(b).length);
  // A store that holds less than storage (a stale copy) adds nothing and loses nothing.
  expect(store.appendNew(ROOM, a)).toBe(0);
  const back = new Y.Doc();
  Y.applyUpdate(back, store.fetch(ROOM)!);
  expect(back.getArray('envelopes').length).toBe(2);
  // A room stored before state vectors were kept (or by a plain append) is handled the same.
  store.append(ROOM, Y.encodeStateAsUpdate(b)); // duplicate content, as an old relay could
  expect(store.appendNew(ROOM, b)).toBe(0);
});

it('compacts a room once it has many appended updates, and reads the same', async () => {
  const dir = await tempDir();
  const store = openRoomStore(dir);
  cleanup.push(() => store.close());
  const doc = new Y.Doc();
  for (let i = 0; i < 200; i++) {
    const before = Y.encodeStateVector(doc);
    doc.getArray<Uint8Array>('envelopes').push([env(i % 256)]);
    store.append(ROOM, Y.encodeStateAsUpdate(doc, before));
  }
  const db = new Database(join(dir, 'relay.sqlite'), { readonly: true });
  const rows = db.prepare('SELECT count(*) AS n FROM updates WHERE room = ?').get(ROOM) as {
    n: number;
  };
  db.close();
  expect(rows.n).toBeLessThanOrEqual(64);
  const back = new Y.Doc();
  Y.applyUpdate(back, store.fetch(ROOM)!);
  expect(back.getArray('envelopes').toArray()).toEqual(doc.getArray('envelopes').toArray());
  expect(store.bytes(ROOM)).toBeGreaterThan(200 * 96);
});

it('reads a data folder written by the previous relay (whole states per room) and appends to it', async () => {
  const dir = await tempDir();
  // The schema and rows exactly as the relay before issue 11 wrote them.
  const old = new Database(join(dir, 'relay.sqlite'));
  old.pragma('journal_mode = WAL');
  old.exec(
    'CREATE TABLE rooms (room TEXT PRIMARY KEY, state BLOB, cap TEXT, updated_at INTEGER NOT NULL, change INTEGER NOT NULL DEFAULT 0)',
  );
  old.exec('CREATE INDEX rooms_change ON rooms (change)');
  old.exec('CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
  old.prepare("INSERT INTO meta (key, value) VALUES ('instance', ?)").run('f'.repeat(32));
  const doc = new Y.Doc();
  doc.getArray<Uint8Array>('envelopes').push([env(1), env(2)]);
  old
    .prepare('INSERT INTO rooms (room, state, cap, updated_at, change) VALUES (?, ?, ?, ?, 7)')
    .run(ROOM, Buffer.from(Y.encodeStateAsUpdate(doc)), 'c'.repeat(64), Date.now());
  old.close();

  const store = openRoomStore(dir);
  expect(store.capability(ROOM)).toBe('c'.repeat(64));
  expect(store.changes([ROOM], 0)).toEqual({
    instance: 'f'.repeat(32),
    cursor: 7,
    changed: [ROOM],
  });
  const read = new Y.Doc();
  Y.applyUpdate(read, store.fetch(ROOM)!);
  expect(read.getArray('envelopes').length).toBe(2);
  const before = Y.encodeStateVector(doc);
  doc.getArray<Uint8Array>('envelopes').push([env(3)]);
  store.append(ROOM, Y.encodeStateAsUpdate(doc, before));
  expect(store.changes([ROOM], 7).changed).toEqual([ROOM]);
  store.close();

  const again = openRoomStore(dir);
  const reread = new Y.Doc();
  Y.applyUpdate(reread, again.fetch(ROOM)!);
  expect(reread.getArray('envelopes').toArray()).toEqual(doc.getArray('envelopes').toArray());
  again.close();
});

it('refuses appends past the room quota with a clear reason, keeping what is stored', async () => {
  const store = openRoomStore(await tempDir());
  cleanup.push(() => store.close());
  const url = await syncOver(store, { roomQuotaBytes: 64 * 1024 });
  const c = new RawClient(url);
  cleanup.push(() => c.terminate());
  await c.authenticate(ROOM, CAP);
  const doc = new Y.Doc();
  c.send(appendFrame(doc, big(40 * 1024, 1)));
  await until(() => c.acks(ROOM) > 0);
  c.send(appendFrame(doc, big(40 * 1024, 2)));
  await until(() => closeReason(c, ROOM) !== null);
  expect(closeReason(c, ROOM)).toBe('quota-exceeded');
  await until(() => store.fetch(ROOM) !== null);
  const stored = new Y.Doc();
  Y.applyUpdate(stored, store.fetch(ROOM)!);
  expect(stored.getArray('envelopes').length).toBe(1);
});

it('a store that fails (disk full) closes the room with a reason the device shows; the relay goes on', async () => {
  const real = openRoomStore(await tempDir());
  cleanup.push(() => real.close());
  let full = false;
  const failing: RoomStore = {
    ...real,
    appendNew: (room, doc) => {
      if (full) throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
      return real.appendNew(room, doc);
    },
  };
  const url = await syncOver(failing);
  const c = new RawClient(url);
  cleanup.push(() => c.terminate());
  await c.authenticate(ROOM, CAP);
  const doc = new Y.Doc();
  c.send(appendFrame(doc, env(1)));
  await until(() => real.fetch(ROOM) !== null);
  full = true;
  c.send(appendFrame(doc, env(2)));
  await until(() => closeReason(c, ROOM) !== null);
  expect(closeReason(c, ROOM)).toBe('storage-failed');
  expect(RELAY_REFUSALS['storage-failed']).toMatch(/disk may be full/);
  // What was stored before stays; another room on the same relay still works once space is back.
  const stored = new Y.Doc();
  Y.applyUpdate(stored, real.fetch(ROOM)!);
  expect(stored.getArray('envelopes').length).toBe(1);
  full = false;
  const other = new RawClient(url);
  cleanup.push(() => other.terminate());
  await other.authenticate('b'.repeat(32), CAP);
});

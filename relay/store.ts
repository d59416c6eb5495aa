/**
 * The relay's embedded storage: one SQLite file in FOLIO_DATA_DIR (better-sqlite3, WAL, synchronous
 * FULL — a write is durable when it returns). It holds, per opaque room id, the Yjs state of that
 * room's transport document (ciphertext envelopes only) and the hash of the room's write
 * capability. Kept behind this small adapter so node:sqlite can replace it when Node 20 is dropped.
 *
 * A room is a base state (`rooms.state`, the only form before issue 11, so old data folders read
 * as they are) plus the updates appended since, one row each (`updates`): an append writes only
 * its update. Once a room has COMPACT_AFTER rows they are merged into its base (an occasional cost
 * proportional to the room, instead of one on every append). `rooms.bytes` is what the room
 * occupies, for its quota.
 *
 * Practices (docs/spec/envelope.md §12): each room belongs to the practice whose proof created it
 * (`rooms.practice`; rooms stored before practices existed are claimed by the first practice that
 * proves it holds their capability). `practices.bytes` is what its rooms occupy, plus
 * ROOM_OVERHEAD_BYTES per room, kept exact in the same transaction as every change to a room.
 */
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import * as Y from 'yjs';

/** Appended updates a room may have before they are merged into its base state. */
export const COMPACT_AFTER = 64;
/** What a room costs its practice's quota before it holds anything (its row, its capability). */
export const ROOM_OVERHEAD_BYTES = 1024;

export interface RoomStore {
  /** The room's whole state (base and appended updates merged), or null when it has none. */
  fetch(room: string): Uint8Array | null;
  /** Replaces a room's whole state; the change number moves only when the bytes differ. */
  store(room: string, state: Uint8Array): void;
  /** Appends one Yjs update to a room (and moves its change number). */
  append(room: string, update: Uint8Array): void;
  /**
   * Appends what `doc` holds that the stored room lacks (by the stored state vector), in one
   * immediate transaction; returns the bytes appended (0: nothing new). Idempotent, so several
   * relay processes holding the same room store each update once between them.
   */
  appendNew(room: string, doc: Y.Doc): number;
  /** Bytes the room occupies (base state and appended updates). */
  bytes(room: string): number;
  capability(room: string): string | null;
  setCapability(room: string, hash: string): void;
  /** The practice a room belongs to, or null (no room, or stored before practices existed). */
  practiceOf(room: string): string | null;
  /** Makes `practice` the room's owner and counts the room against it (once). */
  claimRoom(room: string, practice: string): void;
  hasPractice(practice: string): boolean;
  addPractice(practice: string): void;
  /** What the practice's rooms occupy, overhead included; 0 for an unknown practice. */
  practiceBytes(practice: string): number;
  /** Rooms, bytes stored and practices, for the metrics. */
  totals(): { rooms: number; bytes: number; practices: number };
  /**
   * The change feed Hocuspocus lacks (PLATFORM.md): which of `rooms` changed after change number
   * `since`, the current change number, and this store's instance id (a new one after the data
   * folder is wiped, so devices know to upload everything again).
   */
  changes(
    rooms: readonly string[],
    since: number,
  ): { instance: string; cursor: number; changed: string[] };
  close(): void;
}

export function openRoomStore(dataDir: string): RoomStore {
  const db = new Database(join(dataDir, 'relay.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  // Several relay processes may share this file (scale-out): a writer waits for another's lock.
  db.pragma('busy_timeout = 5000');
  db.exec(
    'CREATE TABLE IF NOT EXISTS rooms (room TEXT PRIMARY KEY, state BLOB, cap TEXT, updated_at INTEGER NOT NULL)',
  );
  const columns = db.prepare<[], { name: string }>('PRAGMA table_info(rooms)').all();
  if (!columns.some((c) => c.name === 'change')) {
    db.exec('ALTER TABLE rooms ADD COLUMN change INTEGER NOT NULL DEFAULT 0');
  }
  if (!columns.some((c) => c.name === 'bytes')) {
    db.exec('ALTER TABLE rooms ADD COLUMN bytes INTEGER NOT NULL DEFAULT 0');
    db.exec('UPDATE rooms SET bytes = coalesce(length(state), 0)');
  }
  db.exec('CREATE INDEX IF NOT EXISTS rooms_change ON rooms (change)');
  db.exec(
    'CREATE TABLE IF NOT EXISTS updates (id INTEGER PRIMARY KEY AUTOINCREMENT, room TEXT NOT NULL, data BLOB NOT NULL)',
  );
  db.exec('CREATE INDEX IF NOT EXISTS updates_room ON updates (room, id)');
  db.exec('CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
  if (!columns.some((c) => c.name === 'sv')) {
    db.exec('ALTER TABLE rooms ADD COLUMN sv BLOB');
  }
  if (!columns.some((c) => c.name === 'practice')) {
    db.exec('ALTER TABLE rooms ADD COLUMN practice TEXT');
  }
  db.exec(
    'CREATE TABLE IF NOT EXISTS practices (id TEXT PRIMARY KEY, bytes INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL)',
  );
  db.prepare("INSERT OR IGNORE INTO meta (key, value) VALUES ('instance', ?)").run(
    randomBytes(16).toString('hex'),
  );
  const instance = db
    .prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'instance'")
    .get()!.value;

  const get = db.prepare<[string], { state: Buffer | null; cap: string | null }>(
    'SELECT state, cap FROM rooms WHERE room = ?',
  );
  const put = db.prepare(
    'INSERT INTO rooms (room, state, bytes, updated_at, change) VALUES (@room, @state, length(@state), @now, (SELECT coalesce(max(change), 0) + 1 FROM rooms)) ON CONFLICT(room) DO UPDATE SET state = excluded.state, bytes = excluded.bytes, updated_at = excluded.updated_at, change = excluded.change',
  );
  const touch = db.prepare(
    'INSERT INTO rooms (room, bytes, updated_at, change) VALUES (@room, @bytes, @now, (SELECT coalesce(max(change), 0) + 1 FROM rooms)) ON CONFLICT(room) DO UPDATE SET bytes = bytes + @bytes, updated_at = @now, change = (SELECT coalesce(max(change), 0) + 1 FROM rooms)',
  );
  const addUpdate = db.prepare('INSERT INTO updates (room, data) VALUES (?, ?)');
  const updatesOf = db.prepare<[string], { data: Buffer }>(
    'SELECT data FROM updates WHERE room = ? ORDER BY id',
  );
  const countUpdates = db.prepare<[string], { n: number }>(
    'SELECT count(*) AS n FROM updates WHERE room = ?',
  );
  const dropUpdates = db.prepare('DELETE FROM updates WHERE room = ?');
  const setBase = db.prepare(
    'UPDATE rooms SET state = @state, bytes = length(@state) WHERE room = @room',
  );
  const bytesOf = db.prepare<[string], { bytes: number }>('SELECT bytes FROM rooms WHERE room = ?');
  const putCap = db.prepare(
    'INSERT INTO rooms (room, cap, updated_at) VALUES (?, ?, ?) ON CONFLICT(room) DO UPDATE SET cap = excluded.cap',
  );
  const changeOf = db.prepare<[string], { change: number }>(
    'SELECT change FROM rooms WHERE room = ?',
  );
  const latest = db.prepare<[], { cursor: number }>(
    'SELECT coalesce(max(change), 0) AS cursor FROM rooms',
  );
  const ownerOf = db.prepare<[string], { practice: string | null }>(
    'SELECT practice FROM rooms WHERE room = ?',
  );
  const setOwner = db.prepare(
    'INSERT INTO rooms (room, practice, updated_at) VALUES (?, ?, ?) ON CONFLICT(room) DO UPDATE SET practice = excluded.practice',
  );
  const addBytes = db.prepare('UPDATE practices SET bytes = bytes + ? WHERE id = ?');
  const practiceRow = db.prepare<[string], { bytes: number }>(
    'SELECT bytes FROM practices WHERE id = ?',
  );
  const putPractice = db.prepare(
    'INSERT OR IGNORE INTO practices (id, bytes, created_at) VALUES (?, 0, ?)',
  );
  /** Runs `change` on a room and moves its practice's total by what the room's size moved. */
  const accounted = (room: string, change: () => void) => {
    const owner = ownerOf.get(room)?.practice ?? null;
    const before = owner === null ? 0 : (bytesOf.get(room)?.bytes ?? 0);
    change();
    if (owner !== null) addBytes.run((bytesOf.get(room)?.bytes ?? 0) - before, owner);
  };
  const claim = db.transaction((room: string, practice: string) => {
    if (ownerOf.get(room)?.practice === practice) return;
    const previous = ownerOf.get(room)?.practice ?? null;
    const bytes = (bytesOf.get(room)?.bytes ?? 0) + ROOM_OVERHEAD_BYTES;
    if (previous !== null) addBytes.run(-bytes, previous);
    setOwner.run(room, practice, Date.now());
    addBytes.run(bytes, practice);
  });
  const svOf = db.prepare<[string], { sv: Buffer | null }>('SELECT sv FROM rooms WHERE room = ?');
  const setSv = db.prepare('UPDATE rooms SET sv = ? WHERE room = ?');
  /** The stored room's state vector (computed once for rooms stored before it was kept). */
  const storedVector = (room: string): Map<number, number> => {
    const kept = svOf.get(room)?.sv;
    if (kept) return Y.decodeStateVector(new Uint8Array(kept));
    const state = whole(room);
    return state ? Y.decodeStateVector(Y.encodeStateVectorFromUpdate(state)) : new Map();
  };
  const appendNew = db.transaction((room: string, doc: Y.Doc): number => {
    const stored = storedVector(room);
    const diff = Y.encodeStateAsUpdate(doc, Y.encodeStateVector(stored));
    const { structs, ds } = Y.decodeUpdate(diff);
    if (structs.length === 0 && ds.clients.size === 0) return 0;
    append(room, diff);
    for (const [client, clock] of Y.decodeStateVector(Y.encodeStateVector(doc))) {
      if ((stored.get(client) ?? 0) < clock) stored.set(client, clock);
    }
    setSv.run(Buffer.from(Y.encodeStateVector(stored)), room);
    return diff.length;
  });
  const totals = db.prepare<[], { rooms: number; bytes: number; practices: number }>(
    'SELECT count(*) AS rooms, coalesce(sum(bytes), 0) AS bytes, (SELECT count(*) FROM practices) AS practices FROM rooms',
  );
  const changes = db.transaction((rooms: readonly string[], since: number) => {
    const changed = rooms.filter((room) => (changeOf.get(room)?.change ?? 0) > since);
    return { instance, cursor: latest.get()!.cursor, changed };
  });
  const whole = (room: string): Uint8Array | null => {
    const base = get.get(room)?.state;
    const parts = updatesOf.all(room).map((r) => new Uint8Array(r.data));
    if (base) parts.unshift(new Uint8Array(base));
    if (parts.length === 0) return null;
    return parts.length === 1 ? parts[0]! : Y.mergeUpdates(parts);
  };
  const append = db.transaction((room: string, update: Uint8Array) =>
    accounted(room, () => {
      addUpdate.run(room, Buffer.from(update));
      setSv.run(null, room); // recomputed when next needed (appendNew sets it again)
      touch.run({ room, bytes: update.length, now: Date.now() });
      if (countUpdates.get(room)!.n >= COMPACT_AFTER) {
        const merged = Buffer.from(whole(room)!);
        setBase.run({ state: merged, room });
        dropUpdates.run(room);
      }
    }),
  );
  const replace = db.transaction((room: string, state: Uint8Array) =>
    accounted(room, () => {
      dropUpdates.run(room);
      put.run({ room, state: Buffer.from(state), now: Date.now() });
      setSv.run(null, room);
    }),
  );
  return {
    fetch: whole,
    store: (room, state) => {
      const current = whole(room);
      if (current && Buffer.compare(current, state) === 0) return;
      replace.immediate(room, state);
    },
    // Write transactions take the write lock first (IMMEDIATE): a deferred one that reads and
    // then writes fails at once with SQLITE_BUSY when another relay process on the same file
    // wrote in between (WAL snapshot), instead of waiting for the busy timeout.
    append: (room, update) => append.immediate(room, update),
    appendNew: (room, doc) => appendNew.immediate(room, doc),
    bytes: (room) => bytesOf.get(room)?.bytes ?? 0,
    capability: (room) => get.get(room)?.cap ?? null,
    setCapability: (room, hash) => {
      putCap.run(room, hash, Date.now());
    },
    practiceOf: (room) => ownerOf.get(room)?.practice ?? null,
    claimRoom: (room, practice) => claim.immediate(room, practice),
    hasPractice: (practice) => practiceRow.get(practice) !== undefined,
    addPractice: (practice) => {
      putPractice.run(practice, Date.now());
    },
    practiceBytes: (practice) => practiceRow.get(practice)?.bytes ?? 0,
    totals: () => totals.get()!,
    changes: (rooms, since) => changes(rooms, since),
    close: () => db.close(),
  };
}

/**
 * The relay's embedded storage: one SQLite file in FOLIO_DATA_DIR (better-sqlite3, WAL, synchronous
 * FULL — a write is durable when it returns). It holds, per opaque room id, the Yjs state of that
 * room's transport document (ciphertext envelopes only) and the hash of the room's write
 * capability. Kept behind this small adapter so node:sqlite can replace it when Node 20 is dropped.
 */
import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

export interface RoomStore {
  fetch(room: string): Uint8Array | null;
  /** Stores a room's state; the room's change number moves only when the bytes differ. */
  store(room: string, state: Uint8Array): void;
  capability(room: string): string | null;
  setCapability(room: string, hash: string): void;
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
  db.exec(
    'CREATE TABLE IF NOT EXISTS rooms (room TEXT PRIMARY KEY, state BLOB, cap TEXT, updated_at INTEGER NOT NULL)',
  );
  const columns = db.prepare<[], { name: string }>('PRAGMA table_info(rooms)').all();
  if (!columns.some((c) => c.name === 'change')) {
    db.exec('ALTER TABLE rooms ADD COLUMN change INTEGER NOT NULL DEFAULT 0');
  }
  db.exec('CREATE INDEX IF NOT EXISTS rooms_change ON rooms (change)');
  db.exec('CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
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
    'INSERT INTO rooms (room, state, updated_at, change) VALUES (?, ?, ?, (SELECT coalesce(max(change), 0) + 1 FROM rooms)) ON CONFLICT(room) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at, change = excluded.change',
  );
  const putCap = db.prepare(
    'INSERT INTO rooms (room, cap, updated_at) VALUES (?, ?, ?) ON CONFLICT(room) DO UPDATE SET cap = excluded.cap',
  );
  const changeOf = db.prepare<[string], { change: number }>(
    'SELECT change FROM rooms WHERE room = ?',
  );
  const latest = db.prepare<[], { cursor: number }>(
    'SELECT coalesce(max(change), 0) AS cursor FROM rooms',
  );
  const changes = db.transaction((rooms: readonly string[], since: number) => {
    const changed = rooms.filter((room) => (changeOf.get(room)?.change ?? 0) > since);
    return { instance, cursor: latest.get()!.cursor, changed };
  });
  return {
    fetch: (room) => {
      const row = get.get(room);
      return row?.state ? new Uint8Array(row.state) : null;
    },
    store: (room, state) => {
      // Hocuspocus also stores on unload; an unchanged document is not a change.
      const current = get.get(room)?.state;
      if (current && Buffer.compare(current, state) === 0) return;
      put.run(room, Buffer.from(state), Date.now());
    },
    capability: (room) => get.get(room)?.cap ?? null,
    setCapability: (room, hash) => {
      putCap.run(room, hash, Date.now());
    },
    changes: (rooms, since) => changes(rooms, since),
    close: () => db.close(),
  };
}

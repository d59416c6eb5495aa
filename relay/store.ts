/**
 * The relay's embedded storage: one SQLite file in FOLIO_DATA_DIR (better-sqlite3, WAL, synchronous
 * FULL — a write is durable when it returns). It holds, per opaque room id, the Yjs state of that
 * room's transport document (ciphertext envelopes only) and the hash of the room's write
 * capability. Kept behind this small adapter so node:sqlite can replace it when Node 20 is dropped.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';

export interface RoomStore {
  fetch(room: string): Uint8Array | null;
  store(room: string, state: Uint8Array): void;
  capability(room: string): string | null;
  setCapability(room: string, hash: string): void;
  close(): void;
}

export function openRoomStore(dataDir: string): RoomStore {
  const db = new Database(join(dataDir, 'relay.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(
    'CREATE TABLE IF NOT EXISTS rooms (room TEXT PRIMARY KEY, state BLOB, cap TEXT, updated_at INTEGER NOT NULL)',
  );
  const get = db.prepare<[string], { state: Buffer | null; cap: string | null }>(
    'SELECT state, cap FROM rooms WHERE room = ?',
  );
  const put = db.prepare(
    'INSERT INTO rooms (room, state, updated_at) VALUES (?, ?, ?) ON CONFLICT(room) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at',
  );
  const putCap = db.prepare(
    'INSERT INTO rooms (room, cap, updated_at) VALUES (?, ?, ?) ON CONFLICT(room) DO UPDATE SET cap = excluded.cap',
  );
  return {
    fetch: (room) => {
      const row = get.get(room);
      return row?.state ? new Uint8Array(row.state) : null;
    },
    store: (room, state) => {
      put.run(room, Buffer.from(state), Date.now());
    },
    capability: (room) => get.get(room)?.cap ?? null,
    setCapability: (room, hash) => {
      putCap.run(room, hash, Date.now());
    },
    close: () => db.close(),
  };
}

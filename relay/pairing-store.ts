/**
 * Pairing mailboxes in the relay's data folder (`pairing.sqlite`, WAL), so that every relay
 * process on the host sees the same mailboxes (issue 14 item 3): the admin may open one on one
 * process and the new device write to it through another. A mailbox holds a hash of the owner's
 * secret, who opened it (address, practice) for the caps, its expiry, and two write-once sealed
 * messages. Expired mailboxes are deleted by `sweep`.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';

export interface Mailbox {
  ownerHash: Buffer;
  client: string;
  practice: string;
  expires: number;
  request: Buffer | null;
  response: Buffer | null;
}

export interface MailboxStore {
  get(id: string): Mailbox | null;
  /** Opens a mailbox; false when one with this id exists. */
  create(id: string, box: Omit<Mailbox, 'request' | 'response'>): boolean;
  /** Writes a slot once; false when it was written already (or the mailbox is gone). */
  write(id: string, slot: 'request' | 'response', data: Buffer): boolean;
  delete(id: string): void;
  count(): number;
  countFor(who: { client?: string; practice?: string }): number;
  sweep(now: number): void;
  close(): void;
}

interface Row {
  owner_hash: Buffer;
  client: string;
  practice: string;
  expires: number;
  request: Buffer | null;
  response: Buffer | null;
}

export function openMailboxStore(dataDir: string): MailboxStore {
  const db = new Database(join(dataDir, 'pairing.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  db.exec(
    'CREATE TABLE IF NOT EXISTS mailboxes (id TEXT PRIMARY KEY, owner_hash BLOB NOT NULL, client TEXT NOT NULL, practice TEXT NOT NULL, expires INTEGER NOT NULL, request BLOB, response BLOB)',
  );
  const get = db.prepare<[string], Row>('SELECT * FROM mailboxes WHERE id = ?');
  const insert = db.prepare(
    'INSERT OR IGNORE INTO mailboxes (id, owner_hash, client, practice, expires) VALUES (?, ?, ?, ?, ?)',
  );
  const writeRequest = db.prepare(
    'UPDATE mailboxes SET request = ? WHERE id = ? AND request IS NULL',
  );
  const writeResponse = db.prepare(
    'UPDATE mailboxes SET response = ? WHERE id = ? AND response IS NULL',
  );
  const remove = db.prepare('DELETE FROM mailboxes WHERE id = ?');
  const count = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM mailboxes');
  const byClient = db.prepare<[string], { n: number }>(
    'SELECT count(*) AS n FROM mailboxes WHERE client = ?',
  );
  const byPractice = db.prepare<[string], { n: number }>(
    'SELECT count(*) AS n FROM mailboxes WHERE practice = ?',
  );
  const expire = db.prepare('DELETE FROM mailboxes WHERE expires <= ?');
  return {
    get(id) {
      const row = get.get(id);
      if (!row) return null;
      return {
        ownerHash: row.owner_hash,
        client: row.client,
        practice: row.practice,
        expires: row.expires,
        request: row.request,
        response: row.response,
      };
    },
    create: (id, box) =>
      insert.run(id, box.ownerHash, box.client, box.practice, box.expires).changes === 1,
    write: (id, slot, data) =>
      (slot === 'request' ? writeRequest : writeResponse).run(data, id).changes === 1,
    delete: (id) => void remove.run(id),
    count: () => count.get()!.n,
    countFor: ({ client, practice }) =>
      client !== undefined ? byClient.get(client)!.n : byPractice.get(practice ?? '')!.n,
    sweep: (now) => void expire.run(now),
    close: () => db.close(),
  };
}

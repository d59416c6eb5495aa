/**
 * Storage for share links (SMART Health Links, docs/design.md §8) in the relay's data folder
 * (`shl.sqlite`, WAL, synchronous FULL). Per link: the SHA-256 of its management secret (the
 * secret itself only the sharing practice holds), the Argon2id hash of its passcode, flags, the
 * expiry the relay enforces, revocation, the count of failed passcodes, the encrypted file (a JWE
 * the relay cannot read), and an access log of self-asserted recipients, capped per link (the
 * oldest refused entries go first, then the oldest successful ones; how many were dropped is kept).
 * No patient data. Revoking deletes the encrypted file: secure_delete zeroes freed pages and the
 * WAL is checkpointed and truncated, so the ciphertext is gone from the data folder.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';

export interface LinkRecord {
  id: string;
  manageHash: string;
  passcodeHash: string | null;
  flags: string;
  /** Epoch ms after which the link is dead, or null for no expiry. */
  expires: number | null;
  revoked: boolean;
  failures: number;
  created: number;
  file: { jwe: string; contentType: string; updated: number } | null;
}

export interface AccessRecord {
  at: number;
  recipient: string;
  outcome: 'ok' | 'wrong-passcode' | 'refused';
}

export interface LinkStore {
  create(link: Omit<LinkRecord, 'revoked' | 'failures' | 'file'>): boolean;
  get(id: string): LinkRecord | null;
  setFile(id: string, file: { jwe: string; contentType: string; updated: number }): void;
  revoke(id: string): void;
  /** Adds one failed passcode; returns the new count. */
  fail(id: string): number;
  /**
   * Counts one passcode attempt before it is checked, unless `max` are counted already (then
   * null); returns the new count. Atomic across processes sharing the file.
   */
  reserveAttempt(id: string, max: number): number | null;
  /** Gives back an attempt reserved for a passcode that turned out right. */
  refundAttempt(id: string): void;
  /** Records an access; at most `cap` entries are kept per link. */
  logAccess(id: string, access: AccessRecord, cap: number): void;
  accesses(id: string): AccessRecord[];
  /** Entries dropped from the link's access log by the cap. */
  omitted(id: string): number;
  count(): number;
  close(): void;
}

interface Row {
  id: string;
  manage_hash: string;
  passcode_hash: string | null;
  flags: string;
  expires: number | null;
  revoked: number;
  failures: number;
  created: number;
  jwe: string | null;
  content_type: string | null;
  updated: number | null;
}

export function openLinkStore(dataDir: string): LinkStore {
  const db = new Database(join(dataDir, 'shl.sqlite'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('secure_delete = ON');
  db.exec(`CREATE TABLE IF NOT EXISTS links (
    id TEXT PRIMARY KEY, manage_hash TEXT NOT NULL, passcode_hash TEXT, flags TEXT NOT NULL,
    expires INTEGER, revoked INTEGER NOT NULL DEFAULT 0, failures INTEGER NOT NULL DEFAULT 0,
    created INTEGER NOT NULL, jwe TEXT, content_type TEXT, updated INTEGER)`);
  db.exec(`CREATE TABLE IF NOT EXISTS accesses (
    link TEXT NOT NULL, at INTEGER NOT NULL, recipient TEXT NOT NULL, outcome TEXT NOT NULL)`);
  db.exec('CREATE INDEX IF NOT EXISTS accesses_link ON accesses (link, at)');
  const columns = db.prepare<[], { name: string }>('PRAGMA table_info(links)').all();
  if (!columns.some((c) => c.name === 'omitted')) {
    db.exec('ALTER TABLE links ADD COLUMN omitted INTEGER NOT NULL DEFAULT 0');
  }
  const insert = db.prepare(
    'INSERT OR IGNORE INTO links (id, manage_hash, passcode_hash, flags, expires, created) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const select = db.prepare<[string], Row>('SELECT * FROM links WHERE id = ?');
  const setFile = db.prepare(
    'UPDATE links SET jwe = ?, content_type = ?, updated = ? WHERE id = ?',
  );
  const revoke = db.prepare(
    'UPDATE links SET revoked = 1, jwe = NULL, content_type = NULL WHERE id = ?',
  );
  const fail = db.prepare<[string], { failures: number }>(
    'UPDATE links SET failures = failures + 1 WHERE id = ? RETURNING failures',
  );
  const reserve = db.prepare<[string, number], { failures: number }>(
    'UPDATE links SET failures = failures + 1 WHERE id = ? AND failures < ? RETURNING failures',
  );
  const refund = db.prepare(
    'UPDATE links SET failures = failures - 1 WHERE id = ? AND failures > 0',
  );
  const log = db.prepare('INSERT INTO accesses (link, at, recipient, outcome) VALUES (?, ?, ?, ?)');
  const accesses = db.prepare<[string], AccessRecord>(
    'SELECT at, recipient, outcome FROM accesses WHERE link = ? ORDER BY at, rowid',
  );
  const countOf = db.prepare<[string], { n: number }>(
    'SELECT count(*) AS n FROM accesses WHERE link = ?',
  );
  // The oldest refused entry first (ok sorts after refused/wrong-passcode by `outcome = 'ok'`).
  const dropOne = db.prepare(
    "DELETE FROM accesses WHERE rowid = (SELECT rowid FROM accesses WHERE link = ? ORDER BY outcome = 'ok', at, rowid LIMIT 1)",
  );
  const addOmitted = db.prepare('UPDATE links SET omitted = omitted + ? WHERE id = ?');
  const omittedOf = db.prepare<[string], { omitted: number }>(
    'SELECT omitted FROM links WHERE id = ?',
  );
  const logCapped = db.transaction((id: string, a: AccessRecord, cap: number) => {
    log.run(id, a.at, a.recipient, a.outcome);
    let excess = countOf.get(id)!.n - cap;
    const dropped = Math.max(0, excess);
    for (; excess > 0; excess--) dropOne.run(id);
    if (dropped > 0) addOmitted.run(dropped, id);
  });
  const count = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM links');
  return {
    create: (l) =>
      insert.run(l.id, l.manageHash, l.passcodeHash, l.flags, l.expires, l.created).changes === 1,
    get(id) {
      const r = select.get(id);
      if (!r) return null;
      return {
        id: r.id,
        manageHash: r.manage_hash,
        passcodeHash: r.passcode_hash,
        flags: r.flags,
        expires: r.expires,
        revoked: r.revoked === 1,
        failures: r.failures,
        created: r.created,
        file:
          r.jwe !== null
            ? { jwe: r.jwe, contentType: r.content_type ?? '', updated: r.updated ?? r.created }
            : null,
      };
    },
    setFile: (id, f) => void setFile.run(f.jwe, f.contentType, f.updated, id),
    revoke: (id) => {
      revoke.run(id);
      db.pragma('wal_checkpoint(TRUNCATE)');
    },
    fail: (id) => fail.get(id)?.failures ?? 0,
    reserveAttempt: (id, max) => reserve.get(id, max)?.failures ?? null,
    refundAttempt: (id) => void refund.run(id),
    logAccess: (id, a, cap) => logCapped(id, a, cap),
    omitted: (id) => omittedOf.get(id)?.omitted ?? 0,
    accesses: (id) => accesses.all(id),
    count: () => count.get()!.n,
    close: () => db.close(),
  };
}

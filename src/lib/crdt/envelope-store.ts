/**
 * The local sealed log: an append-only IndexedDB store of envelopes, one record per envelope,
 * grouped by (document, generation). Every stored value is `{doc, gen, env}` where `env` is an
 * envelope (docs/spec/envelope.md) and `doc` the document's random id — nothing else is stored.
 * Records are only ever added, except by compaction, which in ONE transaction adds the snapshot
 * of generation g+1 and deletes generations ≤ g, so a crash leaves either the old log or the new
 * one, never neither (docs/adr/0004-sealed-log-store.md).
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import { CrdtError } from './errors';

export const SEALED_DB = 'folio-sealed';

export interface EnvelopeRecord {
  doc: string;
  gen: number;
  env: Uint8Array;
}

interface SealedSchema extends DBSchema {
  envelopes: { key: number; value: EnvelopeRecord; indexes: { 'by-doc-gen': [string, number] } };
}

/** What each store of the sealed database holds, for the at-rest scan (every value an envelope). */
export const SEALED_STORES = {
  envelopes: { fields: ['doc', 'env', 'gen'], envelope: 'env' },
} as const satisfies Record<
  Exclude<keyof SealedSchema, symbol | number>,
  { fields: readonly string[]; envelope: string }
>;

export interface EnvelopeStore {
  /** Appends envelopes to a document's generation (strict durability). @throws CrdtError */
  append(doc: string, gen: number, envelopes: Uint8Array[]): Promise<void>;
  /** The newest generation of a document and its envelopes in write order. */
  load(doc: string): Promise<{ generation: number; envelopes: Uint8Array[] }>;
  /**
   * Starts generation `gen` with `snapshot` and drops older generations, atomically.
   * `beforeCommit` is a test hook: if it throws, nothing changes.
   */
  compact(doc: string, gen: number, snapshot: Uint8Array, beforeCommit?: () => void): Promise<void>;
  /**
   * The log's position: the key of its newest record (0 when empty). Keys only ever grow (every
   * append, compaction and import adds records with higher keys), so a document with a record
   * above a position was written after it (catch-up, lib/sync/catch-up.ts).
   */
  position(): Promise<number>;
  /** The documents with records above `position`, and the log's position now. */
  changedSince(position: number): Promise<{ position: number; docs: string[] }>;
  /** Every record (for the encrypted backup). */
  exportAll(): Promise<EnvelopeRecord[]>;
  /** Adds records from a backup. */
  importAll(records: EnvelopeRecord[]): Promise<void>;
  close(): void;
}

function storageError(error: unknown): CrdtError {
  const name = (error as { name?: string })?.name;
  if (name === 'QuotaExceededError') {
    return new CrdtError('quota-exceeded', 'the device is out of storage space');
  }
  return new CrdtError('storage-failed', name ?? 'unknown');
}

/**
 * Opens (creating on first use) the sealed log. Appends use strict durability by default (on
 * disk before they resolve); 'relaxed' exists only so benchmarks can compare like with like
 * against y-indexeddb, which writes with the browser's default (relaxed) durability.
 */
export async function openEnvelopeStore(
  name = SEALED_DB,
  options: { durability?: 'strict' | 'relaxed' } = {},
): Promise<EnvelopeStore> {
  const durability = options.durability ?? 'strict';
  const db: IDBPDatabase<SealedSchema> = await openDB<SealedSchema>(name, 1, {
    upgrade(database) {
      const store = database.createObjectStore('envelopes', { autoIncrement: true });
      store.createIndex('by-doc-gen', ['doc', 'gen']);
    },
  });
  const range = (doc: string, low: number, high: number) =>
    IDBKeyRange.bound([doc, low], [doc, high]);

  const position = async () => {
    const newest = await db.transaction('envelopes').store.openKeyCursor(null, 'prev');
    return newest ? newest.key : 0;
  };

  return {
    async append(doc, gen, envelopes) {
      try {
        const tx = db.transaction('envelopes', 'readwrite', { durability });
        await Promise.all([...envelopes.map((env) => tx.store.add({ doc, gen, env })), tx.done]);
      } catch (error) {
        throw storageError(error);
      }
    },
    async load(doc) {
      const index = db.transaction('envelopes').store.index('by-doc-gen');
      const newest = await index.openCursor(range(doc, 0, Number.MAX_SAFE_INTEGER), 'prev');
      if (!newest) return { generation: 0, envelopes: [] };
      const generation = newest.value.gen;
      const records = await db.getAllFromIndex(
        'envelopes',
        'by-doc-gen',
        range(doc, generation, generation),
      );
      return { generation, envelopes: records.map((r) => r.env) };
    },
    async compact(doc, gen, snapshot, beforeCommit) {
      try {
        const tx = db.transaction('envelopes', 'readwrite', { durability: 'strict' });
        await tx.store.add({ doc, gen, env: snapshot });
        let cursor = await tx.store.index('by-doc-gen').openCursor(range(doc, 0, gen - 1));
        while (cursor) {
          await cursor.delete();
          cursor = await cursor.continue();
        }
        if (beforeCommit) {
          try {
            beforeCommit();
          } catch (error) {
            tx.abort();
            await tx.done.catch(() => undefined);
            throw error;
          }
        }
        await tx.done;
      } catch (error) {
        if (error instanceof CrdtError) throw error;
        if ((error as { name?: string })?.name === 'AbortError')
          throw new CrdtError('storage-failed', 'aborted');
        throw error instanceof Error && !(error instanceof DOMException)
          ? error
          : storageError(error);
      }
    },
    position,
    async changedSince(since) {
      const docs = new Set<string>();
      let newest = since;
      let cursor = await db
        .transaction('envelopes')
        .store.openCursor(IDBKeyRange.lowerBound(since, true));
      while (cursor) {
        docs.add(cursor.value.doc);
        newest = cursor.key;
        cursor = await cursor.continue();
      }
      // An empty range says nothing of a log that restarted below `since` (a new database).
      if (newest === since) newest = Math.min(since, await position());
      return { position: newest, docs: [...docs] };
    },
    exportAll: () => db.getAll('envelopes'),
    async importAll(records) {
      try {
        const tx = db.transaction('envelopes', 'readwrite', { durability: 'strict' });
        await Promise.all([
          ...records.map((r) => tx.store.add({ doc: r.doc, gen: r.gen, env: r.env })),
          tx.done,
        ]);
      } catch (error) {
        throw storageError(error);
      }
    },
    close: () => db.close(),
  };
}

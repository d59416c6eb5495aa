/**
 * Persistence of vault records in IndexedDB through `idb`. The database name is fixed and holds
 * no patient data; every value is a wrap record or ciphertext (records.ts).
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { CatchUpRecord, CounterRecord, MarksRecord, SlotRecord } from './records';

export const VAULT_DB = 'folio-vault';

interface VaultSchema extends DBSchema {
  slots: { key: string; value: SlotRecord };
  counters: { key: string; value: CounterRecord };
  marks: { key: string; value: MarksRecord };
  catchup: { key: string; value: CatchUpRecord };
}

/**
 * What each store of the vault database holds, for the at-rest scan (tests/e2e/at-rest.ts): the
 * record's fields, and which of them are sealed boxes (`LocalBox`) under which purpose prefix
 * (`<prefix><slotId>`). `satisfies` makes a new store in VaultSchema fail to compile until it is
 * described here, so the scan learns it too.
 */
export const VAULT_STORES = {
  slots: {
    fields: ['keyring', 'label', 'passphrase', 'recovery', 'slotId', 'v'],
    sealed: { keyring: 'keyring:' },
  },
  counters: { fields: ['box', 'slotId', 'v'], sealed: { box: 'seq:' } },
  marks: { fields: ['box', 'slotId', 'v'], sealed: { box: 'marks:' } },
  catchup: { fields: ['box', 'slotId', 'v'], sealed: { box: 'catch-up:' } },
} as const satisfies Record<
  Exclude<keyof VaultSchema, symbol | number>,
  { fields: readonly string[]; sealed: Readonly<Record<string, string>> }
>;

export interface VaultStore {
  listSlots(): Promise<SlotRecord[]>;
  getSlot(slotId: string): Promise<SlotRecord | undefined>;
  putSlot(record: SlotRecord): Promise<void>;
  getCounter(slotId: string): Promise<CounterRecord | undefined>;
  putCounter(record: CounterRecord): Promise<void>;
  getMarks(slotId: string): Promise<MarksRecord | undefined>;
  putMarks(record: MarksRecord): Promise<void>;
  getCatchUp(slotId: string): Promise<CatchUpRecord | undefined>;
  putCatchUp(record: CatchUpRecord): Promise<void>;
  close(): void;
}

/** Opens (creating on first use) the vault database. */
export async function openVaultStore(name = VAULT_DB): Promise<VaultStore> {
  const db: IDBPDatabase<VaultSchema> = await openDB<VaultSchema>(name, 3, {
    upgrade(database, oldVersion) {
      if (oldVersion < 1) {
        database.createObjectStore('slots', { keyPath: 'slotId' });
        database.createObjectStore('counters', { keyPath: 'slotId' });
      }
      // Version 2 (issue 5): per-author high-water marks for removals.
      if (oldVersion < 2) database.createObjectStore('marks', { keyPath: 'slotId' });
      // Version 3 (issue 15): catch-up's state between sessions.
      if (oldVersion < 3) database.createObjectStore('catchup', { keyPath: 'slotId' });
    },
  });
  return {
    listSlots: () => db.getAll('slots'),
    getSlot: (slotId) => db.get('slots', slotId),
    putSlot: async (record) => {
      // Strict durability: the write is on disk before we report success (or seal with it).
      const tx = db.transaction('slots', 'readwrite', { durability: 'strict' });
      await Promise.all([tx.store.put(record), tx.done]);
    },
    getCounter: (slotId) => db.get('counters', slotId),
    putCounter: async (record) => {
      const tx = db.transaction('counters', 'readwrite', { durability: 'strict' });
      await Promise.all([tx.store.put(record), tx.done]);
    },
    getMarks: (slotId) => db.get('marks', slotId),
    putMarks: async (record) => {
      const tx = db.transaction('marks', 'readwrite', { durability: 'strict' });
      await Promise.all([tx.store.put(record), tx.done]);
    },
    getCatchUp: (slotId) => db.get('catchup', slotId),
    // Relaxed: a lost write leaves an older state, which only makes more catch-up work.
    putCatchUp: (record) => db.put('catchup', record).then(() => undefined),
    close: () => db.close(),
  };
}

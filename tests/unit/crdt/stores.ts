/**
 * Fresh sealed-log stores for a spec file (fake-indexeddb), each under its own name and all
 * closed after every test.
 */
import 'fake-indexeddb/auto';
import { afterEach } from 'vitest';
import { openEnvelopeStore, type EnvelopeStore } from '../../../src/lib/crdt/envelope-store.ts';

/** Returns `newStore(name?)`: a store under `name`, or under a fresh name with `prefix`. */
export function envelopeStores(prefix: string): (name?: string) => Promise<EnvelopeStore> {
  let n = 0;
  const opened: EnvelopeStore[] = [];
  afterEach(() => {
    for (const store of opened.splice(0)) store.close();
  });
  return async (name = `${prefix}-${++n}`) => {
    const store = await openEnvelopeStore(name);
    opened.push(store);
    return store;
  };
}

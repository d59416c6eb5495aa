/**
 * Checks that every record a device stores is of a known kind and holds only ciphertext: each
 * store of each database is looked up in the catalogue its module exports (`VAULT_STORES`,
 * `SEALED_STORES`), so a store added later fails here with a clear message until it is described;
 * every envelope and every sealed box must fail to open with a wrong key.
 */
import { expect } from '@playwright/test';
import {
  CryptoError,
  generateKey,
  loadSodium,
  openEnvelope,
  openLocal,
  readHeader,
  type LocalBox,
} from '../../src/lib/crypto/index.ts';
import { SEALED_DB, SEALED_STORES } from '../../src/lib/crdt/envelope-store.ts';
import { VAULT_DB, VAULT_STORES } from '../../src/lib/vault/store.ts';

type Bytes = { $bytes: string };
const bytes = (v: unknown) => Buffer.from((v as Bytes).$bytes, 'base64');

function failsToOpen(open: () => unknown): string {
  try {
    open();
  } catch (error) {
    return (error as CryptoError).code;
  }
  return 'opened';
}

/** Returns the kinds of record seen ("<db>/<store>"); throws on any unknown store or shape. */
export async function checkRecordsAtRest(
  records: { db: string; store: string; value: unknown }[],
): Promise<string[]> {
  await loadSodium();
  const seen = new Set<string>();
  for (const { db, store, value } of records) {
    const v = value as Record<string, unknown>;
    const where = `${db}/${store}`;
    if (db === SEALED_DB && store in SEALED_STORES) {
      const shape = SEALED_STORES[store as keyof typeof SEALED_STORES];
      expect(Object.keys(v).sort(), where).toEqual([...shape.fields]);
      const env = bytes(v[shape.envelope]);
      expect(readHeader(env).version, where).toBeGreaterThanOrEqual(1);
      const code = failsToOpen(() =>
        openEnvelope(env, { keyFor: () => generateKey(), authorize: () => {} }),
      );
      expect(code, where).toBe('decrypt-failure');
    } else if (db === VAULT_DB && store in VAULT_STORES) {
      const shape = VAULT_STORES[store as keyof typeof VAULT_STORES];
      expect(Object.keys(v).sort(), where).toEqual([...shape.fields].sort());
      for (const [field, prefix] of Object.entries(shape.sealed)) {
        const box = v[field] as { v: 1; nonce: Bytes; ciphertext: Bytes };
        const local: LocalBox = {
          v: 1,
          nonce: bytes(box.nonce),
          ciphertext: bytes(box.ciphertext),
        };
        const code = failsToOpen(() =>
          openLocal(generateKey(), `${prefix}${String(v.slotId)}`, local),
        );
        expect(code, `${where}.${field}`).toBe('decrypt-failure');
      }
    } else {
      throw new Error(
        `unexpected stored value in ${where}: a store no module describes — add it to the ` +
          'catalogue of its store module (VAULT_STORES / SEALED_STORES) with what it holds',
      );
    }
    seen.add(where);
  }
  return [...seen].sort();
}

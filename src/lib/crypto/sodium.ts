/**
 * Loads libsodium once. Folio uses the sumo build for all its cryptography, inside the vault
 * Worker: only sumo has crypto_pwhash (Argon2id), the Worker must load it to unlock anyway, and
 * loading the standard build as well would fetch the same primitives twice
 * (docs/adr/0002-sumo-build-in-the-vault-worker.md). It is imported dynamically, so it is never
 * part of the page's initial JavaScript.
 */
import type * as Sodium from 'libsodium-wrappers-sumo';
import { CryptoError } from './errors';

export type SodiumApi = typeof Sodium;

let loading: Promise<SodiumApi> | null = null;
let loaded: SodiumApi | null = null;

/** Resolves with the ready libsodium API, loading it on first use. */
export function loadSodium(): Promise<SodiumApi> {
  loading ??= import('libsodium-wrappers-sumo').then(async (module) => {
    const api = ((module as unknown as { default?: SodiumApi }).default ?? module) as SodiumApi;
    await api.ready;
    loaded = api;
    return api;
  });
  return loading;
}

/**
 * The loaded API for synchronous code paths.
 * @throws CryptoError('not-loaded') before loadSodium() has resolved.
 */
export function sodium(): SodiumApi {
  if (!loaded) throw new CryptoError('not-loaded', 'call loadSodium() first');
  return loaded;
}

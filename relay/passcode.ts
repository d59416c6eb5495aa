/**
 * Share-link passcodes (DESIGN.md §8): the relay keeps only an Argon2id hash (libsodium's
 * crypto_pwhash_str, encoded with its parameters and salt). Parameters follow OWASP's minimum
 * for Argon2id (t = 2, m = 19 MiB): a passcode is already bounded by a lifetime cap on failed
 * attempts, so the hash only has to resist an offline attack on a stolen database. At most
 * two hashes run at once, so a burst of requests cannot exhaust the relay's memory.
 */
import type * as Sodium from 'libsodium-wrappers-sumo';

type SodiumApi = typeof Sodium;
let loading: Promise<SodiumApi> | null = null;

function sodium(): Promise<SodiumApi> {
  loading ??= import('libsodium-wrappers-sumo').then(async (module) => {
    const api = ((module as unknown as { default?: SodiumApi }).default ?? module) as SodiumApi;
    await api.ready;
    return api;
  });
  return loading;
}

export const PASSCODE_OPS = 2;
export const PASSCODE_MEM = 19 * 1024 * 1024;
const MAX_CONCURRENT = 2;

let running = 0;
const waiting: (() => void)[] = [];

async function limited<T>(work: () => T): Promise<T> {
  if (running >= MAX_CONCURRENT) await new Promise<void>((r) => waiting.push(r));
  running++;
  try {
    // Yield first so a queue of requests interleaves with the event loop.
    await new Promise((r) => setImmediate(r));
    return work();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

export async function hashPasscode(passcode: string): Promise<string> {
  const s = await sodium();
  return limited(() => s.crypto_pwhash_str(passcode, PASSCODE_OPS, PASSCODE_MEM));
}

export async function verifyPasscode(hash: string, passcode: string): Promise<boolean> {
  const s = await sodium();
  return limited(() => {
    try {
      return s.crypto_pwhash_str_verify(hash, passcode);
    } catch {
      return false;
    }
  });
}

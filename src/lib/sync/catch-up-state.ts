/**
 * What catch-up (catch-up.ts) keeps between unlocked sessions, so the first pass after an unlock
 * is as small as any other (issue 15): the relay it was kept against, the relay's storage
 * instance and change-feed cursor, the local log position up to which every change was
 * accounted for, the documents still due (`pending`) and those a pass has finished (`known`).
 *
 * The page hands it to the vault as bytes; the vault stores it sealed under the member's vault
 * key (lib/vault/catch-up-store.ts). Room ids and document ids are pseudonymous, but nothing of
 * it is stored in clear.
 *
 * Invariant (what makes a stored state safe to trust): every document with a local record at or
 * below `position`, or a relay change at or below `cursor`, that is not in `pending` was in step
 * with the relay's room when a pass finished with it. A state that does not parse is no state:
 * the next pass visits everything.
 */

export interface SavedCatchUp {
  v: 1;
  /** The change feed the state was kept against (another relay starts afresh). */
  relay: string;
  instance: string;
  cursor: number;
  position: number;
  pending: string[];
  known: string[];
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export function encodeCatchUpState(state: SavedCatchUp): Uint8Array {
  return encoder.encode(JSON.stringify(state));
}

const isCount = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0;
const isKeys = (a: unknown): a is string[] =>
  Array.isArray(a) && a.every((k) => typeof k === 'string' && k.length > 0 && k.length <= 256);

/** The state in `bytes`, or null when they are not a state of this version (never half-read). */
export function decodeCatchUpState(bytes: Uint8Array): SavedCatchUp | null {
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(bytes));
  } catch {
    return null;
  }
  const s = (value ?? {}) as Record<string, unknown>;
  if (
    s.v !== 1 ||
    typeof s.relay !== 'string' ||
    typeof s.instance !== 'string' ||
    !isCount(s.cursor) ||
    !isCount(s.position) ||
    !isKeys(s.pending) ||
    !isKeys(s.known)
  ) {
    return null;
  }
  return {
    v: 1,
    relay: s.relay,
    instance: s.instance,
    cursor: s.cursor,
    position: s.position,
    pending: s.pending,
    known: s.known,
  };
}

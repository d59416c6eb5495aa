/**
 * Sentences for the user, one module: what a failed vault call (VaultCallError, with the Worker's
 * code) says on screen. Never includes entered values or patient data.
 */
import { VaultCallError } from '$lib/vault/client';

/** The sentence for a code, or null where the vault's own message is already one. */
const VAULT_MESSAGES: Readonly<Record<string, string | null>> = {
  'wrong-passphrase': 'That passphrase is not right. Check Caps Lock and try again.',
  'wrong-recovery-key': 'That recovery key does not belong to this member on this device.',
  'worker-failed': 'The vault stopped unexpectedly. Reload the page; nothing stored was lost.',
  locked: 'Folio is locked.',
  'no-slot': 'That member is not set up on this device.',
  'bad-recovery-key': 'That recovery key has a typo: check each group of four characters.',
  'bad-input': null,
  'weak-passphrase': null,
  'not-admin': null,
  'already-set-up': null,
  'unknown-device': null,
  'last-admin': null,
  self: null,
  removed: null,
  'stale-removal': null,
  'pairing-mismatch': null,
  'viewer-page': null,
};

/** The codes describeError has words for (the rest get the generic sentence). */
export const DESCRIBED_CODES: readonly string[] = Object.keys(VAULT_MESSAGES);

export const GENERIC_FAILURE = 'Something went wrong. Nothing stored was changed.';

/** A readable message for a failed call; never includes entered values or patient data. */
export function describeError(error: unknown): string {
  if (error instanceof VaultCallError && Object.hasOwn(VAULT_MESSAGES, error.code)) {
    return VAULT_MESSAGES[error.code] ?? error.message;
  }
  return GENERIC_FAILURE;
}

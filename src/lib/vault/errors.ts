/** Typed errors of lib/vault. `code` is a short kebab-case reason, safe to log and show. */
import { CodedError } from '../coded-error';

export type VaultErrorCode =
  | 'locked'
  | 'no-slot'
  | 'not-admin'
  | 'weak-passphrase'
  | 'bad-input'
  | 'already-set-up'
  | 'no-clinical-key'
  // Removal (rotation.ts): not allowed, or this device itself was removed.
  | 'unknown-device'
  | 'last-admin'
  | 'self'
  | 'removed'
  | 'stale-removal'
  // Pairing (pairing.ts): the answer does not list this device's own keys exactly.
  | 'pairing-mismatch';

export class VaultError extends CodedError<VaultErrorCode> {
  constructor(code: VaultErrorCode, message?: string) {
    super(code, message);
    this.name = 'VaultError';
  }
}

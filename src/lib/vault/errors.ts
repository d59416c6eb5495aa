/** Typed errors of lib/vault. `code` is a short kebab-case reason, safe to log and show. */

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

export class VaultError extends Error {
  constructor(
    readonly code: VaultErrorCode,
    message?: string,
  ) {
    super(message ?? code);
    this.name = 'VaultError';
  }
}

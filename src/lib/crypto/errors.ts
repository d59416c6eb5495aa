/** Typed errors of lib/crypto. `code` is a short kebab-case reason, safe to log and show. */

export type CryptoErrorCode =
  | 'bad-length'
  | 'bad-version'
  | 'bad-kind'
  | 'bad-padding'
  | 'bad-record'
  | 'bad-signature'
  | 'bad-grant'
  | 'bad-recovery-key'
  | 'decrypt-failure'
  | 'unknown-key'
  | 'unknown-author'
  | 'revoked'
  | 'replayed'
  | 'equivocation'
  | 'too-large'
  | 'weak-params'
  | 'wrong-passphrase'
  | 'wrong-recovery-key'
  | 'not-loaded';

export class CryptoError extends Error {
  constructor(
    readonly code: CryptoErrorCode,
    detail?: string,
  ) {
    super(detail ? `${code}: ${detail}` : code);
    this.name = 'CryptoError';
  }
}

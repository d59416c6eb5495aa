/** Typed errors of lib/crypto. `code` is a short kebab-case reason, safe to log and show. */
import { CodedError } from '../coded-error';

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

export class CryptoError extends CodedError<CryptoErrorCode> {
  constructor(code: CryptoErrorCode, detail?: string) {
    super(code, detail ? `${code}: ${detail}` : code);
    this.name = 'CryptoError';
  }
}

/** Why a SMART Health Link could not be made, read or resolved — each with a message for people. */
import { CodedError } from '../../coded-error';

export type ShlErrorCode =
  | 'not-a-link'
  | 'bad-payload'
  | 'unsupported-version'
  | 'expired'
  | 'needs-passcode'
  | 'wrong-passcode'
  | 'inactive'
  | 'unreachable'
  | 'bad-manifest'
  | 'too-large'
  | 'decrypt-failed'
  | 'refused';

export class ShlError extends CodedError<ShlErrorCode> {
  constructor(
    code: ShlErrorCode,
    message: string,
    /** For 'wrong-passcode': attempts left before the link is disabled. */
    readonly remainingAttempts?: number,
  ) {
    super(code, message);
    this.name = 'ShlError';
  }
}

/** Typed errors of lib/crdt; `code` is a short kebab-case reason. */
import { CodedError } from '../coded-error';

export type CrdtErrorCode =
  | 'quota-exceeded'
  | 'storage-failed'
  | 'bad-snapshot'
  | 'closed'
  | 'not-permitted'
  | 'no-template'
  | 'reason-required';

export class CrdtError extends CodedError<CrdtErrorCode> {
  constructor(code: CrdtErrorCode, detail?: string) {
    super(code, detail ? `${code}: ${detail}` : code);
    this.name = 'CrdtError';
  }
}

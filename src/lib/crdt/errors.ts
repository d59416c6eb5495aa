/** Typed errors of lib/crdt; `code` is a short kebab-case reason. */
export type CrdtErrorCode = 'quota-exceeded' | 'storage-failed' | 'bad-snapshot' | 'closed';

export class CrdtError extends Error {
  constructor(
    readonly code: CrdtErrorCode,
    detail?: string,
  ) {
    super(detail ? `${code}: ${detail}` : code);
    this.name = 'CrdtError';
  }
}

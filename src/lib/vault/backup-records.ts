/**
 * What a backup seals about its list of records (docs/spec/envelope.md §9): the digest of every
 * record in order and their count. The page computes the digest (state/backup-format.ts); the
 * vault seals it at export and compares at restore. Nothing here is trusted by type.
 */
export interface RecordsDigest {
  /** Lowercase hex SHA-256, 64 characters. */
  digest: string;
  count: number;
}

export function isRecordsDigest(value: unknown): value is RecordsDigest {
  const v = value as Partial<RecordsDigest> | null;
  return (
    !!v &&
    typeof v.digest === 'string' &&
    /^[0-9a-f]{64}$/.test(v.digest) &&
    Number.isSafeInteger(v.count) &&
    (v.count as number) >= 0
  );
}

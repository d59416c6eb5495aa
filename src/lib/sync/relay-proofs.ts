/**
 * Practice proofs for the relay (docs/spec/envelope.md §12), asked of the vault at most once per
 * `refreshMs`: every room authentication, pairing mailbox and share link needs one, and a catch-up
 * pass opens thousands of rooms. A proof is valid at the relay for an hour; it is renewed well
 * before that. Concurrent askers share one request; a failed request is not cached.
 */
export interface RelayProofs {
  current(): Promise<string>;
  /** Forgets the cached proof (after locking, or when the practice changes). */
  clear(): void;
}

export function relayProofs(
  issue: () => Promise<string>,
  options: { now?: () => number; refreshMs?: number } = {},
): RelayProofs {
  const now = options.now ?? Date.now;
  const refreshMs = options.refreshMs ?? 10 * 60_000;
  let cached: { proof: Promise<string>; at: number } | null = null;
  return {
    current() {
      if (cached && now() - cached.at < refreshMs) return cached.proof;
      const entry = { proof: issue(), at: now() };
      cached = entry;
      entry.proof.catch(() => {
        if (cached === entry) cached = null;
      });
      return entry.proof;
    },
    clear() {
      cached = null;
    },
  };
}

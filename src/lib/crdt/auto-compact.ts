/**
 * Keeps a sealed document's log short (issue 15 item 2): once its current generation holds more
 * than `threshold` envelopes, it is compacted into a new generation from a signed snapshot
 * (SealedDoc.compact, ADR 0004) — checked when attached and after every change, local or
 * received. One compaction runs at a time; after a failure (e.g. storage full) the next attempt
 * waits until another `threshold` envelopes have arrived, so a full disk is not hammered.
 */
import type { SealedDoc } from './sealed-doc';

export interface AutoCompaction {
  /** Resolves when any compaction in progress has finished (tests, lock). */
  settled(): Promise<void>;
  stop(): void;
}

export function autoCompact(
  doc: SealedDoc,
  threshold: number,
  onError: (error: unknown) => void = () => undefined,
): AutoCompaction {
  let running: Promise<void> = Promise.resolve();
  let busy = false;
  let stopped = false;
  let retryAt = threshold;
  const check = () => {
    if (stopped || busy || doc.envelopeCount <= retryAt) return;
    busy = true;
    running = doc
      .compact()
      .then(() => {
        retryAt = threshold;
      })
      .catch((error: unknown) => {
        retryAt = doc.envelopeCount + threshold;
        onError(error);
      })
      .finally(() => {
        busy = false;
      });
  };
  const offChange = doc.onChange(check);
  const offSealed = doc.onSealed(check);
  check();
  return {
    settled: () => running,
    stop() {
      stopped = true;
      offChange();
      offSealed();
    },
  };
}

/**
 * The Yjs clients whose items a transaction's update carries — the same set as
 * `Y.parseUpdateMeta(update).from`, read from the transaction's state vectors instead of decoding
 * the update again (for a FHIR import's one large update, decoding it cost as much as a tenth of
 * the import). An update holds, for every client whose clock advanced in the transaction, its
 * items from the clock before to the clock after; deletions only are in its delete set.
 */
import type * as Y from 'yjs';

export function clientsWritten(transaction: Y.Transaction): number[] {
  const out: number[] = [];
  for (const [client, clock] of transaction.afterState) {
    if (clock > (transaction.beforeState.get(client) ?? 0)) out.push(client);
  }
  return out;
}

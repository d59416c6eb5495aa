/**
 * Removing a device or member (ADR 0006, docs/spec/envelope.md §10), the order of its steps as
 * plain TypeScript: the vault signs member list v+1 (recording the highest seq this device has
 * verified from each author, so their earlier edits stay valid) and seals the new epoch keys to
 * the remaining devices; the list and the grants are published in the practice index under the
 * CURRENT key and made durable; only then is the new epoch used — so remaining devices can read
 * the grants and the removed one cannot read anything written afterwards.
 */
import type { MemberList } from '../crypto/member-list';
import type { GrantJson, OpenResult } from '../vault/service';

/** Envelopes are opened in batches of this many (one vault call each). */
export const OPEN_BATCH = 500;

/**
 * The highest seq per author device (`member:device`) among `envelopes` that open; envelopes
 * that do not open (no key, forged) count for nothing.
 */
export async function highestSeqs(
  envelopes: readonly Uint8Array[],
  openMany: (batch: Uint8Array[]) => Promise<OpenResult[]>,
): Promise<Record<string, number>> {
  const highest: Record<string, number> = {};
  for (let i = 0; i < envelopes.length; i += OPEN_BATCH) {
    for (const r of await openMany(envelopes.slice(i, i + OPEN_BATCH))) {
      if (!r.ok) continue;
      const key = `${r.author.member}:${r.author.device}`;
      highest[key] = Math.max(highest[key] ?? -1, r.seq);
    }
  }
  return highest;
}

export interface RemovalSteps<Summary> {
  /** Every envelope this device holds (after loading every chart key it can). */
  envelopes(): Promise<readonly Uint8Array[]>;
  openMany(batch: Uint8Array[]): Promise<OpenResult[]>;
  /** The vault's removal: member list v+1 and the grants of the new epoch keys. */
  remove(lastSeqs: Record<string, number>): Promise<{ lists: MemberList[]; grants: GrantJson[] }>;
  /** Writes into the practice index (lib/crdt/index-doc.ts). */
  index: {
    publishMemberLists(lists: MemberList[]): void;
    publishGrants(grants: GrantJson[]): void;
  };
  /** Makes the practice index durable (seals what was written). */
  flush(): Promise<void>;
  /** Starts using the new epoch. */
  activate(): Promise<Summary>;
}

/** Runs a removal in its required order; returns what `activate` returned. */
export async function removeFromPractice<Summary>(steps: RemovalSteps<Summary>): Promise<Summary> {
  const lastSeqs = await highestSeqs(await steps.envelopes(), steps.openMany);
  const { lists, grants } = await steps.remove(lastSeqs);
  steps.index.publishMemberLists(lists);
  steps.index.publishGrants(grants);
  await steps.flush();
  return steps.activate();
}

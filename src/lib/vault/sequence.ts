/**
 * Per-author sequence numbers (docs/design.md §5): reserved in blocks, persisted with strict
 * durability before any number of the block is used, and reserved under a cross-tab lock, so no
 * (author, seq) pair is ever issued twice — not across tabs, crashes or a restored backup.
 */
import { fromUtf8, openLocal, sealLocal, utf8 } from '$lib/crypto';
import type { Unlocked, VaultContext } from './context';

export const SEQ_BLOCK = 64;

/** The next sequence number of the unlocked author; its block is persisted before it is returned. */
export async function nextSeq(ctx: VaultContext, session: Unlocked): Promise<number> {
  if (session.seqNext >= session.seqHigh) {
    const [low, high] = await reserveBlock(ctx, session.slotId, session.vaultKey);
    session.seqNext = low;
    session.seqHigh = high;
  }
  return session.seqNext++;
}

async function reserveBlock(
  ctx: VaultContext,
  slotId: string,
  vaultKey: Uint8Array,
): Promise<[number, number]> {
  return ctx.lock(`folio-seq-${slotId}`, async () => {
    const stored = await ctx.store.getCounter(slotId);
    const current = stored ? Number(fromUtf8(openLocal(vaultKey, `seq:${slotId}`, stored.box))) : 0;
    const next = current + SEQ_BLOCK;
    await ctx.store.putCounter({
      v: 1,
      slotId,
      box: sealLocal(vaultKey, `seq:${slotId}`, utf8(String(next))),
    });
    return [current, next];
  });
}

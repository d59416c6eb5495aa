/**
 * High-water marks: the highest seq this member has verified from each author device, keyed
 * "member:device" (base64url public keys). An admin who removes a device records its mark as the
 * device's last accepted seq in member list v+1 (docs/design.md §7, docs/adr/0006): what it wrote up to
 * there stays valid everywhere, anything later is refused.
 *
 * Sources: every envelope openMany verifies, and the admin's marks handed to a device it pairs
 * (so a newly paired admin knows what was written before it joined). Marks live in the session
 * and are written — sealed under the vault key, merged by maximum under a cross-tab lock — a
 * moment after they rise and always before a removal reads them. Marks raised in the last moment
 * before a lock may be lost; they come back when those envelopes are next opened.
 *
 * Invariant: a stored mark never decreases (merging takes the maximum).
 */
import { fromUtf8, openLocal, sealLocal, utf8 } from '$lib/crypto';
import type { Unlocked, VaultContext } from './context';
import { authorKey, cleanMarks, raise, type Marks } from './marks-map';

export { authorKey, cleanMarks, raise, type Marks } from './marks-map';

/** Default delay between a mark rising and its write (many openMany calls share one write). */
export const MARKS_FLUSH_MS = 2_000;

export class SeenMarks {
  readonly #ctx: VaultContext;
  readonly #delayMs: number;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #lastError: unknown = null;

  constructor(ctx: VaultContext, delayMs = MARKS_FLUSH_MS) {
    this.#ctx = ctx;
    this.#delayMs = delayMs;
  }

  /** The last error of a background write (for diagnostics), or null. */
  get lastError(): unknown {
    return this.#lastError;
  }

  /** Records verified seqs; schedules one write if any mark rose. */
  note(session: Unlocked, seen: { member: string; device: string; seq: number }[]): void {
    let rose = false;
    for (const s of seen) rose = raise(session.marks, authorKey(s), s.seq) || rose;
    if (!rose) return;
    session.marksDirty = true;
    if (this.#timer !== null) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.flush(session).catch((error: unknown) => {
        // Kept dirty: the next flush (at the latest, before a removal) writes them again.
        this.#lastError = error;
      });
    }, this.#delayMs);
  }

  /** Drops a scheduled write (on lock: the vault key is about to be wiped). */
  cancel(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  /**
   * Writes the session's marks merged with the stored ones; returns the merged marks.
   * A session that is no longer the unlocked one is not written (its vault key is wiped).
   */
  async flush(session: Unlocked): Promise<Marks> {
    if (this.#ctx.unlocked !== session) return Object.fromEntries(session.marks);
    const { slotId } = session;
    // A copy: locking wipes the session's key, possibly while this write is under way.
    const vaultKey = session.vaultKey.slice();
    try {
      return await this.#ctx.lock(`folio-marks-${slotId}`, async () => {
        const stored = await this.#read(slotId, vaultKey);
        for (const [key, seq] of Object.entries(stored)) raise(session.marks, key, seq);
        const merged = Object.fromEntries(session.marks);
        if (session.marksDirty || Object.keys(stored).length !== session.marks.size) {
          session.marksDirty = false;
          await this.#ctx.store.putMarks({
            v: 1,
            slotId,
            box: sealLocal(vaultKey, `marks:${slotId}`, utf8(JSON.stringify(merged))),
          });
        }
        return merged;
      });
    } catch (error) {
      session.marksDirty = true;
      throw error;
    } finally {
      vaultKey.fill(0);
    }
  }

  /** Stores marks for a slot that is not unlocked yet (a newly paired device). */
  async seed(slotId: string, vaultKey: Uint8Array, marks: Marks): Promise<void> {
    await this.#ctx.store.putMarks({
      v: 1,
      slotId,
      box: sealLocal(vaultKey, `marks:${slotId}`, utf8(JSON.stringify(cleanMarks(marks)))),
    });
  }

  async #read(slotId: string, vaultKey: Uint8Array): Promise<Marks> {
    const record = await this.#ctx.store.getMarks(slotId);
    if (!record) return {};
    return cleanMarks(JSON.parse(fromUtf8(openLocal(vaultKey, `marks:${slotId}`, record.box))));
  }
}

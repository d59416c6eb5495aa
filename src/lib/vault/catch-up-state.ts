/**
 * Catch-up's state between sessions (lib/sync/catch-up-state.ts), kept for the page as opaque
 * bytes sealed under the unlocked member's vault key (purpose "catch-up:<slotId>"), one record
 * per member on this device. The vault neither reads nor trusts it: the page checks what it gets
 * back, and a record that does not open is no record (catch-up then visits every chart).
 */
import { openLocal, sealLocal } from '$lib/crypto';
import type { VaultContext } from './context';
import { VaultError } from './errors';

/** Larger than any practice needs (20,000 charts ≈ 1 MiB), small enough to refuse junk. */
export const MAX_CATCH_UP_STATE = 16 * 1024 * 1024;

const purpose = (slotId: string) => `catch-up:${slotId}`;

export class CatchUpStates {
  readonly #ctx: VaultContext;

  constructor(ctx: VaultContext) {
    this.#ctx = ctx;
  }

  /** The bytes last saved by this member, or null (none, or they do not open). @throws VaultError('locked') */
  async load(): Promise<{ state: Uint8Array | null }> {
    const { slotId, vaultKey } = this.#ctx.require();
    const record = await this.#ctx.store.getCatchUp(slotId);
    if (!record) return { state: null };
    try {
      return { state: openLocal(vaultKey, purpose(slotId), record.box) };
    } catch {
      return { state: null };
    }
  }

  /** Seals and stores `state`. @throws VaultError('locked' | 'bad-input') */
  async save(input: { state: Uint8Array }): Promise<void> {
    const { slotId, vaultKey } = this.#ctx.require();
    const state = (input as Partial<typeof input>)?.state;
    if (!(state instanceof Uint8Array) || state.length > MAX_CATCH_UP_STATE) {
      throw new VaultError('bad-input', 'catch-up state must be bytes of at most 16 MiB');
    }
    const box = sealLocal(vaultKey, purpose(slotId), state);
    // Locked meanwhile: the key is wiped; do not write under another session.
    if (this.#ctx.unlocked?.slotId !== slotId) throw new VaultError('locked', 'Folio is locked');
    await this.#ctx.store.putCatchUp({ v: 1, slotId, box });
  }
}

/**
 * Encrypted backup of a member's slot (docs/spec/envelope.md §9): the slot travels with its
 * recovery-key wrap only, so only the recovery key opens it; restoring moves the sequence counter
 * far ahead, so no seq the original device used after the backup is ever reused.
 */
import {
  fromUtf8,
  loadSodium,
  openLocal,
  parseRecoveryKey,
  sealLocal,
  unwrapWithRecoveryKey,
  utf8,
  wrapWithPassphrase,
  type LocalBox,
  type RecoveryWrap,
} from '$lib/crypto';
import { summarize, VaultContext, type SessionSummary } from './context';
import { VaultError } from './errors';
import { checkPassphrase } from './input';
import { decodeKeyring } from './keyring';
import type { SlotRecord } from './records';

/** How far a restored device skips ahead in its sequence numbers. */
export const RESTORE_SEQ_JUMP = 1_000_000;

/** A member's slot as carried in an encrypted backup (no passphrase wrap). */
export interface BackupSlot {
  v: 1;
  slotId: string;
  label: string;
  recovery: RecoveryWrap;
  keyring: LocalBox;
  counter: LocalBox | null;
}

export class Backups {
  readonly #ctx: VaultContext;

  constructor(ctx: VaultContext) {
    this.#ctx = ctx;
  }

  /**
   * The unlocked member's part of an encrypted backup: their slot with the passphrase wrap
   * removed (only the recovery key opens it) and their sealed sequence counter.
   */
  async exportBackup(): Promise<BackupSlot> {
    const session = this.#ctx.require();
    const slot = await this.#ctx.slot(session.slotId);
    const counter = await this.#ctx.store.getCounter(session.slotId);
    return {
      v: 1,
      slotId: slot.slotId,
      label: slot.label,
      recovery: slot.recovery,
      keyring: slot.keyring,
      counter: counter?.box ?? null,
    };
  }

  /**
   * Restores a backup slot on a device with no members yet: the recovery key must open it; a
   * new passphrase is wrapped; the sequence counter jumps ahead so no seq the original device
   * may have used since the backup is ever reused.
   * @throws VaultError('already-set-up' | 'bad-input' | 'weak-passphrase'),
   *   CryptoError('bad-recovery-key' | 'wrong-recovery-key' | 'decrypt-failure')
   */
  async restoreBackup(input: {
    slot: BackupSlot;
    recoveryKey: string;
    passphrase: string;
  }): Promise<SessionSummary> {
    if ((await this.#ctx.store.listSlots()).length > 0) throw new VaultError('already-set-up');
    const b = input?.slot;
    if (
      b?.v !== 1 ||
      typeof b.slotId !== 'string' ||
      typeof b.label !== 'string' ||
      !(b.recovery?.ciphertext instanceof Uint8Array) ||
      !(b.keyring?.ciphertext instanceof Uint8Array)
    ) {
      throw new VaultError('bad-input', 'This file is not a Folio backup.');
    }
    checkPassphrase(input.passphrase);
    await loadSodium();
    const recoveryKey = parseRecoveryKey(String(input.recoveryKey ?? ''));
    const vaultKey = unwrapWithRecoveryKey({ slotId: b.slotId, wrap: b.recovery, recoveryKey });
    const keyring = decodeKeyring(openLocal(vaultKey, `keyring:${b.slotId}`, b.keyring));
    let seqHigh = 0;
    if (b.counter) seqHigh = Number(fromUtf8(openLocal(vaultKey, `seq:${b.slotId}`, b.counter)));
    const record: SlotRecord = {
      v: 1,
      slotId: b.slotId,
      label: b.label,
      passphrase: wrapWithPassphrase({
        slotId: b.slotId,
        vaultKey,
        passphrase: input.passphrase,
        params: this.#ctx.params,
      }),
      recovery: b.recovery,
      keyring: b.keyring,
    };
    await this.#ctx.store.putCounter({
      v: 1,
      slotId: b.slotId,
      box: sealLocal(vaultKey, `seq:${b.slotId}`, utf8(String(seqHigh + RESTORE_SEQ_JUMP))),
    });
    await this.#ctx.store.putSlot(record);
    return summarize(this.#ctx.enter(VaultContext.session(b.slotId, vaultKey, keyring)));
  }
}

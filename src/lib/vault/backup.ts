/**
 * Encrypted backup of a member's slot (docs/spec/envelope.md §9): the slot travels with its
 * recovery-key wrap only, so only the recovery key opens it; restoring moves the sequence counter
 * far ahead, so no seq the original device used after the backup is ever reused.
 *
 * The slot also carries the file's list of records, sealed under the vault key: the digest of
 * every record in order (state/backup-format.ts) and their count. Restoring compares it with the
 * digest of the records actually in the file before storing anything, so a truncated, reordered
 * or padded backup is refused, never partly restored.
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
import { isRecordsDigest, type RecordsDigest } from './backup-records';
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
  /** The sealed RecordsDigest of the file's records (purpose "backup-records:" ‖ slotId). */
  records: LocalBox;
}

const OLD_BACKUP =
  'This backup was made by an earlier version of Folio that did not protect its list of ' +
  'records, so a missing record could not be noticed. Nothing was restored. Make a new backup ' +
  'on a device of the practice, or pair this device instead.';

const ALTERED =
  'This backup is incomplete or was altered: its records are not the ones it was made with, ' +
  'in their order. Nothing was restored. Use another copy of the backup.';

export class Backups {
  readonly #ctx: VaultContext;

  constructor(ctx: VaultContext) {
    this.#ctx = ctx;
  }

  /**
   * The unlocked member's part of an encrypted backup: their slot with the passphrase wrap
   * removed (only the recovery key opens it) and their sealed sequence counter.
   */
  async exportBackup(input: RecordsDigest): Promise<BackupSlot> {
    const session = this.#ctx.require();
    if (!isRecordsDigest(input)) throw new VaultError('bad-input', 'No list of records to seal');
    const manifest: RecordsDigest = { digest: input.digest, count: input.count };
    const slot = await this.#ctx.slot(session.slotId);
    const counter = await this.#ctx.store.getCounter(session.slotId);
    return {
      v: 1,
      slotId: slot.slotId,
      label: slot.label,
      recovery: slot.recovery,
      keyring: slot.keyring,
      counter: counter?.box ?? null,
      records: sealLocal(
        session.vaultKey,
        `backup-records:${slot.slotId}`,
        utf8(JSON.stringify(manifest)),
      ),
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
    /** The digest of the records in the file, computed by the page. */
    records: RecordsDigest;
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
    if (!(b.records?.ciphertext instanceof Uint8Array))
      throw new VaultError('bad-input', OLD_BACKUP);
    if (!isRecordsDigest(input.records)) throw new VaultError('bad-input', ALTERED);
    checkPassphrase(input.passphrase);
    await loadSodium();
    const recoveryKey = parseRecoveryKey(String(input.recoveryKey ?? ''));
    const vaultKey = unwrapWithRecoveryKey({ slotId: b.slotId, wrap: b.recovery, recoveryKey });
    const keyring = decodeKeyring(openLocal(vaultKey, `keyring:${b.slotId}`, b.keyring));
    checkRecords(vaultKey, b, input.records);
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

/**
 * The records in the file must be exactly the ones sealed at export, in order.
 * @throws VaultError('bad-input') naming what is wrong; nothing is stored before this passes.
 */
function checkRecords(vaultKey: Uint8Array, b: BackupSlot, presented: RecordsDigest): void {
  let sealed: unknown;
  try {
    sealed = JSON.parse(fromUtf8(openLocal(vaultKey, `backup-records:${b.slotId}`, b.records)));
  } catch {
    throw new VaultError('bad-input', ALTERED);
  }
  if (!isRecordsDigest(sealed) || sealed.digest !== presented.digest) {
    const counts =
      isRecordsDigest(sealed) && sealed.count !== presented.count
        ? ` It was made with ${sealed.count} records; the file holds ${presented.count}.`
        : '';
    throw new VaultError('bad-input', ALTERED + counts);
  }
}

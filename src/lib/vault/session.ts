/**
 * Slots and sessions: first run, unlocking with a passphrase or the recovery key, changing the
 * passphrase, auto-lock, locking.
 *
 * Invariants: one slot per member per device; each slot wraps its own random vault key twice
 * (passphrase, recovery key); repeated wrong passphrases wait longer each time (1 s, 2 s, 4 s …
 * 30 s) before the check; a successful unlock upgrades weak Argon2id parameters.
 */
import {
  CryptoError,
  foundingList,
  generateIdentity,
  generateKey,
  loadSodium,
  needsUpgrade,
  parseRecoveryKey,
  sodium,
  toBase64Url,
  unwrapWithPassphrase,
  unwrapWithRecoveryKey,
} from '$lib/crypto';
import { summarize, type SessionSummary, type VaultContext } from './context';
import { VaultError } from './errors';
import { checkPassphrase, clean, entryFor, relayOrigin } from './input';
import type { Keyring } from './keyring';
import type { SlotSummary } from './records';

const MAX_DELAY_MS = 30_000;

export class Sessions {
  readonly #ctx: VaultContext;
  readonly #sleep: (ms: number) => Promise<void>;
  #failures = 0;

  constructor(ctx: VaultContext, sleep: (ms: number) => Promise<void>) {
    this.#ctx = ctx;
    this.#sleep = sleep;
  }

  /** Slots on this device (for the unlock screen) and whether one is unlocked. */
  async status(): Promise<{ slots: SlotSummary[]; session: SessionSummary | null }> {
    const slots = (await this.#ctx.store.listSlots()).map((s) => ({
      slotId: s.slotId,
      label: s.label,
    }));
    const unlocked = this.#ctx.unlocked;
    return { slots, session: unlocked ? summarize(unlocked) : null };
  }

  /**
   * First run: creates the practice, its keys, this device and its first (admin) member.
   * @throws VaultError('already-set-up' | 'bad-input' | 'weak-passphrase')
   */
  async createPractice(input: {
    practiceName: string;
    memberName: string;
    deviceName: string;
    passphrase: string;
  }): Promise<{ recoveryKey: string; session: SessionSummary }> {
    if ((await this.#ctx.store.listSlots()).length > 0) throw new VaultError('already-set-up');
    const practiceName = clean(input.practiceName, 'practice name');
    const memberName = clean(input.memberName, 'your name');
    const deviceName = clean(input.deviceName, 'device name');
    checkPassphrase(input.passphrase);
    await loadSodium();
    const member = generateIdentity();
    const device = generateIdentity();
    const practiceId = toBase64Url(sodium().randombytes_buf(16));
    const founding = foundingList({
      practiceId,
      admin: member.sign,
      entry: entryFor(member, device, memberName, deviceName, new Date().toISOString()),
      at: new Date().toISOString(),
    });
    const keyring: Keyring = {
      v: 1,
      member: { name: memberName, role: 'admin', identity: member },
      device: { name: deviceName, identity: device },
      practice: {
        id: practiceId,
        name: practiceName,
        indexDocId: sodium().randombytes_buf(16),
        keys: [{ epoch: 0, key: generateKey() }],
      },
      clinical: [{ epoch: 0, key: generateKey() }],
      anchor: founding.signer,
      memberLists: [founding],
      prefs: { autoLockMinutes: 10 },
    };
    const { recoveryKey, unlocked } = await this.#ctx.createSlot(keyring, input.passphrase);
    this.#ctx.enter(unlocked);
    return { recoveryKey, session: summarize(unlocked) };
  }

  /**
   * Unlocks a slot with its passphrase; upgrades weak Argon2id parameters on success.
   * @throws CryptoError('wrong-passphrase'), VaultError('no-slot')
   */
  async unlock(input: { slotId: string; passphrase: string }): Promise<SessionSummary> {
    if (typeof input?.passphrase !== 'string')
      throw new VaultError('bad-input', 'Enter your passphrase');
    const slot = await this.#ctx.slot(input.slotId);
    await this.#throttle();
    await loadSodium();
    let vaultKey: Uint8Array;
    try {
      vaultKey = unwrapWithPassphrase({
        slotId: slot.slotId,
        wrap: slot.passphrase,
        passphrase: input.passphrase,
      });
    } catch (error) {
      if (error instanceof CryptoError && error.code === 'wrong-passphrase') this.#failures += 1;
      throw error;
    }
    this.#failures = 0;
    if (needsUpgrade(slot.passphrase, this.#ctx.params))
      await this.#ctx.rewrap(slot, vaultKey, input.passphrase);
    return this.#ctx.open(slot, vaultKey);
  }

  /** Unlocks a slot with its recovery key. @throws CryptoError('bad-recovery-key' | 'wrong-recovery-key') */
  async unlockWithRecovery(input: {
    slotId: string;
    recoveryKey: string;
  }): Promise<SessionSummary> {
    const slot = await this.#ctx.slot(input.slotId);
    await this.#throttle();
    await loadSodium();
    const bytes = parseRecoveryKey(input.recoveryKey);
    let vaultKey: Uint8Array;
    try {
      vaultKey = unwrapWithRecoveryKey({
        slotId: slot.slotId,
        wrap: slot.recovery,
        recoveryKey: bytes,
      });
    } catch (error) {
      this.#failures += 1;
      throw error;
    }
    this.#failures = 0;
    return this.#ctx.open(slot, vaultKey);
  }

  /**
   * Sets a new passphrase for the unlocked member after re-checking the current one. Only the
   * wrap changes; no data is re-encrypted.
   * @throws CryptoError('wrong-passphrase'), VaultError('weak-passphrase' | 'locked')
   */
  async changePassphrase(input: { current: string; next: string }): Promise<void> {
    const session = this.#ctx.require();
    checkPassphrase(input.next);
    const slot = await this.#ctx.slot(session.slotId);
    unwrapWithPassphrase({ slotId: slot.slotId, wrap: slot.passphrase, passphrase: input.current });
    await this.#ctx.rewrap(slot, session.vaultKey, input.next);
  }

  /** Sets a new passphrase after unlocking with the recovery key (the old one is forgotten). */
  async resetPassphrase(input: { recoveryKey: string; next: string }): Promise<void> {
    const session = this.#ctx.require();
    checkPassphrase(input.next);
    const slot = await this.#ctx.slot(session.slotId);
    unwrapWithRecoveryKey({
      slotId: slot.slotId,
      wrap: slot.recovery,
      recoveryKey: parseRecoveryKey(input.recoveryKey),
    });
    await this.#ctx.rewrap(slot, session.vaultKey, input.next);
  }

  /** @throws VaultError('bad-input') outside 1–240 minutes. */
  async setAutoLock(minutes: number): Promise<SessionSummary> {
    const session = this.#ctx.require();
    if (!Number.isInteger(minutes) || minutes < 1 || minutes > 240) {
      throw new VaultError('bad-input', 'Auto-lock must be between 1 and 240 minutes');
    }
    session.keyring = {
      ...session.keyring,
      prefs: { ...session.keyring.prefs, autoLockMinutes: minutes },
    };
    await this.#ctx.saveKeyring(session);
    return summarize(session);
  }

  /** Sets (or with null, clears) the relay origin. @throws VaultError('bad-input' | 'locked') */
  async setRelayUrl(url: string | null): Promise<SessionSummary> {
    const session = this.#ctx.require();
    const origin = relayOrigin(url);
    const prefs: Keyring['prefs'] = { autoLockMinutes: session.keyring.prefs.autoLockMinutes };
    if (origin !== null) prefs.relayUrl = origin;
    session.keyring = { ...session.keyring, prefs };
    await this.#ctx.saveKeyring(session);
    return summarize(session);
  }

  /** Waits 1 s after the 3rd consecutive failure, doubling up to 30 s. */
  async #throttle(): Promise<void> {
    if (this.#failures < 3) return;
    await this.#sleep(this.retryDelayMs);
  }

  /** Current delay before the next unlock attempt, in ms (for the UI). */
  get retryDelayMs(): number {
    return this.#failures < 3 ? 0 : Math.min(MAX_DELAY_MS, 1000 * 2 ** (this.#failures - 3));
  }
}

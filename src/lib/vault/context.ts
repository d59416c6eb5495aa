/**
 * What every part of the vault service shares: the store, the cross-tab lock, the Argon2id
 * parameters and the one unlocked session (if any), with the few operations that touch them —
 * creating a slot, saving the keyring, opening a slot, describing the session to the page.
 *
 * Invariants: at most one member is unlocked per service; the keyring is only ever written
 * sealed under that member's vault key; nothing here returns a key to the page.
 */
import {
  fingerprint,
  fromBase64Url,
  generateKey,
  generateRecoveryKey,
  openLocal,
  sealLocal,
  sodium,
  toBase64Url,
  wrapWithPassphrase,
  wrapWithRecoveryKey,
  type Argon2Params,
} from '$lib/crypto';
import { VaultError } from './errors';
import { currentList, decodeKeyring, encodeKeyring, type Keyring } from './keyring';
import type { PreparedRemoval } from './rotation';
import { isRemoved } from './rotation';
import type { Role, SlotRecord } from './records';
import type { VaultStore } from './store';

/** What the page may know about the unlocked member. */
export interface SessionSummary {
  slotId: string;
  memberName: string;
  role: Role;
  memberFingerprint: string;
  /** Public signing keys (base64url): who this session signs as. */
  memberKey: string;
  deviceKey: string;
  deviceName: string;
  deviceFingerprint: string;
  practiceName: string;
  autoLockMinutes: number;
  /** The relay this device uses (an origin), or null for the app's own origin (ADR 0010). */
  relayUrl: string | null;
  /** Whether this member holds a clinical key (may open charts). */
  canOpenCharts: boolean;
  members: {
    name: string;
    role: Role;
    fingerprint: string;
    deviceName: string;
    deviceFingerprint: string;
    /** Public signing keys (base64url), to name the device in removeMember. */
    member: string;
    device: string;
    addedAt: string;
  }[];
  /** Devices removed from the practice, newest list. */
  removedMembers: { name: string; deviceName: string; removedAt: string }[];
  /** Whether this device itself has been removed (it keeps what it had, gets nothing new). */
  removed: boolean;
}

export type LockFn = <T>(name: string, fn: () => Promise<T>) => Promise<T>;

/** Serialises within one JS realm; navigator.locks does it across tabs in the browser. */
export function localLock(): LockFn {
  const tails = new Map<string, Promise<unknown>>();
  return async (name, fn) => {
    const previous = tails.get(name) ?? Promise.resolve();
    const run = previous.then(fn, fn);
    tails.set(
      name,
      run.catch(() => undefined),
    );
    return run;
  };
}

/** The unlocked member's keys and counters, in Worker memory only. */
export interface Unlocked {
  /**
   * Loaded chart keys: document id (hex) → epoch → key. Keyed by document so every per-chart
   * operation is O(1) in the number of charts (issue 15), not a scan of all loaded keys.
   */
  chartKeys: Map<string, Map<number, Uint8Array>>;
  /** For each loaded chart key: the clinical epoch it was wrapped under (lazy rotation). */
  chartWraps: Map<string, number>;
  /** A removal signed but not yet in force (its grants are published first). */
  pendingRemoval?: PreparedRemoval;
  slotId: string;
  vaultKey: Uint8Array;
  keyring: Keyring;
  seqNext: number;
  seqHigh: number;
  /** Highest verified seq per author device ("member:device"), marks.ts. */
  marks: Map<string, number>;
  /** Whether `marks` rose since they were last written. */
  marksDirty: boolean;
}

/** The name of a document key in the session's chart-key map. */
export function keyName(docId: Uint8Array, epoch: number): string {
  return `${sodium().to_hex(docId)}:${epoch}`;
}

export class VaultContext {
  readonly store: VaultStore;
  readonly lock: LockFn;
  readonly params: Argon2Params;
  #unlocked: Unlocked | null = null;

  constructor(options: { store: VaultStore; lock: LockFn; params: Argon2Params }) {
    this.store = options.store;
    this.lock = options.lock;
    this.params = options.params;
  }

  get unlocked(): Unlocked | null {
    return this.#unlocked;
  }

  /** @throws VaultError('locked') */
  require(): Unlocked {
    if (!this.#unlocked) throw new VaultError('locked', 'Folio is locked');
    return this.#unlocked;
  }

  /** Makes `session` the unlocked one, first forgetting any other. */
  enter(session: Unlocked): Unlocked {
    this.forget();
    this.#unlocked = session;
    return session;
  }

  /** Forgets every key held in memory. */
  forget(): void {
    if (!this.#unlocked) return;
    this.#unlocked.vaultKey.fill(0);
    for (const epochs of this.#unlocked.chartKeys.values()) {
      for (const key of epochs.values()) key.fill(0);
    }
    this.#unlocked = null;
  }

  /** A fresh session over a keyring (no chart keys loaded, no sequence block reserved). */
  static session(slotId: string, vaultKey: Uint8Array, keyring: Keyring): Unlocked {
    return {
      slotId,
      vaultKey,
      keyring,
      seqNext: 0,
      seqHigh: 0,
      chartKeys: new Map(),
      chartWraps: new Map(),
      marks: new Map(),
      marksDirty: false,
    };
  }

  /** Creates and stores a new slot for `keyring`; returns its recovery key (shown once). */
  async createSlot(
    keyring: Keyring,
    passphrase: string,
  ): Promise<{ recoveryKey: string; unlocked: Unlocked }> {
    const slotId = toBase64Url(sodium().randombytes_buf(16));
    const vaultKey = generateKey();
    const recovery = generateRecoveryKey();
    const record: SlotRecord = {
      v: 1,
      slotId,
      label: keyring.member.name,
      passphrase: wrapWithPassphrase({ slotId, vaultKey, passphrase, params: this.params }),
      recovery: wrapWithRecoveryKey({ slotId, vaultKey, recoveryKey: recovery.bytes }),
      keyring: sealLocal(vaultKey, `keyring:${slotId}`, encodeKeyring(keyring)),
    };
    await this.store.putSlot(record);
    return {
      recoveryKey: recovery.text,
      unlocked: VaultContext.session(slotId, vaultKey, keyring),
    };
  }

  /** Seals and stores the session's keyring (strict durability, store.ts). */
  async saveKeyring(session: Unlocked): Promise<void> {
    const slot = await this.slot(session.slotId);
    const keyring = sealLocal(
      session.vaultKey,
      `keyring:${slot.slotId}`,
      encodeKeyring(session.keyring),
    );
    await this.store.putSlot({ ...slot, keyring });
  }

  /** Opens a slot's keyring with its vault key and makes it the unlocked session. */
  open(slot: SlotRecord, vaultKey: Uint8Array): SessionSummary {
    const keyring = decodeKeyring(openLocal(vaultKey, `keyring:${slot.slotId}`, slot.keyring));
    return summarize(this.enter(VaultContext.session(slot.slotId, vaultKey, keyring)));
  }

  /** Replaces a slot's passphrase wrap (current parameters); the vault key and data stay. */
  async rewrap(slot: SlotRecord, vaultKey: Uint8Array, passphrase: string): Promise<void> {
    const wrap = wrapWithPassphrase({
      slotId: slot.slotId,
      vaultKey,
      passphrase,
      params: this.params,
    });
    await this.store.putSlot({ ...slot, passphrase: wrap });
  }

  /** @throws VaultError('no-slot') */
  async slot(slotId: unknown): Promise<SlotRecord> {
    if (typeof slotId !== 'string')
      throw new VaultError('no-slot', 'No such member on this device');
    const slot = await this.store.getSlot(slotId);
    if (!slot) throw new VaultError('no-slot', 'No such member on this device');
    return slot;
  }
}

/** What the page may see of a session: names, roles, fingerprints, public keys. */
export function summarize(u: Unlocked): SessionSummary {
  const k = u.keyring;
  const list = currentList(k);
  return {
    slotId: u.slotId,
    memberName: k.member.name,
    role: k.member.role,
    memberFingerprint: fingerprint(k.member.identity.sign.publicKey),
    memberKey: toBase64Url(k.member.identity.sign.publicKey),
    deviceKey: toBase64Url(k.device.identity.sign.publicKey),
    deviceName: k.device.name,
    deviceFingerprint: fingerprint(k.device.identity.sign.publicKey),
    practiceName: k.practice.name,
    autoLockMinutes: k.prefs.autoLockMinutes,
    relayUrl: k.prefs.relayUrl ?? null,
    canOpenCharts: k.clinical.length > 0,
    members: list.entries
      .filter((e) => !e.removed)
      .map((e) => ({
        name: e.name,
        role: e.role,
        fingerprint: fingerprint(fromBase64Url(e.member)),
        deviceName: e.deviceName,
        deviceFingerprint: fingerprint(fromBase64Url(e.device)),
        member: e.member,
        device: e.device,
        addedAt: e.addedAt,
      })),
    removedMembers: list.entries
      .filter((e) => e.removed)
      .map((e) => ({ name: e.name, deviceName: e.deviceName, removedAt: e.removed!.at })),
    removed: isRemoved(k),
  };
}

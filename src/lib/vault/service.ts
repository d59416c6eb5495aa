/**
 * The vault service: the only holder of keys. In the browser it runs inside the vault Worker
 * (vault.worker.ts); unit tests run it in Node over fake-indexeddb. The page talks to it through
 * messages and only ever receives summaries (names, fingerprints), ciphertext and plaintext
 * payloads it asked to open — never a key.
 *
 * Invariants:
 * - one slot per member per device; each slot wraps its own random vault key twice (passphrase,
 *   recovery key); the keyring and sequence counter are sealed under that vault key;
 * - sequence numbers are reserved in blocks, persisted (strict durability) before any is used,
 *   and reserved under a cross-tab lock, so no (author, seq) pair is ever issued twice;
 * - repeated wrong passphrases wait longer each time (1 s, 2 s, 4 s … 30 s) before the check.
 */
import {
  CryptoError,
  DEFAULT_ARGON2,
  fingerprint,
  fromUtf8,
  generateIdentity,
  generateKey,
  generateRecoveryKey,
  loadSodium,
  needsUpgrade,
  openEnvelope,
  openLocal,
  parseRecoveryKey,
  sealEnvelope,
  sealLocal,
  sodium,
  toBase64Url,
  unwrapWithPassphrase,
  unwrapWithRecoveryKey,
  utf8,
  wrapWithPassphrase,
  wrapWithRecoveryKey,
  wrapChartKey,
  authorize as authorizeMember,
  foundingList,
  fromBase64Url,
  memberListHash,
  signMemberList,
  verifyNext,
  type GrantKind,
  type Identity,
  type KeyGrant,
  type MemberEntry,
  acceptGrant,
  deriveSubkey,
  grantKey,
  roomId,
  openPairingMessage,
  pairingIds,
  pairingSas,
  PAIRING_SECRET_BYTES,
  sealPairingMessage,
  type MemberList,
  unwrapChartKey,
  chartWrapEpoch,
  type Argon2Params,
  type LocalBox,
  type RecoveryWrap,
  type Author,
  type EnvelopeKind,
} from '$lib/crypto';
import { copyPair, currentList, decodeKeyring, encodeKeyring, type Keyring } from './keyring';
import {
  acceptRotation,
  activateRemoval,
  isRemoved,
  prepareRemoval,
  type PreparedRemoval,
} from './rotation';
import type { Role, SlotRecord, SlotSummary } from './records';
import type { VaultStore } from './store';

export class VaultError extends Error {
  constructor(
    readonly code:
      | 'locked'
      | 'no-slot'
      | 'not-admin'
      | 'weak-passphrase'
      | 'bad-input'
      | 'already-set-up'
      | 'no-clinical-key',
    message?: string,
  ) {
    super(message ?? code);
    this.name = 'VaultError';
  }
}

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

export const SEQ_BLOCK = 64;
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
export const MIN_PASSPHRASE_LENGTH = 12;
const MAX_DELAY_MS = 30_000;

/** The result of opening one envelope: verified content, or why it was rejected. */
export type OpenResult =
  | {
      ok: true;
      kind: EnvelopeKind;
      generation: number;
      seq: number;
      payload: Uint8Array;
      payloadHash: string;
      author: { member: string; device: string; memberName: string };
    }
  | { ok: false; code: string };

function keyName(docId: Uint8Array, epoch: number): string {
  return `${sodium().to_hex(docId)}:${epoch}`;
}

interface Unlocked {
  chartKeys: Map<string, Uint8Array>;
  /** For each loaded chart key: the clinical epoch it was wrapped under (lazy rotation). */
  chartWraps?: Map<string, number>;
  /** A removal signed but not yet in force (its grants are published first). */
  pendingRemoval?: PreparedRemoval;
  slotId: string;
  vaultKey: Uint8Array;
  keyring: Keyring;
  seqNext: number;
  seqHigh: number;
}

export class VaultService {
  readonly #store: VaultStore;
  readonly #lock: LockFn;
  readonly #params: Argon2Params;
  readonly #sleep: (ms: number) => Promise<void>;
  #unlocked: Unlocked | null = null;
  #failures = 0;

  constructor(options: {
    store: VaultStore;
    lock?: LockFn;
    /** Argon2id limits for new and upgraded wraps (default: moderate). */
    params?: Argon2Params;
    sleep?: (ms: number) => Promise<void>;
  }) {
    this.#store = options.store;
    this.#lock = options.lock ?? localLock();
    this.#params = options.params ?? DEFAULT_ARGON2;
    this.#sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /** Slots on this device (for the unlock screen) and whether one is unlocked. */
  async status(): Promise<{ slots: SlotSummary[]; session: SessionSummary | null }> {
    const slots = (await this.#store.listSlots()).map((s) => ({
      slotId: s.slotId,
      label: s.label,
    }));
    return { slots, session: this.#unlocked ? this.#summary(this.#unlocked) : null };
  }

  /** First run: creates the practice, its keys, this device and its first (admin) member. */
  async createPractice(input: {
    practiceName: string;
    memberName: string;
    deviceName: string;
    passphrase: string;
  }): Promise<{ recoveryKey: string; session: SessionSummary }> {
    if ((await this.#store.listSlots()).length > 0) throw new VaultError('already-set-up');
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
    const { recoveryKey, unlocked } = await this.#createSlot(keyring, input.passphrase);
    this.#unlocked = unlocked;
    return { recoveryKey, session: this.#summary(unlocked) };
  }

  /** Adds another member (person) to this device, with their own keys and passphrase. */
  async addMember(input: {
    name: string;
    role: Role;
    passphrase: string;
  }): Promise<{ recoveryKey: string; session: SessionSummary }> {
    const admin = this.#require();
    if (admin.keyring.member.role !== 'admin') throw new VaultError('not-admin');
    const name = clean(input.name, 'name');
    if (!['admin', 'clinician', 'front-desk'].includes(input.role)) {
      throw new VaultError('bad-input', 'Unknown role');
    }
    checkPassphrase(input.passphrase);
    const identity = generateIdentity();
    const source = admin.keyring;
    const memberLists = this.#extendList(admin, {
      ...entryFor(
        identity,
        source.device.identity,
        name,
        source.device.name,
        new Date().toISOString(),
      ),
      role: input.role,
    });
    const keyring: Keyring = {
      v: 1,
      member: { name, role: input.role, identity },
      device: {
        name: source.device.name,
        identity: {
          sign: copyPair(source.device.identity.sign),
          box: copyPair(source.device.identity.box),
        },
      },
      practice: { ...source.practice, keys: source.practice.keys.map((k) => ({ ...k })) },
      // Front desk holds the practice index but no key that opens charts (DESIGN.md §7).
      clinical: input.role === 'front-desk' ? [] : source.clinical.map((k) => ({ ...k })),
      anchor: source.anchor,
      memberLists,
      prefs: { autoLockMinutes: 10 },
    };
    const { recoveryKey } = await this.#createSlot(keyring, input.passphrase);
    admin.keyring = { ...admin.keyring, memberLists };
    await this.#saveKeyring(admin);
    return { recoveryKey, session: this.#summary(admin) };
  }

  /**
   * Unlocks a slot with its passphrase; upgrades weak Argon2id parameters on success.
   * @throws CryptoError('wrong-passphrase'), VaultError('no-slot')
   */
  async unlock(input: { slotId: string; passphrase: string }): Promise<SessionSummary> {
    if (typeof input?.passphrase !== 'string')
      throw new VaultError('bad-input', 'Enter your passphrase');
    const slot = await this.#slot(input.slotId);
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
    if (needsUpgrade(slot.passphrase, this.#params))
      await this.#rewrap(slot, vaultKey, input.passphrase);
    return this.#open(slot, vaultKey);
  }

  /** Unlocks a slot with its recovery key. @throws CryptoError('bad-recovery-key' | 'wrong-recovery-key') */
  async unlockWithRecovery(input: {
    slotId: string;
    recoveryKey: string;
  }): Promise<SessionSummary> {
    const slot = await this.#slot(input.slotId);
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
    return this.#open(slot, vaultKey);
  }

  /**
   * Sets a new passphrase for the unlocked member after re-checking the current one. Only the
   * wrap changes; no data is re-encrypted.
   * @throws CryptoError('wrong-passphrase'), VaultError('weak-passphrase' | 'locked')
   */
  async changePassphrase(input: { current: string; next: string }): Promise<void> {
    const session = this.#require();
    checkPassphrase(input.next);
    const slot = await this.#slot(session.slotId);
    unwrapWithPassphrase({ slotId: slot.slotId, wrap: slot.passphrase, passphrase: input.current });
    await this.#rewrap(slot, session.vaultKey, input.next);
  }

  /** Sets a new passphrase after unlocking with the recovery key (the old one is forgotten). */
  async resetPassphrase(input: { recoveryKey: string; next: string }): Promise<void> {
    const session = this.#require();
    checkPassphrase(input.next);
    const slot = await this.#slot(session.slotId);
    unwrapWithRecoveryKey({
      slotId: slot.slotId,
      wrap: slot.recovery,
      recoveryKey: parseRecoveryKey(input.recoveryKey),
    });
    await this.#rewrap(slot, session.vaultKey, input.next);
  }

  // ——— Pairing (DESIGN.md §7; docs/spec/envelope.md §11) ———

  #pairing: { secret: Uint8Array; boxKey: Uint8Array; request?: PairRequest } | null = null;
  #joining: {
    secret: Uint8Array;
    boxKey: Uint8Array;
    member: Identity;
    device: Identity;
    name: string;
    deviceName: string;
    passphrase: string;
  } | null = null;

  /** Admin: opens a pairing; the page creates the relay mailbox and shows the link. */
  startPairing(): { secret: string; mailboxId: string; ownerSecret: string; ownerHash: string } {
    const admin = this.#require();
    if (admin.keyring.member.role !== 'admin') throw new VaultError('not-admin');
    const s = sodium();
    const secret = s.randombytes_buf(PAIRING_SECRET_BYTES);
    const { mailboxId, boxKey } = pairingIds(secret);
    this.#pairing = { secret, boxKey };
    const owner = s.randombytes_buf(32);
    const ownerSecret = s.to_hex(owner);
    return {
      secret: toBase64Url(secret),
      mailboxId,
      ownerSecret,
      ownerHash: s.to_hex(s.crypto_hash_sha256(ownerSecret)),
    };
  }

  /**
   * Admin: reads the new device's request; returns who it says it is and the short code both
   * screens must show. @throws CryptoError('decrypt-failure' | 'bad-record'), VaultError('bad-input')
   */
  openPairingRequest(input: { sealed: Uint8Array }): {
    name: string;
    deviceName: string;
    sas: string;
  } {
    this.#require();
    const pairing = this.#pairing;
    if (!pairing) throw new VaultError('bad-input', 'No pairing is in progress');
    const r = openPairingMessage(
      pairing.boxKey,
      'request',
      input?.sealed ?? new Uint8Array(),
    ) as PairRequest;
    const keyOk = (x: unknown) => typeof x === 'string' && fromBase64Url(x).length === 32;
    if (
      !r ||
      ![r.member, r.memberBox, r.device, r.deviceBox].every(keyOk) ||
      typeof r.name !== 'string' ||
      typeof r.deviceName !== 'string'
    ) {
      throw new CryptoError('bad-record', 'pairing request');
    }
    pairing.request = {
      member: r.member,
      memberBox: r.memberBox,
      device: r.device,
      deviceBox: r.deviceBox,
      name: clean(r.name, 'name'),
      deviceName: clean(r.deviceName, 'device name'),
    };
    return {
      name: pairing.request.name,
      deviceName: pairing.request.deviceName,
      sas: pairingSas(pairing.secret, fromBase64Url(r.member), fromBase64Url(r.device)),
    };
  }

  /**
   * Admin, after comparing the codes: adds the device to the member list and seals the practice
   * key (and, unless front desk, the clinical key) to it. Returns the sealed answer.
   */
  async answerPairing(input: {
    role: Role;
  }): Promise<{ sealed: Uint8Array; session: SessionSummary }> {
    const admin = this.#require();
    const request = this.#pairing?.request;
    if (!this.#pairing || !request)
      throw new VaultError('bad-input', 'No pairing request to answer');
    if (!['admin', 'clinician', 'front-desk'].includes(input?.role))
      throw new VaultError('bad-input', 'Unknown role');
    const memberLists = this.#extendList(admin, {
      ...request,
      role: input.role,
      addedAt: new Date().toISOString(),
    });
    const granter = admin.keyring.member.identity.sign;
    const recipientBoxKey = fromBase64Url(request.deviceBox);
    const { practice } = admin.keyring;
    const grants = [
      ...practice.keys.map((k) =>
        grantKey({
          kind: 'practice',
          keyId: practice.id,
          epoch: k.epoch,
          key: k.key,
          recipientBoxKey,
          granter,
        }),
      ),
      ...(input.role === 'front-desk' ? [] : admin.keyring.clinical).map((k) =>
        grantKey({
          kind: 'clinical',
          keyId: practice.id,
          epoch: k.epoch,
          key: k.key,
          recipientBoxKey,
          granter,
        }),
      ),
    ];
    const response: PairResponse = {
      practice: {
        id: practice.id,
        name: practice.name,
        indexDocId: toBase64Url(practice.indexDocId),
      },
      anchor: admin.keyring.anchor,
      memberLists,
      grants: grants.map(grantToJson),
    };
    const sealed = sealPairingMessage(this.#pairing.boxKey, 'response', response);
    admin.keyring = { ...admin.keyring, memberLists };
    await this.#saveKeyring(admin);
    this.#pairing = null;
    return { sealed, session: this.#summary(admin) };
  }

  /** New device: prepares its keys and the sealed request for the admin. */
  async beginJoin(input: {
    secret: string;
    name: string;
    deviceName: string;
    passphrase: string;
  }): Promise<{ mailboxId: string; sealed: Uint8Array; sas: string }> {
    if ((await this.#store.listSlots()).length > 0) throw new VaultError('already-set-up');
    await loadSodium();
    let secret: Uint8Array;
    try {
      secret = fromBase64Url(String(input?.secret ?? ''));
    } catch {
      throw new VaultError('bad-input', 'This pairing link is damaged.');
    }
    if (secret.length !== PAIRING_SECRET_BYTES)
      throw new VaultError('bad-input', 'This pairing link is damaged.');
    const name = clean(input.name, 'your name');
    const deviceName = clean(input.deviceName, 'device name');
    checkPassphrase(input.passphrase);
    const { mailboxId, boxKey } = pairingIds(secret);
    const member = generateIdentity();
    const device = generateIdentity();
    this.#joining = {
      secret,
      boxKey,
      member,
      device,
      name,
      deviceName,
      passphrase: input.passphrase,
    };
    const request: PairRequest = {
      member: toBase64Url(member.sign.publicKey),
      memberBox: toBase64Url(member.box.publicKey),
      device: toBase64Url(device.sign.publicKey),
      deviceBox: toBase64Url(device.box.publicKey),
      name,
      deviceName,
    };
    return {
      mailboxId,
      sealed: sealPairingMessage(boxKey, 'request', request),
      sas: pairingSas(secret, member.sign.publicKey, device.sign.publicKey),
    };
  }

  /**
   * New device: verifies the admin's answer (member list chain from the founding admin, this
   * device listed, grants signed by an admin of that list) and creates its slot.
   * @throws CryptoError('decrypt-failure' | 'bad-record' | 'bad-grant' | …), VaultError
   */
  async completeJoin(input: {
    sealed: Uint8Array;
  }): Promise<{ recoveryKey: string; session: SessionSummary }> {
    const joining = this.#joining;
    if (!joining) throw new VaultError('bad-input', 'No pairing in progress on this device');
    const r = openPairingMessage(
      joining.boxKey,
      'response',
      input?.sealed ?? new Uint8Array(),
    ) as PairResponse;
    if (
      !r ||
      !Array.isArray(r.memberLists) ||
      r.memberLists.length === 0 ||
      !Array.isArray(r.grants) ||
      typeof r.anchor !== 'string'
    ) {
      throw new CryptoError('bad-record', 'pairing response');
    }
    let current: MemberList | null = null;
    for (const list of r.memberLists) {
      verifyNext(current, list, r.anchor);
      current = list;
    }
    const latest = current!;
    const me = latest.entries.find(
      (e) =>
        e.member === toBase64Url(joining.member.sign.publicKey) &&
        e.device === toBase64Url(joining.device.sign.publicKey) &&
        !e.removed,
    );
    if (!me) throw new CryptoError('bad-record', 'this device is not in the member list');
    const admins = latest.entries
      .filter((e) => e.role === 'admin' && !e.removed)
      .map((e) => fromBase64Url(e.member));
    const keys = {
      practice: [] as { epoch: number; key: Uint8Array }[],
      clinical: [] as { epoch: number; key: Uint8Array }[],
    };
    for (const json of r.grants) {
      const grant = grantFromJson(json);
      if (
        grant.keyId !== r.practice?.id ||
        (grant.kind !== 'practice' && grant.kind !== 'clinical')
      ) {
        throw new CryptoError('bad-grant', 'unexpected grant');
      }
      const key = acceptGrant(grant, { recipient: joining.device.box, trustedGranters: admins });
      keys[grant.kind].push({ epoch: grant.epoch, key });
    }
    if (keys.practice.length === 0) throw new CryptoError('bad-grant', 'no practice key');
    const byEpoch = (a: { epoch: number }, b: { epoch: number }) => a.epoch - b.epoch;
    const keyring: Keyring = {
      v: 1,
      member: { name: joining.name, role: me.role, identity: joining.member },
      device: { name: joining.deviceName, identity: joining.device },
      practice: {
        id: r.practice.id,
        name: String(r.practice.name),
        indexDocId: fromBase64Url(r.practice.indexDocId),
        keys: keys.practice.sort(byEpoch),
      },
      clinical: keys.clinical.sort(byEpoch),
      anchor: r.anchor,
      memberLists: r.memberLists,
      prefs: { autoLockMinutes: 10 },
    };
    const { recoveryKey, unlocked } = await this.#createSlot(keyring, joining.passphrase);
    this.#joining = null;
    this.#unlocked = unlocked;
    return { recoveryKey, session: this.#summary(unlocked) };
  }

  /** The member list chain this member holds, oldest first (to publish to other devices). */
  memberLists(): MemberList[] {
    return this.#require().keyring.memberLists;
  }

  /**
   * Takes member lists from the practice index: newer versions that chain to the one held are
   * verified and kept; older ones are ignored; a different list with a held version is a fork.
   * @throws CryptoError('equivocation' | 'bad-record' | 'bad-signature' | 'unknown-author')
   */
  async updateMemberLists(input: {
    lists: MemberList[];
  }): Promise<{ version: number; changed: boolean }> {
    const session = this.#require();
    const held = session.keyring.memberLists;
    let current = held[held.length - 1]!;
    const added: MemberList[] = [];
    const incoming = [...(input?.lists ?? [])]
      .filter((l) => l && typeof l === 'object' && Number.isInteger(l.version))
      .sort((a, b) => a.version - b.version);
    for (const list of incoming) {
      if (list.version <= current.version) {
        const mine = held.find((h) => h.version === list.version);
        if (mine && memberListHash(mine) !== memberListHash(list)) {
          throw new CryptoError('equivocation', `two member lists with version ${list.version}`);
        }
        continue;
      }
      verifyNext(current, list, session.keyring.anchor);
      added.push(list);
      current = list;
    }
    if (added.length > 0) {
      session.keyring = { ...session.keyring, memberLists: [...held, ...added] };
      await this.#saveKeyring(session);
    }
    return { version: current.version, changed: added.length > 0 };
  }

  /** The member list chain with one more version adding `entry`, signed by this admin. */
  #extendList(
    admin: Unlocked,
    entry: Omit<MemberEntry, 'addedBy' | 'addedAt'> & { addedAt: string },
  ): MemberList[] {
    const current = currentList(admin.keyring);
    const next = signMemberList(
      {
        v: 1,
        practiceId: current.practiceId,
        version: current.version + 1,
        prev: memberListHash(current),
        entries: [
          ...current.entries,
          { ...entry, addedBy: toBase64Url(admin.keyring.member.identity.sign.publicKey) },
        ],
      },
      admin.keyring.member.identity.sign,
    );
    verifyNext(current, next, admin.keyring.anchor);
    return [...admin.keyring.memberLists, next];
  }

  /** Replaces a slot's passphrase wrap (current parameters); the vault key and data stay. */
  async #rewrap(slot: SlotRecord, vaultKey: Uint8Array, passphrase: string): Promise<void> {
    const wrap = wrapWithPassphrase({
      slotId: slot.slotId,
      vaultKey,
      passphrase,
      params: this.#params,
    });
    await this.#store.putSlot({ ...slot, passphrase: wrap });
  }

  async setAutoLock(minutes: number): Promise<SessionSummary> {
    const session = this.#require();
    if (!Number.isInteger(minutes) || minutes < 1 || minutes > 240) {
      throw new VaultError('bad-input', 'Auto-lock must be between 1 and 240 minutes');
    }
    session.keyring = {
      ...session.keyring,
      prefs: { ...session.keyring.prefs, autoLockMinutes: minutes },
    };
    await this.#saveKeyring(session);
    return this.#summary(session);
  }

  /** The next sequence number of the unlocked author; persisted before it is returned. */
  async nextSeq(): Promise<number> {
    const session = this.#require();
    if (session.seqNext >= session.seqHigh) {
      const { slotId, vaultKey } = session;
      const [low, high] = await this.#lock(`folio-seq-${slotId}`, async () => {
        const stored = await this.#store.getCounter(slotId);
        const current = stored
          ? Number(fromUtf8(openLocal(vaultKey, `seq:${slotId}`, stored.box)))
          : 0;
        const next = current + SEQ_BLOCK;
        await this.#store.putCounter({
          v: 1,
          slotId,
          box: sealLocal(vaultKey, `seq:${slotId}`, utf8(String(next))),
        });
        return [current, next];
      });
      session.seqNext = low;
      session.seqHigh = high;
    }
    return session.seqNext++;
  }

  /** The practice index document's id (its key never leaves the vault). */
  practiceIndex(): { docId: Uint8Array } {
    return { docId: this.#require().keyring.practice.indexDocId.slice() };
  }

  /**
   * Creates a chart: a random document id and chart key (epoch 0), the key wrapped under the
   * current clinical key for storage in the practice index. The key stays loaded.
   * @throws VaultError('no-clinical-key') for roles that may not open charts.
   */
  createChartKey(): { docId: Uint8Array; epoch: number; wrappedKey: Uint8Array } {
    const session = this.#require();
    const clinical = session.keyring.clinical.at(-1);
    if (!clinical) throw new VaultError('no-clinical-key', 'This member may not open charts');
    const docId = sodium().randombytes_buf(16);
    const chartKey = generateKey();
    const wrappedKey = wrapChartKey({
      clinicalKey: clinical.key,
      clinicalEpoch: clinical.epoch,
      docId,
      chartEpoch: 0,
      chartKey,
    });
    session.chartKeys.set(keyName(docId, 0), chartKey);
    (session.chartWraps ??= new Map()).set(keyName(docId, 0), clinical.epoch);
    return { docId, epoch: 0, wrappedKey };
  }

  /** Unwraps chart keys from the practice index; reports the ones that cannot be opened. */
  loadChartKeys(input: {
    charts: { docId: Uint8Array; epoch: number; wrappedKey: Uint8Array }[];
  }): {
    loaded: number;
    failed: { docId: Uint8Array; code: string }[];
  } {
    const session = this.#require();
    const failed: { docId: Uint8Array; code: string }[] = [];
    let loaded = 0;
    for (const chart of input?.charts ?? []) {
      try {
        const epoch = chartWrapEpoch(chart.wrappedKey);
        const clinical = session.keyring.clinical.find((k) => k.epoch === epoch);
        if (!clinical) throw new VaultError('no-clinical-key');
        const key = unwrapChartKey({
          clinicalKey: clinical.key,
          docId: chart.docId,
          chartEpoch: chart.epoch,
          wrapped: chart.wrappedKey,
        });
        session.chartKeys.set(keyName(chart.docId, chart.epoch), key);
        (session.chartWraps ??= new Map()).set(keyName(chart.docId, chart.epoch), epoch);
        loaded++;
      } catch (error) {
        const code =
          error instanceof CryptoError || error instanceof VaultError ? error.code : 'bad-input';
        failed.push({ docId: chart?.docId, code });
      }
    }
    return { loaded, failed };
  }

  /**
   * Seals a payload for a document whose key this session holds (the practice index, or a
   * loaded chart), signed by the unlocked member and naming this device.
   * @throws CryptoError('unknown-key'), VaultError('locked')
   */
  async seal(input: {
    docId: Uint8Array;
    generation: number;
    kind: EnvelopeKind;
    payload: Uint8Array;
  }): Promise<{ envelope: Uint8Array; seq: number }> {
    const session = this.#require();
    if (!(input?.docId instanceof Uint8Array) || !(input.payload instanceof Uint8Array)) {
      throw new VaultError('bad-input', 'seal needs bytes');
    }
    const current = this.#currentKey(session, input.docId);
    const seq = await this.nextSeq();
    const envelope = sealEnvelope({
      kind: input.kind,
      docId: input.docId,
      generation: input.generation,
      epoch: current.epoch,
      documentKey: current.key,
      member: session.keyring.member.identity.sign,
      device: session.keyring.device.identity.sign.publicKey,
      seq,
      payload: input.payload,
    });
    return { envelope, seq };
  }

  /**
   * Opens many envelopes; each result is either the verified content or a rejection code.
   * Membership: the author must be a member this device knows (the signed member list of
   * issue 5 replaces this). Never throws for a bad envelope.
   */
  openMany(input: { envelopes: Uint8Array[] }): OpenResult[] {
    const session = this.#require();
    const { practice } = session.keyring;
    const list = currentList(session.keyring);
    const s = sodium();
    return (input?.envelopes ?? []).map((envelope): OpenResult => {
      let memberName = '';
      try {
        if (!(envelope instanceof Uint8Array)) throw new CryptoError('bad-length', 'not bytes');
        const opened = openEnvelope(envelope, {
          keyFor: (docId, epoch) =>
            s.compare(docId, practice.indexDocId) === 0
              ? (practice.keys.find((k) => k.epoch === epoch)?.key ?? null)
              : (session.chartKeys.get(keyName(docId, epoch)) ?? null),
          authorize: (author: Author, seq: number) => {
            memberName = authorizeMember(
              list,
              { member: toBase64Url(author.member), device: toBase64Url(author.device) },
              seq,
            ).name;
          },
        });
        return {
          ok: true,
          kind: opened.header.kind,
          generation: opened.header.generation,
          seq: opened.seq,
          payload: opened.payload.slice(),
          payloadHash: toBase64Url(opened.payloadHash),
          author: {
            member: toBase64Url(opened.author.member),
            device: toBase64Url(opened.author.device),
            memberName,
          },
        };
      } catch (error) {
        return { ok: false, code: error instanceof CryptoError ? error.code : 'bad-envelope' };
      }
    });
  }

  /**
   * Admin: signs member list v+1 removing a device (or a member with all devices) and prepares
   * new epoch keys sealed to the remaining devices. Nothing changes for sealing until
   * `activateRemoval`: the caller first publishes the lists and grants in the practice index
   * (sealed under the current epoch, which the remaining devices can open).
   * @throws RotationError, VaultError('locked')
   */
  removeMember(input: { member: string; device?: string; lastSeqs?: Record<string, number> }): {
    lists: MemberList[];
    grants: GrantJson[];
  } {
    const session = this.#require();
    if (typeof input?.member !== 'string') throw new VaultError('bad-input', 'Name a member');
    const prepared = prepareRemoval(
      session.keyring,
      {
        member: input.member,
        ...(typeof input.device === 'string' ? { device: input.device } : {}),
      },
      input.lastSeqs ?? {},
      new Date().toISOString(),
    );
    session.pendingRemoval = prepared;
    return { lists: prepared.lists, grants: prepared.grants.map(grantToJson) };
  }

  /** Puts the prepared removal in force: the new list and epoch keys (persisted). */
  async activateRemoval(): Promise<SessionSummary> {
    const session = this.#require();
    const prepared = session.pendingRemoval;
    if (!prepared) throw new VaultError('bad-input', 'No removal to activate');
    session.keyring = activateRemoval(session.keyring, prepared);
    session.pendingRemoval = undefined;
    await this.#saveKeyring(session);
    return this.#summary(session);
  }

  /**
   * Takes new epoch keys granted to this device (from the practice index), after the member list
   * that names their granter as admin has been learned (updateMemberLists).
   * @throws CryptoError('bad-grant')
   */
  async acceptRotation(input: {
    grants: GrantJson[];
  }): Promise<{ changed: boolean; removed: boolean }> {
    const session = this.#require();
    const grants = (Array.isArray(input?.grants) ? input.grants : []).map(grantFromJson);
    const next = acceptRotation(session.keyring, grants);
    if (next) {
      session.keyring = next;
      await this.#saveKeyring(session);
    }
    return { changed: next !== null, removed: isRemoved(session.keyring) };
  }

  /**
   * Lazy chart rotation: when the newest loaded key of a chart was wrapped under an older clinical
   * key than the newest one, makes a new chart key (next epoch) wrapped under the newest clinical
   * key and loads it, so what is written from now on is unreadable to removed devices. Returns the
   * wrap to store in the practice index, or null when the chart is current.
   */
  rotateChartKeyIfStale(input: {
    docId: Uint8Array;
  }): { epoch: number; wrappedKey: Uint8Array } | null {
    const session = this.#require();
    const clinical = session.keyring.clinical.at(-1);
    if (!clinical || !(input?.docId instanceof Uint8Array)) return null;
    const current = this.#currentKey(session, input.docId);
    const wrappedUnder = session.chartWraps?.get(keyName(input.docId, current.epoch));
    if (wrappedUnder === undefined || wrappedUnder >= clinical.epoch) return null;
    const epoch = current.epoch + 1;
    const chartKey = generateKey();
    const wrappedKey = wrapChartKey({
      clinicalKey: clinical.key,
      clinicalEpoch: clinical.epoch,
      docId: input.docId,
      chartEpoch: epoch,
      chartKey,
    });
    session.chartKeys.set(keyName(input.docId, epoch), chartKey);
    (session.chartWraps ??= new Map()).set(keyName(input.docId, epoch), clinical.epoch);
    return { epoch, wrappedKey };
  }

  /**
   * The peer-sync room of a document generation: an opaque room id and the y-webrtc password
   * (a derived subkey; it protects signaling only — envelopes stay sealed under the content key).
   * @throws CryptoError('unknown-key')
   */
  roomFor(input: { docId: Uint8Array; generation: number }): {
    room: string;
    password: string;
    capability: string;
  } {
    const session = this.#require();
    // The lowest epoch: rotating keys never moves a document's room (docs/adr/0006).
    const { key } = this.#currentKey(session, input?.docId, 'lowest');
    return {
      room: roomId(key, input.docId, input.generation),
      password: sodium().to_hex(deriveSubkey(key, 'webrtc')),
      capability: sodium().to_hex(deriveSubkey(key, 'capability')),
    };
  }

  #currentKey(
    session: Unlocked,
    docId: Uint8Array,
    which: 'newest' | 'lowest' = 'newest',
  ): { epoch: number; key: Uint8Array } {
    const { practice } = session.keyring;
    const better = (epoch: number, than: number) =>
      which === 'newest' ? epoch > than : epoch < than;
    if (sodium().compare(docId, practice.indexDocId) === 0) {
      return practice.keys.reduce((a, b) => (better(b.epoch, a.epoch) ? b : a));
    }
    let best: { epoch: number; key: Uint8Array } | null = null;
    for (const [name, key] of session.chartKeys) {
      const [hex, epoch] = name.split(':');
      if (hex === sodium().to_hex(docId) && (!best || better(Number(epoch), best.epoch))) {
        best = { epoch: Number(epoch), key };
      }
    }
    if (!best) throw new CryptoError('unknown-key', 'chart key not loaded');
    return best;
  }

  /** Forgets every key held in memory. (The Worker host then terminates itself.) */
  lock(): void {
    this.#pairing = null;
    if (this.#unlocked) {
      this.#unlocked.vaultKey.fill(0);
      for (const key of this.#unlocked.chartKeys.values()) key.fill(0);
      this.#unlocked = null;
    }
  }

  /**
   * The unlocked member's part of an encrypted backup: their slot with the passphrase wrap
   * removed (only the recovery key opens it) and their sealed sequence counter.
   */
  async exportBackup(): Promise<BackupSlot> {
    const session = this.#require();
    const slot = await this.#slot(session.slotId);
    const counter = await this.#store.getCounter(session.slotId);
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
    if ((await this.#store.listSlots()).length > 0) throw new VaultError('already-set-up');
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
        params: this.#params,
      }),
      recovery: b.recovery,
      keyring: b.keyring,
    };
    await this.#store.putCounter({
      v: 1,
      slotId: b.slotId,
      box: sealLocal(vaultKey, `seq:${b.slotId}`, utf8(String(seqHigh + RESTORE_SEQ_JUMP))),
    });
    await this.#store.putSlot(record);
    this.lock();
    this.#unlocked = {
      slotId: b.slotId,
      vaultKey,
      keyring,
      seqNext: 0,
      seqHigh: 0,
      chartKeys: new Map(),
    };
    return this.#summary(this.#unlocked);
  }

  async #createSlot(keyring: Keyring, passphrase: string) {
    const slotId = toBase64Url(sodium().randombytes_buf(16));
    const vaultKey = generateKey();
    const recovery = generateRecoveryKey();
    const record: SlotRecord = {
      v: 1,
      slotId,
      label: keyring.member.name,
      passphrase: wrapWithPassphrase({ slotId, vaultKey, passphrase, params: this.#params }),
      recovery: wrapWithRecoveryKey({ slotId, vaultKey, recoveryKey: recovery.bytes }),
      keyring: sealLocal(vaultKey, `keyring:${slotId}`, encodeKeyring(keyring)),
    };
    await this.#store.putSlot(record);
    const unlocked: Unlocked = {
      slotId,
      vaultKey,
      keyring,
      seqNext: 0,
      seqHigh: 0,
      chartKeys: new Map(),
    };
    return { recoveryKey: recovery.text, unlocked };
  }

  async #saveKeyring(session: Unlocked): Promise<void> {
    const slot = await this.#slot(session.slotId);
    const keyring = sealLocal(
      session.vaultKey,
      `keyring:${slot.slotId}`,
      encodeKeyring(session.keyring),
    );
    await this.#store.putSlot({ ...slot, keyring });
  }

  #open(slot: SlotRecord, vaultKey: Uint8Array): SessionSummary {
    const keyring = decodeKeyring(openLocal(vaultKey, `keyring:${slot.slotId}`, slot.keyring));
    this.lock();
    this.#unlocked = {
      slotId: slot.slotId,
      vaultKey,
      keyring,
      seqNext: 0,
      seqHigh: 0,
      chartKeys: new Map(),
    };
    return this.#summary(this.#unlocked);
  }

  async #slot(slotId: unknown): Promise<SlotRecord> {
    if (typeof slotId !== 'string')
      throw new VaultError('no-slot', 'No such member on this device');
    const slot = await this.#store.getSlot(slotId);
    if (!slot) throw new VaultError('no-slot', 'No such member on this device');
    return slot;
  }

  #require(): Unlocked {
    if (!this.#unlocked) throw new VaultError('locked', 'Folio is locked');
    return this.#unlocked;
  }

  /** Waits 1 s after the 3rd consecutive failure, doubling up to 30 s. */
  async #throttle(): Promise<void> {
    if (this.#failures < 3) return;
    await this.#sleep(Math.min(MAX_DELAY_MS, 1000 * 2 ** (this.#failures - 3)));
  }

  /** Current delay before the next unlock attempt, in ms (for the UI). */
  get retryDelayMs(): number {
    return this.#failures < 3 ? 0 : Math.min(MAX_DELAY_MS, 1000 * 2 ** (this.#failures - 3));
  }

  #summary(u: Unlocked): SessionSummary {
    const k = u.keyring;
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
      canOpenCharts: k.clinical.length > 0,
      members: currentList(k)
        .entries.filter((e) => !e.removed)
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
      removedMembers: currentList(k)
        .entries.filter((e) => e.removed)
        .map((e) => ({ name: e.name, deviceName: e.deviceName, removedAt: e.removed!.at })),
      removed: isRemoved(k),
    };
  }
}

/** What a joining device tells the admin: its member-list entry, less what the admin decides. */
type PairRequest = Pick<
  MemberEntry,
  'member' | 'memberBox' | 'device' | 'deviceBox' | 'name' | 'deviceName'
>;

export interface GrantJson {
  kind: GrantKind;
  keyId: string;
  epoch: number;
  recipient: string;
  granter: string;
  sealed: string;
  signature: string;
}

interface PairResponse {
  practice: { id: string; name: string; indexDocId: string };
  anchor: string;
  memberLists: MemberList[];
  grants: GrantJson[];
}

function grantToJson(g: KeyGrant): GrantJson {
  return {
    kind: g.kind,
    keyId: g.keyId,
    epoch: g.epoch,
    recipient: toBase64Url(g.recipient),
    granter: toBase64Url(g.granter),
    sealed: toBase64Url(g.sealed),
    signature: toBase64Url(g.signature),
  };
}

/** @throws CryptoError('bad-grant') */
function grantFromJson(j: GrantJson): KeyGrant {
  try {
    if (typeof j.keyId !== 'string' || !Number.isSafeInteger(j.epoch)) throw new Error('shape');
    return {
      v: 1,
      kind: j.kind,
      keyId: j.keyId,
      epoch: j.epoch,
      recipient: fromBase64Url(j.recipient),
      granter: fromBase64Url(j.granter),
      sealed: fromBase64Url(j.sealed),
      signature: fromBase64Url(j.signature),
    };
  } catch {
    throw new CryptoError('bad-grant', 'malformed grant');
  }
}

/** A member-list entry for a member on a device (role admin unless overridden). */
function entryFor(
  member: Identity,
  device: Identity,
  name: string,
  deviceName: string,
  at: string,
): Omit<MemberEntry, 'addedBy'> {
  return {
    member: toBase64Url(member.sign.publicKey),
    memberBox: toBase64Url(member.box.publicKey),
    device: toBase64Url(device.sign.publicKey),
    deviceBox: toBase64Url(device.box.publicKey),
    name,
    deviceName,
    role: 'admin',
    addedAt: at,
  };
}

function clean(value: unknown, field: string): string {
  const text = typeof value === 'string' ? value.trim() : '';
  if (text.length === 0) throw new VaultError('bad-input', `Enter a ${field}`);
  if (text.length > 200)
    throw new VaultError('bad-input', `The ${field} is too long (200 characters at most)`);
  return text;
}

function checkPassphrase(passphrase: unknown): void {
  if (typeof passphrase !== 'string' || [...passphrase].length < MIN_PASSPHRASE_LENGTH) {
    throw new VaultError('weak-passphrase', `Use at least ${MIN_PASSPHRASE_LENGTH} characters`);
  }
}

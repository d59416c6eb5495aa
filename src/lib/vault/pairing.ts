/**
 * Pairing a device (docs/design.md §7; docs/spec/envelope.md §11): the admin opens a one-time
 * mailbox, reads the new device's sealed request, both screens compare a short code, and the
 * admin answers with the member list (this device added) and the practice and clinical keys
 * sealed to the new device as signed grants.
 *
 * Invariants: both screens' short code covers the whole request (every public key, both names);
 * a joining device accepts the answer only if the member list chains from the founding admin,
 * lists this very device with exactly the keys and names it sent, and every grant is sealed to
 * its own device box key and signed by an admin of that list.
 */
import {
  acceptGrant,
  CryptoError,
  equalBytes,
  fromBase64Url,
  grantKey,
  loadSodium,
  openPairingMessage,
  PAIRING_SECRET_BYTES,
  pairingIds,
  pairingSas,
  sealPairingMessage,
  sodium,
  toBase64Url,
  verifyNext,
  generateIdentity,
  type Identity,
  type KeyGrant,
  type MemberEntry,
  type MemberList,
} from '$lib/crypto';
import { summarize, type SessionSummary, type Unlocked, type VaultContext } from './context';
import { VaultError } from './errors';
import { grantFromJson, grantToJson, type GrantJson } from './grants';
import { checkPassphrase, checkRole, clean } from './input';
import type { EpochKey, Keyring } from './keyring';
import { cleanMarks, type Marks, type SeenMarks } from './marks';
import { extendList } from './members';
import type { Role } from './records';
import { requireActiveAdmin } from './rotation';

/** What a joining device tells the admin: its member-list entry, less what the admin decides. */
type PairRequest = Pick<
  MemberEntry,
  'member' | 'memberBox' | 'device' | 'deviceBox' | 'name' | 'deviceName'
>;

interface PairResponse {
  practice: { id: string; name: string; indexDocId: string };
  anchor: string;
  memberLists: MemberList[];
  grants: GrantJson[];
  /** The admin's high-water marks (marks.ts), so this device can record removals too. */
  marks?: Marks;
}

export class Pairing {
  readonly #ctx: VaultContext;
  readonly #marks: SeenMarks;
  #pairing: { secret: Uint8Array; boxKey: Uint8Array; request?: PairRequest } | null = null;
  #joining: {
    secret: Uint8Array;
    /** The practice the link names (its founding admin's member key, base64url). */
    anchor: string;
    boxKey: Uint8Array;
    member: Identity;
    device: Identity;
    name: string;
    deviceName: string;
    passphrase: string;
  } | null = null;

  constructor(ctx: VaultContext, marks: SeenMarks) {
    this.#ctx = ctx;
    this.#marks = marks;
  }

  /** Forgets a pairing in progress on the admin side (on lock). */
  cancel(): void {
    this.#pairing = null;
  }

  /**
   * Admin: opens a pairing; the page creates the relay mailbox and shows the link.
   * @throws VaultError('not-admin' | 'removed' | 'locked')
   */
  startPairing(): { secret: string; mailboxId: string; ownerSecret: string; ownerHash: string } {
    const admin = this.#ctx.require();
    requireActiveAdmin(admin.keyring);
    const s = sodium();
    const secret = s.randombytes_buf(PAIRING_SECRET_BYTES);
    const { mailboxId, boxKey } = pairingIds(secret);
    this.#pairing = { secret, boxKey };
    const owner = s.randombytes_buf(32);
    const ownerSecret = s.to_hex(owner);
    return {
      // The link carries the practice's anchor too (spec §11.1): the new device accepts an answer
      // only from the practice the link names.
      secret: `${toBase64Url(secret)}.${admin.keyring.anchor}`,
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
    this.#ctx.require();
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
    // The code covers the request exactly as it will be listed: names must arrive clean.
    if (clean(r.name, 'name') !== r.name || clean(r.deviceName, 'device name') !== r.deviceName) {
      throw new CryptoError('bad-record', 'pairing request');
    }
    pairing.request = {
      member: r.member,
      memberBox: r.memberBox,
      device: r.device,
      deviceBox: r.deviceBox,
      name: r.name,
      deviceName: r.deviceName,
    };
    return {
      name: pairing.request.name,
      deviceName: pairing.request.deviceName,
      sas: requestSas(pairing.secret, pairing.request),
    };
  }

  /**
   * Admin, after comparing the codes: adds the device to the member list and seals the practice
   * key (and, unless front desk, the clinical key) to it. Returns the sealed answer.
   * @throws VaultError('bad-input' | 'not-admin' | 'removed' | 'locked')
   */
  async answerPairing(input: {
    role: Role;
  }): Promise<{ sealed: Uint8Array; session: SessionSummary }> {
    const admin = this.#ctx.require();
    requireActiveAdmin(admin.keyring);
    const request = this.#pairing?.request;
    if (!this.#pairing || !request)
      throw new VaultError('bad-input', 'No pairing request to answer');
    checkRole(input?.role);
    const memberLists = extendList(admin, {
      ...request,
      role: input.role,
      addedAt: new Date().toISOString(),
    });
    const { practice } = admin.keyring;
    const response: PairResponse = {
      practice: {
        id: practice.id,
        name: practice.name,
        indexDocId: toBase64Url(practice.indexDocId),
      },
      anchor: admin.keyring.anchor,
      memberLists,
      grants: grantsFor(admin, fromBase64Url(request.deviceBox), input.role).map(grantToJson),
      marks: await this.#marks.flush(admin),
    };
    const sealed = sealPairingMessage(this.#pairing.boxKey, 'response', response);
    admin.keyring = { ...admin.keyring, memberLists };
    await this.#ctx.saveKeyring(admin);
    this.#pairing = null;
    return { sealed, session: summarize(admin) };
  }

  /**
   * New device: prepares its keys and the sealed request for the admin.
   * @throws VaultError('already-set-up' | 'bad-input' | 'weak-passphrase')
   */
  async beginJoin(input: {
    secret: string;
    name: string;
    deviceName: string;
    passphrase: string;
  }): Promise<{ mailboxId: string; sealed: Uint8Array; sas: string }> {
    if ((await this.#ctx.store.listSlots()).length > 0) throw new VaultError('already-set-up');
    await loadSodium();
    const { secret, anchor } = readLinkCode(String(input?.secret ?? ''));
    const name = clean(input.name, 'your name');
    const deviceName = clean(input.deviceName, 'device name');
    checkPassphrase(input.passphrase);
    const { mailboxId, boxKey } = pairingIds(secret);
    const member = generateIdentity();
    const device = generateIdentity();
    this.#joining = {
      secret,
      anchor,
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
      sas: requestSas(secret, request),
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
    if (r.anchor !== joining.anchor) throw new VaultError('bad-input', OTHER_PRACTICE);
    const latest = verifyChain(r.memberLists, r.anchor);
    const me = findSelf(latest, joining);
    const keys = acceptJoinGrants(r, latest, joining.device);
    const keyring: Keyring = {
      v: 1,
      member: { name: joining.name, role: me.role, identity: joining.member },
      device: { name: joining.deviceName, identity: joining.device },
      practice: {
        id: r.practice.id,
        name: String(r.practice.name),
        indexDocId: fromBase64Url(r.practice.indexDocId),
        keys: keys.practice,
      },
      clinical: keys.clinical,
      anchor: r.anchor,
      memberLists: r.memberLists,
      prefs: { autoLockMinutes: 10 },
    };
    const { recoveryKey, unlocked } = await this.#ctx.createSlot(keyring, joining.passphrase);
    const marks = cleanMarks(r.marks);
    await this.#marks.seed(unlocked.slotId, unlocked.vaultKey, marks);
    for (const [key, seq] of Object.entries(marks)) unlocked.marks.set(key, seq);
    this.#joining = null;
    this.#ctx.enter(unlocked);
    return { recoveryKey, session: summarize(unlocked) };
  }
}

const DAMAGED = 'This pairing link is damaged.';
const OTHER_PRACTICE =
  'The answer came from another practice than the one the pairing link names: the link may have ' +
  'been intercepted. Nothing was set up on this device; ask for a new link in person.';

/**
 * The code in a pairing link: the one-time secret and the practice's anchor (the founding
 * admin's member key), both base64url, joined by a dot (spec §11.1).
 * @throws VaultError('bad-input') naming what is wrong
 */
function readLinkCode(code: string): { secret: Uint8Array; anchor: string } {
  const [secretText = '', anchor, ...rest] = code.split('.');
  if (anchor === undefined && rest.length === 0 && secretText.length === 43) {
    throw new VaultError(
      'bad-input',
      'This pairing link comes from an older version of Folio. Update Folio on the administrator’s device and make a new link.',
    );
  }
  let secret: Uint8Array;
  let anchorKey: Uint8Array;
  try {
    secret = fromBase64Url(secretText);
    anchorKey = fromBase64Url(anchor ?? '');
  } catch {
    throw new VaultError('bad-input', DAMAGED);
  }
  if (rest.length > 0 || secret.length !== PAIRING_SECRET_BYTES || anchorKey.length !== 32) {
    throw new VaultError('bad-input', DAMAGED);
  }
  return { secret, anchor: anchor! };
}

/** The short code of a request as sent (docs/spec/envelope.md §11). */
function requestSas(secret: Uint8Array, r: PairRequest): string {
  return pairingSas(secret, {
    member: fromBase64Url(r.member),
    memberBox: fromBase64Url(r.memberBox),
    device: fromBase64Url(r.device),
    deviceBox: fromBase64Url(r.deviceBox),
    name: r.name,
    deviceName: r.deviceName,
  });
}

const MISMATCH =
  'The answer does not carry this device’s own keys: the pairing link may have been intercepted. ' +
  'Nothing was set up. Ask the administrator for a new link.';

/**
 * The joining device's own entry in the newest list: its (member, device) listed, active, and
 * with exactly the box keys and names it sent. Anything else means the request was rewritten on
 * the way (a relay that learned the link), so the keys went to someone else.
 * @throws VaultError('pairing-mismatch')
 */
function findSelf(
  latest: MemberList,
  joining: { member: Identity; device: Identity; name: string; deviceName: string },
): MemberEntry {
  const mine = {
    member: toBase64Url(joining.member.sign.publicKey),
    memberBox: toBase64Url(joining.member.box.publicKey),
    device: toBase64Url(joining.device.sign.publicKey),
    deviceBox: toBase64Url(joining.device.box.publicKey),
    name: joining.name,
    deviceName: joining.deviceName,
  };
  const listed = latest.entries.filter((e) => e.member === mine.member || e.device === mine.device);
  const me = listed.find(
    (e) =>
      !e.removed &&
      e.member === mine.member &&
      e.memberBox === mine.memberBox &&
      e.device === mine.device &&
      e.deviceBox === mine.deviceBox &&
      e.name === mine.name &&
      e.deviceName === mine.deviceName,
  );
  if (!me || listed.length !== 1) throw new VaultError('pairing-mismatch', MISMATCH);
  return me;
}

/** Grants of every practice key (and, unless front desk, clinical key) to one device box key. */
function grantsFor(admin: Unlocked, recipientBoxKey: Uint8Array, role: Role): KeyGrant[] {
  const granter = admin.keyring.member.identity.sign;
  const { practice } = admin.keyring;
  const grant = (kind: 'practice' | 'clinical') => (k: EpochKey) =>
    grantKey({ kind, keyId: practice.id, epoch: k.epoch, key: k.key, recipientBoxKey, granter });
  return [
    ...practice.keys.map(grant('practice')),
    ...(role === 'front-desk' ? [] : admin.keyring.clinical).map(grant('clinical')),
  ];
}

/**
 * Verifies a whole member-list chain from the founding admin; returns its newest list.
 * @throws CryptoError from verifyNext
 */
function verifyChain(lists: MemberList[], anchor: string): MemberList {
  let current: MemberList | null = null;
  for (const list of lists) {
    verifyNext(current, list, anchor);
    current = list;
  }
  return current!;
}

/**
 * Opens the grants of a pairing answer: each must be a practice or clinical key of this
 * practice, sealed to this device and signed by an admin of the newest list.
 * @throws CryptoError('bad-grant')
 */
function acceptJoinGrants(
  r: PairResponse,
  latest: MemberList,
  device: Identity,
): { practice: EpochKey[]; clinical: EpochKey[] } {
  const admins = latest.entries
    .filter((e) => e.role === 'admin' && !e.removed)
    .map((e) => fromBase64Url(e.member));
  const keys = { practice: [] as EpochKey[], clinical: [] as EpochKey[] };
  const ownBox = device.box.publicKey;
  for (const json of r.grants) {
    const grant = grantFromJson(json);
    if (!equalBytes(grant.recipient, ownBox)) throw new VaultError('pairing-mismatch', MISMATCH);
    if (
      grant.keyId !== r.practice?.id ||
      (grant.kind !== 'practice' && grant.kind !== 'clinical')
    ) {
      throw new CryptoError('bad-grant', 'unexpected grant');
    }
    const key = acceptGrant(grant, { recipient: device.box, trustedGranters: admins });
    keys[grant.kind].push({ epoch: grant.epoch, key });
  }
  if (keys.practice.length === 0) throw new CryptoError('bad-grant', 'no practice key');
  const byEpoch = (a: EpochKey, b: EpochKey) => a.epoch - b.epoch;
  return { practice: keys.practice.sort(byEpoch), clinical: keys.clinical.sort(byEpoch) };
}

/**
 * Removing a device or member, and the key rotation that follows (DESIGN.md §7): member list v+1
 * marks the removed entries with the last seq accepted from each (earlier edits stay valid, later
 * ones are refused by authorize()), and a fresh practice key and clinical key at epoch e+1 are
 * sealed — as signed grants — only to the devices that remain. Charts rotate lazily: the next
 * time a chart is opened for writing after a rotation, it gets a new chart key wrapped under the
 * newest clinical key, so a removed device can read what it had but nothing written after.
 *
 * Pure functions over a keyring; VaultService persists the results.
 */
import {
  acceptGrant,
  CryptoError,
  fromBase64Url,
  generateKey,
  grantKey,
  memberListHash,
  signMemberList,
  toBase64Url,
  verifyNext,
  type KeyGrant,
  type MemberEntry,
  type MemberList,
} from '$lib/crypto';
import { currentList, type EpochKey, type Keyring } from './keyring';

export class RotationError extends Error {
  constructor(
    readonly code: 'not-admin' | 'unknown-device' | 'last-admin' | 'self' | 'bad-input',
    message: string,
  ) {
    super(message);
    this.name = 'RotationError';
  }
}

/** A prepared removal: publish `lists` and `grants` (sealed under the old epoch), then activate. */
export interface PreparedRemoval {
  lists: MemberList[];
  grants: KeyGrant[];
  practice: EpochKey;
  clinical: EpochKey | null;
}

const authorKey = (e: { member: string; device: string }) => `${e.member}:${e.device}`;

/**
 * Signs member list v+1 without the target (a device, or every device of a member) and prepares
 * new epoch keys sealed to each remaining device. `lastSeqs` maps "member:device" to the highest
 * seq this admin has verified from it. @throws RotationError
 */
export function prepareRemoval(
  keyring: Keyring,
  target: { member: string; device?: string },
  lastSeqs: Record<string, number>,
  now: string,
): PreparedRemoval {
  const list = currentList(keyring);
  const me = toBase64Url(keyring.member.identity.sign.publicKey);
  const myDevice = toBase64Url(keyring.device.identity.sign.publicKey);
  const active = list.entries.filter((e) => !e.removed);
  const mine = active.find((e) => e.member === me && e.device === myDevice);
  if (mine?.role !== 'admin')
    throw new RotationError('not-admin', 'Only an administrator can remove devices');
  const hit = (e: MemberEntry) =>
    e.member === target.member && (target.device === undefined || e.device === target.device);
  const removing = active.filter(hit);
  if (removing.length === 0) throw new RotationError('unknown-device', 'No such device or member');
  if (removing.some((e) => e.member === me && e.device === myDevice))
    throw new RotationError('self', 'A device cannot remove itself');
  const remaining = active.filter((e) => !hit(e));
  if (!remaining.some((e) => e.role === 'admin'))
    throw new RotationError('last-admin', 'The last administrator cannot be removed');

  const next = signMemberList(
    {
      v: 1,
      practiceId: list.practiceId,
      version: list.version + 1,
      prev: memberListHash(list),
      entries: list.entries.map((e) =>
        hit(e) && !e.removed
          ? { ...e, removed: { at: now, lastSeq: Math.max(-1, lastSeqs[authorKey(e)] ?? -1) } }
          : e,
      ),
    },
    keyring.member.identity.sign,
  );
  verifyNext(list, next, keyring.anchor);

  const practice: EpochKey = {
    epoch: Math.max(...keyring.practice.keys.map((k) => k.epoch)) + 1,
    key: generateKey(),
  };
  const lastClinical = keyring.clinical.at(-1);
  const clinical: EpochKey | null = lastClinical
    ? { epoch: lastClinical.epoch + 1, key: generateKey() }
    : null;
  const granter = keyring.member.identity.sign;
  const grants: KeyGrant[] = [];
  for (const e of remaining) {
    const recipientBoxKey = fromBase64Url(e.deviceBox);
    grants.push(
      grantKey({
        kind: 'practice',
        keyId: list.practiceId,
        epoch: practice.epoch,
        key: practice.key,
        recipientBoxKey,
        granter,
      }),
    );
    if (clinical && e.role !== 'front-desk') {
      grants.push(
        grantKey({
          kind: 'clinical',
          keyId: list.practiceId,
          epoch: clinical.epoch,
          key: clinical.key,
          recipientBoxKey,
          granter,
        }),
      );
    }
  }
  return { lists: [...keyring.memberLists, next], grants, practice, clinical };
}

/** The keyring with a prepared removal in force (new list, new epoch keys). */
export function activateRemoval(keyring: Keyring, prepared: PreparedRemoval): Keyring {
  return {
    ...keyring,
    memberLists: prepared.lists,
    practice: { ...keyring.practice, keys: [...keyring.practice.keys, prepared.practice] },
    clinical: prepared.clinical ? [...keyring.clinical, prepared.clinical] : keyring.clinical,
  };
}

/**
 * Takes the new epoch keys granted to this device by an admin of the newest member list this
 * keyring holds. Grants for other devices, or for epochs already held, are skipped; a grant
 * addressed here that fails to verify throws and changes nothing. Returns the new keyring, or
 * null when nothing changed.
 * @throws CryptoError('bad-grant')
 */
export function acceptRotation(keyring: Keyring, grants: KeyGrant[]): Keyring | null {
  const list = currentList(keyring);
  const myBox = keyring.device.identity.box;
  const admins = list.entries
    .filter((e) => e.role === 'admin' && !e.removed)
    .map((e) => fromBase64Url(e.member));
  const practice = [...keyring.practice.keys];
  const clinical = [...keyring.clinical];
  let changed = false;
  for (const grant of grants) {
    if (toBase64Url(grant.recipient) !== toBase64Url(myBox.publicKey)) continue;
    if (grant.keyId !== keyring.practice.id) continue;
    const held = grant.kind === 'practice' ? practice : grant.kind === 'clinical' ? clinical : null;
    if (!held) throw new CryptoError('bad-grant', 'unexpected grant kind');
    if (held.some((k) => k.epoch === grant.epoch)) continue;
    // A member who may not open charts never gets clinical keys.
    if (grant.kind === 'clinical' && keyring.member.role === 'front-desk') continue;
    const key = acceptGrant(grant, { recipient: myBox, trustedGranters: admins });
    held.push({ epoch: grant.epoch, key });
    held.sort((a, b) => a.epoch - b.epoch);
    changed = true;
  }
  if (!changed) return null;
  return { ...keyring, practice: { ...keyring.practice, keys: practice }, clinical };
}

/** Whether this keyring's own device has been removed in the newest list it holds. */
export function isRemoved(keyring: Keyring): boolean {
  const me = toBase64Url(keyring.member.identity.sign.publicKey);
  const myDevice = toBase64Url(keyring.device.identity.sign.publicKey);
  const entry = currentList(keyring).entries.find((e) => e.member === me && e.device === myDevice);
  return entry?.removed !== undefined;
}

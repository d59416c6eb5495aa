/**
 * Removing a device or member, and the key rotation that follows (docs/design.md §7; docs/adr/0006;
 * docs/spec/envelope.md §10): member list v+1 marks the removed entries with the last seq
 * accepted from each (earlier edits stay valid, later ones are refused by authorize()), and a
 * fresh practice key and clinical key at epoch e+1 are sealed — as signed grants — only to the
 * devices that remain. Charts rotate lazily (documents.ts).
 *
 * Invariants: only an active admin on a device that is itself still listed removes; never the
 * last admin, never the removing device itself; grants go only to devices active in v+1; a device
 * takes a grant only if it is sealed to it and signed by an active admin of the newest list it
 * holds; a removed device takes nothing new.
 *
 * Pure functions over a keyring; members.ts persists the results.
 */
import {
  acceptGrant,
  countRefusals,
  fromBase64Url,
  generateKey,
  grantKey,
  LIST_VERSION,
  memberListHash,
  signMemberList,
  toBase64Url,
  verifyNext,
  type ChainHeads,
  type GrantKind,
  type KeyGrant,
  type MemberEntry,
  type MemberList,
  type Refusal,
} from '$lib/crypto';
import { VaultError, type VaultErrorCode } from './errors';
import { currentList, type EpochKey, type Keyring } from './keyring';
import { authorKey, type Marks } from './marks-map';

/** A removal that is not allowed. A VaultError, so it crosses the Worker boundary with its code. */
export class RotationError extends VaultError {
  constructor(
    code: Extract<
      VaultErrorCode,
      'not-admin' | 'unknown-device' | 'last-admin' | 'self' | 'removed'
    >,
    message: string,
  ) {
    super(code, message);
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

/** Epochs a device took from grants. */
export interface NewEpochs {
  practice: number[];
  clinical: number[];
}

/** This keyring's own entry in its newest list (its member on its device), if listed. */
function ownEntry(keyring: Keyring): MemberEntry | undefined {
  const me = toBase64Url(keyring.member.identity.sign.publicKey);
  const myDevice = toBase64Url(keyring.device.identity.sign.publicKey);
  return currentList(keyring).entries.find((e) => e.member === me && e.device === myDevice);
}

/** Whether this keyring's own device has been removed in the newest list it holds. */
export function isRemoved(keyring: Keyring): boolean {
  return ownEntry(keyring)?.removed !== undefined;
}

/** @throws RotationError('removed' | 'not-admin') unless this is an active admin. */
export function requireActiveAdmin(keyring: Keyring): void {
  const mine = ownEntry(keyring);
  if (mine?.removed)
    throw new RotationError('removed', 'This device was removed from the practice');
  if (mine?.role !== 'admin' || keyring.member.role !== 'admin')
    throw new RotationError('not-admin', 'Only an administrator can do this');
}

/**
 * Signs member list v+1 without the target (a device, or every device of a member) and prepares
 * new epoch keys sealed to each remaining device. Each removed entry's last seq is the highest of
 * `marks` ("member:device" → seq; −1 when nothing was ever verified from it), and its chain heads
 * per document are `headsOf` it (the links of its envelopes this vault verified that none of its
 * other envelopes names; none: everything it wrote is refused).
 * @throws RotationError
 */
export function prepareRemoval(
  keyring: Keyring,
  target: { member: string; device?: string },
  marks: Marks,
  now: string,
  headsOf: (author: string) => ChainHeads = () => ({}),
): PreparedRemoval {
  requireActiveAdmin(keyring);
  const list = currentList(keyring);
  const mine = ownEntry(keyring)!;
  const active = list.entries.filter((e) => !e.removed);
  const hit = (e: MemberEntry) =>
    e.member === target.member && (target.device === undefined || e.device === target.device);
  const removing = active.filter(hit);
  if (removing.length === 0) {
    const gone = list.entries.some(hit);
    throw new RotationError(
      'unknown-device',
      gone ? 'That device was already removed' : 'No such device or member',
    );
  }
  if (removing.some((e) => e.member === mine.member && e.device === mine.device))
    throw new RotationError('self', 'A device cannot remove itself');
  const remaining = active.filter((e) => !hit(e));
  if (!remaining.some((e) => e.role === 'admin'))
    throw new RotationError('last-admin', 'The last administrator cannot be removed');

  const next = signMemberList(
    {
      v: LIST_VERSION,
      practiceId: list.practiceId,
      version: list.version + 1,
      prev: memberListHash(list),
      entries: list.entries.map((e) =>
        hit(e) && !e.removed
          ? {
              ...e,
              removed: {
                at: now,
                lastSeq: Math.max(-1, marks[authorKey(e)] ?? -1),
                heads: headsOf(authorKey(e)),
              },
            }
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
  const grants = remaining.flatMap((e) =>
    grantsTo(
      keyring,
      e,
      [...keyring.practice.keys, practice],
      [...keyring.clinical, ...(clinical ? [clinical] : [])],
    ),
  );
  return { lists: [...keyring.memberLists, next], grants, practice, clinical };
}

/**
 * Grants of every epoch — not only the new one — to a remaining device, signed by this admin: a
 * device that missed an earlier rotation whose admin has since been removed can still take the
 * keys of that epoch (grants from a removed admin are refused).
 */
function grantsTo(
  keyring: Keyring,
  entry: MemberEntry,
  practice: EpochKey[],
  clinical: EpochKey[],
): KeyGrant[] {
  const recipientBoxKey = fromBase64Url(entry.deviceBox);
  const granter = keyring.member.identity.sign;
  const keyId = currentList(keyring).practiceId;
  const grant = (kind: GrantKind) => (k: EpochKey) =>
    grantKey({ kind, keyId, epoch: k.epoch, key: k.key, recipientBoxKey, granter });
  return [
    ...practice.map(grant('practice')),
    // A member who may not open charts never gets clinical keys.
    ...(entry.role === 'front-desk' ? [] : clinical.map(grant('clinical'))),
  ];
}

/**
 * The keyring with a prepared removal in force (new list, new epoch keys).
 * @throws VaultError('stale-removal') when the member list changed since it was prepared.
 */
export function activateRemoval(keyring: Keyring, prepared: PreparedRemoval): Keyring {
  const base = prepared.lists.at(-2)!;
  const held = memberListHash(currentList(keyring));
  // The new list may already be held: this device learns it from the practice index it was just
  // published in (before activation). Anything else means the list moved on: prepare again.
  const next = memberListHash(prepared.lists.at(-1)!);
  if (held !== memberListHash(base) && held !== next) {
    throw new VaultError('stale-removal', 'The member list changed meanwhile; remove again');
  }
  return {
    ...keyring,
    memberLists: prepared.lists,
    practice: {
      ...keyring.practice,
      keys: sortByEpoch([...keyring.practice.keys, prepared.practice]),
    },
    clinical: prepared.clinical
      ? sortByEpoch([...keyring.clinical, prepared.clinical])
      : keyring.clinical,
  };
}

/**
 * Takes the new epoch keys granted to this device by an active admin of the newest member list
 * this keyring holds. Grants for other devices or another practice, for epochs already held, and
 * clinical grants to a front-desk member are skipped silently. Each (kind, epoch) addressed here
 * stands alone: one verifying grant suffices; if none of its grants verifies, that (kind, epoch)
 * is refused (counted in `refused`) and the others are still taken — a junk grant anyone wrote
 * in the practice index cannot block the real ones. A removed device takes nothing.
 */
export function acceptRotation(
  keyring: Keyring,
  grants: KeyGrant[],
): { keyring: Keyring | null; newEpochs: NewEpochs; refused: Refusal[] } {
  const newEpochs: NewEpochs = { practice: [], clinical: [] };
  if (isRemoved(keyring)) return { keyring: null, newEpochs, refused: [] };
  const { groups: candidates, refused: odd } = addressedHere(keyring, grants);
  const refused: string[] = [...odd];
  if (candidates.size === 0) return { keyring: null, newEpochs, refused: countRefusals(refused) };
  const admins = currentList(keyring)
    .entries.filter((e) => e.role === 'admin' && !e.removed)
    .map((e) => fromBase64Url(e.member));
  const recipient = keyring.device.identity.box;
  const taken = { practice: [...keyring.practice.keys], clinical: [...keyring.clinical] };
  for (const { kind, epoch, grants: group } of candidates.values()) {
    let key: Uint8Array | null = null;
    for (const grant of group) {
      try {
        key = acceptGrant(grant, { recipient, trustedGranters: admins });
        break;
      } catch {
        // Another grant for the same (kind, epoch) may verify.
      }
    }
    if (!key) {
      refused.push('bad-grant');
      continue;
    }
    taken[kind].push({ epoch, key });
    newEpochs[kind].push(epoch);
  }
  if (newEpochs.practice.length + newEpochs.clinical.length === 0) {
    return { keyring: null, newEpochs, refused: countRefusals(refused) };
  }
  return {
    keyring: {
      ...keyring,
      practice: { ...keyring.practice, keys: sortByEpoch(taken.practice) },
      clinical: sortByEpoch(taken.clinical),
    },
    newEpochs: {
      practice: newEpochs.practice.sort((a, b) => a - b),
      clinical: newEpochs.clinical.sort((a, b) => a - b),
    },
    refused: countRefusals(refused),
  };
}

/**
 * The grants this device should consider, grouped by "kind:epoch"; a grant sealed here of a kind
 * a rotation never carries is refused (`bad-grant`).
 */
function addressedHere(
  keyring: Keyring,
  grants: KeyGrant[],
): {
  groups: Map<string, { kind: 'practice' | 'clinical'; epoch: number; grants: KeyGrant[] }>;
  refused: string[];
} {
  const myBox = toBase64Url(keyring.device.identity.box.publicKey);
  const groups = new Map<
    string,
    { kind: 'practice' | 'clinical'; epoch: number; grants: KeyGrant[] }
  >();
  const refused: string[] = [];
  for (const grant of grants) {
    if (toBase64Url(grant.recipient) !== myBox || grant.keyId !== keyring.practice.id) continue;
    if (grant.kind !== 'practice' && grant.kind !== 'clinical') {
      refused.push('bad-grant');
      continue;
    }
    if (grant.kind === 'clinical' && keyring.member.role === 'front-desk') continue;
    const held = grant.kind === 'practice' ? keyring.practice.keys : keyring.clinical;
    if (held.some((k) => k.epoch === grant.epoch)) continue;
    const key = `${grant.kind}:${grant.epoch}`;
    const group = groups.get(key) ?? { kind: grant.kind, epoch: grant.epoch, grants: [] };
    group.grants.push(grant);
    groups.set(key, group);
  }
  return { groups, refused };
}

function sortByEpoch(keys: EpochKey[]): EpochKey[] {
  return keys.sort((a, b) => a.epoch - b.epoch);
}

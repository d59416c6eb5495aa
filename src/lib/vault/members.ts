/**
 * Members and the member list (docs/design.md §7; docs/spec/envelope.md §10): adding a member on this
 * device, learning newer lists from the practice index, removal with key rotation (rotation.ts
 * holds the pure part; this persists it) and receiving a rotation on another device.
 *
 * Invariants: a list is kept only if it chains to the one held (never rolls back); a removal is
 * in force — new list, new epoch keys — only after `activateRemoval`, so its grants can be
 * published under the current epoch first (docs/adr/0006); receiving a rotation is all or
 * nothing.
 */
import {
  chooseLists,
  generateIdentity,
  LIST_VERSION,
  memberListHash,
  signMemberList,
  toBase64Url,
  verifyNext,
  type MemberEntry,
  type MemberList,
  countRefusals,
  type KeyGrant,
  type Refusal,
} from '$lib/crypto';
import { summarize, type SessionSummary, type Unlocked, type VaultContext } from './context';
import { VaultError } from './errors';
import { grantFromJson, grantToJson, type GrantJson } from './grants';
import { checkPassphrase, checkRole, clean, entryFor } from './input';
import { copyPair, currentList, type Keyring } from './keyring';
import type { Role } from './records';
import { headsSeen } from './chains';
import { cleanMarks, raise, type SeenMarks } from './marks';
import {
  acceptRotation,
  activateRemoval,
  isRemoved,
  prepareRemoval,
  requireActiveAdmin,
  type NewEpochs,
} from './rotation';

export class Members {
  readonly #ctx: VaultContext;
  readonly #marks: SeenMarks;

  constructor(ctx: VaultContext, marks: SeenMarks) {
    this.#ctx = ctx;
    this.#marks = marks;
  }

  /**
   * Admin: adds another member (person) to this device, with their own keys and passphrase.
   * @throws VaultError('not-admin' | 'removed' | 'bad-input' | 'weak-passphrase' | 'locked')
   */
  async addMember(input: {
    name: string;
    role: Role;
    passphrase: string;
  }): Promise<{ recoveryKey: string; session: SessionSummary }> {
    const admin = this.#ctx.require();
    requireActiveAdmin(admin.keyring);
    const name = clean(input.name, 'name');
    checkRole(input.role);
    checkPassphrase(input.passphrase);
    const identity = generateIdentity();
    const source = admin.keyring;
    const memberLists = extendList(admin, {
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
      // Front desk holds the practice index but no key that opens charts (docs/design.md §7).
      clinical: input.role === 'front-desk' ? [] : source.clinical.map((k) => ({ ...k })),
      anchor: source.anchor,
      memberLists,
      prefs: { autoLockMinutes: 10 },
    };
    const { recoveryKey } = await this.#ctx.createSlot(keyring, input.passphrase);
    admin.keyring = { ...admin.keyring, memberLists };
    await this.#ctx.saveKeyring(admin);
    return { recoveryKey, session: summarize(admin) };
  }

  /** The member list chain this member holds, oldest first (to publish to other devices). */
  memberLists(): MemberList[] {
    return this.#ctx.require().keyring.memberLists;
  }

  /**
   * Takes member lists from the practice index: of all candidates (keyed by hash, not version),
   * the chain that extends the one held and verifies is kept; everything else — junk, forged or
   * rolled-back lists, forks — is refused and counted by code in `refused` (never thrown).
   */
  async updateMemberLists(input: {
    lists: MemberList[];
  }): Promise<{ version: number; changed: boolean; refused: Refusal[] }> {
    const session = this.#ctx.require();
    const learned = learnLists(session.keyring, input?.lists);
    if (learned.changed) {
      session.keyring = learned.keyring;
      await this.#ctx.saveKeyring(session);
    }
    return {
      version: currentList(session.keyring).version,
      changed: learned.changed,
      refused: learned.refused,
    };
  }

  /**
   * Admin: signs member list v+1 removing a device (or a member with all its devices), recording
   * for each removed device the highest seq verified from it — by this member on this device
   * (marks.ts) or reported by the caller in `lastSeqs` ("member:device" → seq), whichever is
   * higher — and prepares new epoch keys sealed to the remaining devices. Nothing changes for
   * sealing until `activateRemoval`: the caller first publishes the lists and grants in the
   * practice index (sealed under the current epoch, which the remaining devices can open).
   * @throws VaultError('not-admin' | 'removed' | 'unknown-device' | 'self' | 'last-admin' |
   *   'bad-input' | 'locked')
   */
  async removeMember(input: {
    member: string;
    device?: string;
    lastSeqs?: Record<string, number>;
  }): Promise<{ lists: MemberList[]; grants: GrantJson[] }> {
    const session = this.#ctx.require();
    if (typeof input?.member !== 'string') throw new VaultError('bad-input', 'Name a member');
    requireActiveAdmin(session.keyring);
    const marks = new Map(Object.entries(await this.#marks.flush(session)));
    for (const [key, seq] of Object.entries(cleanMarks(input.lastSeqs))) raise(marks, key, seq);
    const prepared = prepareRemoval(
      session.keyring,
      {
        member: input.member,
        ...(typeof input.device === 'string' ? { device: input.device } : {}),
      },
      Object.fromEntries(marks),
      new Date().toISOString(),
      (author) => headsSeen(session, author),
    );
    session.pendingRemoval = prepared;
    return { lists: prepared.lists, grants: prepared.grants.map(grantToJson) };
  }

  /**
   * Puts the prepared removal in force: the new list and epoch keys (persisted); from now on the
   * practice index is sealed under the new practice epoch.
   * @throws VaultError('bad-input' | 'stale-removal' | 'locked')
   */
  async activateRemoval(): Promise<SessionSummary> {
    const session = this.#ctx.require();
    const prepared = session.pendingRemoval;
    if (!prepared) throw new VaultError('bad-input', 'No removal to activate');
    session.keyring = activateRemoval(session.keyring, prepared);
    session.pendingRemoval = undefined;
    await this.#ctx.saveKeyring(session);
    return summarize(session);
  }

  /**
   * Receives a rotation from the practice index: first the member lists (learnLists: the chain
   * that verifies; junk refused), then — independently — the grants sealed to this device and
   * signed by an active admin of the newest list, each (kind, epoch) on its own: one verifying
   * grant is enough, and a (kind, epoch) with none is refused (`bad-grant` in `refused`) without
   * stopping the others. A device that finds itself removed takes no new keys (it keeps what it
   * had) and reports `removed: true`. Never throws for untrusted input.
   * @throws VaultError('locked')
   */
  async acceptRotation(input: { grants: GrantJson[]; lists?: MemberList[] }): Promise<{
    version: number;
    changed: boolean;
    removed: boolean;
    newEpochs: NewEpochs;
    refused: Refusal[];
  }> {
    const session = this.#ctx.require();
    const learned = learnLists(session.keyring, input?.lists);
    const grants: KeyGrant[] = [];
    const malformed: string[] = [];
    for (const json of Array.isArray(input?.grants) ? input.grants : []) {
      try {
        grants.push(grantFromJson(json));
      } catch {
        malformed.push('bad-grant');
      }
    }
    const taken = acceptRotation(learned.keyring, grants);
    const keyring = taken.keyring ?? learned.keyring;
    const changed = learned.changed || taken.keyring !== null;
    if (changed) {
      session.keyring = keyring;
      await this.#ctx.saveKeyring(session);
    }
    return {
      version: currentList(keyring).version,
      changed,
      removed: isRemoved(keyring),
      newEpochs: taken.newEpochs,
      refused: mergeRefusals(learned.refused, taken.refused, countRefusals(malformed)),
    };
  }
}

/**
 * The keyring with the lists that extend its chain, chosen among untrusted candidates by hash
 * (chooseLists): junk, forgeries, rolled-back lists and forks are refused and counted, never
 * thrown, so nothing written in the practice index can stop a device from learning the real chain.
 */
export function learnLists(
  keyring: Keyring,
  lists: readonly unknown[] | undefined,
): { keyring: Keyring; changed: boolean; refused: Refusal[] } {
  const { added, refused } = chooseLists(
    keyring.memberLists,
    Array.isArray(lists) ? lists : [],
    keyring.anchor,
  );
  if (added.length === 0) return { keyring, changed: false, refused };
  return {
    keyring: { ...keyring, memberLists: [...keyring.memberLists, ...added] },
    changed: true,
    refused,
  };
}

/**
 * The member list chain with one more version adding `entry`, signed by this admin. A (member,
 * device) pair already listed is refused: a removed device cannot be re-added under its old keys
 * (it would stay refused anyway — authorize() reads the first entry), only paired anew.
 * @throws VaultError('removed' | 'bad-input'), CryptoError from verifyNext
 */
export function extendList(
  admin: Unlocked,
  entry: Omit<MemberEntry, 'addedBy' | 'addedAt'> & { addedAt: string },
): MemberList[] {
  const current = currentList(admin.keyring);
  const listed = current.entries.find(
    (e) => e.member === entry.member && e.device === entry.device,
  );
  if (listed?.removed) {
    throw new VaultError('removed', 'That device was removed; it can only be paired as a new one');
  }
  if (listed) throw new VaultError('bad-input', 'That device is already paired');
  const next = signMemberList(
    {
      v: LIST_VERSION,
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

/** Sums refusal counts by code. */
export function mergeRefusals(...groups: Refusal[][]): Refusal[] {
  const counts = new Map<string, number>();
  for (const { code, count } of groups.flat()) counts.set(code, (counts.get(code) ?? 0) + count);
  return [...counts].map(([code, count]) => ({ code, count }));
}

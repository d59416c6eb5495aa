/**
 * Members and the member list (DESIGN.md §7; docs/spec/envelope.md §10): adding a member on this
 * device, learning newer lists from the practice index, and removal with key rotation
 * (rotation.ts holds the pure part; this persists it).
 *
 * Invariants: a list is kept only if it chains to the one held (never rolls back); a removal is
 * in force — new list, new epoch keys — only after `activateRemoval`, so its grants can be
 * published under the current epoch first (docs/adr/0006).
 */
import {
  CryptoError,
  generateIdentity,
  memberListHash,
  signMemberList,
  toBase64Url,
  verifyNext,
  type MemberEntry,
  type MemberList,
} from '$lib/crypto';
import { summarize, type SessionSummary, type Unlocked, type VaultContext } from './context';
import { VaultError } from './errors';
import { grantFromJson, grantToJson, type GrantJson } from './grants';
import { checkPassphrase, checkRole, clean, entryFor } from './input';
import { copyPair, currentList, type Keyring } from './keyring';
import type { Role } from './records';
import { acceptRotation, activateRemoval, isRemoved, prepareRemoval } from './rotation';

export class Members {
  readonly #ctx: VaultContext;

  constructor(ctx: VaultContext) {
    this.#ctx = ctx;
  }

  /**
   * Admin: adds another member (person) to this device, with their own keys and passphrase.
   * @throws VaultError('not-admin' | 'bad-input' | 'weak-passphrase' | 'locked')
   */
  async addMember(input: {
    name: string;
    role: Role;
    passphrase: string;
  }): Promise<{ recoveryKey: string; session: SessionSummary }> {
    const admin = this.#ctx.require();
    if (admin.keyring.member.role !== 'admin') throw new VaultError('not-admin');
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
      // Front desk holds the practice index but no key that opens charts (DESIGN.md §7).
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
   * Takes member lists from the practice index: newer versions that chain to the one held are
   * verified and kept; older ones are ignored; a different list with a held version is a fork.
   * @throws CryptoError('equivocation' | 'bad-record' | 'bad-signature' | 'unknown-author')
   */
  async updateMemberLists(input: {
    lists: MemberList[];
  }): Promise<{ version: number; changed: boolean }> {
    const session = this.#ctx.require();
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
      await this.#ctx.saveKeyring(session);
    }
    return { version: current.version, changed: added.length > 0 };
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
    const session = this.#ctx.require();
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
    const session = this.#ctx.require();
    const prepared = session.pendingRemoval;
    if (!prepared) throw new VaultError('bad-input', 'No removal to activate');
    session.keyring = activateRemoval(session.keyring, prepared);
    session.pendingRemoval = undefined;
    await this.#ctx.saveKeyring(session);
    return summarize(session);
  }

  /**
   * Takes new epoch keys granted to this device (from the practice index), after the member list
   * that names their granter as admin has been learned (updateMemberLists).
   * @throws CryptoError('bad-grant')
   */
  async acceptRotation(input: {
    grants: GrantJson[];
  }): Promise<{ changed: boolean; removed: boolean }> {
    const session = this.#ctx.require();
    const grants = (Array.isArray(input?.grants) ? input.grants : []).map(grantFromJson);
    const next = acceptRotation(session.keyring, grants);
    if (next) {
      session.keyring = next;
      await this.#ctx.saveKeyring(session);
    }
    return { changed: next !== null, removed: isRemoved(session.keyring) };
  }
}

/**
 * The member list chain with one more version adding `entry`, signed by this admin.
 * @throws CryptoError from verifyNext (a list this admin may not sign)
 */
export function extendList(
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

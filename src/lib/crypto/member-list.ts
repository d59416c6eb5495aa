/**
 * The practice member list (docs/design.md §7; docs/spec/envelope.md §10): who may write, as a
 * signed, hash-chained sequence. Version n+1 names the BLAKE2b-256 hash of version n and is signed
 * by a member who is an admin in version n; version 0 is signed by the founding admin (the trust
 * anchor every device records when it joins). Removing a device keeps its entry with the last
 * seq accepted from it, so its earlier edits stay valid and later ones are refused.
 *
 * Invariants: a device never accepts a list that does not chain to the one it holds; versions
 * only grow (no rollback); two different lists with the same version are a fork (an alarm).
 */
import { concat, fromBase64Url, lp, toBase64Url, toHex, utf8 } from './bytes';
import type { ChainHeads } from './chain';
import { CryptoError } from './errors';
import type { KeyPair } from './keys';
import { sodium } from './sodium';

export type MemberRole = 'admin' | 'clinician' | 'front-desk';

export interface MemberEntry {
  /** Member (person) signing key, base64url. */
  member: string;
  /** Member X25519 key, base64url. */
  memberBox: string;
  /** Device signing key, base64url. */
  device: string;
  /** Device X25519 key, base64url (grants are sealed to it). */
  deviceBox: string;
  name: string;
  deviceName: string;
  role: MemberRole;
  addedBy: string;
  addedAt: string;
  /**
   * Set when removed: the last seq accepted from this (member, device) and — in version-2 lists —
   * the heads of its envelope chain in each document (chain.ts; docs/spec/envelope.md §10.3):
   * only envelopes on that chain up to a head are accepted. Without `heads` (a removal signed in
   * a version-1 list), every seq up to `lastSeq` is.
   */
  removed?: { at: string; lastSeq: number; heads?: ChainHeads };
}

/** The list format this code signs; version-1 lists still verify. */
export const LIST_VERSION = 2;

export interface MemberList {
  v: 1 | 2;
  practiceId: string;
  version: number;
  /** Hex BLAKE2b-256 of the previous version's signed bytes; '' for version 0. */
  prev: string;
  entries: MemberEntry[];
  signer: string;
  signature: string;
}

const TAGS: Record<number, Uint8Array> = {
  1: utf8('folio/member-list/v1'),
  2: utf8('folio/member-list/v2'),
};

/** Canonical text of a removal: `at|lastSeq`, and in version 2 `|doc=head,head;doc=…` (sorted). */
function removalText(removed: MemberEntry['removed']): string {
  if (!removed) return '';
  const base = `${removed.at}|${removed.lastSeq}`;
  if (removed.heads === undefined) return base;
  const docs = Object.keys(removed.heads).sort();
  return `${base}|${docs.map((d) => `${d}=${[...removed.heads![d]!].sort().join(',')}`).join(';')}`;
}

/** The exact bytes a list's signature covers (fixed field order, length-prefixed). */
export function memberListBytes(list: Omit<MemberList, 'signature'>): Uint8Array {
  const entries = list.entries.map((e) =>
    lp(
      utf8(e.member),
      utf8(e.memberBox),
      utf8(e.device),
      utf8(e.deviceBox),
      utf8(e.name),
      utf8(e.deviceName),
      utf8(e.role),
      utf8(e.addedBy),
      utf8(e.addedAt),
      utf8(removalText(e.removed)),
    ),
  );
  const tag = TAGS[list.v];
  if (!tag) throw new CryptoError('bad-record', 'member list version');
  return concat(
    tag,
    lp(
      utf8(String(list.v)),
      utf8(list.practiceId),
      utf8(String(list.version)),
      utf8(list.prev),
      ...entries,
      utf8(list.signer),
    ),
  );
}

export function memberListHash(list: MemberList): string {
  return toHex(sodium().crypto_generichash(32, memberListBytes(list), null));
}

/** Signs a list body with an admin's member key. */
export function signMemberList(
  body: Omit<MemberList, 'signature' | 'signer'>,
  admin: KeyPair,
): MemberList {
  const unsigned = { ...body, signer: toBase64Url(admin.publicKey) };
  const signature = sodium().crypto_sign_detached(memberListBytes(unsigned), admin.privateKey);
  return { ...unsigned, signature: toBase64Url(signature) };
}

/** The first list of a practice, signed by its founding admin. */
export function foundingList(options: {
  practiceId: string;
  admin: KeyPair;
  entry: Omit<MemberEntry, 'addedBy' | 'role' | 'removed'>;
  at: string;
}): MemberList {
  const addedBy = toBase64Url(options.admin.publicKey);
  return signMemberList(
    {
      v: LIST_VERSION,
      practiceId: options.practiceId,
      version: 0,
      prev: '',
      entries: [{ ...options.entry, role: 'admin', addedBy, addedAt: options.at }],
    },
    options.admin,
  );
}

const ROLES: readonly string[] = ['admin', 'clinician', 'front-desk'];
const str = (x: unknown): x is string => typeof x === 'string';
const DOC_ID = /^[A-Za-z0-9_-]{22}$/;
const LINK = /^[A-Za-z0-9_-]{43}$/;

/** Heads: an object of document ids to non-empty arrays of distinct links. */
function wellFormedHeads(heads: unknown): boolean {
  if (!heads || typeof heads !== 'object' || Array.isArray(heads)) return false;
  return Object.entries(heads).every(
    ([doc, links]) =>
      DOC_ID.test(doc) &&
      Array.isArray(links) &&
      links.length > 0 &&
      links.every((l) => str(l) && LINK.test(l)) &&
      new Set(links).size === links.length,
  );
}

function wellFormedRemoval(removed: unknown, v: number): boolean {
  if (removed === undefined) return true;
  if (!removed || typeof removed !== 'object') return false;
  const r = removed as { at?: unknown; lastSeq?: unknown; heads?: unknown };
  if (!str(r.at) || !Number.isSafeInteger(r.lastSeq)) return false;
  if (r.heads === undefined) return true;
  return v >= 2 && wellFormedHeads(r.heads);
}

/** Shape check before anything reads the list (untrusted input from peers and the relay). */
function wellFormed(list: MemberList): boolean {
  if (!list || typeof list !== 'object') return false;
  if (list.v !== 1 && list.v !== 2) return false;
  if (!Number.isInteger(list.version) || list.version < 0) return false;
  if (![list.practiceId, list.prev, list.signer, list.signature].every(str)) return false;
  if (!Array.isArray(list.entries)) return false;
  return list.entries.every(
    (e) =>
      e !== null &&
      typeof e === 'object' &&
      [
        e.member,
        e.memberBox,
        e.device,
        e.deviceBox,
        e.name,
        e.deviceName,
        e.addedBy,
        e.addedAt,
      ].every(str) &&
      ROLES.includes(e.role) &&
      wellFormedRemoval(e.removed, list.v),
  );
}

function activeAdmin(list: MemberList, member: string): boolean {
  return list.entries.some((e) => e.member === member && e.role === 'admin' && !e.removed);
}

function verifySignature(list: MemberList): void {
  let ok = false;
  try {
    ok = sodium().crypto_sign_verify_detached(
      fromBase64Url(list.signature),
      memberListBytes(list),
      fromBase64Url(list.signer),
    );
  } catch {
    ok = false;
  }
  if (!ok) throw new CryptoError('bad-signature', 'member list');
}

/**
 * Checks that `next` may follow `current` (or, for version 0, that it is signed by `anchor`).
 * @throws CryptoError('bad-signature' | 'bad-record' | 'replayed' | 'equivocation' | 'unknown-author')
 */
export function verifyNext(current: MemberList | null, next: MemberList, anchor: string): void {
  if (!wellFormed(next)) throw new CryptoError('bad-record', 'member list');
  verifySignature(next);
  if (current === null) {
    if (
      next.version !== 0 ||
      next.prev !== '' ||
      next.signer !== anchor ||
      !activeAdmin(next, anchor)
    ) {
      throw new CryptoError(
        'unknown-author',
        'the first member list must come from the founding admin',
      );
    }
    return;
  }
  if (next.practiceId !== current.practiceId)
    throw new CryptoError('bad-record', 'another practice');
  if (next.v < current.v) throw new CryptoError('bad-record', 'a list format never goes back');
  if (next.version <= current.version) {
    if (next.version === current.version && memberListHash(next) !== memberListHash(current)) {
      throw new CryptoError('equivocation', `two member lists with version ${next.version}`);
    }
    throw new CryptoError('replayed', 'member lists never roll back');
  }
  if (next.version !== current.version + 1 || next.prev !== memberListHash(current)) {
    throw new CryptoError('bad-record', 'member list does not chain to the one held');
  }
  if (!activeAdmin(current, next.signer))
    throw new CryptoError('unknown-author', 'signer is not an admin');
  // Removal is permanent, and what it recorded (last seq, chain heads) never changes.
  for (const old of current.entries.filter((e) => e.removed)) {
    const same = next.entries.find((e) => e.member === old.member && e.device === old.device);
    if (!same?.removed || removalText(same.removed) !== removalText(old.removed)) {
      throw new CryptoError('bad-record', 'a removal cannot be undone');
    }
  }
}

/**
 * Whether (member, device) may have written `seq` under this list.
 * @throws CryptoError('unknown-author' | 'revoked')
 */
export function authorize(
  list: MemberList,
  author: { member: string; device: string },
  seq: number,
): MemberEntry {
  const entry = list.entries.find((e) => e.member === author.member && e.device === author.device);
  if (!entry) throw new CryptoError('unknown-author');
  if (entry.removed && seq > entry.removed.lastSeq) throw new CryptoError('revoked');
  return entry;
}

/** A reason a candidate list was not taken, and how many candidates had it. */
export interface Refusal {
  code: string;
  count: number;
}

/** Counts refusals by code (for sync warnings). */
export function countRefusals(codes: string[]): Refusal[] {
  const counts = new Map<string, number>();
  for (const code of codes) counts.set(code, (counts.get(code) ?? 0) + 1);
  return [...counts].map(([code, count]) => ({ code, count }));
}

function codeOf(error: unknown): string {
  return error instanceof CryptoError ? error.code : 'bad-record';
}

function safeHash(list: unknown): string | null {
  try {
    return wellFormed(list as MemberList) ? memberListHash(list as MemberList) : null;
  } catch {
    return null;
  }
}

/**
 * Chooses, among untrusted candidate lists (anything anyone wrote in the practice index), the
 * chain that extends `held`: from the newest held list, the one candidate whose `prev` is its hash
 * and that verifies (signed by an admin of the list before it); then the one after that, and so
 * on. Candidates are keyed by hash, never by version, so junk at a version hides nothing. Lists
 * already held are skipped; everything else that is not taken is refused with a code: junk and
 * forgeries (`bad-record`, `bad-signature`, `unknown-author`), an older list that is not the one
 * held (`replayed`), and two verifying lists after the same one (`equivocation`: a fork signed by
 * admins, an alarm; neither is taken and the chain stops there). Never throws.
 */
export function chooseLists(
  held: readonly MemberList[],
  candidates: readonly unknown[],
  anchor: string,
): { added: MemberList[]; refused: Refusal[] } {
  const heldHashes = new Set(held.map(memberListHash));
  const byHash = new Map<string, MemberList>();
  const codes: string[] = [];
  for (const candidate of candidates) {
    const hash = safeHash(candidate);
    if (hash === null) codes.push('bad-record');
    else if (!heldHashes.has(hash)) byHash.set(hash, candidate as MemberList);
  }
  const added: MemberList[] = [];
  let current = held[held.length - 1]!;
  for (;;) {
    const currentHash = memberListHash(current);
    const verifying: [string, MemberList][] = [];
    for (const [hash, list] of byHash) {
      if (list.prev !== currentHash) continue;
      try {
        verifyNext(current, list, anchor);
        verifying.push([hash, list]);
      } catch (error) {
        codes.push(codeOf(error));
        byHash.delete(hash);
      }
    }
    if (verifying.length !== 1) {
      for (const [hash] of verifying) {
        codes.push('equivocation');
        byHash.delete(hash);
      }
      break;
    }
    const [hash, list] = verifying[0]!;
    byHash.delete(hash);
    added.push(list);
    current = list;
  }
  // What is left does not extend the chosen chain.
  const chain = [...held, ...added];
  for (const list of byHash.values()) {
    const before = chain.find((l) => memberListHash(l) === list.prev);
    if (!before) {
      codes.push(list.version <= current.version ? 'replayed' : 'bad-record');
      continue;
    }
    try {
      verifyNext(before, list, anchor);
      codes.push('equivocation');
    } catch (error) {
      codes.push(codeOf(error));
    }
  }
  return { added, refused: countRefusals(codes) };
}

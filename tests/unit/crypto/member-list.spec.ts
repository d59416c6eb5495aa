import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  authorize,
  chooseLists,
  CryptoError,
  foundingList,
  generateIdentity,
  loadSodium,
  memberListHash,
  signMemberList,
  toBase64Url,
  verifyNext,
  type Identity,
  type MemberEntry,
  type MemberList,
} from '../../../src/lib/crypto/index.ts';
import { code } from './codes.ts';

let ada: Identity;
let bob: Identity;
let laptop: Identity;
let tablet: Identity;
let v0: MemberList;
let v1: MemberList;
const b64 = (i: Identity) => toBase64Url(i.sign.publicKey);
const box = (i: Identity) => toBase64Url(i.box.publicKey);

function entry(
  member: Identity,
  device: Identity,
  name: string,
  role: MemberEntry['role'],
  by: Identity,
): MemberEntry {
  return {
    member: b64(member),
    memberBox: box(member),
    device: b64(device),
    deviceBox: box(device),
    name,
    deviceName: 'dev',
    role,
    addedBy: b64(by),
    addedAt: '2026-11-22T10:00:00Z',
  };
}

beforeAll(async () => {
  await loadSodium();
  [ada, bob, laptop, tablet] = [
    generateIdentity(),
    generateIdentity(),
    generateIdentity(),
    generateIdentity(),
  ];
  v0 = foundingList({
    practiceId: 'p1',
    admin: ada.sign,
    entry: {
      member: b64(ada),
      memberBox: box(ada),
      device: b64(laptop),
      deviceBox: box(laptop),
      name: 'Ada',
      deviceName: 'Laptop',
      addedAt: 'now',
    },
    at: 'now',
  });
  v1 = signMemberList(
    {
      v: 2,
      practiceId: 'p1',
      version: 1,
      prev: memberListHash(v0),
      entries: [...v0.entries, entry(bob, tablet, 'Bob', 'clinician', ada)],
    },
    ada.sign,
  );
});

describe('member lists', () => {
  it('start from the founding admin and chain by hash', () => {
    expect(code(() => verifyNext(null, v0, b64(ada)))).toBe('no-error');
    expect(code(() => verifyNext(null, v0, b64(bob)))).toBe('unknown-author');
    expect(code(() => verifyNext(v0, v1, b64(ada)))).toBe('no-error');
  });

  it('refuse any change to a signed list', () => {
    const fields = ['practiceId', 'prev', 'signer'] as const;
    fc.assert(
      fc.property(
        fc.constantFrom(...fields),
        fc.string({ minLength: 1, maxLength: 5 }),
        (field, junk) => {
          const tampered = { ...v1, [field]: v1[field] + junk };
          expect(code(() => verifyNext(v0, tampered, b64(ada)))).not.toBe('no-error');
        },
      ),
    );
    const renamed = {
      ...v1,
      entries: v1.entries.map((e, i) => (i === 1 ? { ...e, role: 'admin' as const } : e)),
    };
    expect(code(() => verifyNext(v0, renamed, b64(ada)))).toBe('bad-signature');
  });

  it('never roll back, detect forks, and refuse lists that skip a version or do not chain', () => {
    expect(code(() => verifyNext(v1, v0, b64(ada)))).toBe('replayed');
    const fork = signMemberList(
      { v: 2, practiceId: 'p1', version: 1, prev: memberListHash(v0), entries: v0.entries },
      ada.sign,
    );
    expect(code(() => verifyNext(v1, fork, b64(ada)))).toBe('equivocation');
    const skip = signMemberList(
      { v: 2, practiceId: 'p1', version: 3, prev: memberListHash(v1), entries: v1.entries },
      ada.sign,
    );
    expect(code(() => verifyNext(v1, skip, b64(ada)))).toBe('bad-record');
    const unchained = signMemberList(
      { v: 2, practiceId: 'p1', version: 2, prev: memberListHash(v0), entries: v1.entries },
      ada.sign,
    );
    expect(code(() => verifyNext(v1, unchained, b64(ada)))).toBe('bad-record');
  });

  it('accept changes only from an admin of the previous version', () => {
    const byBob = signMemberList(
      { v: 2, practiceId: 'p1', version: 2, prev: memberListHash(v1), entries: v1.entries },
      bob.sign,
    );
    expect(code(() => verifyNext(v1, byBob, b64(ada)))).toBe('unknown-author');
  });

  it('keep a removed device’s earlier edits valid, refuse its later ones, and never undo a removal', () => {
    const removed = v1.entries.map((e) =>
      e.member === b64(bob) ? { ...e, removed: { at: 'later', lastSeq: 41 } } : e,
    );
    const v2 = signMemberList(
      { v: 2, practiceId: 'p1', version: 2, prev: memberListHash(v1), entries: removed },
      ada.sign,
    );
    expect(code(() => verifyNext(v1, v2, b64(ada)))).toBe('no-error');
    expect(authorize(v2, { member: b64(bob), device: b64(tablet) }, 41).name).toBe('Bob');
    expect(code(() => authorize(v2, { member: b64(bob), device: b64(tablet) }, 42))).toBe(
      'revoked',
    );
    expect(code(() => authorize(v2, { member: b64(bob), device: b64(laptop) }, 1))).toBe(
      'unknown-author',
    );
    const undone = signMemberList(
      { v: 2, practiceId: 'p1', version: 3, prev: memberListHash(v2), entries: v1.entries },
      ada.sign,
    );
    expect(code(() => verifyNext(v2, undone, b64(ada)))).toBe('bad-record');
    const moreSeq = signMemberList(
      {
        v: 2,
        practiceId: 'p1',
        version: 3,
        prev: memberListHash(v2),
        entries: removed.map((e) => (e.removed ? { ...e, removed: { at: 'x', lastSeq: 99 } } : e)),
      },
      ada.sign,
    );
    expect(code(() => verifyNext(v2, moreSeq, b64(ada)))).toBe('bad-record');
  });

  it('reject malformed lists without throwing anything but CryptoError', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('v', 'version', 'entries', 'signer', 'signature', 'prev', 'practiceId'),
        fc.anything(),
        fc.option(fc.anything()),
        (field, value, entryJunk) => {
          fc.pre(entryJunk !== null || JSON.stringify(value) !== JSON.stringify(v1[field]));
          const list = { ...v1, [field]: value } as MemberList;
          if (entryJunk !== null && field !== 'entries') {
            list.entries = [...v1.entries, entryJunk as MemberEntry];
          }
          expect(code(() => verifyNext(v0, list, b64(ada)))).not.toBe('no-error');
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('member lists under random additions and removals', () => {
  type Op =
    | { add: MemberEntry['role']; signer: number }
    | { remove: number; lastSeq: number; signer: number };
  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.record({
      add: fc.constantFrom<MemberEntry['role']>('admin', 'clinician', 'front-desk'),
      signer: fc.nat(),
    }),
    fc.record({ remove: fc.nat(), lastSeq: fc.integer({ min: -1, max: 50 }), signer: fc.nat() }),
  );

  it('keep the verifyNext chain valid and authorize() consistent with the list', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 10 }), fc.integer({ min: 0, max: 60 }), (ops, seq) => {
        // Model: every entry ever added with its signing keys; removal recorded as in the list.
        const keys = new Map<string, Identity>([[b64(ada), ada]]);
        const chain: MemberList[] = [v0];
        const activeAdmins = (l: MemberList) =>
          l.entries.filter((e) => e.role === 'admin' && !e.removed);
        for (const o of ops) {
          const current = chain.at(-1)!;
          const admins = activeAdmins(current);
          const signer = keys.get(admins[o.signer % admins.length]!.member)!;
          let entries = current.entries;
          if ('add' in o) {
            const [member, device] = [generateIdentity(), generateIdentity()];
            keys.set(b64(member), member);
            entries = [...entries, entry(member, device, 'x', o.add, signer)];
          } else {
            const active = entries.filter((e) => !e.removed);
            const target = active[o.remove % active.length]!;
            const left = active.filter((e) => e !== target);
            // The rules removeMember enforces: never the signer itself, never the last admin.
            if (target.member === b64(signer) || !left.some((e) => e.role === 'admin')) continue;
            entries = entries.map((e) =>
              e === target ? { ...e, removed: { at: 'then', lastSeq: o.lastSeq } } : e,
            );
          }
          const body = {
            v: 2 as const,
            practiceId: 'p1',
            version: current.version + 1,
            prev: memberListHash(current),
            entries,
          };
          const next = signMemberList(body, signer.sign);
          expect(code(() => verifyNext(current, next, b64(ada)))).toBe('no-error');
          // The same change signed by a non-admin, or rolled back, is refused.
          const outsider = [...keys.values()].find(
            (k) => !activeAdmins(current).some((e) => e.member === b64(k)),
          );
          if (outsider) {
            const forged = signMemberList(body, outsider.sign);
            expect(code(() => verifyNext(current, forged, b64(ada)))).toBe('unknown-author');
          }
          expect(code(() => verifyNext(next, current, b64(ada)))).toBe('replayed');
          chain.push(next);
        }
        // The whole chain verifies from the trust anchor.
        let held: MemberList | null = null;
        for (const list of chain) {
          expect(code(() => verifyNext(held, list, b64(ada)))).toBe('no-error');
          held = list;
        }
        // authorize() says exactly what the newest list says, at any seq.
        const newest = chain.at(-1)!;
        for (const e of newest.entries) {
          const expected = e.removed && seq > e.removed.lastSeq ? 'revoked' : 'no-error';
          expect(code(() => authorize(newest, e, seq))).toBe(expected);
          expect(code(() => authorize(newest, { member: e.member, device: b64(ada) }, seq))).toBe(
            e.device === b64(ada) ? expected : 'unknown-author',
          );
        }
        expect(code(() => authorize(newest, { member: b64(bob), device: b64(tablet) }, 0))).toBe(
          'unknown-author',
        );
      }),
      { numRuns: 40 },
    );
  });
});

describe('member list formats', () => {
  const link = (n: number) => toBase64Url(new Uint8Array(32).fill(n));
  const doc = toBase64Url(new Uint8Array(16).fill(1));

  it('version-1 lists stored before chains still verify, apply the seq rule, and extend to version 2 (never back)', () => {
    const old0 = signMemberList({ ...v0, v: 1 }, ada.sign);
    const legacy = v1.entries.map((e) =>
      e.member === b64(bob) ? { ...e, removed: { at: 'then', lastSeq: 9 } } : e,
    );
    const old1 = signMemberList(
      { v: 1, practiceId: 'p1', version: 1, prev: memberListHash(old0), entries: legacy },
      ada.sign,
    );
    expect(code(() => verifyNext(null, old0, b64(ada)))).toBe('no-error');
    expect(code(() => verifyNext(old0, old1, b64(ada)))).toBe('no-error');
    expect(code(() => authorize(old1, { member: b64(bob), device: b64(tablet) }, 9))).toBe(
      'no-error',
    );
    const body = { practiceId: 'p1', version: 2, prev: memberListHash(old1) };
    const next = signMemberList({ ...body, v: 2, entries: legacy }, ada.sign);
    expect(code(() => verifyNext(old1, next, b64(ada)))).toBe('no-error');
    // Back to version 1, or heads added to a removal recorded without them: refused.
    const back = signMemberList(
      { v: 1, practiceId: 'p1', version: 3, prev: memberListHash(next), entries: legacy },
      ada.sign,
    );
    expect(code(() => verifyNext(next, back, b64(ada)))).toBe('bad-record');
    const withHeads = legacy.map((e) =>
      e.removed ? { ...e, removed: { ...e.removed, heads: { [doc]: [link(1)] } } } : e,
    );
    const rewritten = signMemberList(
      { v: 2, practiceId: 'p1', version: 3, prev: memberListHash(next), entries: withHeads },
      ada.sign,
    );
    expect(code(() => verifyNext(next, rewritten, b64(ada)))).toBe('bad-record');
    // Heads exist only in version 2.
    const v1Heads = signMemberList({ ...body, v: 1, entries: withHeads }, ada.sign);
    expect(code(() => verifyNext(old1, v1Heads, b64(ada)))).toBe('bad-record');
  });

  it('heads are signed: changing, adding or dropping one breaks the signature', () => {
    const removed = v1.entries.map((e) =>
      e.member === b64(bob)
        ? { ...e, removed: { at: 'now', lastSeq: 5, heads: { [doc]: [link(1), link(2)] } } }
        : e,
    );
    const v2 = signMemberList(
      { v: 2, practiceId: 'p1', version: 2, prev: memberListHash(v1), entries: removed },
      ada.sign,
    );
    expect(code(() => verifyNext(v1, v2, b64(ada)))).toBe('no-error');
    for (const heads of [{ [doc]: [link(1)] }, { [doc]: [link(1), link(3)] }, {}]) {
      const changed = {
        ...v2,
        entries: v2.entries.map((e) =>
          e.removed ? { ...e, removed: { ...e.removed, heads } } : e,
        ),
      };
      expect(code(() => verifyNext(v1, changed, b64(ada)))).toBe('bad-signature');
    }
  });

  it('decoder: 10,000 generated candidates (random JSON, or a valid list with a field replaced) verify only when unchanged, else a CryptoError', () => {
    const valid = v1;
    const fields = Object.keys(valid) as (keyof MemberList)[];
    const entryFields = Object.keys(valid.entries[1]!) as (keyof MemberEntry)[];
    const junk = fc.oneof(
      fc.anything({ maxDepth: 2 }),
      fc.string({ maxLength: 8 }),
      fc.integer(),
      fc.constant(undefined),
    );
    const replaced = fc
      .tuple(fc.constantFrom(...fields), junk)
      .map(([field, value]) => ({ ...valid, [field]: value }));
    const entryReplaced = fc
      .tuple(fc.constantFrom(...entryFields, 'removed' as const), junk)
      .map(([field, value]) => ({
        ...valid,
        entries: [valid.entries[0], { ...valid.entries[1], [field]: value }],
      }));
    const removal = fc
      .record({ at: junk, lastSeq: junk, heads: fc.oneof(junk, fc.dictionary(fc.string(), junk)) })
      .map((removed) => ({
        ...valid,
        entries: [valid.entries[0], { ...valid.entries[1], removed }],
      }));
    fc.assert(
      fc.property(fc.oneof(junk, replaced, entryReplaced, removal), (candidate) => {
        let ok = false;
        try {
          verifyNext(v0, candidate as MemberList, b64(ada));
          ok = true;
        } catch (error) {
          expect(error).toBeInstanceOf(CryptoError);
        }
        if (ok) expect(memberListHash(candidate as MemberList)).toBe(memberListHash(valid));
        // Choosing among candidates never throws either.
        expect(chooseLists([v0], [candidate], b64(ada)).added.length).toBe(ok ? 1 : 0);
      }),
      { numRuns: 10_000 },
    );
  });
});

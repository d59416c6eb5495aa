/**
 * List choice (src/lib/crypto/member-list.ts `chooseLists`; docs/spec/envelope.md §10) as a
 * property: whatever a practice index holds next to the real chain — lists signed by members who
 * are not admins, tampered copies, rolled-back lists, lists by outsiders, random JSON, duplicates —
 * in any order, a device that holds a prefix of the real chain takes exactly the rest of it, and
 * every other distinct candidate is refused with a code (never thrown).
 */
import fc from 'fast-check';
import { beforeAll, expect, it } from 'vitest';
import {
  chooseLists,
  foundingList,
  generateIdentity,
  loadSodium,
  memberListHash,
  signMemberList,
  toBase64Url,
  type Identity,
  type MemberEntry,
  type MemberList,
} from '../../../src/lib/crypto/index.ts';

let admin: Identity;
let deputy: Identity;
let desk: Identity;
const b64 = (i: Identity) => toBase64Url(i.sign.publicKey);
const entry = (i: Identity, role: MemberEntry['role']): MemberEntry => ({
  member: b64(i),
  memberBox: toBase64Url(i.box.publicKey),
  device: b64(i),
  deviceBox: toBase64Url(i.box.publicKey),
  name: role,
  deviceName: 'd',
  role,
  addedBy: b64(admin),
  addedAt: 'then',
});

beforeAll(async () => {
  await loadSodium();
  [admin, deputy, desk] = [generateIdentity(), generateIdentity(), generateIdentity()];
});

/** A real chain of `length` lists, each signed by an admin of the one before. */
function realChain(length: number): MemberList[] {
  const chain = [
    foundingList({
      practiceId: 'p',
      admin: admin.sign,
      entry: { ...entry(admin, 'admin'), addedAt: 'then' },
      at: 'then',
    }),
  ];
  const people = [entry(deputy, 'admin'), entry(desk, 'front-desk')];
  for (let v = 1; v < length; v++) {
    const prev = chain.at(-1)!;
    const extra = { ...entry(generateIdentity(), 'clinician'), name: `c${v}` };
    const entries = v === 1 ? [...prev.entries, ...people] : [...prev.entries, extra];
    chain.push(
      signMemberList(
        { v: 2, practiceId: 'p', version: v, prev: memberListHash(prev), entries },
        v % 2 === 0 && v > 1 ? deputy.sign : admin.sign,
      ),
    );
  }
  return chain;
}

type Junk = 'desk' | 'outsider' | 'tampered' | 'json' | 'skip' | 'old-fork';

it('takes exactly the rest of the real chain and refuses every other candidate, in any order', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 2, max: 6 }),
      fc.nat(),
      fc.array(
        fc.record({
          kind: fc.constantFrom<Junk>('desk', 'outsider', 'tampered', 'json', 'skip', 'old-fork'),
          at: fc.nat(),
          value: fc.anything({ maxDepth: 1 }),
        }),
        { maxLength: 8 },
      ),
      fc.array(fc.nat(), { maxLength: 30 }),
      fc.boolean(),
      (length, heldAt, junkSpecs, shuffle, duplicate) => {
        const chain = realChain(length);
        const held = chain.slice(0, 1 + (heldAt % length));
        const junk: unknown[] = junkSpecs.map(({ kind, at, value }) => {
          const base = chain[at % chain.length]!;
          const body = {
            v: 2 as const,
            practiceId: 'p',
            version: base.version + 1,
            prev: memberListHash(base),
            entries: base.entries,
          };
          switch (kind) {
            case 'desk': // a front-desk member signs a list at the next version
              return signMemberList(body, desk.sign);
            case 'outsider':
              return signMemberList(body, generateIdentity().sign);
            case 'tampered':
              return { ...base, entries: base.entries.slice(0, 1) };
            case 'json':
              return value;
            case 'skip': // chains to nothing held
              return signMemberList({ ...body, prev: 'ab'.repeat(32) }, admin.sign);
            case 'old-fork': // an old list re-signed differently by a non-admin
              return signMemberList({ ...body, version: base.version, prev: base.prev }, desk.sign);
          }
        });
        const candidates: unknown[] = [...chain, ...junk, ...(duplicate ? chain : [])];
        shuffle.forEach((s, i) => {
          const a = i % candidates.length;
          const b = s % candidates.length;
          [candidates[a], candidates[b]] = [candidates[b], candidates[a]];
        });
        const { added, refused } = chooseLists(held, candidates, b64(admin));
        expect(added.map(memberListHash)).toEqual(chain.slice(held.length).map(memberListHash));
        // Every distinct junk candidate is refused once (malformed ones each); nothing real is.
        const real = new Set(chain.map(memberListHash));
        const wellFormedJunk = new Set<string>();
        let malformed = 0;
        junk.forEach((j, i) => {
          if (junkSpecs[i]!.kind === 'json') malformed++;
          else if (!real.has(memberListHash(j as MemberList)))
            wellFormedJunk.add(memberListHash(j as MemberList));
        });
        const total = refused.reduce((n, r) => n + r.count, 0);
        expect(total).toBe(malformed + wellFormedJunk.size);
        for (const r of refused) expect(r.code).not.toBe('equivocation');
      },
    ),
    { numRuns: 100 },
  );
});

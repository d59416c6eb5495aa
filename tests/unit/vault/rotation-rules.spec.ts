import { beforeAll, expect, it } from 'vitest';
import {
  foundingList,
  generateIdentity,
  generateKey,
  grantKey,
  loadSodium,
  memberListHash,
  signMemberList,
  toBase64Url,
  type Identity,
  type KeyGrant,
  type MemberEntry,
  type MemberList,
} from '../../../src/lib/crypto/index.ts';
import type { Keyring } from '../../../src/lib/vault/keyring.ts';
import { acceptRotation, prepareRemoval } from '../../../src/lib/vault/rotation.ts';

/**
 * The grant rules of rotation.ts on hand-built keyrings, where the test holds every private key
 * (a vault never gives one out): who may grant, and who takes.
 */
beforeAll(loadSodium);

const b64 = (i: Identity) => toBase64Url(i.sign.publicKey);
interface Person {
  member: Identity;
  device: Identity;
  role: MemberEntry['role'];
}
const person = (role: MemberEntry['role']): Person => ({
  member: generateIdentity(),
  device: generateIdentity(),
  role,
});
const entryOf = (p: Person, by: Person): MemberEntry => ({
  member: b64(p.member),
  memberBox: toBase64Url(p.member.box.publicKey),
  device: b64(p.device),
  deviceBox: toBase64Url(p.device.box.publicKey),
  name: p.role,
  deviceName: 'd',
  role: p.role,
  addedBy: b64(by.member),
  addedAt: 'then',
});

function next(list: MemberList, entries: MemberEntry[], by: Person): MemberList {
  return signMemberList(
    { v: 1, practiceId: 'p', version: list.version + 1, prev: memberListHash(list), entries },
    by.member.sign,
  );
}

function keyringOf(p: Person, lists: MemberList[]): Keyring {
  return {
    v: 1,
    member: { name: 'x', role: p.role, identity: p.member },
    device: { name: 'd', identity: p.device },
    practice: {
      id: 'p',
      name: 'P',
      indexDocId: new Uint8Array(16),
      keys: [{ epoch: 0, key: generateKey() }],
    },
    clinical: p.role === 'front-desk' ? [] : [{ epoch: 0, key: generateKey() }],
    anchor: lists[0]!.signer,
    memberLists: lists,
    prefs: { autoLockMinutes: 10 },
  };
}

const grant = (by: Person, to: Person, kind: 'practice' | 'clinical', epoch = 1): KeyGrant =>
  grantKey({
    kind,
    keyId: 'p',
    epoch,
    key: generateKey(),
    recipientBoxKey: to.device.box.publicKey,
    granter: by.member.sign,
  });

/** Founding admin X; v1 adds admin W, clinician Y, clinician Z and front desk F. */
function practice() {
  const [x, w, y, z, f] = [
    person('admin'),
    person('admin'),
    person('clinician'),
    person('clinician'),
    person('front-desk'),
  ];
  const v0 = foundingList({
    practiceId: 'p',
    admin: x.member.sign,
    entry: { ...entryOf(x, x), addedAt: 'then' },
    at: 'then',
  });
  const v1 = next(v0, [...v0.entries, ...[w, y, z, f].map((p) => entryOf(p, x))], x);
  return { x, w, y, z, f, lists: [v0, v1] };
}

it('takes a grant only from an active admin of the newest list', () => {
  const { x, w, y, z, lists } = practice();
  const ring = keyringOf(z, lists);
  const refused = { keyring: null, refused: [{ code: 'bad-grant', count: 1 }] };
  // A listed member who is not an admin.
  expect(acceptRotation(ring, [grant(y, z, 'practice')])).toMatchObject(refused);
  // Someone not listed at all.
  expect(acceptRotation(ring, [grant(person('admin'), z, 'practice')])).toMatchObject(refused);
  expect(acceptRotation(ring, [grant(x, z, 'practice')]).newEpochs).toEqual({
    practice: [1],
    clinical: [],
  });
  // Once W removes X, X's grants are refused and W's are taken.
  const v2 = next(
    lists[1]!,
    lists[1]!.entries.map((e) =>
      e.member === b64(x.member) ? { ...e, removed: { at: 'now', lastSeq: 3 } } : e,
    ),
    w,
  );
  const after = keyringOf(z, [...lists, v2]);
  expect(acceptRotation(after, [grant(x, z, 'clinical')])).toMatchObject(refused);
  const taken = acceptRotation(after, [grant(x, z, 'clinical'), grant(w, z, 'clinical')]);
  expect(taken.newEpochs).toEqual({ practice: [], clinical: [1] });
  expect(taken.keyring!.clinical.map((k) => k.epoch)).toEqual([0, 1]);
});

it('gives a removed device and front desk nothing they should not hold', () => {
  const { x, y, f, lists } = practice();
  const v2 = next(
    lists[1]!,
    lists[1]!.entries.map((e) =>
      e.member === b64(y.member) ? { ...e, removed: { at: 'now', lastSeq: 0 } } : e,
    ),
    x,
  );
  // Even a valid grant addressed to a removed device is not taken.
  const removed = keyringOf(y, [...lists, v2]);
  expect(acceptRotation(removed, [grant(x, y, 'practice'), grant(x, y, 'clinical')])).toEqual({
    keyring: null,
    newEpochs: { practice: [], clinical: [] },
    refused: [],
  });
  // Front desk takes the practice key and skips the clinical one.
  const desk = keyringOf(f, lists);
  const taken = acceptRotation(desk, [grant(x, f, 'practice'), grant(x, f, 'clinical')]);
  expect(taken.newEpochs).toEqual({ practice: [1], clinical: [] });
  expect(taken.keyring!.clinical).toEqual([]);
  // A removal grants front desk no clinical key either.
  const prepared = prepareRemoval(keyringOf(x, lists), { member: b64(y.member) }, {}, 'now');
  const toDesk = prepared.grants.filter(
    (g) => toBase64Url(g.recipient) === toBase64Url(f.device.box.publicKey),
  );
  expect(toDesk.map((g) => `${g.kind}:${g.epoch}`)).toEqual(['practice:0', 'practice:1']);
  expect(
    prepared.grants.some((g) => toBase64Url(g.recipient) === toBase64Url(y.device.box.publicKey)),
  ).toBe(false);
});

/**
 * Attack: a relay in the middle of a pairing that has also learned the link (a link forwarded
 * by chat or e-mail, a photographed QR code) can open and re-seal the mailbox messages. It
 * rewrites the new device's request with its own box keys, keeping the member and device ids.
 * Required (issue 11 item 5): the admin's short code differs from the new device's, and the new
 * device refuses an answer that does not list its own keys exactly.
 */
import 'fake-indexeddb/auto';
import { beforeAll, expect, it } from 'vitest';
import {
  acceptGrant,
  generateIdentity,
  loadSodium,
  openPairingMessage,
  pairingIds,
  sealPairingMessage,
  toBase64Url,
  type Identity,
} from '../../../src/lib/crypto/index.ts';
import { grantFromJson, type GrantJson } from '../../../src/lib/vault/grants.ts';
import { emptyVault, errorCode, foundingAdmin, linkSecret } from './helpers.ts';

beforeAll(loadSodium);
const admin = foundingAdmin;
const newcomer = emptyVault;
const code = errorCode;

type Rewrite = (request: Record<string, string>, attacker: Identity) => Record<string, string>;

/** Runs a pairing through a relay that knows the link and rewrites the request. */
async function pairThroughRelay(rewrite: Rewrite) {
  const a = await admin();
  const b = await newcomer();
  const link = a.startPairing();
  const join = await b.beginJoin({
    secret: link.secret,
    name: 'Nurse Bo',
    deviceName: 'Exam tablet',
    passphrase: 'bo own passphrase',
  });
  const { boxKey } = pairingIds(linkSecret(link));
  const attacker = generateIdentity();
  const original = openPairingMessage(boxKey, 'request', join.sealed) as Record<string, string>;
  const forged = sealPairingMessage(boxKey, 'request', rewrite({ ...original }, attacker));
  const seen = a.openPairingRequest({ sealed: forged });
  // The admin does what the screen allows: confirm (the test checks the codes separately).
  const { sealed } = await a.answerPairing({ role: 'clinician' });
  const answer = openPairingMessage(boxKey, 'response', sealed) as { grants: GrantJson[] };
  const stolen = answer.grants.flatMap((json) => {
    try {
      const grant = grantFromJson(json);
      return [
        {
          kind: grant.kind,
          key: acceptGrant(grant, { recipient: attacker.box, trustedGranters: [grant.granter] }),
        },
      ];
    } catch {
      return [];
    }
  });
  return { b, join, seen, sealed, stolen };
}

const swapBoth: Rewrite = (r, x) => ({
  ...r,
  memberBox: toBase64Url(x.box.publicKey),
  deviceBox: toBase64Url(x.box.publicKey),
});
const swapMemberBox: Rewrite = (r, x) => ({ ...r, memberBox: toBase64Url(x.box.publicKey) });
const rename: Rewrite = (r) => ({ ...r, name: 'Dr. Mallory' });

it('a relay that swaps in its own box keys: the codes differ and the new device refuses the answer', async () => {
  const { b, join, seen, sealed, stolen } = await pairThroughRelay(swapBoth);
  // Only an admin who confirms despite different codes hands the keys over.
  expect(stolen.map((s) => s.kind).sort()).toEqual(['clinical', 'practice']);
  expect(seen.sas).not.toBe(join.sas);
  expect(await code(b.completeJoin({ sealed }))).toBe('pairing-mismatch');
  expect((await b.status()).slots).toEqual([]);
});

it('a relay that swaps only the member box key: the codes differ and the new device refuses', async () => {
  const { b, join, seen, sealed } = await pairThroughRelay(swapMemberBox);
  expect(seen.sas).not.toBe(join.sas);
  expect(await code(b.completeJoin({ sealed }))).toBe('pairing-mismatch');
  expect((await b.status()).slots).toEqual([]);
});

it('a relay that renames the new device: the codes differ and the new device refuses', async () => {
  const { b, join, seen, sealed } = await pairThroughRelay(rename);
  expect(seen.name).toBe('Dr. Mallory');
  expect(seen.sas).not.toBe(join.sas);
  expect(await code(b.completeJoin({ sealed }))).toBe('pairing-mismatch');
});

it('an untouched request still pairs with equal codes', async () => {
  const { b, join, seen, sealed, stolen } = await pairThroughRelay((r) => r);
  expect(stolen).toEqual([]);
  expect(seen.sas).toBe(join.sas);
  expect((await b.completeJoin({ sealed })).session.memberName).toBe('Nurse Bo');
});

it('a relay that knows the link answers with a practice of its own: the new device refuses it', async () => {
  // The attacker runs its own practice and pairs the new device's unchanged request into it,
  // then re-seals that answer under the real link's key. Before the link named its practice,
  // the new device joined the attacker's practice (and would chart into it).
  const a = await admin();
  const b = await newcomer();
  const link = a.startPairing();
  const join = await b.beginJoin({
    secret: link.secret,
    name: 'Nurse Bo',
    deviceName: 'Exam tablet',
    passphrase: 'bo own passphrase',
  });
  const { boxKey } = pairingIds(linkSecret(link));
  const request = openPairingMessage(boxKey, 'request', join.sealed);
  const mallory = await admin();
  const own = pairingIds(linkSecret(mallory.startPairing())).boxKey;
  const seen = mallory.openPairingRequest({
    sealed: sealPairingMessage(own, 'request', request),
  });
  expect(seen.sas).not.toBe(join.sas); // another secret: codes differ, but only the admin sees both
  const { sealed } = await mallory.answerPairing({ role: 'admin' });
  const resealed = sealPairingMessage(
    boxKey,
    'response',
    openPairingMessage(own, 'response', sealed),
  );
  const refused = await b.completeJoin({ sealed: resealed }).catch((e: Error) => e);
  expect(refused).toMatchObject({ code: 'bad-input' });
  expect((refused as Error).message).toMatch(
    /another practice than the one the pairing link names/,
  );
  expect((await b.status()).slots).toEqual([]);
});

it('refuses a link without the practice it names, or with a damaged one, clearly', async () => {
  const a = await admin();
  const link = a.startPairing();
  const [secret, anchor] = link.secret.split('.') as [string, string];
  const attempt = async (code: string) => {
    const b = await newcomer();
    return b
      .beginJoin({ secret: code, name: 'Bo', deviceName: 'Tab', passphrase: 'bo own passphrase' })
      .then(
        () => 'ok',
        (e: Error & { code?: string }) => `${e.code}: ${e.message}`,
      );
  };
  expect(await attempt(secret)).toMatch(/bad-input: .*older version of Folio/);
  expect(await attempt(`${secret}.${anchor.slice(1)}`)).toMatch(/bad-input: .*damaged/);
  expect(await attempt(`${secret}.${anchor}.x`)).toMatch(/bad-input: .*damaged/);
  expect(await attempt(link.secret)).toBe('ok');
});

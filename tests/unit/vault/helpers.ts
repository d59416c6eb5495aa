/**
 * A small practice of real vaults for removal tests: admin A with clinicians B and C (and, on
 * request, front desk F), all paired through the real protocol. `stolenKeys` reads a device's
 * keyring the way an attacker in control of that device can — to sign envelopes its own vault
 * would never sign (backfilled seqs, forks).
 */
import 'fake-indexeddb/auto';
import {
  CryptoError,
  fromBase64Url,
  MIN_ARGON2,
  openLocal,
  unwrapWithPassphrase,
  utf8,
  type MemberList,
} from '../../../src/lib/crypto/index.ts';
import { decodeKeyring, type Keyring } from '../../../src/lib/vault/keyring.ts';
import { VaultError, VaultService } from '../../../src/lib/vault/service.ts';
import { openVaultStore, type VaultStore } from '../../../src/lib/vault/store.ts';

let n = 0;
export const PASS = 'correct horse battery staple';
export const DEVICE_PASS = 'its own passphrase 123';
export type Role = 'clinician' | 'front-desk' | 'admin';

export async function vault(): Promise<{ v: VaultService; store: VaultStore }> {
  const store = await openVaultStore(`removal-${++n}-${Math.random()}`);
  return { v: new VaultService({ store, params: MIN_ARGON2, marksFlushMs: 1 }), store };
}

/** A vault holding a new practice, "Harbour Clinic", founded by Dr. Ada (admin) on her laptop. */
export async function foundingAdmin(): Promise<VaultService> {
  const { v } = await vault();
  await v.createPractice({
    practiceName: 'Harbour Clinic',
    memberName: 'Dr. Ada',
    deviceName: 'Laptop',
    passphrase: PASS,
  });
  return v;
}

/** An empty vault: a device not yet in any practice. */
export async function emptyVault(): Promise<VaultService> {
  return (await vault()).v;
}

/** The code of the CryptoError or VaultError `p` rejects with, or 'ok' when it resolves. */
export async function errorCode(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (error) {
    if (error instanceof CryptoError || error instanceof VaultError) return error.code;
    throw error;
  }
  return 'ok';
}

export interface Device {
  v: VaultService;
  store: VaultStore;
}

export async function pair(admin: VaultService, name: string, role: Role): Promise<Device> {
  const { v, store } = await vault();
  const link = admin.startPairing();
  const join = await v.beginJoin({
    secret: link.secret,
    name,
    deviceName: `${name}'s device`,
    passphrase: DEVICE_PASS,
  });
  admin.openPairingRequest({ sealed: join.sealed });
  const { sealed } = await admin.answerPairing({ role });
  await v.completeJoin({ sealed });
  return { v, store };
}

/** Admin A; clinicians B and C; front desk F; all holding the same member list. */
export async function practice() {
  const { v: a, store } = await vault();
  await a.createPractice({
    practiceName: 'Harbour',
    memberName: 'Dr. Ada',
    deviceName: 'Laptop',
    passphrase: PASS,
  });
  const b = await pair(a, 'Bo', 'clinician');
  const c = await pair(a, 'Cy', 'clinician');
  const f = await pair(a, 'Fay', 'front-desk');
  for (const d of [b, c, f]) await d.v.updateMemberLists({ lists: a.memberLists() });
  return { a, aStore: store, b: b.v, c: c.v, cStore: c.store, f: f.v, fStore: f.store };
}

export async function member(v: VaultService, name: string) {
  return (await v.status()).session!.members.find((m) => m.name === name)!;
}

export const seal = async (v: VaultService, text: string, docId = v.practiceIndex().docId) =>
  (await v.seal({ docId, generation: 0, kind: 'update', payload: utf8(text) })).envelope;

export const codes = (v: VaultService, envelopes: Uint8Array[]) =>
  v.openMany({ envelopes }).map((r) => (r.ok ? 'ok' : r.code));

/** The keyring of a device's only member, as an attacker holding the device and passphrase. */
export async function stolenKeys(store: VaultStore, passphrase = DEVICE_PASS): Promise<Keyring> {
  const [slot] = await store.listSlots();
  const vaultKey = unwrapWithPassphrase({
    slotId: slot!.slotId,
    wrap: slot!.passphrase,
    passphrase,
  });
  return decodeKeyring(openLocal(vaultKey, `keyring:${slot!.slotId}`, slot!.keyring));
}

export const newest = (lists: MemberList[]) => lists.at(-1)!;

/** The one-time secret of a pairing link's code (`<secret>.<anchor>`, spec §11.1). */
export const linkSecret = (link: { secret: string }): Uint8Array =>
  fromBase64Url(link.secret.split('.')[0]!);

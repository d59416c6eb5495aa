/**
 * The keyring: everything secret a member holds on one device, as JSON inside a local box
 * (sealed under the vault key). Byte fields are base64url in the JSON.
 */
import {
  CryptoError,
  fromBase64Url,
  fromUtf8,
  toBase64Url,
  utf8,
  type Identity,
  type KeyPair,
  type MemberList,
} from '$lib/crypto';
import type { Role } from './records';

export interface EpochKey {
  epoch: number;
  key: Uint8Array;
}

export interface Keyring {
  v: 1;
  member: { name: string; role: Role; identity: Identity };
  device: { name: string; identity: Identity };
  practice: { id: string; name: string; indexDocId: Uint8Array; keys: EpochKey[] };
  /** Wraps chart keys; held only by roles that may open charts (docs/design.md §4). */
  clinical: EpochKey[];
  /** The founding admin's member key (base64url): the member list's trust anchor. */
  anchor: string;
  /** The signed, hash-chained member list, oldest first (docs/spec/envelope.md §10). */
  memberLists: MemberList[];
  /**
   * Device preferences. `relayUrl`: the relay this device talks to (an http(s) origin); absent
   * means the app's own origin (ADR 0010). Sealed with the rest of the keyring.
   */
  prefs: { autoLockMinutes: number; relayUrl?: string };
}

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

function toJson(value: unknown): Json {
  if (value instanceof Uint8Array) return { $b: toBase64Url(value) };
  if (Array.isArray(value)) return value.map(toJson);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJson(v)]));
  }
  return value as Json;
}

function fromJson(value: Json): unknown {
  if (Array.isArray(value)) return value.map(fromJson);
  if (value && typeof value === 'object') {
    const b = (value as { $b?: unknown }).$b;
    if (typeof b === 'string' && Object.keys(value).length === 1) return fromBase64Url(b);
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fromJson(v)]));
  }
  return value;
}

export function encodeKeyring(keyring: Keyring): Uint8Array {
  return utf8(JSON.stringify(toJson(keyring)));
}

/** @throws CryptoError('bad-record') when the bytes are not a version-1 keyring. */
export function decodeKeyring(bytes: Uint8Array): Keyring {
  let parsed: unknown;
  try {
    parsed = fromJson(JSON.parse(fromUtf8(bytes)) as Json);
  } catch {
    throw new CryptoError('bad-record', 'keyring');
  }
  const k = parsed as Partial<Keyring>;
  if (
    k?.v !== 1 ||
    !k.member?.identity ||
    !k.device?.identity ||
    !k.practice?.keys ||
    !Array.isArray(k.memberLists) ||
    k.memberLists.length === 0
  ) {
    throw new CryptoError('bad-record', 'keyring');
  }
  return k as Keyring;
}

/** The newest member list a keyring holds. */
export function currentList(keyring: Keyring): MemberList {
  return keyring.memberLists[keyring.memberLists.length - 1]!;
}

export function copyPair(pair: KeyPair): KeyPair {
  return { publicKey: pair.publicKey.slice(), privateKey: pair.privateKey.slice() };
}

/**
 * The vault (docs/design.md §4; docs/spec/envelope.md §5): a random 32-byte vault key protects
 * everything a member stores on a device. It is wrapped twice — under a key derived from the
 * passphrase with Argon2id, and under the recovery key — so a passphrase change rewraps 48 bytes
 * and touches no data. Each wrap record carries its algorithm, salt and limits, and binds them as
 * associated data, so parameters can be raised later and cannot be silently lowered.
 */
import { concat, lp, u32, u64, utf8 } from './bytes';
import { CryptoError } from './errors';
import { KEY_BYTES } from './keys';
import { sodium } from './sodium';

export interface Argon2Params {
  opslimit: number;
  memlimit: number;
}

/** Floor for any stored wrap: libsodium's "interactive" limits. Below this, unlocking refuses. */
export const MIN_ARGON2: Argon2Params = { opslimit: 2, memlimit: 64 * 1024 * 1024 };
/** What new wraps use: libsodium's "moderate" limits (≈1 s in Chromium). */
export const DEFAULT_ARGON2: Argon2Params = { opslimit: 3, memlimit: 256 * 1024 * 1024 };

export interface PassphraseWrap {
  v: 1;
  kind: 'passphrase';
  kdf: 'argon2id13';
  opslimit: number;
  memlimit: number;
  salt: Uint8Array;
  nonce: Uint8Array;
  ciphertext: Uint8Array;
}

export interface RecoveryWrap {
  v: 1;
  kind: 'recovery';
  kdf: 'blake2b-256';
  salt: Uint8Array;
  nonce: Uint8Array;
  ciphertext: Uint8Array;
}

export type VaultWrap = PassphraseWrap | RecoveryWrap;

/** Data sealed under the vault key (a keyring, a counter): nonce and ciphertext. */
export interface LocalBox {
  v: 1;
  nonce: Uint8Array;
  ciphertext: Uint8Array;
}

type WrapHead =
  Omit<PassphraseWrap, 'nonce' | 'ciphertext'> | Omit<RecoveryWrap, 'nonce' | 'ciphertext'>;

function wrapAd(slotId: string, wrap: WrapHead): Uint8Array {
  const params =
    wrap.kind === 'passphrase' ? concat(u32(wrap.opslimit), u64(wrap.memlimit)) : new Uint8Array(0);
  return concat(
    utf8('folio/vault-wrap/v1'),
    lp(utf8(slotId), utf8(wrap.kind), utf8(wrap.kdf), params, wrap.salt),
  );
}

function passphraseKek(passphrase: string, salt: Uint8Array, params: Argon2Params): Uint8Array {
  const s = sodium();
  return s.crypto_pwhash(
    KEY_BYTES,
    passphrase.normalize('NFKC'),
    salt,
    params.opslimit,
    params.memlimit,
    s.crypto_pwhash_ALG_ARGON2ID13,
  );
}

function recoveryKek(recoveryKey: Uint8Array, salt: Uint8Array): Uint8Array {
  return sodium().crypto_generichash(
    KEY_BYTES,
    concat(utf8('folio/recovery-kek/v1'), salt),
    recoveryKey,
  );
}

function encrypt(key: Uint8Array, plaintext: Uint8Array, ad: Uint8Array) {
  const s = sodium();
  const nonce = s.randombytes_buf(24);
  return {
    nonce,
    ciphertext: s.crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, ad, null, nonce, key),
  };
}

function decrypt(
  key: Uint8Array,
  box: { nonce: Uint8Array; ciphertext: Uint8Array },
  ad: Uint8Array,
) {
  return sodium().crypto_aead_xchacha20poly1305_ietf_decrypt(
    null,
    box.ciphertext,
    ad,
    box.nonce,
    key,
  );
}

/** Wraps the vault key under a passphrase. @throws CryptoError('weak-params') */
export function wrapWithPassphrase(options: {
  slotId: string;
  vaultKey: Uint8Array;
  passphrase: string;
  params?: Argon2Params;
}): PassphraseWrap {
  const params = options.params ?? DEFAULT_ARGON2;
  if (params.opslimit < MIN_ARGON2.opslimit || params.memlimit < MIN_ARGON2.memlimit) {
    throw new CryptoError('weak-params');
  }
  const s = sodium();
  const head = {
    v: 1 as const,
    kind: 'passphrase' as const,
    kdf: 'argon2id13' as const,
    ...params,
    salt: s.randombytes_buf(s.crypto_pwhash_SALTBYTES),
  };
  const kek = passphraseKek(options.passphrase, head.salt, params);
  return { ...head, ...encrypt(kek, options.vaultKey, wrapAd(options.slotId, head)) };
}

/**
 * Unwraps the vault key with a passphrase.
 * @throws CryptoError('wrong-passphrase' | 'weak-params' | 'bad-record')
 */
export function unwrapWithPassphrase(options: {
  slotId: string;
  wrap: PassphraseWrap;
  passphrase: string;
}): Uint8Array {
  const { wrap } = options;
  if (wrap.v !== 1 || wrap.kind !== 'passphrase' || wrap.kdf !== 'argon2id13') {
    throw new CryptoError('bad-record', 'passphrase wrap');
  }
  if (wrap.opslimit < MIN_ARGON2.opslimit || wrap.memlimit < MIN_ARGON2.memlimit) {
    throw new CryptoError('weak-params');
  }
  const kek = passphraseKek(options.passphrase, wrap.salt, wrap);
  try {
    return decrypt(kek, wrap, wrapAd(options.slotId, wrap));
  } catch {
    throw new CryptoError('wrong-passphrase');
  }
}

/** True when a stored wrap uses weaker limits than `target` (and should be rewrapped). */
export function needsUpgrade(wrap: PassphraseWrap, target: Argon2Params = DEFAULT_ARGON2): boolean {
  return wrap.opslimit < target.opslimit || wrap.memlimit < target.memlimit;
}

/** Wraps the vault key under a recovery key (32 random bytes; no slow KDF needed). */
export function wrapWithRecoveryKey(options: {
  slotId: string;
  vaultKey: Uint8Array;
  recoveryKey: Uint8Array;
}): RecoveryWrap {
  const head = {
    v: 1 as const,
    kind: 'recovery' as const,
    kdf: 'blake2b-256' as const,
    salt: sodium().randombytes_buf(16),
  };
  const kek = recoveryKek(options.recoveryKey, head.salt);
  return { ...head, ...encrypt(kek, options.vaultKey, wrapAd(options.slotId, head)) };
}

/** @throws CryptoError('wrong-recovery-key' | 'bad-record') */
export function unwrapWithRecoveryKey(options: {
  slotId: string;
  wrap: RecoveryWrap;
  recoveryKey: Uint8Array;
}): Uint8Array {
  const { wrap } = options;
  if (wrap.v !== 1 || wrap.kind !== 'recovery' || wrap.kdf !== 'blake2b-256') {
    throw new CryptoError('bad-record', 'recovery wrap');
  }
  const kek = recoveryKek(options.recoveryKey, wrap.salt);
  try {
    return decrypt(kek, wrap, wrapAd(options.slotId, wrap));
  } catch {
    throw new CryptoError('wrong-recovery-key');
  }
}

/** Seals data under the vault key, bound to a purpose string (e.g. "keyring:<slotId>"). */
export function sealLocal(vaultKey: Uint8Array, purpose: string, plaintext: Uint8Array): LocalBox {
  return {
    v: 1,
    ...encrypt(vaultKey, plaintext, concat(utf8('folio/local/v1'), lp(utf8(purpose)))),
  };
}

/** @throws CryptoError('decrypt-failure' | 'bad-record') */
export function openLocal(vaultKey: Uint8Array, purpose: string, box: LocalBox): Uint8Array {
  if (box.v !== 1) throw new CryptoError('bad-record', 'local box');
  try {
    return decrypt(vaultKey, box, concat(utf8('folio/local/v1'), lp(utf8(purpose))));
  } catch {
    throw new CryptoError('decrypt-failure');
  }
}

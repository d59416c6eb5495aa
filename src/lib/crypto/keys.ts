/**
 * Key material (docs/design.md §4, docs/spec/envelope.md §4–5):
 * - identities: an Ed25519 signing pair and an X25519 box pair, for each member and each device;
 * - symmetric keys (practice, clinical, chart; one per epoch): 32 random bytes;
 * - subkeys of a document key: crypto_kdf_derive_from_key with distinct 8-byte contexts;
 * - grants: a key sealed to a device's X25519 key (crypto_box_seal) and signed by the granter.
 * Call loadSodium() before any of these.
 */
import { concat, equalBytes, lp, u32, utf8 } from './bytes';
import { CryptoError } from './errors';
import { sodium } from './sodium';

export const KEY_BYTES = 32;

export interface KeyPair {
  publicKey: Uint8Array;
  privateKey: Uint8Array;
}

/** A member's or a device's key pairs. */
export interface Identity {
  sign: KeyPair;
  box: KeyPair;
}

export function generateIdentity(): Identity {
  const s = sodium();
  const sign = s.crypto_sign_keypair();
  const box = s.crypto_box_keypair();
  return {
    sign: { publicKey: sign.publicKey, privateKey: sign.privateKey },
    box: { publicKey: box.publicKey, privateKey: box.privateKey },
  };
}

/** 32 random bytes: a practice, clinical or chart key, or a vault key. */
export function generateKey(): Uint8Array {
  return sodium().randombytes_buf(KEY_BYTES);
}

/** KDF contexts (exactly 8 bytes each) and subkey ids, docs/spec/envelope.md §4. */
export const KDF = {
  content: { context: 'folio-en', id: 1 },
  room: { context: 'folio-rm', id: 2 },
  capability: { context: 'folio-cp', id: 3 },
  webrtc: { context: 'folio-rt', id: 4 },
  relayPractice: { context: 'folio-rp', id: 5 },
} as const;

export type SubkeyName = keyof typeof KDF;

/** Derives one named subkey of a document key. @throws CryptoError('bad-length') */
export function deriveSubkey(documentKey: Uint8Array, name: SubkeyName): Uint8Array {
  if (documentKey.length !== KEY_BYTES) throw new CryptoError('bad-length', 'document key');
  const { context, id } = KDF[name];
  return sodium().crypto_kdf_derive_from_key(KEY_BYTES, id, context, documentKey);
}

/**
 * The relay room id of one generation of a document: 16 bytes of keyed BLAKE2b, hex. The relay
 * cannot link it to the document, the patient or another generation.
 */
export function roomId(documentKey: Uint8Array, docId: Uint8Array, generation: number): string {
  const key = deriveSubkey(documentKey, 'room');
  const hash = sodium().crypto_generichash(
    16,
    concat(utf8('folio/room/v1'), docId, u32(generation)),
    key,
  );
  return sodium().to_hex(hash);
}

export type GrantKind = 'practice' | 'clinical' | 'chart';

/** A symmetric key sealed to one device and signed by the device or member that granted it. */
export interface KeyGrant {
  v: 1;
  kind: GrantKind;
  /** Which key: the practice id, or a chart's document id (base64url), etc. */
  keyId: string;
  epoch: number;
  recipient: Uint8Array;
  granter: Uint8Array;
  sealed: Uint8Array;
  signature: Uint8Array;
}

const GRANT_TAG = utf8('folio/grant/v1');

function grantMessage(g: Omit<KeyGrant, 'signature' | 'v'>): Uint8Array {
  return concat(
    GRANT_TAG,
    lp(utf8(g.kind), utf8(g.keyId), u32(g.epoch), g.recipient, g.granter, g.sealed),
  );
}

/** Seals `key` to `recipientBoxKey` and signs the grant with the granter's signing key. */
export function grantKey(options: {
  kind: GrantKind;
  keyId: string;
  epoch: number;
  key: Uint8Array;
  recipientBoxKey: Uint8Array;
  granter: KeyPair;
}): KeyGrant {
  const s = sodium();
  const sealed = s.crypto_box_seal(options.key, options.recipientBoxKey);
  const body = {
    kind: options.kind,
    keyId: options.keyId,
    epoch: options.epoch,
    recipient: options.recipientBoxKey,
    granter: options.granter.publicKey,
    sealed,
  };
  const signature = s.crypto_sign_detached(grantMessage(body), options.granter.privateKey);
  return { v: 1, ...body, signature };
}

/**
 * Verifies a grant against the granters the caller trusts, then opens it.
 * @throws CryptoError('bad-grant') for an unknown granter, a bad signature, another recipient or
 *   a grant that does not open.
 */
export function acceptGrant(
  grant: KeyGrant,
  options: { recipient: KeyPair; trustedGranters: Uint8Array[] },
): Uint8Array {
  const s = sodium();
  if (grant.v !== 1) throw new CryptoError('bad-version', 'grant');
  if (!options.trustedGranters.some((g) => equalBytes(g, grant.granter))) {
    throw new CryptoError('bad-grant', 'untrusted granter');
  }
  if (!equalBytes(grant.recipient, options.recipient.publicKey)) {
    throw new CryptoError('bad-grant', 'sealed to another device');
  }
  if (
    grant.signature.length !== s.crypto_sign_BYTES ||
    !s.crypto_sign_verify_detached(grant.signature, grantMessage(grant), grant.granter)
  ) {
    throw new CryptoError('bad-grant', 'bad signature');
  }
  try {
    const key = s.crypto_box_seal_open(
      grant.sealed,
      options.recipient.publicKey,
      options.recipient.privateKey,
    );
    if (key.length !== KEY_BYTES) throw new CryptoError('bad-grant', 'key length');
    return key;
  } catch (error) {
    if (error instanceof CryptoError) throw error;
    throw new CryptoError('bad-grant', 'does not open');
  }
}

/** A short, human-comparable fingerprint of a public key: 5 groups of 4 digits. */
export function fingerprint(publicKey: Uint8Array): string {
  const hash = sodium().crypto_generichash(
    16,
    concat(utf8('folio/fingerprint/v1'), publicKey),
    null,
  );
  const digits: string[] = [];
  for (let i = 0; i < 5; i++) {
    const n = ((hash[i * 3]! << 16) | (hash[i * 3 + 1]! << 8) | hash[i * 3 + 2]!) % 10000;
    digits.push(n.toString().padStart(4, '0'));
  }
  return digits.join(' ');
}

const CHART_WRAP_TAG = utf8('folio/chart-key/v1');

/**
 * Wraps a chart key under the clinical key (docs/spec/envelope.md §5):
 * `u32(clinicalEpoch) ‖ nonce(24) ‖ XChaCha20-Poly1305(clinicalKey, nonce,
 *  ad = "folio/chart-key/v1" ‖ lp(docId, u32(chartEpoch), u32(clinicalEpoch)), chartKey)`.
 */
export function wrapChartKey(options: {
  clinicalKey: Uint8Array;
  clinicalEpoch: number;
  docId: Uint8Array;
  chartEpoch: number;
  chartKey: Uint8Array;
}): Uint8Array {
  const s = sodium();
  const nonce = s.randombytes_buf(24);
  const ad = concat(
    CHART_WRAP_TAG,
    lp(options.docId, u32(options.chartEpoch), u32(options.clinicalEpoch)),
  );
  const ct = s.crypto_aead_xchacha20poly1305_ietf_encrypt(
    options.chartKey,
    ad,
    null,
    nonce,
    options.clinicalKey,
  );
  return concat(u32(options.clinicalEpoch), nonce, ct);
}

/** The clinical epoch a wrapped chart key needs. @throws CryptoError('bad-length') */
export function chartWrapEpoch(wrapped: Uint8Array): number {
  if (wrapped.length !== 4 + 24 + KEY_BYTES + 16)
    throw new CryptoError('bad-length', 'chart key wrap');
  return new DataView(wrapped.buffer, wrapped.byteOffset, 4).getUint32(0);
}

const CHART_ROTATION_TAG = utf8('folio/chart-rotation/v1');

/**
 * The chart key a rotation gives chart `docId` at `chartEpoch` (docs/spec/envelope.md §8):
 * `BLAKE2b-256("folio/chart-rotation/v1" ‖ docId ‖ u32(chartEpoch), key = clinicalKey)`, with the
 * newest clinical key. Derived, not random, so two devices that rotate the same chart at once
 * make the same key at the same epoch and neither one's writes become unreadable; only holders
 * of that clinical key can compute it, and it reveals nothing about the clinical key, so it can
 * still be given to an outside provider alone.
 * @throws CryptoError('bad-length')
 */
export function rotatedChartKey(options: {
  clinicalKey: Uint8Array;
  docId: Uint8Array;
  chartEpoch: number;
}): Uint8Array {
  if (options.clinicalKey.length !== KEY_BYTES) throw new CryptoError('bad-length', 'clinical key');
  return sodium().crypto_generichash(
    KEY_BYTES,
    concat(CHART_ROTATION_TAG, options.docId, u32(options.chartEpoch)),
    options.clinicalKey,
  );
}

/** @throws CryptoError('bad-length' | 'decrypt-failure') */
export function unwrapChartKey(options: {
  clinicalKey: Uint8Array;
  docId: Uint8Array;
  chartEpoch: number;
  wrapped: Uint8Array;
}): Uint8Array {
  const clinicalEpoch = chartWrapEpoch(options.wrapped);
  const ad = concat(CHART_WRAP_TAG, lp(options.docId, u32(options.chartEpoch), u32(clinicalEpoch)));
  try {
    return sodium().crypto_aead_xchacha20poly1305_ietf_decrypt(
      null,
      options.wrapped.subarray(28),
      ad,
      options.wrapped.subarray(4, 28),
      options.clinicalKey,
    );
  } catch {
    throw new CryptoError('decrypt-failure', 'chart key');
  }
}

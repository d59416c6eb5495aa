/**
 * Pairing a device (docs/design.md §7; docs/spec/envelope.md §11): both sides derive everything from
 * a one-time secret that travels only in the pairing link's URL fragment.
 *   mailboxId = hex(BLAKE2b-128("folio/pair-id/v1", key = secret))
 *   boxKey    = BLAKE2b-256("folio/pair-key/v1", key = secret)
 *   message   = nonce(24) ‖ XChaCha20-Poly1305(boxKey, nonce, ad = "folio/pair-" ‖ kind ‖ "/v1", json)
 *   sas       = five 4-digit groups of BLAKE2b-128("folio/pair-sas/v2" ‖ lp("request", member,
 *               memberBox, device, deviceBox, name, deviceName), key = secret)
 * The relay sees only the mailbox id and ciphertext; a tampered message fails to open; the short
 * authentication string covers the whole request, so whoever can re-seal it (someone who also
 * learned the link) cannot change a key or a name without the two screens showing different codes.
 */
import { concat, fromUtf8, lp, toHex, utf8 } from './bytes';
import { CryptoError } from './errors';
import { sodium } from './sodium';

export const PAIRING_SECRET_BYTES = 32;

export function pairingIds(secret: Uint8Array): { mailboxId: string; boxKey: Uint8Array } {
  if (secret.length !== PAIRING_SECRET_BYTES) throw new CryptoError('bad-length', 'pairing secret');
  const s = sodium();
  return {
    mailboxId: toHex(s.crypto_generichash(16, utf8('folio/pair-id/v1'), secret)),
    boxKey: s.crypto_generichash(32, utf8('folio/pair-key/v1'), secret),
  };
}

export type PairingKind = 'request' | 'response';

export function sealPairingMessage(
  boxKey: Uint8Array,
  kind: PairingKind,
  value: unknown,
): Uint8Array {
  const s = sodium();
  const nonce = s.randombytes_buf(24);
  const ad = utf8(`folio/pair-${kind}/v1`);
  return concat(
    nonce,
    s.crypto_aead_xchacha20poly1305_ietf_encrypt(
      utf8(JSON.stringify(value)),
      ad,
      null,
      nonce,
      boxKey,
    ),
  );
}

/** @throws CryptoError('decrypt-failure' | 'bad-record') */
export function openPairingMessage(
  boxKey: Uint8Array,
  kind: PairingKind,
  sealed: Uint8Array,
): unknown {
  if (sealed.length < 24 + 16) throw new CryptoError('decrypt-failure', 'pairing message');
  let plain: Uint8Array;
  try {
    plain = sodium().crypto_aead_xchacha20poly1305_ietf_decrypt(
      null,
      sealed.subarray(24),
      utf8(`folio/pair-${kind}/v1`),
      sealed.subarray(0, 24),
      boxKey,
    );
  } catch {
    throw new CryptoError('decrypt-failure', 'pairing message');
  }
  try {
    return JSON.parse(fromUtf8(plain));
  } catch {
    throw new CryptoError('bad-record', 'pairing message');
  }
}

/** Everything a new device's pairing request says, as the short code covers it. */
export interface PairingRequestFields {
  /** Member and device signing keys and box keys, 32 bytes each. */
  member: Uint8Array;
  memberBox: Uint8Array;
  device: Uint8Array;
  deviceBox: Uint8Array;
  name: string;
  deviceName: string;
}

const SAS_TAG = utf8('folio/pair-sas/v2');

/**
 * The short string both screens show; equal strings mean both sides hold the same request:
 * every public key and both names (docs/spec/envelope.md §11).
 * @throws CryptoError('bad-length') for a secret or key of the wrong length
 */
export function pairingSas(secret: Uint8Array, request: PairingRequestFields): string {
  if (secret.length !== PAIRING_SECRET_BYTES) throw new CryptoError('bad-length', 'pairing secret');
  const keys = [request.member, request.memberBox, request.device, request.deviceBox];
  if (keys.some((k) => k.length !== 32)) throw new CryptoError('bad-length', 'pairing key');
  const hash = sodium().crypto_generichash(
    16,
    concat(SAS_TAG, lp(utf8('request'), ...keys, utf8(request.name), utf8(request.deviceName))),
    secret,
  );
  const groups: string[] = [];
  for (let i = 0; i < 5; i++) {
    const n = ((hash[i * 3]! << 16) | (hash[i * 3 + 1]! << 8) | hash[i * 3 + 2]!) % 10000;
    groups.push(n.toString().padStart(4, '0'));
  }
  return groups.join(' ');
}

/**
 * The practice proof a device shows the relay (docs/spec/envelope.md §12). Every device that holds
 * the practice's first key derives the same Ed25519 pair from it, so the relay sees one identity
 * per practice — the practice id — and nothing about members, devices or patients:
 *
 *   seed      = KDF(practiceKey of the lowest epoch, 5, "folio-rp")
 *   (pk, sk)  = crypto_sign_seed_keypair(seed)          practice id = hex(pk)
 *   proof     = base64url(0x01 ‖ pk ‖ u64(issuedAt seconds) ‖ sig)
 *   sig       = Ed25519(sk, "folio/relay-proof/v1" ‖ pk ‖ u64(issuedAt seconds))
 *
 * The relay registers a practice id the first time it sees one (or only those its operator lists)
 * and accepts a proof within a window of its issue time; rooms, pairing mailboxes and share links
 * are then counted against the practice.
 */
import { concat, toBase64Url, toHex, u64, utf8 } from './bytes';
import { deriveSubkey, type KeyPair } from './keys';
import { sodium } from './sodium';

export const RELAY_PROOF_VERSION = 1;
const TAG = 'folio/relay-proof/v1';

/** The practice's relay signing pair, from its lowest-epoch practice key. */
export function relayPracticeKeyPair(practiceKey: Uint8Array): KeyPair {
  const seed = deriveSubkey(practiceKey, 'relayPractice');
  const pair = sodium().crypto_sign_seed_keypair(seed);
  return { publicKey: pair.publicKey, privateKey: pair.privateKey };
}

/** The practice id the relay knows this practice by (hex of the public key). */
export function relayPracticeId(pair: KeyPair): string {
  return toHex(pair.publicKey);
}

/** A proof issued at `issuedAtMs` (whole seconds are signed). */
export function relayProof(pair: KeyPair, issuedAtMs: number): string {
  const issued = u64(Math.floor(issuedAtMs / 1000));
  const sig = sodium().crypto_sign_detached(
    concat(utf8(TAG), pair.publicKey, issued),
    pair.privateKey,
  );
  return toBase64Url(concat(Uint8Array.of(RELAY_PROOF_VERSION), pair.publicKey, issued, sig));
}

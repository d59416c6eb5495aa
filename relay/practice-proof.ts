/**
 * Checking a practice proof (docs/spec/envelope.md §12; the device side is
 * src/lib/crypto/relay-proof.ts): base64url(0x01 ‖ pk(32) ‖ u64(issuedAt s) ‖ Ed25519 sig(64)),
 * signed over "folio/relay-proof/v1" ‖ pk ‖ u64(issuedAt s). Node's own Ed25519 verifies it.
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';

export const PROOF_PATTERN = /^[A-Za-z0-9_-]{140}$/;
const PROOF_BYTES = 1 + 32 + 8 + 64;
const TAG = Buffer.from('folio/relay-proof/v1');
/** DER prefix of an Ed25519 SubjectPublicKeyInfo; the raw 32-byte key follows it. */
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export type ProofCheck =
  | { ok: true; practice: string; issuedAtMs: number }
  | { ok: false; reason: 'malformed' | 'bad-signature' | 'stale' | 'future' };

export interface ProofWindow {
  /** How old a proof may be. */
  maxAgeMs: number;
  /** How far ahead of the relay's clock a device's clock may be. */
  maxSkewMs: number;
}

export const DEFAULT_PROOF_WINDOW: ProofWindow = {
  maxAgeMs: 60 * 60_000,
  maxSkewMs: 10 * 60_000,
};

const keys = new Map<string, KeyObject>();

function publicKey(raw: Buffer): KeyObject {
  const hex = raw.toString('hex');
  let key = keys.get(hex);
  if (!key) {
    key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
    if (keys.size >= 1000) keys.delete(keys.keys().next().value!);
    keys.set(hex, key);
  }
  return key;
}

/** Checks a proof's form, signature and age against `now`. Never throws. */
export function checkProof(text: unknown, now: number, window = DEFAULT_PROOF_WINDOW): ProofCheck {
  if (typeof text !== 'string' || !PROOF_PATTERN.test(text))
    return { ok: false, reason: 'malformed' };
  const bytes = Buffer.from(text, 'base64url');
  if (bytes.length !== PROOF_BYTES || bytes[0] !== 1) return { ok: false, reason: 'malformed' };
  const pk = bytes.subarray(1, 33);
  const issued = bytes.subarray(33, 41);
  const sig = bytes.subarray(41);
  const seconds = issued.readBigUInt64BE(0);
  if (seconds > BigInt(Number.MAX_SAFE_INTEGER) / 1000n) return { ok: false, reason: 'malformed' };
  const issuedAtMs = Number(seconds) * 1000;
  let valid = false;
  try {
    valid = verify(null, Buffer.concat([TAG, pk, issued]), publicKey(pk), sig);
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (!valid) return { ok: false, reason: 'bad-signature' };
  if (issuedAtMs > now + window.maxSkewMs) return { ok: false, reason: 'future' };
  if (issuedAtMs < now - window.maxAgeMs) return { ok: false, reason: 'stale' };
  return { ok: true, practice: pk.toString('hex'), issuedAtMs };
}

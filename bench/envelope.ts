/**
 * Envelope seal+open throughput against raw libsodium doing the same AEAD + BLAKE2b + Ed25519
 * work on the same sizes, in the same run (docs/design.md §10: ≥ 0.8×).
 */
import {
  generateIdentity,
  generateKey,
  loadSodium,
  openEnvelope,
  sealEnvelope,
  sodium,
} from '../src/lib/crypto/index.ts';
import { compare, line } from './report.ts';

export async function benchEnvelopes(): Promise<void> {
  await loadSodium();
  const s = sodium();
  const member = generateIdentity();
  const device = generateIdentity();
  const key = generateKey();
  const docId = s.randombytes_buf(16);
  for (const size of [64, 1024, 64 * 1024, 1024 * 1024]) {
    const payload = s.randombytes_buf(size);
    let seq = 0;
    const sealAndOpen = () => {
      const envelope = sealEnvelope({
        kind: 'update',
        docId,
        generation: 0,
        epoch: 0,
        documentKey: key,
        member: member.sign,
        device: device.sign.publicKey,
        seq: seq++,
        payload,
      });
      openEnvelope(envelope, { keyFor: () => key, authorize: () => {} });
    };
    // Baseline: hash the payload, sign a 200-byte message, AEAD over the padded size, and the
    // reverse (decrypt, hash, verify), with no framing, padding or key derivation.
    const padded = new Uint8Array(Math.ceil((size + 140 + 1) / 256) * 256);
    const ad = new Uint8Array(26);
    const message = new Uint8Array(200);
    const rawWork = () => {
      const hash = s.crypto_generichash(32, payload, null);
      message.set(hash, 0);
      const sig = s.crypto_sign_detached(message, member.sign.privateKey);
      const nonce = s.randombytes_buf(24);
      const ct = s.crypto_aead_xchacha20poly1305_ietf_encrypt(padded, ad, null, nonce, key);
      s.crypto_aead_xchacha20poly1305_ietf_decrypt(null, ct, ad, nonce, key);
      s.crypto_generichash(32, payload, null);
      s.crypto_sign_verify_detached(sig, message, member.sign.publicKey);
    };
    const [folio, raw] = compare(sealAndOpen, rawWork);
    const label =
      size >= 1024 * 1024
        ? `${size / 1024 / 1024} MiB`
        : size >= 1024
          ? `${size / 1024} KiB`
          : `${size} B`;
    line(
      'envelope seal+open',
      `payload ${label}`,
      `${folio.toFixed(0)} ops/s vs raw ${raw.toFixed(0)} ops/s`,
      `ratio ${(folio / raw).toFixed(2)}× (budget ≥ 0.80×)`,
    );
  }
}

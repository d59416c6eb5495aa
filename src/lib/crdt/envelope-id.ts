import { HEADER_BYTES, NONCE_BYTES } from '$lib/crypto';

/**
 * An envelope's random nonce as a string id (an envelope's nonce is random and unique), or null
 * when the bytes are too short to be an envelope. Used to skip envelopes already held.
 */
export function envelopeId(envelope: unknown): string | null {
  if (!(envelope instanceof Uint8Array) || envelope.length < HEADER_BYTES + NONCE_BYTES)
    return null;
  let id = '';
  for (let i = HEADER_BYTES; i < HEADER_BYTES + NONCE_BYTES; i++) {
    id += String.fromCharCode(envelope[i]!);
  }
  return id;
}

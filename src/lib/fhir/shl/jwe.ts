/**
 * SMART Health Link files: JWE compact serialization with `alg: dir`, `enc: A256GCM` and a `cty`
 * naming the content, keyed by the link's 32-byte key (spec "Encrypting and Decrypting Files").
 * Done with `jose`; any failure to decrypt is one clear error (tampered, truncated or wrong key).
 */
import { base64url, compactDecrypt, CompactEncrypt } from 'jose';
import { ShlError } from './errors';

export const FHIR_JSON = 'application/fhir+json';

function keyBytes(key: string): Uint8Array {
  const bytes = base64url.decode(key);
  if (bytes.length !== 32) throw new ShlError('bad-payload', 'The link key is not 32 bytes.');
  return bytes;
}

export async function encryptFile(
  content: string | Uint8Array,
  key: string,
  contentType = FHIR_JSON,
): Promise<string> {
  const plaintext = typeof content === 'string' ? new TextEncoder().encode(content) : content;
  return new CompactEncrypt(plaintext)
    .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', cty: contentType })
    .encrypt(keyBytes(key));
}

/** @throws ShlError('decrypt-failed') */
export async function decryptFile(
  jwe: string,
  key: string,
): Promise<{ contentType: string; text: string }> {
  const secret = keyBytes(key);
  try {
    const { plaintext, protectedHeader } = await compactDecrypt(jwe.trim(), secret, {
      keyManagementAlgorithms: ['dir'],
      contentEncryptionAlgorithms: ['A256GCM'],
    });
    const text = new TextDecoder('utf-8', { fatal: true }).decode(plaintext);
    return { contentType: String(protectedHeader.cty ?? ''), text };
  } catch {
    throw new ShlError(
      'decrypt-failed',
      'The shared file could not be decrypted: it was altered, cut short, or the link is wrong.',
    );
  }
}

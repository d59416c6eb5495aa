/**
 * Recovery keys: 32 random bytes plus a 3-byte BLAKE2b checksum, written as RFC 4648 base32 in
 * 14 groups of 4 (docs/spec/envelope.md §6). The checksum tells a typo from a wrong key. Input is
 * forgiving: case, spaces and dashes are ignored, and 0/1/8 are read as O/I/B.
 */
import { concat, equalBytes, utf8 } from './bytes';
import { CryptoError } from './errors';
import { sodium } from './sodium';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const KEY_BYTES = 32;
const CHECK_BYTES = 3;

function checksum(key: Uint8Array): Uint8Array {
  return sodium()
    .crypto_generichash(16, concat(utf8('folio/recovery-check/v1'), key), null)
    .slice(0, CHECK_BYTES);
}

function base32(bytes: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

/** Formats 32 key bytes as a printable recovery key. */
export function formatRecoveryKey(key: Uint8Array): string {
  if (key.length !== KEY_BYTES) throw new CryptoError('bad-length', 'recovery key');
  const text = base32(concat(key, checksum(key)));
  return text.match(/.{1,4}/g)!.join('-');
}

/** Creates a new random recovery key: its bytes and its printable form. */
export function generateRecoveryKey(): { bytes: Uint8Array; text: string } {
  const bytes = sodium().randombytes_buf(KEY_BYTES);
  return { bytes, text: formatRecoveryKey(bytes) };
}

/**
 * Parses a typed recovery key.
 * @throws CryptoError('bad-recovery-key') when it has the wrong length, characters or checksum.
 */
export function parseRecoveryKey(text: string): Uint8Array {
  const clean = text
    .toUpperCase()
    .replace(/[\s-]/g, '')
    .replace(/0/g, 'O')
    .replace(/1/g, 'I')
    .replace(/8/g, 'B');
  const expectedChars = Math.ceil(((KEY_BYTES + CHECK_BYTES) * 8) / 5);
  if (clean.length !== expectedChars) {
    throw new CryptoError(
      'bad-recovery-key',
      `expected ${expectedChars} characters, got ${clean.length}`,
    );
  }
  const out = new Uint8Array(KEY_BYTES + CHECK_BYTES);
  let bits = 0;
  let value = 0;
  let index = 0;
  for (const char of clean) {
    const digit = ALPHABET.indexOf(char);
    if (digit < 0) throw new CryptoError('bad-recovery-key', `unexpected character ${char}`);
    value = (value << 5) | digit;
    bits += 5;
    if (bits >= 8) {
      if (index < out.length) out[index++] = (value >>> (bits - 8)) & 0xff;
      bits -= 8;
    }
    value &= 0xff;
  }
  const key = out.slice(0, KEY_BYTES);
  if (!equalBytes(out.slice(KEY_BYTES), checksum(key))) {
    throw new CryptoError('bad-recovery-key', 'checksum mismatch (typo?)');
  }
  return key;
}

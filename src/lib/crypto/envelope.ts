/**
 * Sealed envelopes (docs/design.md §5; exact format in docs/spec/envelope.md §2–3).
 *
 *   envelope = header(26) ‖ nonce(24) ‖ XChaCha20-Poly1305(contentKey, nonce, AD = header,
 *                                                           sodium_pad(inner, 256))
 *   header   = version(1) ‖ kind(1) ‖ docId(16) ‖ generation(u32) ‖ epoch(u32)
 *   inner    = member(32) ‖ device(32) ‖ seq(u64) ‖ prev(32) ‖ len(u32) ‖ payload ‖ signature(64)
 *   signature = Ed25519(member, "folio/envelope/v2" ‖ lp(header, member, device, seq, prev,
 *                                                        BLAKE2b-256(payload)))
 *   link     = BLAKE2b-256(the signed message): names the envelope in its author's chain; `prev`
 *              is the link of the author device's previous envelope in the same document
 *              (32 zero bytes for none). Version 1 (no prev) is still opened (spec §3).
 *
 * Invariants: the header is the only clear data and names no author ("sealed sender"); the key
 * is chosen by (docId, epoch), never by trial decryption; nothing is returned before decryption,
 * membership and signature checks have all passed; every failure is a CryptoError with a code.
 */
import { concat, lp, readU32, readU64, u32, u64, utf8 } from './bytes';
import { CryptoError } from './errors';
import { deriveSubkey, type KeyPair } from './keys';
import { sodium } from './sodium';

/** The version this code writes; version 1 (no `prev`) is still read. */
export const ENVELOPE_VERSION = 2;
export const ENVELOPE_VERSIONS: readonly number[] = [1, 2];
export const LINK_BYTES = 32;
/** `prev` of an author device's first envelope in a document. */
export const NO_PREV = new Uint8Array(LINK_BYTES);
export const HEADER_BYTES = 26;
export const NONCE_BYTES = 24;
export const TAG_BYTES = 16;
export const DOC_ID_BYTES = 16;
export const PAD_BLOCK = 256;
/** Largest payload (a Yjs update or snapshot) one envelope may carry. */
export const MAX_PAYLOAD_BYTES = 16 * 1024 * 1024;
const INNER_FIXED: Record<number, number> = {
  1: 32 + 32 + 8 + 4 + 64,
  2: 32 + 32 + 8 + 32 + 4 + 64,
};
const SIG_TAGS: Record<number, Uint8Array> = {
  1: utf8('folio/envelope/v1'),
  2: utf8('folio/envelope/v2'),
};

export const KINDS = { update: 1, snapshot: 2, presence: 3 } as const;
export type EnvelopeKind = keyof typeof KINDS;
const KIND_NAMES: Record<number, EnvelopeKind> = { 1: 'update', 2: 'snapshot', 3: 'presence' };

export interface EnvelopeHeader {
  version: number;
  kind: EnvelopeKind;
  docId: Uint8Array;
  generation: number;
  epoch: number;
}

export interface Author {
  /** The member's Ed25519 public key (who). */
  member: Uint8Array;
  /** The device's Ed25519 public key (where). */
  device: Uint8Array;
}

export interface OpenedEnvelope {
  header: EnvelopeHeader;
  author: Author;
  seq: number;
  payload: Uint8Array;
  /** BLAKE2b-256 of the payload, as signed; used to detect equivocation. */
  payloadHash: Uint8Array;
  /** The link of the author device's previous envelope in this document; null in version 1. */
  prev: Uint8Array | null;
  /** This envelope's link: BLAKE2b-256 of the signed message. */
  link: Uint8Array;
}

/** Length of sodium_pad(x, PAD_BLOCK) for an x of `length` bytes (at least one padding byte). */
function paddedLength(length: number): number {
  return (Math.floor(length / PAD_BLOCK) + 1) * PAD_BLOCK;
}

/**
 * Inverse of sodium_pad (ISO/IEC 7816-4: 0x80 then zeros, within the last block). Run only on
 * authenticated plaintext, so it needs no constant-time care.
 * @throws CryptoError('bad-padding')
 */
function unpad(padded: Uint8Array): Uint8Array {
  if (padded.length === 0 || padded.length % PAD_BLOCK !== 0) throw new CryptoError('bad-padding');
  for (let i = padded.length - 1; i >= padded.length - PAD_BLOCK; i--) {
    if (padded[i] === 0x80) return padded.subarray(0, i);
    if (padded[i] !== 0) break;
  }
  throw new CryptoError('bad-padding');
}

/** Content keys are derived once per document key object (the vault keeps key objects alive). */
const contentKeys = new WeakMap<Uint8Array, Uint8Array>();
function contentKey(documentKey: Uint8Array): Uint8Array {
  let key = contentKeys.get(documentKey);
  if (!key) {
    key = deriveSubkey(documentKey, 'content');
    contentKeys.set(documentKey, key);
  }
  return key;
}

export function encodeHeader(
  header: Omit<EnvelopeHeader, 'version'>,
  version: number = ENVELOPE_VERSION,
): Uint8Array {
  if (header.docId.length !== DOC_ID_BYTES) throw new CryptoError('bad-length', 'docId');
  if (!ENVELOPE_VERSIONS.includes(version)) throw new CryptoError('bad-version');
  return concat(
    Uint8Array.of(version, KINDS[header.kind]),
    header.docId,
    u32(header.generation),
    u32(header.epoch),
  );
}

/**
 * Reads the clear header of an envelope without opening it (for routing and key choice).
 * @throws CryptoError('bad-length' | 'bad-version' | 'bad-kind')
 */
export function readHeader(envelope: Uint8Array): EnvelopeHeader {
  if (envelope.length < HEADER_BYTES + NONCE_BYTES + TAG_BYTES) {
    throw new CryptoError('bad-length', 'shorter than an empty envelope');
  }
  const version = envelope[0]!;
  if (!ENVELOPE_VERSIONS.includes(version)) {
    throw new CryptoError('bad-version', `version ${version}`);
  }
  const kind = KIND_NAMES[envelope[1]!];
  if (!kind) throw new CryptoError('bad-kind', `kind ${envelope[1]}`);
  return {
    version,
    kind,
    docId: envelope.slice(2, 18),
    generation: readU32(envelope, 18),
    epoch: readU32(envelope, 22),
  };
}

function signedMessage(
  header: Uint8Array,
  author: Author,
  seq: number,
  prev: Uint8Array | null,
  payloadHash: Uint8Array,
): Uint8Array {
  const version = header[0]!;
  const fields =
    version === 1
      ? lp(header, author.member, author.device, u64(seq), payloadHash)
      : lp(header, author.member, author.device, u64(seq), prev!, payloadHash);
  return concat(SIG_TAGS[version]!, fields);
}

export interface SealOptions {
  kind: EnvelopeKind;
  docId: Uint8Array;
  generation: number;
  epoch: number;
  /** The document key of (docId, epoch); the content key is derived from it. */
  documentKey: Uint8Array;
  /** The member's signing pair; its public key is the author. */
  member: KeyPair;
  /** The device's signing public key. */
  device: Uint8Array;
  seq: number;
  payload: Uint8Array;
  /** The link of this author device's previous envelope in the document (default: none). */
  prev?: Uint8Array;
  /** Only for tests of stored data: 1 writes the old format (no prev). */
  version?: 1 | 2;
  /** Only for known-answer tests: a fixed nonce. Never pass one in production code. */
  nonce?: Uint8Array;
}

/** Seals a payload into an envelope. @throws CryptoError('too-large' | 'bad-length') */
export function sealEnvelope(options: SealOptions): Uint8Array {
  return sealLinked(options).envelope;
}

/**
 * Seals a payload and returns the envelope's link too (the next envelope's `prev`).
 * @throws CryptoError('too-large' | 'bad-length')
 */
export function sealLinked(options: SealOptions): { envelope: Uint8Array; link: Uint8Array } {
  const s = sodium();
  const { payload } = options;
  if (payload.length > MAX_PAYLOAD_BYTES) throw new CryptoError('too-large');
  if (options.device.length !== 32 || options.member.publicKey.length !== 32) {
    throw new CryptoError('bad-length', 'author key');
  }
  const version = options.version ?? ENVELOPE_VERSION;
  const header = encodeHeader(options, version);
  const author = { member: options.member.publicKey, device: options.device };
  const prev = version === 1 ? null : (options.prev ?? NO_PREV);
  if (prev && prev.length !== LINK_BYTES) throw new CryptoError('bad-length', 'prev');
  const payloadHash = s.crypto_generichash(32, payload, null);
  const message = signedMessage(header, author, options.seq, prev, payloadHash);
  const signature = s.crypto_sign_detached(message, options.member.privateKey);
  // inner ‖ sodium_pad, written in place: one allocation, no extra copies of the payload.
  const innerLength = INNER_FIXED[version]! + payload.length;
  const padded = new Uint8Array(paddedLength(innerLength));
  padded.set(author.member, 0);
  padded.set(author.device, 32);
  padded.set(u64(options.seq), 64);
  let at = 72;
  if (prev) {
    padded.set(prev, at);
    at += LINK_BYTES;
  }
  padded.set(u32(payload.length), at);
  padded.set(payload, at + 4);
  padded.set(signature, at + 4 + payload.length);
  padded[innerLength] = 0x80;
  const nonce = options.nonce ?? s.randombytes_buf(NONCE_BYTES);
  if (nonce.length !== NONCE_BYTES) throw new CryptoError('bad-length', 'nonce');
  const key = contentKey(options.documentKey);
  const ciphertext = s.crypto_aead_xchacha20poly1305_ietf_encrypt(padded, header, null, nonce, key);
  return {
    envelope: concat(header, nonce, ciphertext),
    link: s.crypto_generichash(32, message, null),
  };
}

export interface OpenOptions {
  /** The document key for (docId, epoch), or null when this device has none. */
  keyFor(docId: Uint8Array, epoch: number): Uint8Array | null;
  /**
   * Membership at this seq: throw CryptoError('unknown-author') for a non-member and
   * CryptoError('revoked') for an edit made after the author was removed.
   */
  authorize(author: Author, seq: number, header: EnvelopeHeader): void;
}

/**
 * Opens and verifies an envelope. Nothing is returned unless every check passed.
 * @throws CryptoError('bad-length' | 'bad-version' | 'bad-kind' | 'unknown-key' |
 *   'decrypt-failure' | 'bad-padding' | 'unknown-author' | 'revoked' | 'bad-signature')
 */
export function openEnvelope(envelope: Uint8Array, options: OpenOptions): OpenedEnvelope {
  const s = sodium();
  const header = readHeader(envelope);
  const documentKey = options.keyFor(header.docId, header.epoch);
  if (!documentKey) throw new CryptoError('unknown-key', `epoch ${header.epoch}`);
  const clearHeader = envelope.subarray(0, HEADER_BYTES);
  const nonce = envelope.subarray(HEADER_BYTES, HEADER_BYTES + NONCE_BYTES);
  const ciphertext = envelope.subarray(HEADER_BYTES + NONCE_BYTES);
  let padded: Uint8Array;
  try {
    padded = s.crypto_aead_xchacha20poly1305_ietf_decrypt(
      null,
      ciphertext,
      clearHeader,
      nonce,
      contentKey(documentKey),
    );
  } catch {
    throw new CryptoError('decrypt-failure');
  }
  const inner = unpad(padded);
  const fixed = INNER_FIXED[header.version]!;
  if (inner.length < fixed) throw new CryptoError('bad-length', 'inner too short');
  const author = { member: inner.subarray(0, 32), device: inner.subarray(32, 64) };
  const seq = readU64(inner, 64);
  const prev = header.version === 1 ? null : inner.subarray(72, 72 + LINK_BYTES);
  const at = prev ? 72 + LINK_BYTES : 72;
  const length = readU32(inner, at);
  if (inner.length !== fixed + length) throw new CryptoError('bad-length', 'payload length');
  const payload = inner.subarray(at + 4, at + 4 + length);
  const signature = inner.subarray(at + 4 + length);
  options.authorize(author, seq, header);
  const payloadHash = s.crypto_generichash(32, payload, null);
  const message = signedMessage(clearHeader, author, seq, prev, payloadHash);
  if (!s.crypto_sign_verify_detached(signature, message, author.member)) {
    throw new CryptoError('bad-signature');
  }
  const link = s.crypto_generichash(32, message, null);
  return { header, author, seq, payload, payloadHash, prev, link };
}

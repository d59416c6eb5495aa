import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  concat,
  CryptoError,
  deriveSubkey,
  generateIdentity,
  generateKey,
  HEADER_BYTES,
  loadSodium,
  NONCE_BYTES,
  openEnvelope,
  PAD_BLOCK,
  readHeader,
  sealEnvelope,
  sodium,
  u32,
  u64,
  type Author,
  type Identity,
  type OpenOptions,
  type SealOptions,
} from '../../../src/lib/crypto/index.ts';
import { code } from './codes.ts';

let alice: Identity;
let bob: Identity;
let device: Identity;
let key: Uint8Array;
let docId: Uint8Array;

beforeAll(async () => {
  await loadSodium();
  alice = generateIdentity();
  bob = generateIdentity();
  device = generateIdentity();
  key = generateKey();
  docId = sodium().randombytes_buf(16);
});

const same = (a: Uint8Array, b: Uint8Array) => sodium().compare(a, b) === 0;

function seal(overrides: Partial<SealOptions> = {}): Uint8Array {
  return sealEnvelope({
    kind: 'update',
    docId,
    generation: 1,
    epoch: 0,
    documentKey: key,
    member: alice.sign,
    device: device.sign.publicKey,
    seq: 1,
    payload: new Uint8Array([1, 2, 3]),
    ...overrides,
  });
}

/** Opens with the test's key table and a member list of alice (and bob when asked). */
function open(envelope: Uint8Array, options: Partial<OpenOptions> & { members?: Author[] } = {}) {
  const members = options.members ?? [
    { member: alice.sign.publicKey, device: device.sign.publicKey },
  ];
  return openEnvelope(envelope, {
    keyFor: options.keyFor ?? ((id, epoch) => (same(id, docId) && epoch === 0 ? key : null)),
    authorize:
      options.authorize ??
      ((author) => {
        if (!members.some((m) => same(m.member, author.member) && same(m.device, author.device))) {
          throw new CryptoError('unknown-author');
        }
      }),
  });
}

/** Re-seals a hand-built inner plaintext with the right key (to tamper inside the ciphertext). */
function resealInner(envelope: Uint8Array, inner: Uint8Array): Uint8Array {
  const s = sodium();
  const header = envelope.slice(0, HEADER_BYTES);
  const nonce = s.randombytes_buf(NONCE_BYTES);
  const ct = s.crypto_aead_xchacha20poly1305_ietf_encrypt(
    s.pad(inner, PAD_BLOCK),
    header,
    null,
    nonce,
    deriveSubkey(key, 'content'),
  );
  return concat(header, nonce, ct);
}

function innerOf(envelope: Uint8Array): Uint8Array {
  const s = sodium();
  const padded = s.crypto_aead_xchacha20poly1305_ietf_decrypt(
    null,
    envelope.subarray(HEADER_BYTES + NONCE_BYTES),
    envelope.subarray(0, HEADER_BYTES),
    envelope.subarray(HEADER_BYTES, HEADER_BYTES + NONCE_BYTES),
    deriveSubkey(key, 'content'),
  );
  return s.unpad(padded, PAD_BLOCK);
}

describe('envelope round trip', () => {
  it('opens what it sealed, for any payload, kind, seq, generation', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 4096 }),
        fc.constantFrom('update', 'snapshot', 'presence' as const),
        fc.nat({ max: Number.MAX_SAFE_INTEGER }),
        fc.nat({ max: 0xffffffff }),
        (payload, kind, seq, generation) => {
          const opened = open(seal({ payload, kind, seq, generation }));
          expect(same(opened.payload, payload)).toBe(true);
          expect(opened.seq).toBe(seq);
          expect(opened.header).toMatchObject({ kind, generation, epoch: 0 });
          expect(same(opened.author.member, alice.sign.publicKey)).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('pads to 256-byte blocks and names no author in the clear', () => {
    const a = seal({ payload: new Uint8Array(10) });
    const b = seal({ payload: new Uint8Array(60) });
    expect(a.length).toBe(b.length);
    expect((a.length - HEADER_BYTES - NONCE_BYTES - 16) % PAD_BLOCK).toBe(0);
    const hex = sodium().to_hex(a);
    expect(hex).not.toContain(sodium().to_hex(alice.sign.publicKey).slice(0, 16));
    expect(hex).not.toContain(sodium().to_hex(device.sign.publicKey).slice(0, 16));
  });

  it('uses a fresh nonce every time', () => {
    const a = seal();
    const b = seal();
    expect(
      same(a.slice(HEADER_BYTES, HEADER_BYTES + 24), b.slice(HEADER_BYTES, HEADER_BYTES + 24)),
    ).toBe(false);
  });

  it('refuses payloads over 16 MiB', () => {
    expect(code(() => seal({ payload: new Uint8Array(16 * 1024 * 1024 + 1) }))).toBe('too-large');
  });
});

describe('envelope tampering', () => {
  it('any flipped bit in header, nonce or ciphertext fails before anything is returned', () => {
    const envelope = seal({ payload: new Uint8Array(300).fill(7) });
    fc.assert(
      fc.property(
        fc.nat({ max: envelope.length - 1 }),
        fc.integer({ min: 0, max: 7 }),
        (index, bit) => {
          const copy = envelope.slice();
          copy[index]! ^= 1 << bit;
          const result = code(() => open(copy));
          if (index === 0) expect(result).toBe('bad-version');
          else if (index === 1) expect(['bad-kind', 'decrypt-failure']).toContain(result);
          else if (index < 18 || (index >= 22 && index < 26)) expect(result).toBe('unknown-key');
          else expect(result).toBe('decrypt-failure');
        },
      ),
      { numRuns: 500 },
    );
  });

  it('truncation at every length fails with a code', () => {
    const envelope = seal();
    for (let length = 0; length < envelope.length; length++) {
      const result = code(() => open(envelope.slice(0, length)));
      expect(['bad-length', 'decrypt-failure'], `length ${length}`).toContain(result);
    }
  });

  it('an unknown version or kind is refused before decryption', () => {
    const envelope = seal();
    for (const v of [0, 3, 255]) {
      const copy = envelope.slice();
      copy[0] = v;
      expect(code(() => readHeader(copy))).toBe('bad-version');
    }
    const copy = envelope.slice();
    copy[1] = 9;
    expect(code(() => readHeader(copy))).toBe('bad-kind');
  });

  it('a wrong key or a missing key fails', () => {
    const envelope = seal();
    expect(code(() => open(envelope, { keyFor: () => generateKey() }))).toBe('decrypt-failure');
    expect(code(() => open(envelope, { keyFor: () => null }))).toBe('unknown-key');
  });

  it('a header moved to another document, generation or epoch does not open', () => {
    const envelope = seal();
    const moved = envelope.slice();
    moved.set(u32(2), 18); // generation 1 → 2
    expect(code(() => open(moved))).toBe('decrypt-failure');
  });

  it('re-sealed with the right key: a swapped author, seq, payload or signature fails the signature', () => {
    const envelope = seal({ payload: new Uint8Array([9, 9, 9]), seq: 5 });
    const inner = innerOf(envelope);
    const both = [
      { member: alice.sign.publicKey, device: device.sign.publicKey },
      { member: bob.sign.publicKey, device: device.sign.publicKey },
    ];
    // Swapped author: bob's key in alice's signed envelope.
    const swapped = concat(bob.sign.publicKey, inner.slice(32));
    expect(code(() => open(resealInner(envelope, swapped), { members: both }))).toBe(
      'bad-signature',
    );
    // Other device named.
    const otherDevice = concat(inner.slice(0, 32), bob.sign.publicKey, inner.slice(64));
    expect(
      code(() =>
        open(resealInner(envelope, otherDevice), {
          members: [{ member: alice.sign.publicKey, device: bob.sign.publicKey }],
        }),
      ),
    ).toBe('bad-signature');
    // Changed seq.
    const seq = concat(inner.slice(0, 64), u64(6), inner.slice(72));
    expect(code(() => open(resealInner(envelope, seq)))).toBe('bad-signature');
    // Changed predecessor link (version 2).
    const prev = inner.slice();
    prev[80]! ^= 1;
    expect(code(() => open(resealInner(envelope, prev)))).toBe('bad-signature');
    // Changed payload byte.
    const payload = inner.slice();
    payload[108]! ^= 1;
    expect(code(() => open(resealInner(envelope, payload)))).toBe('bad-signature');
    // Any flipped bit in the signature.
    fc.assert(
      fc.property(fc.nat({ max: 63 }), fc.integer({ min: 0, max: 7 }), (i, bit) => {
        const sig = inner.slice();
        sig[sig.length - 64 + i]! ^= 1 << bit;
        expect(code(() => open(resealInner(envelope, sig)))).toBe('bad-signature');
      }),
      { numRuns: 50 },
    );
    // Lying length field.
    const length = concat(inner.slice(0, 104), u32(2), inner.slice(108));
    expect(code(() => open(resealInner(envelope, length)))).toBe('bad-length');
  });

  it('a non-member is refused before the signature is even checked', () => {
    const envelope = seal({ member: bob.sign });
    expect(code(() => open(envelope))).toBe('unknown-author');
    let authorized = 0;
    const revoked = () => {
      authorized++;
      throw new CryptoError('revoked');
    };
    expect(code(() => open(seal(), { authorize: revoked }))).toBe('revoked');
    expect(authorized).toBe(1);
  });

  it('never throws anything but a CryptoError on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        expect(code(() => open(bytes))).not.toBe('no-error');
      }),
      { numRuns: 500 },
    );
  });

  it('decoder: 10,000 generated envelopes (random, or valid ones of both versions mutated) open to a verified result or a CryptoError', () => {
    const valid = [seal(), seal({ version: 1 }), seal({ payload: new Uint8Array(300) })];
    const mutated = fc
      .tuple(
        fc.constantFrom(...valid),
        fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { minLength: 1, maxLength: 4 }),
        fc.option(fc.nat(), { nil: undefined }),
      )
      .map(([envelope, edits, cut]) => {
        const copy = envelope.slice(0, cut === undefined ? undefined : cut % (envelope.length + 1));
        for (const [i, byte] of edits) if (copy.length > 0) copy[i % copy.length] = byte;
        return copy;
      });
    const header = fc
      .tuple(fc.constantFrom(1, 2), fc.constantFrom(1, 2, 3), fc.uint8Array({ maxLength: 400 }))
      .map(([v, k, rest]) => concat(Uint8Array.of(v, k), docId, u32(1), u32(0), rest));
    fc.assert(
      fc.property(fc.oneof(mutated, header, fc.uint8Array({ maxLength: 400 })), (bytes) => {
        let result: unknown;
        try {
          result = open(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(CryptoError);
          return;
        }
        // Only an unchanged envelope opens (a mutation that rewrote a byte with itself).
        expect(valid.some((v) => v.length === bytes.length && same(v, bytes))).toBe(true);
        expect(result).toBeDefined();
      }),
      { numRuns: 10_000 },
    );
  });

  it('reads version-1 envelopes (stored before version 2): same checks, no prev', () => {
    const old = seal({ version: 1, seq: 7, payload: new Uint8Array([5]) });
    expect(old[0]).toBe(1);
    const opened = open(old);
    expect(opened).toMatchObject({ seq: 7, prev: null });
    expect(opened.link).toHaveLength(32);
    // Relabelled as version 2 (or back), the header no longer authenticates.
    const relabelled = old.slice();
    relabelled[0] = 2;
    expect(code(() => open(relabelled))).toBe('decrypt-failure');
    const current = seal({ prev: new Uint8Array(32).fill(9) });
    expect(current[0]).toBe(2);
    expect(same(open(current).prev!, new Uint8Array(32).fill(9))).toBe(true);
  });
});

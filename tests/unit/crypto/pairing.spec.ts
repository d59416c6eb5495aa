import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CryptoError,
  loadSodium,
  pairingSas,
  type PairingRequestFields,
} from '../../../src/lib/crypto/index.ts';

beforeAll(loadSodium);

const key = fc.uint8Array({ minLength: 32, maxLength: 32 });
const request = fc.record({
  member: key,
  memberBox: key,
  device: key,
  deviceBox: key,
  name: fc.string({ maxLength: 40 }),
  deviceName: fc.string({ maxLength: 40 }),
});
const FIELDS = ['member', 'memberBox', 'device', 'deviceBox', 'name', 'deviceName'] as const;

/** One field changed to a different value (a flipped bit for keys, an appended char for names). */
function rewrite(
  r: PairingRequestFields,
  field: (typeof FIELDS)[number],
  at: number,
): PairingRequestFields {
  const value = r[field];
  if (typeof value === 'string') return { ...r, [field]: value + String.fromCharCode(33 + at) };
  const bytes = value.slice();
  bytes[at % 32]! ^= 1 << (at % 8);
  return { ...r, [field]: bytes };
}

describe('pairingSas', () => {
  it('five groups of four digits, the same for the same secret and request', () => {
    fc.assert(
      fc.property(key, request, (secret, r) => {
        const sas = pairingSas(secret, r);
        expect(sas).toMatch(/^\d{4}( \d{4}){4}$/);
        expect(pairingSas(secret, { ...r })).toBe(sas);
      }),
      { numRuns: 200 },
    );
  });

  it('changes when any field of the request changes (every key and both names are covered)', () => {
    fc.assert(
      fc.property(
        key,
        request,
        fc.constantFrom(...FIELDS),
        fc.nat({ max: 255 }),
        (secret, r, field, at) => {
          expect(pairingSas(secret, rewrite(r, field, at))).not.toBe(pairingSas(secret, r));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('is not fooled by moving bytes between the names (length-prefixed)', () => {
    fc.assert(
      fc.property(key, request, fc.string({ minLength: 1, maxLength: 5 }), (secret, r, cut) => {
        const moved = { ...r, name: r.name + cut, deviceName: r.deviceName };
        const other = { ...r, name: r.name, deviceName: cut + r.deviceName };
        expect(pairingSas(secret, moved)).not.toBe(pairingSas(secret, other));
      }),
      { numRuns: 500 },
    );
  });

  it('depends on the link secret and refuses wrong lengths', () => {
    const r = fc.sample(request, 1)[0]!;
    const a = new Uint8Array(32);
    const b = a.slice();
    b[0] = 1;
    expect(pairingSas(a, r)).not.toBe(pairingSas(b, r));
    expect(() => pairingSas(new Uint8Array(31), r)).toThrow(CryptoError);
    expect(() => pairingSas(a, { ...r, deviceBox: new Uint8Array(31) })).toThrow(CryptoError);
  });
});

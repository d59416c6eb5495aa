import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  acceptGrant,
  fingerprint,
  formatRecoveryKey,
  generateIdentity,
  generateKey,
  generateRecoveryKey,
  grantKey,
  loadSodium,
  MIN_ARGON2,
  needsUpgrade,
  openLocal,
  parseRecoveryKey,
  sealLocal,
  sodium,
  unwrapWithPassphrase,
  unwrapWithRecoveryKey,
  utf8,
  wrapWithPassphrase,
  wrapWithRecoveryKey,
} from '../../../src/lib/crypto/index.ts';
import { code } from './codes.ts';

beforeAll(loadSodium);

/** The cheapest limits the vault accepts keep these tests fast; the app uses moderate. */
const FAST = MIN_ARGON2;

describe('passphrase wraps', () => {
  it('unwraps with the right passphrase and refuses a wrong one', () => {
    const vaultKey = generateKey();
    const wrap = wrapWithPassphrase({
      slotId: 's1',
      vaultKey,
      passphrase: 'correct horse battery',
      params: FAST,
    });
    expect(wrap).toMatchObject({ v: 1, kind: 'passphrase', kdf: 'argon2id13', ...FAST });
    const back = unwrapWithPassphrase({ slotId: 's1', wrap, passphrase: 'correct horse battery' });
    expect(sodium().compare(back, vaultKey)).toBe(0);
    expect(
      code(() => unwrapWithPassphrase({ slotId: 's1', wrap, passphrase: 'correct horse batterY' })),
    ).toBe('wrong-passphrase');
  });

  it('normalises Unicode so the same passphrase typed differently unlocks', () => {
    const vaultKey = generateKey();
    const wrap = wrapWithPassphrase({
      slotId: 's',
      vaultKey,
      passphrase: 'Ame\u0301lie',
      params: FAST,
    });
    expect(code(() => unwrapWithPassphrase({ slotId: 's', wrap, passphrase: 'Am\u00e9lie' }))).toBe(
      'no-error',
    );
  });

  it('binds slot and parameters: a moved or downgraded record does not open', () => {
    const vaultKey = generateKey();
    const wrap = wrapWithPassphrase({
      slotId: 's1',
      vaultKey,
      passphrase: 'pw',
      params: { opslimit: 3, memlimit: FAST.memlimit },
    });
    expect(code(() => unwrapWithPassphrase({ slotId: 's2', wrap, passphrase: 'pw' }))).toBe(
      'wrong-passphrase',
    );
    const lowered = { ...wrap, opslimit: 2 };
    expect(
      code(() => unwrapWithPassphrase({ slotId: 's1', wrap: lowered, passphrase: 'pw' })),
    ).toBe('wrong-passphrase');
    const tooWeak = { ...wrap, opslimit: 1 };
    expect(
      code(() => unwrapWithPassphrase({ slotId: 's1', wrap: tooWeak, passphrase: 'pw' })),
    ).toBe('weak-params');
    expect(
      code(() =>
        wrapWithPassphrase({
          slotId: 's',
          vaultKey,
          passphrase: 'pw',
          params: { opslimit: 1, memlimit: 8192 },
        }),
      ),
    ).toBe('weak-params');
  });

  it('reports records below the default as needing an upgrade', () => {
    const wrap = wrapWithPassphrase({
      slotId: 's',
      vaultKey: generateKey(),
      passphrase: 'pw',
      params: FAST,
    });
    expect(needsUpgrade(wrap)).toBe(true);
    expect(needsUpgrade(wrap, FAST)).toBe(false);
  });
});

describe('recovery keys', () => {
  it('round-trip through their printable form, forgiving case, spaces and look-alikes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (bytes) => {
        const text = formatRecoveryKey(bytes);
        expect(text).toMatch(/^([A-Z2-7]{4}-){13}[A-Z2-7]{4}$/);
        expect(sodium().compare(parseRecoveryKey(text), bytes)).toBe(0);
        const sloppy = text.toLowerCase().replace(/-/g, ' ').replace(/o/g, '0').replace(/i/g, '1');
        expect(sodium().compare(parseRecoveryKey(sloppy), bytes)).toBe(0);
      }),
      { numRuns: 100 },
    );
  });

  it('tells a typo (bad checksum, length, character) from a wrong key', () => {
    const { text, bytes } = generateRecoveryKey();
    const typo = (text[0] === 'A' ? 'B' : 'A') + text.slice(1);
    expect(code(() => parseRecoveryKey(typo))).toBe('bad-recovery-key');
    expect(code(() => parseRecoveryKey(text.slice(0, -1)))).toBe('bad-recovery-key');
    expect(code(() => parseRecoveryKey(text.replace(/.$/, '!')))).toBe('bad-recovery-key');
    const vaultKey = generateKey();
    const wrap = wrapWithRecoveryKey({ slotId: 's', vaultKey, recoveryKey: bytes });
    expect(
      sodium().compare(unwrapWithRecoveryKey({ slotId: 's', wrap, recoveryKey: bytes }), vaultKey),
    ).toBe(0);
    const other = generateRecoveryKey().bytes;
    expect(code(() => unwrapWithRecoveryKey({ slotId: 's', wrap, recoveryKey: other }))).toBe(
      'wrong-recovery-key',
    );
  });
});

describe('local boxes', () => {
  it('open only with the same vault key and purpose', () => {
    const vaultKey = generateKey();
    const box = sealLocal(vaultKey, 'keyring:s1', utf8('secret keyring'));
    expect(sodium().to_string(openLocal(vaultKey, 'keyring:s1', box))).toBe('secret keyring');
    expect(code(() => openLocal(vaultKey, 'keyring:s2', box))).toBe('decrypt-failure');
    expect(code(() => openLocal(generateKey(), 'keyring:s1', box))).toBe('decrypt-failure');
    const flipped = { ...box, ciphertext: box.ciphertext.slice() };
    flipped.ciphertext[0]! ^= 1;
    expect(code(() => openLocal(vaultKey, 'keyring:s1', flipped))).toBe('decrypt-failure');
  });
});

describe('key grants', () => {
  it('seal a key to one device, signed by a trusted granter', () => {
    const admin = generateIdentity();
    const tablet = generateIdentity();
    const key = generateKey();
    const grant = grantKey({
      kind: 'practice',
      keyId: 'p1',
      epoch: 2,
      key,
      recipientBoxKey: tablet.box.publicKey,
      granter: admin.sign,
    });
    const opened = acceptGrant(grant, {
      recipient: tablet.box,
      trustedGranters: [admin.sign.publicKey],
    });
    expect(sodium().compare(opened, key)).toBe(0);
  });

  it('refuse untrusted granters, other recipients, and any tampered field', () => {
    const admin = generateIdentity();
    const tablet = generateIdentity();
    const intruder = generateIdentity();
    const grant = grantKey({
      kind: 'clinical',
      keyId: 'p1',
      epoch: 0,
      key: generateKey(),
      recipientBoxKey: tablet.box.publicKey,
      granter: admin.sign,
    });
    const trust = { recipient: tablet.box, trustedGranters: [admin.sign.publicKey] };
    expect(
      code(() => acceptGrant(grant, { ...trust, trustedGranters: [intruder.sign.publicKey] })),
    ).toBe('bad-grant');
    expect(code(() => acceptGrant(grant, { ...trust, recipient: intruder.box }))).toBe('bad-grant');
    expect(code(() => acceptGrant({ ...grant, epoch: 1 }, trust))).toBe('bad-grant');
    expect(code(() => acceptGrant({ ...grant, kind: 'chart' }, trust))).toBe('bad-grant');
    const sealed = grant.sealed.slice();
    sealed[5]! ^= 1;
    expect(code(() => acceptGrant({ ...grant, sealed }, trust))).toBe('bad-grant');
    // An intruder re-sealing its own key and signing as itself is still untrusted.
    const forged = grantKey({
      kind: 'clinical',
      keyId: 'p1',
      epoch: 0,
      key: generateKey(),
      recipientBoxKey: tablet.box.publicKey,
      granter: intruder.sign,
    });
    expect(code(() => acceptGrant(forged, trust))).toBe('bad-grant');
  });

  it('fingerprints are short, stable and differ between keys', () => {
    const a = generateIdentity().sign.publicKey;
    expect(fingerprint(a)).toMatch(/^\d{4} \d{4} \d{4} \d{4} \d{4}$/);
    expect(fingerprint(a)).toBe(fingerprint(a.slice()));
    expect(fingerprint(a)).not.toBe(fingerprint(generateIdentity().sign.publicKey));
  });
});

import { expect, it } from 'vitest';
import { CodedError } from '../../src/lib/coded-error.ts';
import { SyncError } from '../../src/lib/sync/changes.ts';
import { CrdtError } from '../../src/lib/crdt/errors.ts';
import { CryptoError } from '../../src/lib/crypto/errors.ts';
import { ShlError } from '../../src/lib/fhir/shl/errors.ts';
import { VaultCallError } from '../../src/lib/vault/client.ts';
import { VaultError } from '../../src/lib/vault/errors.ts';
import { RotationError } from '../../src/lib/vault/rotation.ts';

it('every coded error is a CodedError and keeps its own name, code and message', () => {
  const cases: [CodedError, string, string, string][] = [
    [new CryptoError('bad-signature'), 'CryptoError', 'bad-signature', 'bad-signature'],
    [new CryptoError('too-large', '2 MiB'), 'CryptoError', 'too-large', 'too-large: 2 MiB'],
    [new VaultError('locked'), 'VaultError', 'locked', 'locked'],
    [new VaultError('bad-input', 'No name.'), 'VaultError', 'bad-input', 'No name.'],
    [new RotationError('self', 'Not yourself.'), 'RotationError', 'self', 'Not yourself.'],
    [new VaultCallError('worker-failed', 'x'), 'VaultCallError', 'worker-failed', 'x'],
    [new ShlError('expired', 'The link expired.'), 'ShlError', 'expired', 'The link expired.'],
    [new CrdtError('closed'), 'CrdtError', 'closed', 'closed'],
    [new CrdtError('bad-snapshot', 'short'), 'CrdtError', 'bad-snapshot', 'bad-snapshot: short'],
    [new SyncError('offline', 'No relay.'), 'SyncError', 'offline', 'No relay.'],
  ];
  for (const [error, name, code, message] of cases) {
    expect(error).toBeInstanceOf(CodedError);
    expect(error).toBeInstanceOf(Error);
    expect({ name: error.name, code: error.code, message: error.message }).toEqual({
      name,
      code,
      message,
    });
  }
  // Subclasses stay distinct: a RotationError is a VaultError, a CryptoError is not.
  expect(new RotationError('self', '')).toBeInstanceOf(VaultError);
  expect(new CryptoError('revoked')).not.toBeInstanceOf(VaultError);
  expect(new ShlError('refused', 'r', 2).remainingAttempts).toBe(2);
});

it('the base alone carries a code and defaults its message to it', () => {
  const error = new CodedError('some-code');
  expect([error.name, error.code, error.message]).toEqual(['CodedError', 'some-code', 'some-code']);
});

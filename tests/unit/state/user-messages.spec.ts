import { expect, it } from 'vitest';
import {
  DESCRIBED_CODES,
  describeError,
  GENERIC_FAILURE,
} from '../../../src/lib/state/user-messages.ts';
import { VaultCallError } from '../../../src/lib/vault/client.ts';
import { VaultError } from '../../../src/lib/vault/errors.ts';

/** Every code with words of its own; OWN means the vault's message is shown as it is. */
const OWN = Symbol('own message');
const EXPECTED: Record<string, string | typeof OWN> = {
  'wrong-passphrase': 'That passphrase is not right. Check Caps Lock and try again.',
  'wrong-recovery-key': 'That recovery key does not belong to this member on this device.',
  'worker-failed': 'The vault stopped unexpectedly. Reload the page; nothing stored was lost.',
  locked: 'Folio is locked.',
  'no-slot': 'That member is not set up on this device.',
  'bad-recovery-key': 'That recovery key has a typo: check each group of four characters.',
  'bad-input': OWN,
  'weak-passphrase': OWN,
  'not-admin': OWN,
  'already-set-up': OWN,
  'unknown-device': OWN,
  'last-admin': OWN,
  self: OWN,
  removed: OWN,
  'stale-removal': OWN,
  'pairing-mismatch': OWN,
  'viewer-page': OWN,
};

it('has words for exactly the expected codes', () => {
  expect([...DESCRIBED_CODES].sort()).toEqual(Object.keys(EXPECTED).sort());
});

it('describes every code it knows', () => {
  for (const [code, expected] of Object.entries(EXPECTED)) {
    const said = describeError(new VaultCallError(code, 'The vault’s own sentence.'));
    expect(said, code).toBe(expected === OWN ? 'The vault’s own sentence.' : expected);
  }
});

it('says only the generic sentence for anything else', () => {
  for (const error of [
    new VaultCallError('internal-error', 'internal-error'),
    new VaultCallError('decrypt-failure', 'decrypt-failure: details'),
    new VaultCallError('toString', 'x'),
    new VaultCallError('__proto__', 'x'),
    // Only calls through the vault client are described; a local error never shows its message.
    new VaultError('bad-input', 'A message from inside the Worker.'),
    new Error('wrong-passphrase'),
    'wrong-passphrase',
    undefined,
  ])
    expect(describeError(error), String(error)).toBe(GENERIC_FAILURE);
  expect(GENERIC_FAILURE).toBe('Something went wrong. Nothing stored was changed.');
});

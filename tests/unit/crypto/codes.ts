import { CryptoError } from '../../../src/lib/crypto/index.ts';

/** Runs `fn`; returns the CryptoError code it threw, or 'no-error'. Other errors propagate. */
export function code(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof CryptoError) return error.code;
    throw error;
  }
  return 'no-error';
}

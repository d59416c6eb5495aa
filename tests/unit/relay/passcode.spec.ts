/**
 * Issue 11 item 7: Argon2id (share-link passcodes) runs off the event loop, so a burst of
 * passcode guesses does not stall every other request the relay serves.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { expect, it } from 'vitest';
import { hashPasscode, verifyPasscode } from '../../../relay/passcode.ts';

it('hashes and verifies (Argon2id, libsodium encoding)', async () => {
  const hash = await hashPasscode('quartz-4417');
  expect(hash.startsWith('$argon2id$')).toBe(true);
  expect(await verifyPasscode(hash, 'quartz-4417')).toBe(true);
  expect(await verifyPasscode(hash, 'quartz-4418')).toBe(false);
  expect(await verifyPasscode('not a hash', 'x')).toBe(false);
});

it('keeps the event loop responsive while passcodes are checked', async () => {
  const hash = await hashPasscode('quartz-4417');
  const start = performance.now();
  await verifyPasscode(hash, 'warm-up-guess');
  const one = performance.now() - start;
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  await Promise.all(Array.from({ length: 6 }, (_, i) => verifyPasscode(hash, `guess-${i}`)));
  delay.disable();
  // On the loop, each verification would block it for its whole duration: six such stalls make
  // the 99th percentile of the loop's delay about one verification long.
  const p99Ms = delay.percentile(99) / 1e6;
  expect(p99Ms).toBeLessThan(Math.max(20, one / 2));
});

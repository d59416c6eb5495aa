import { expect, it } from 'vitest';
import { relayProofs } from '../../../src/lib/sync/relay-proofs.ts';
import { manualClock } from '../../kit/clock.ts';

it('asks the vault once per refresh period, sharing one request among concurrent askers', async () => {
  const clock = manualClock(1_000_000);
  let issued = 0;
  const proofs = relayProofs(async () => `proof-${++issued}`, {
    now: clock.now,
    refreshMs: 600_000,
  });
  expect(await Promise.all([proofs.current(), proofs.current()])).toEqual(['proof-1', 'proof-1']);
  await clock.advance(599_999);
  expect(await proofs.current()).toBe('proof-1');
  await clock.advance(1);
  expect(await proofs.current()).toBe('proof-2');
  proofs.clear();
  expect(await proofs.current()).toBe('proof-3');
});

it('does not keep a failed request: the next asker tries again', async () => {
  let calls = 0;
  const proofs = relayProofs(async () => {
    calls += 1;
    if (calls === 1) throw new Error('locked');
    return 'ok';
  });
  await expect(proofs.current()).rejects.toThrow('locked');
  expect(await proofs.current()).toBe('ok');
});

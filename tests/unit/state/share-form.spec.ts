import { expect, it } from 'vitest';
import { blankShareForm, isLive } from '../../../src/lib/state/share-form.ts';

const NOW = Date.parse('2026-11-20T12:00:00Z');
const DAY = 24 * 3600_000;

it('every share form starts the same: passcode link, whole chart, 30 days, nothing ticked', () => {
  const a = blankShareForm(NOW);
  expect(a).toEqual({
    recipient: '',
    purpose: 'TREAT',
    whole: true,
    chosen: [],
    expires: expect.stringMatching(/^2026-12-(19|20|21)$/),
    kind: 'passcode',
    consented: false,
  });
  // A fresh object each time: editing one form never leaks into the next.
  a.kind = 'single-file';
  a.chosen.push('note');
  expect(blankShareForm(NOW)).toMatchObject({ kind: 'passcode', chosen: [] });
});

it('a link is live only while active here, before its expiry, and not dead at the relay', () => {
  const link = { status: 'active' as const, expiresAt: NOW + DAY };
  const log = (status: 'active' | 'expired' | 'revoked' | 'disabled' | 'unknown') => ({
    status,
    expires: null,
    failures: 0,
    remainingAttempts: null,
    accesses: [],
  });
  expect(isLive(link, undefined, NOW)).toBe(true);
  expect(isLive(link, 'unavailable', NOW)).toBe(true);
  expect(isLive(link, log('active'), NOW)).toBe(true);
  expect(isLive({ ...link, status: 'revoked' }, log('active'), NOW)).toBe(false);
  expect(isLive(link, undefined, NOW + 2 * DAY)).toBe(false);
  expect(isLive({ ...link, expiresAt: NaN }, undefined, NOW)).toBe(false);
  for (const dead of ['expired', 'revoked', 'disabled', 'unknown'] as const)
    expect(isLive(link, log(dead), NOW)).toBe(false);
});

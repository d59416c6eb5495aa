import { expect, it } from 'vitest';
import { clockSkew, describeSkew } from '../../../src/lib/state/clock-skew.ts';

it('measures skew against an HTTP Date header and ignores unreadable ones', () => {
  const header = 'Sun, 22 Nov 2026 12:00:00 GMT';
  const remote = Date.parse(header);
  expect(clockSkew(header, remote + 3 * 3600_000)).toBe(3 * 3600_000);
  expect(clockSkew(header, remote - 90_000)).toBe(-90_000);
  expect(clockSkew(null, remote)).toBeNull();
  expect(clockSkew('yesterday-ish', remote)).toBeNull();
});

it('describes a skew in words a user can act on', () => {
  expect(describeSkew(3 * 3600_000)).toBe('3 hours ahead of');
  expect(describeSkew(-12 * 60_000)).toBe('12 minutes behind');
  expect(describeSkew(-400 * 24 * 3600_000)).toBe('400 days behind');
});

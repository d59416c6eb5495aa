import fc from 'fast-check';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ConfigError, readConfig } from '../../../relay/config.ts';
import { clientOf, resolveClient } from '../../../relay/per-client.ts';

const PROXY = '127.0.0.1';
const TRUSTED = new Set([PROXY, '10.0.0.5']);

function req(peer: string, xff?: string | string[]): IncomingMessage {
  return {
    socket: { remoteAddress: peer },
    headers: xff === undefined ? {} : { 'x-forwarded-for': xff },
  } as unknown as IncomingMessage;
}

function client(peer: string, xff?: string | string[]): string {
  const r = req(peer, xff);
  resolveClient(r, TRUSTED);
  return clientOf(r);
}

describe('the client address behind a trusted reverse proxy (FOLIO_TRUSTED_PROXIES)', () => {
  it('a connection from anywhere else is its own address, whatever it claims', () => {
    expect(client('198.51.100.7', '203.0.113.9')).toBe('198.51.100.7');
    expect(client('::ffff:198.51.100.7', '127.0.0.1')).toBe('198.51.100.7');
  });

  it('from a trusted proxy: the nearest address that is not a trusted proxy', () => {
    expect(client(PROXY, '198.51.100.7')).toBe('198.51.100.7');
    expect(client('::ffff:127.0.0.1', '::ffff:198.51.100.7')).toBe('198.51.100.7');
    // A client-sent entry on the left is not believed; the proxies appended the right ones.
    expect(client(PROXY, '203.0.113.9, 198.51.100.7')).toBe('198.51.100.7');
    // Through two trusted proxies.
    expect(client(PROXY, '203.0.113.9, 198.51.100.7, 10.0.0.5')).toBe('198.51.100.7');
    expect(client(PROXY, '2001:db8::1')).toBe('2001:db8::1');
  });

  it('a missing, empty or malformed header leaves the proxy as the client', () => {
    expect(client(PROXY)).toBe(PROXY);
    expect(client(PROXY, '')).toBe(PROXY);
    expect(client(PROXY, 'unknown')).toBe(PROXY);
    expect(client(PROXY, '198.51.100.7, not-an-ip')).toBe(PROXY);
    expect(client(PROXY, '10.0.0.5')).toBe(PROXY);
    expect(client(PROXY, ['198.51.100.7', '203.0.113.9'])).toBe(PROXY);
  });

  it('never yields an address a client chose unless a trusted proxy appended it (fast-check)', () => {
    const ip = fc.oneof(fc.ipV4(), fc.ipV6(), fc.constantFrom(...TRUSTED));
    const entry = fc.oneof(ip, fc.string({ maxLength: 20 }));
    fc.assert(
      fc.property(
        fc.oneof(fc.ipV4(), fc.constantFrom(...TRUSTED)),
        fc.array(entry, { maxLength: 6 }),
        fc.constantFrom(', ', ',', ' , '),
        (peer, entries, sep) => {
          expect(holds(peer, entries, sep)).toBe(true);
        },
      ),
      { numRuns: 2000 },
    );
    function holds(peer: string, entries: string[], sep: string): boolean {
      const header = entries.join(sep);
      const got = client(peer, header);
      if (!TRUSTED.has(peer)) return got === peer;
      if (got === peer) return true;
      // Otherwise: a well-formed, untrusted address from the header, and every entry to its
      // right is a trusted proxy.
      const parts = header.split(',').map((e) => e.trim().replace(/^::ffff:/, ''));
      const at = parts.lastIndexOf(got);
      return (
        isIP(got) !== 0 &&
        !TRUSTED.has(got) &&
        at >= 0 &&
        parts.slice(at + 1).every((p) => TRUSTED.has(p))
      );
    }
  });

  it('is read from FOLIO_TRUSTED_PROXIES; anything but IP addresses is refused with a message', () => {
    expect(readConfig({ FOLIO_TRUSTED_PROXIES: '127.0.0.1, ::1' }, '/srv').trustedProxies).toEqual([
      '127.0.0.1',
      '::1',
    ]);
    expect(readConfig({}, '/srv').trustedProxies).toBeUndefined();
    for (const bad of ['10.0.0.0/8', 'proxy.local', ' ']) {
      let error: unknown;
      try {
        readConfig({ FOLIO_TRUSTED_PROXIES: bad }, '/srv');
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).code).toBe('bad-trusted-proxies');
      expect((error as Error).message).toMatch(/FOLIO_TRUSTED_PROXIES/);
    }
  });
});

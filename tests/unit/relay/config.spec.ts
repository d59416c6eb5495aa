import { describe, expect, it } from 'vitest';
import { ConfigError, readConfig } from '../../../relay/config.ts';
import { safeFields } from '../../../relay/log.ts';

describe('relay configuration', () => {
  it('defaults to 127.0.0.1:5173 with ./data and ./build', () => {
    expect(readConfig({}, '/srv/folio')).toEqual({
      port: 5173,
      host: '127.0.0.1',
      dataDir: '/srv/folio/data',
      buildDir: '/srv/folio/build',
    });
  });

  it('reads PORT, HOST and FOLIO_DATA_DIR', () => {
    expect(
      readConfig({ PORT: '8080', HOST: '::1', FOLIO_DATA_DIR: '/var/folio' }, '/srv'),
    ).toMatchObject({ port: 8080, host: '::1', dataDir: '/var/folio' });
  });

  it('reads the practices a relay admits and their quota (FOLIO_PRACTICES, FOLIO_PRACTICE_QUOTA_GB)', () => {
    const [a, b] = ['a'.repeat(64), 'b'.repeat(64)];
    expect(
      readConfig({ FOLIO_PRACTICES: `${a}, ${b} ${a}`, FOLIO_PRACTICE_QUOTA_GB: '0.5' }, '/')
        .practiceLimits,
    ).toEqual({ allow: [a, b], quotaBytes: 512 * 1024 ** 2 });
    for (const bad of [
      { FOLIO_PRACTICES: 'clinic-one' },
      { FOLIO_PRACTICES: 'A'.repeat(64) },
      { FOLIO_PRACTICES: ' ' },
      { FOLIO_PRACTICE_QUOTA_GB: '0' },
      { FOLIO_PRACTICE_QUOTA_GB: 'lots' },
    ]) {
      expect(() => readConfig(bad, '/')).toThrow(/FOLIO_PRACTICE/);
    }
  });

  it('reads FOLIO_METRICS_TOKEN and refuses a short one', () => {
    expect(readConfig({ FOLIO_METRICS_TOKEN: 't'.repeat(32) }, '/').metricsToken).toBe(
      't'.repeat(32),
    );
    expect(() => readConfig({ FOLIO_METRICS_TOKEN: 'secret' }, '/')).toThrow(
      /FOLIO_METRICS_TOKEN must be at least 32 characters/,
    );
  });

  it.each(['abc', '-1', '70000', '80.5', ''])('rejects PORT=%j with a clear message', (port) => {
    expect(() => readConfig({ PORT: port }, '/')).toThrow(ConfigError);
    expect(() => readConfig({ PORT: port }, '/')).toThrow(/PORT must be a whole number/);
  });

  it('keeps only code-like strings in log fields', () => {
    expect(safeFields({ reason: 'bad-topic', n: 3, body: 'Jane Doe, DOB 1970-01-01' })).toEqual({
      reason: 'bad-topic',
      n: 3,
      body: '<24 chars>',
    });
  });
});

describe('FOLIO_PUBLIC_URL', () => {
  it('is read as an origin', () => {
    expect(readConfig({ FOLIO_PUBLIC_URL: 'https://folio.example.org/' }, '/').publicUrl).toBe(
      'https://folio.example.org',
    );
    expect(readConfig({}, '/').publicUrl).toBeUndefined();
  });

  it.each([
    'folio.example.org',
    'ftp://x.org',
    'https://x.org/app',
    'https://u:p@x.org',
    'https://x.org/?q',
  ])('rejects %j with a clear message', (value) => {
    expect(() => readConfig({ FOLIO_PUBLIC_URL: value }, '/')).toThrow(/FOLIO_PUBLIC_URL must be/);
  });
});

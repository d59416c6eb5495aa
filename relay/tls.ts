/**
 * HTTPS for the clinic LAN (issue 14 item 1): FOLIO_TLS_CERT and FOLIO_TLS_KEY name PEM files (a
 * certificate the practice provides, or one made by `npm run tls:init`; docs/lan.md). Everything
 * that can be wrong with them is said at start, naming the variable: a missing or unreadable file,
 * something that is not a certificate or a key, a key that does not belong to the certificate, a
 * certificate that has expired or is not yet valid, and one that does not cover the host of
 * FOLIO_PUBLIC_URL (browsers would refuse it).
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { ConfigError } from './config.ts';

export interface TlsFiles {
  cert: string;
  key: string;
}

function read(name: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(
      'bad-tls',
      `${name} names ${path}, which cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
}

/**
 * Reads and checks the certificate and key; undefined when neither variable is set.
 * @throws ConfigError('bad-tls') with a sentence naming what is wrong
 */
export function readTls(
  env: NodeJS.ProcessEnv,
  publicUrl: string | undefined,
  now = Date.now(),
): TlsFiles | undefined {
  const certPath = env.FOLIO_TLS_CERT;
  const keyPath = env.FOLIO_TLS_KEY;
  if (certPath === undefined && keyPath === undefined) return undefined;
  if (!certPath || !keyPath) {
    throw new ConfigError('bad-tls', 'Set both FOLIO_TLS_CERT and FOLIO_TLS_KEY, or neither');
  }
  const cert = read('FOLIO_TLS_CERT', certPath);
  const key = read('FOLIO_TLS_KEY', keyPath);
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch {
    throw new ConfigError('bad-tls', `FOLIO_TLS_CERT (${certPath}) is not a PEM certificate`);
  }
  let privateKey;
  try {
    privateKey = createPrivateKey(key);
  } catch {
    throw new ConfigError('bad-tls', `FOLIO_TLS_KEY (${keyPath}) is not a PEM private key`);
  }
  if (!x509.checkPrivateKey(privateKey)) {
    throw new ConfigError(
      'bad-tls',
      'FOLIO_TLS_KEY is not the key of the certificate in FOLIO_TLS_CERT',
    );
  }
  const from = Date.parse(x509.validFrom);
  const to = Date.parse(x509.validTo);
  if (now > to) {
    throw new ConfigError(
      'bad-tls',
      `The certificate in FOLIO_TLS_CERT expired on ${x509.validTo}`,
    );
  }
  if (now < from) {
    throw new ConfigError(
      'bad-tls',
      `The certificate in FOLIO_TLS_CERT is not valid before ${x509.validFrom}: check this machine's clock`,
    );
  }
  if (publicUrl) {
    const url = new URL(publicUrl);
    if (url.protocol !== 'https:') {
      throw new ConfigError(
        'bad-tls',
        `FOLIO_PUBLIC_URL must start with https:// when the relay serves HTTPS, not ${url.protocol}//`,
      );
    }
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const covered = isIP(host) ? x509.checkIP(host) : x509.checkHost(host);
    if (!covered) {
      throw new ConfigError(
        'bad-tls',
        `The certificate in FOLIO_TLS_CERT does not cover ${host}, the host of FOLIO_PUBLIC_URL (browsers would refuse it)`,
      );
    }
  }
  return { cert, key };
}

#!/usr/bin/env node
/**
 * `npm run tls:init -- <host or IP>…`: a local certificate authority for the clinic LAN (issue 14
 * item 1; docs/lan.md), made once, and a server certificate signed by it for the names given
 * (e.g. `clinic-pc.local 192.168.1.20`). Uses the `openssl` command.
 *
 * Files, in $FOLIO_TLS_DIR (default ./data/tls):
 *   folio-clinic-ca.crt   the authority's certificate: install it on each device (docs/lan.md)
 *   ca.key                its private key (mode 600; never leaves this machine)
 *   server.crt, server.key   for FOLIO_TLS_CERT / FOLIO_TLS_KEY (397 days: Apple's limit is 398)
 * Running it again keeps the authority (devices keep trusting it) and issues a new server
 * certificate, e.g. for other names or before the old one expires.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';

const names = process.argv.slice(2);
const dir = resolve(process.env.FOLIO_TLS_DIR ?? join('data', 'tls'));
const HOST =
  /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

function fail(message) {
  console.error(`tls:init: ${message}`);
  process.exit(1);
}

if (names.length === 0) {
  fail(
    'name the host names or IP addresses devices use, e.g. npm run tls:init -- clinic-pc.local 192.168.1.20',
  );
}
for (const name of names) {
  if (!isIP(name) && !HOST.test(name)) fail(`"${name}" is neither a host name nor an IP address`);
}
try {
  execFileSync('openssl', ['version'], { stdio: 'ignore' });
} catch {
  fail('the openssl command is missing (Debian: apt-get install openssl)');
}

const openssl = (...args) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
mkdirSync(dir, { recursive: true, mode: 0o700 });
const caKey = join(dir, 'ca.key');
const caCert = join(dir, 'folio-clinic-ca.crt');
if (!existsSync(caKey) || !existsSync(caCert)) {
  openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', caKey);
  chmodSync(caKey, 0o600);
  openssl(
    'req',
    '-x509',
    '-new',
    '-key',
    caKey,
    '-sha256',
    '-days',
    '3650',
    '-out',
    caCert,
    '-subj',
    '/O=Folio clinic/CN=Folio clinic local CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE,pathlen:0',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  );
  console.log(`Created a certificate authority: ${caCert}`);
} else {
  console.log(`Using the existing certificate authority: ${caCert}`);
}

const key = join(dir, 'server.key');
const csr = join(dir, 'server.csr');
const cert = join(dir, 'server.crt');
const ext = join(dir, 'server.ext');
const san = names.map((n) => (isIP(n) ? `IP:${n}` : `DNS:${n}`)).join(',');
openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', key);
chmodSync(key, 0o600);
openssl('req', '-new', '-key', key, '-out', csr, '-subj', `/O=Folio clinic/CN=${names[0]}`);
writeFileSync(
  ext,
  [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature',
    'extendedKeyUsage=serverAuth',
    `subjectAltName=${san}`,
  ].join('\n') + '\n',
);
openssl(
  'x509',
  '-req',
  '-in',
  csr,
  '-CA',
  caCert,
  '-CAkey',
  caKey,
  '-CAcreateserial',
  '-days',
  '397',
  '-sha256',
  '-extfile',
  ext,
  '-out',
  cert,
);

const first = names[0];
const host = isIP(first) === 6 ? `[${first}]` : first;
console.log(`Issued a server certificate for ${names.join(', ')}: ${cert}

Start Folio on the network with:
  HOST=0.0.0.0 FOLIO_PUBLIC_URL=https://${host}:5173 \\
  FOLIO_TLS_CERT=${cert} FOLIO_TLS_KEY=${key} npm start

Then install ${caCert} on each device once (docs/lan.md).`);

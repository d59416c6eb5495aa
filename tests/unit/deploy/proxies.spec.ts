/**
 * Issue 14 item 2: the SHIPPED deploy/nginx.conf and deploy/Caddyfile, run for real in front of a
 * relay process (relay/main.ts), with TLS from a test authority (scripts/tls-init.js). The files
 * are used as shipped except for the substitutions `render` makes and checks (docs/deploy.md,
 * "How the proxy files are tested"): public host name, ports, certificate paths, the relay's
 * address; for nginx, an outer file with temp paths (the shipped file is an http-context
 * include); for Caddy, a global block (admin off, no redirect listener) and a `tls` line with the
 * test certificate. Everything binds 127.0.0.1; every process is killed in afterAll.
 */
import { HocuspocusProviderWebsocket } from '@hocuspocus/provider';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SIGNALING_LIMITS } from '../../../relay/signaling.ts';
import { TransportDoc } from '../../../src/lib/crdt/transport-doc.ts';
import { attachRelayRoom } from '../../../src/lib/sync/relay-client.ts';
import { PRACTICE } from '../../kit/practice.ts';
import { freePort } from '../../kit/net.ts';
import { until } from '../relay/helpers.ts';

const NGINX = '/usr/sbin/nginx';
const CADDY = '/usr/bin/caddy';
for (const binary of [NGINX, CADDY]) {
  if (!existsSync(binary) && process.env.CI)
    throw new Error(`${binary} is missing: .ci/run installs it`);
  if (!existsSync(binary))
    console.warn(`proxy tests skipped for ${binary}: not installed (apt-get install nginx caddy)`);
}

const REPO = resolve(import.meta.dirname, '../../..');
/** The relay address and public name the shipped files carry (what `render` replaces). */
const SHIPPED_UPSTREAM = '127.0.0.1:5173';
const SHIPPED_HOST = 'relay.example.org';
/** Hocuspocus's server ping interval (its default `timeout`, which relay/sync.ts keeps). */
const HOCUSPOCUS_PING_MS = 30_000;

let root = '';
let ca: Buffer;
let relayPort = 0;
const procs: ChildProcess[] = [];
const logs: string[] = [];

/** Replaces each `[from, to]` in `text`; throws if one is missing (the shipped file changed). */
function render(text: string, pairs: [string | RegExp, string][], file: string): string {
  let out = text;
  for (const [from, to] of pairs) {
    const found = typeof from === 'string' ? out.includes(from) : from.test(out);
    if (!found)
      throw new Error(`${file} no longer contains ${String(from)}: update the test's render step`);
    out = typeof from === 'string' ? out.split(from).join(to) : out.replace(from, to);
  }
  return out;
}

function start(name: string, cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env) {
  // Its own process group: nginx's workers outlive a killed master, so the group is killed.
  const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  procs.push(child);
  for (const stream of [child.stdout, child.stderr])
    stream?.on('data', (d: Buffer) => logs.push(`${name}: ${d.toString().trim()}`));
  child.on('exit', (code) => logs.push(`${name}: exited ${code}`));
  return child;
}

/** An HTTPS request to loopback that trusts only the test authority; `host` goes in SNI and Host. */
function call(
  port: number,
  path: string,
  options: {
    method?: string;
    headers?: Record<string, string | number>;
    body?: Buffer | number;
    /** The client's own address (another loopback address stands for a client elsewhere). */
    from?: string;
  } = {},
): Promise<{ status: number; headers: Record<string, unknown>; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        servername: 'localhost',
        port,
        path,
        method: options.method ?? 'GET',
        headers: { host: `localhost:${port}`, ...options.headers },
        ca,
        ...(options.from ? { localAddress: options.from } : {}),
      },
      (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    const body = options.body;
    if (typeof body === 'number') {
      // A streamed body of `body` bytes; the proxy may answer (and close) before it is all sent.
      const chunk = Buffer.alloc(1 << 20);
      let left = body;
      const pump = () => {
        while (left > 0) {
          const n = Math.min(left, chunk.length);
          left -= n;
          if (!req.write(chunk.subarray(0, n))) return void req.once('drain', pump);
        }
        req.end();
      };
      req.on('response', () => (left = 0));
      pump();
    } else req.end(body);
  });
}

async function waitHealthy(port: number, what: string, tls: boolean): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      if (tls) {
        if ((await call(port, '/healthz')).status === 200) return;
      } else if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} did not come up; logs:\n${logs.slice(-30).join('\n')}`);
}

beforeAll(async () => {
  if (!existsSync(NGINX) && !existsSync(CADDY)) return;
  root = await mkdtemp(join(tmpdir(), 'folio-proxies-'));
  const tlsDir = join(root, 'tls');
  execFileSync('node', [join(REPO, 'scripts/tls-init.js'), 'localhost', '127.0.0.1'], {
    env: { ...process.env, FOLIO_TLS_DIR: tlsDir },
    stdio: 'ignore',
  });
  ca = await readFile(join(tlsDir, 'folio-clinic-ca.crt'));
  const build = join(root, 'build');
  await mkdir(build, { recursive: true });
  await writeFile(join(build, 'index.html'), '<!doctype html><title>shell</title>');
  relayPort = await freePort();
  start(
    'relay',
    process.execPath,
    [join(REPO, 'node_modules/tsx/dist/cli.mjs'), join(REPO, 'relay/main.ts')],
    {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: String(relayPort),
      FOLIO_DATA_DIR: join(root, 'data'),
      FOLIO_BUILD_DIR: build,
      // The proxies run on this host and connect from loopback (docs/deploy.md).
      FOLIO_TRUSTED_PROXIES: '127.0.0.1',
    },
  );
  await waitHealthy(relayPort, 'relay', false);
}, 30_000);

/** True while any process of `pid`'s group is alive. */
function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

afterAll(async () => {
  for (const p of procs) if (p.pid && groupAlive(p.pid)) process.kill(-p.pid, 'SIGKILL');
  // Every process of every group gone (nginx workers included), within a bounded time.
  await until(() => procs.every((p) => !p.pid || !groupAlive(p.pid)), 10_000);
  if (root) await rm(root, { recursive: true, force: true });
}, 20_000);

/** Starts nginx on the shipped conf; returns its HTTPS port. */
async function startNginx(): Promise<number> {
  const dir = join(root, 'nginx');
  await mkdir(join(dir, 'logs'), { recursive: true });
  const [https, http] = [await freePort(), await freePort()];
  const tls = join(root, 'tls');
  const shipped = await readFile(join(REPO, 'deploy/nginx.conf'), 'utf8');
  const site = render(
    shipped,
    [
      ['listen 443 ssl http2;', `listen 127.0.0.1:${https} ssl http2;`],
      ['listen 80;', `listen 127.0.0.1:${http};`],
      ['/etc/letsencrypt/live/relay.example.org/fullchain.pem', join(tls, 'server.crt')],
      ['/etc/letsencrypt/live/relay.example.org/privkey.pem', join(tls, 'server.key')],
      [SHIPPED_UPSTREAM, `127.0.0.1:${relayPort}`],
      [SHIPPED_HOST, 'localhost'],
    ],
    'deploy/nginx.conf',
  );
  await writeFile(join(dir, 'folio.conf'), site);
  // The outer file a Debian /etc/nginx/nginx.conf would be: here with temp paths only.
  const temp = (k: string) => `${k}_temp_path ${join(dir, k)};`;
  await writeFile(
    join(dir, 'nginx.conf'),
    [
      `worker_processes 1;`,
      `pid ${join(dir, 'nginx.pid')};`,
      `error_log ${join(dir, 'logs/error.log')} warn;`,
      process.getuid?.() === 0 ? 'user root;' : '',
      `events { worker_connections 1024; }`,
      `http {`,
      `  access_log ${join(dir, 'logs/access.log')};`,
      `  ${['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(temp).join(' ')}`,
      `  include ${join(dir, 'folio.conf')};`,
      `}`,
    ].join('\n'),
  );
  const test = spawnSync(
    NGINX,
    ['-t', '-p', dir, '-e', join(dir, 'logs/error.log'), '-c', join(dir, 'nginx.conf')],
    {
      encoding: 'utf8',
    },
  );
  if (test.status !== 0) throw new Error(`nginx -t refused the shipped file:\n${test.stderr}`);
  start('nginx', NGINX, [
    '-p',
    dir,
    '-e',
    join(dir, 'logs/error.log'),
    '-c',
    join(dir, 'nginx.conf'),
    '-g',
    'daemon off;',
  ]);
  await waitHealthy(https, 'nginx', true);
  return https;
}

/** Starts Caddy on the shipped Caddyfile; returns its HTTPS port. */
async function startCaddy(): Promise<number> {
  const dir = join(root, 'caddy');
  await mkdir(dir, { recursive: true });
  const https = await freePort();
  const tls = join(root, 'tls');
  const shipped = await readFile(join(REPO, 'deploy/Caddyfile'), 'utf8');
  const site = render(
    shipped,
    [
      [
        `${SHIPPED_HOST} {`,
        `https://localhost:${https} {\n\tbind 127.0.0.1\n\ttls ${join(tls, 'server.crt')} ${join(tls, 'server.key')}`,
      ],
      [SHIPPED_UPSTREAM, `127.0.0.1:${relayPort}`],
    ],
    'deploy/Caddyfile',
  );
  const global = `{\n\tadmin off\n\tauto_https disable_redirects\n\tskip_install_trust\n\tstorage file_system ${join(dir, 'data')}\n}\n`;
  await writeFile(join(dir, 'Caddyfile'), global + site);
  start('caddy', CADDY, ['run', '--config', join(dir, 'Caddyfile'), '--adapter', 'caddyfile'], {
    ...process.env,
    HOME: dir,
    XDG_DATA_HOME: join(dir, 'data'),
    XDG_CONFIG_HOME: join(dir, 'config'),
  });
  await waitHealthy(https, 'caddy', true);
  return https;
}

/** A device's relay room through the proxy (the app's own relay client over wss). */
function device(port: number, room: string) {
  class TrustingWebSocket extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, { ca });
    }
  }
  const url = `https://localhost:${port}`;
  const socket = new HocuspocusProviderWebsocket({
    // localhost resolves to loopback; the certificate covers it.
    url: `wss://localhost:${port}/sync`,
    WebSocketPolyfill: TrustingWebSocket,
  });
  const transport = new TransportDoc();
  const relay = attachRelayRoom({
    url,
    room,
    capability: 'c'.repeat(64),
    proof: async () => PRACTICE.proof(),
    transport,
    socket,
    presence: false,
  });
  return {
    transport,
    relay,
    destroy() {
      relay.destroy();
      socket.destroy();
      transport.destroy();
    },
  };
}

/** Seconds of a timeout value as nginx or Caddy writes it (`1h`, `90s`, `10m`). */
function seconds(value: string): number {
  const m = /^(\d+)(ms|s|m|h|d)?$/.exec(value);
  if (!m) throw new Error(`cannot read the timeout "${value}"`);
  const unit = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 }[m[2] ?? 's']!;
  return Number(m[1]) * unit;
}

const proxies = [
  { name: 'nginx', binary: NGINX, startProxy: startNginx },
  { name: 'caddy', binary: CADDY, startProxy: startCaddy },
] as const;

for (const { name, binary, startProxy } of proxies) {
  describe.skipIf(!existsSync(binary))(
    `deploy/${name === 'nginx' ? 'nginx.conf' : 'Caddyfile'} in front of a relay process`,
    () => {
      let port = 0;
      beforeAll(async () => {
        port = await startProxy();
      }, 30_000);

      it('answers /healthz from the relay over TLS with the test certificate', async () => {
        const res = await call(port, '/healthz');
        expect(res.status).toBe(200);
        expect(JSON.parse(res.text)).toMatchObject({ ok: true });
      });

      it('passes WebSocket upgrades: two devices sync through it', async () => {
        const room = randomBytes(16).toString('hex');
        const [one, two] = [device(port, room), device(port, room)];
        try {
          await until(() => one.relay.synced() && two.relay.synced(), 15_000).catch(() => {
            throw new Error(`devices did not sync; logs:\n${logs.slice(-30).join('\n')}`);
          });
          const e = new Uint8Array(randomBytes(300));
          e[0] = 2;
          one.transport.offer([e]);
          await until(
            () =>
              two.transport
                .envelopes()
                .some((x) => Buffer.compare(Buffer.from(x), Buffer.from(e)) === 0),
            10_000,
          );
          expect(two.relay.synced()).toBe(true);
        } finally {
          one.destroy();
          two.destroy();
        }
      }, 30_000);

      it('bodies: the relay caps answer 413 through it; nginx also refuses past 64 MB up front', async () => {
        // A manifest request is capped at 4 KB by the relay: its 413 passes through unchanged.
        const manifest = await call(port, `/shl/${randomBytes(32).toString('base64url')}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: Buffer.alloc(8192, 0x20),
        });
        expect(manifest.status).toBe(413);
        // The relay answers 405 to a POST here without reading the body (it serves only the app's
        // files), so a 413 can only come from the proxy.
        expect(
          (await call(port, '/no-such-endpoint', { method: 'POST', body: Buffer.from('x') }))
            .status,
        ).toBe(405);
        const over = 64 * 1024 * 1024 + 1;
        const res = await call(port, '/no-such-endpoint', {
          method: 'POST',
          headers: { 'content-length': over },
          body: over,
        });
        // nginx refuses from Content-Length before forwarding. Caddy 2.6's `request_body max_size`
        // only cuts what the upstream reads (docs/deploy.md): the relay's answer passes through.
        expect(res.status).toBe(name === 'nginx' ? 413 : 405);
      }, 30_000);

      // Clients elsewhere are stood for by other loopback addresses (127.0.0.2, 127.0.0.3): the
      // proxy sees them as such and the relay, trusting only the proxy, must count them apart.
      const open = (from: string, headers: Record<string, string> = {}) =>
        new Promise<WebSocket | number>((resolve) => {
          const ws = new WebSocket(`wss://localhost:${port}/signal`, {
            ca,
            headers,
            localAddress: from,
          });
          ws.once('open', () => resolve(ws));
          ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
          ws.once('error', () => resolve(-1));
        });

      it('per-address caps count each client, not the proxy; a forged X-Forwarded-For changes nothing', async () => {
        // Signaling allows connectionsPerClient sockets per address. Before the relay read the
        // proxy's X-Forwarded-For, every client behind the proxy shared one budget: a second
        // client was refused once the first held them all.
        const limit = DEFAULT_SIGNALING_LIMITS.connectionsPerClient;
        const held: WebSocket[] = [];
        try {
          for (let i = 0; i < limit; i++) {
            const ws = await open('127.0.0.2');
            expect(ws).toBeInstanceOf(WebSocket);
            held.push(ws as WebSocket);
          }
          // The same client with a made-up address in its own X-Forwarded-For is still itself.
          expect(await open('127.0.0.2', { 'x-forwarded-for': '203.0.113.9' })).toBe(429);
          expect(await open('127.0.0.2')).toBe(429);
          // Another client behind the same proxy has its own budget.
          const other = await open('127.0.0.3');
          expect(other).toBeInstanceOf(WebSocket);
          held.push(other as WebSocket);
        } finally {
          held.forEach((ws) => ws.terminate());
        }
      }, 30_000);

      it('/metrics is not readable from elsewhere through it (the relay sees the proxy on loopback)', async () => {
        // Without a token, /metrics answers loopback only. Through a proxy on the same host every
        // request arrived from loopback, so anyone on the internet could read them.
        expect((await call(port, '/metrics', { from: '127.0.0.2' })).status).toBe(403);
        expect(
          (
            await call(port, '/metrics', {
              from: '127.0.0.2',
              headers: { 'x-forwarded-for': '127.0.0.1' },
            })
          ).status,
        ).toBe(403);
        // The relay itself, asked on loopback directly, still answers.
        const direct = await fetch(`http://127.0.0.1:${relayPort}/metrics`);
        expect(direct.status).toBe(200);
      });

      it('keeps idle sockets far longer than the relay pings them', async () => {
        const file = await readFile(
          join(REPO, name === 'nginx' ? 'deploy/nginx.conf' : 'deploy/Caddyfile'),
          'utf8',
        );
        const pattern =
          name === 'nginx'
            ? /proxy_(?:read|send)_timeout\s+(\w+);/g
            : /(?:read|write)_timeout\s+(\w+)/g;
        const timeouts = [...file.matchAll(pattern)].map((m) => seconds(m[1]!));
        expect(timeouts).toHaveLength(2);
        const ping = Math.max(HOCUSPOCUS_PING_MS, DEFAULT_SIGNALING_LIMITS.pingIntervalMs) / 1000;
        for (const t of timeouts) expect(t).toBeGreaterThanOrEqual(10 * ping);
      });
    },
  );
}

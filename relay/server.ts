/**
 * The relay: one Node process that serves the built PWA, the y-webrtc signaling endpoint
 * (/signal) and /healthz. It is blind (it only ever sees opaque room ids and ciphertext) and
 * disposable (wiping its data folder loses nothing a device holds). Later endpoints —
 * store-and-forward, share links, pairing mailboxes — attach to the same server by path.
 */
import { mkdir } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { createChangeFeed } from './changes.ts';
import { allowedOrigin, applyCors } from './cors.ts';
import { contentSecurityPolicies, securityHeaders } from './headers.ts';
import { rateLimited, type Logger } from './log.ts';
import { Metrics, serveMetrics } from './metrics.ts';
import { createPairing, type PairingEndpoint, type PairingLimits } from './pairing.ts';
import { openMailboxStore } from './pairing-store.ts';
import { createPractices, type PracticeLimits } from './practices.ts';
import { createShl, type ShlLimits } from './shl.ts';
import { openLinkStore } from './shl-store.ts';
import { redisLimits } from './shared-limits.ts';
import { createSignaling, type SignalingEndpoint, type SignalingLimits } from './signaling.ts';
import { resolveClient } from './per-client.ts';
import { serveStatic } from './static.ts';
import { openRoomStore } from './store.ts';
import { createSync, type SyncLimits } from './sync.ts';
import type { TlsFiles } from './tls.ts';

export interface RelayOptions {
  /** TCP port; 0 picks a free one. */
  port: number;
  /** Interface to bind; 127.0.0.1 unless the operator chooses otherwise. */
  host: string;
  /** Folder for the relay's embedded storage; created when missing. */
  dataDir: string;
  /** Folder holding the built PWA (`build/`). */
  buildDir: string;
  /** Origin devices and share-link viewers reach the relay at; default: the bound address. */
  publicUrl?: string;
  log: Logger;
  signalingLimits?: Partial<SignalingLimits>;
  pairingLimits?: Partial<PairingLimits>;
  syncLimits?: Partial<SyncLimits>;
  shlLimits?: Partial<ShlLimits>;
  /** Practice registration, the allow-list and the per-practice quota (practices.ts). */
  practiceLimits?: Partial<PracticeLimits>;
  /** Relay origins the served app may connect to besides this one (ADR 0010). */
  connectSrc?: string[];
  /** App origins allowed to use this relay cross-origin (ADR 0010). */
  appOrigins?: string[];
  /** Clock for share-link expiry (tests). */
  now?: () => number;
  /** Bearer token for /metrics (FOLIO_METRICS_TOKEN); without it only loopback may read them. */
  metricsToken?: string;
  /** Certificate and key (PEM) to serve HTTPS with (FOLIO_TLS_CERT/KEY, relay/tls.ts). */
  tls?: TlsFiles;
  /** Redis shared by several relay processes on this host (FOLIO_REDIS_URL, scale-out.ts). */
  redisUrl?: string;
  /** Reverse proxies whose X-Forwarded-For names the client (FOLIO_TRUSTED_PROXIES, per-client.ts). */
  trustedProxies?: string[];
}

export interface Relay {
  /** Base URL the relay serves, e.g. http://127.0.0.1:5173. */
  readonly url: string;
  readonly port: number;
  readonly signaling: SignalingEndpoint;
  readonly pairing: PairingEndpoint;
  /** Stops accepting, closes sockets and resolves once the server is down. */
  close(): Promise<void>;
}

function plain(res: ServerResponse, status: number, body: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.end(body);
}

/** Starts a relay and resolves once it is listening. */
export async function startRelay(options: RelayOptions): Promise<Relay> {
  const metrics = new Metrics();
  // Every warning is counted, then written at most 30 times a minute per kind (a hostile client
  // can trigger refusals at will).
  const log = metrics.counting(rateLimited(options.log));
  await mkdir(options.dataDir, { recursive: true });
  const signaling = createSignaling({
    log,
    limits: options.signalingLimits,
    redis: options.redisUrl,
  });
  const rooms = openRoomStore(options.dataDir);
  // Several processes: abuse limits are counted across them (shared-limits.ts).
  const sharedLimits = options.redisUrl ? redisLimits(options.redisUrl, log) : undefined;
  const practices = createPractices({
    store: rooms,
    log,
    limits: options.practiceLimits,
    now: options.now,
    shared: sharedLimits,
  });
  const mailboxes = openMailboxStore(options.dataDir);
  const pairing = createPairing({
    log,
    practices,
    store: mailboxes,
    limits: options.pairingLimits,
    now: options.now,
  });
  const changeFeed = createChangeFeed({ store: rooms, log, shared: sharedLimits });
  const sync = createSync({
    store: rooms,
    practices,
    log,
    limits: options.syncLimits,
    redis: options.redisUrl,
    shared: sharedLimits,
  });
  const links = openLinkStore(options.dataDir);
  let url = '';
  const shl = createShl({
    store: links,
    practices,
    log,
    publicOrigin: () => options.publicUrl ?? url,
    limits: options.shlLimits,
    now: options.now,
    shared: sharedLimits,
  });

  metrics.gauge(
    'folio_relay_sync_sockets',
    'Open device sockets on /sync.',
    () => sync.stats().sockets,
  );
  metrics.gauge('folio_relay_rooms_loaded', 'Rooms loaded in memory.', () => sync.stats().rooms);
  metrics.gauge(
    'folio_relay_signaling_connections',
    'Open /signal connections.',
    () => signaling.connections,
  );
  metrics.gauge('folio_relay_rooms_stored', 'Rooms in storage.', () => rooms.totals().rooms);
  metrics.gauge(
    'folio_relay_stored_bytes',
    'Bytes the rooms occupy in storage.',
    () => rooms.totals().bytes,
  );
  metrics.gauge('folio_relay_practices', 'Practices registered.', () => rooms.totals().practices);
  metrics.gauge('folio_relay_pairing_mailboxes', 'Pairing mailboxes open.', () => pairing.size);
  metrics.gauge('folio_relay_share_links', 'Share links stored.', () => links.count());
  metrics.gauge('folio_relay_resident_bytes', 'Resident memory of the relay process.', () =>
    process.memoryUsage.rss(),
  );

  const appOrigins = options.appOrigins ?? [];
  const headers = Object.entries(securityHeaders(options.connectSrc ?? []));
  const viewerPolicy = contentSecurityPolicies(options.connectSrc ?? []).viewer;
  const sameOrigin = (req: IncomingMessage) => allowedOrigin(req, appOrigins);
  const trustedProxies = new Set(options.trustedProxies ?? []);
  const handler = async (req: IncomingMessage, res: ServerResponse) => {
    resolveClient(req, trustedProxies);
    for (const [name, value] of headers) res.setHeader(name, value);
    if ((req.url ?? '').split('?')[0] === '/view') {
      res.setHeader('Content-Security-Policy', viewerPolicy);
    }
    if (applyCors(req, res, appOrigins)) return;
    try {
      const path = (req.url ?? '/').split('?')[0];
      if (path === '/healthz') {
        res.setHeader('Content-Type', 'application/json');
        res.setHeader('Cache-Control', 'no-store');
        res.end(
          JSON.stringify({
            ok: true,
            signalingConnections: signaling.connections,
            // Where devices on the network reach this relay (pairing links use it, not loopback).
            ...(options.publicUrl ? { publicUrl: options.publicUrl } : {}),
          }),
        );
        return;
      }
      if (path === '/metrics') {
        serveMetrics(req, res, metrics, options.metricsToken);
        return;
      }
      if (path?.startsWith('/pair/') && (await pairing.handle(req, res))) return;
      if (path?.startsWith('/shl') && (await shl.handle(req, res, sameOrigin(req)))) return;
      if (path === '/sync/changes') {
        if (!sameOrigin(req)) plain(res, 403, 'Forbidden');
        else await changeFeed.handle(req, res);
        return;
      }
      const result = await serveStatic(options.buildDir, req, res);
      if (result === 'not-found') plain(res, 404, 'Not found');
      else if (result === 'bad-request') plain(res, 400, 'Bad request');
      else if (result === 'method-not-allowed') {
        res.setHeader('Allow', 'GET, HEAD');
        plain(res, 405, 'Method not allowed');
      }
    } catch (error) {
      log('error', 'http.failed', { name: (error as Error).name });
      if (!res.headersSent) plain(res, 500, 'Internal error');
      else res.destroy();
    }
  };
  const server = options.tls
    ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, handler)
    : createServer(handler);

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    resolveClient(req, trustedProxies);
    socket.on('error', () => socket.destroy());
    const path = (req.url ?? '').split('?')[0];
    if (path === '/signal' && sameOrigin(req)) {
      signaling.handleUpgrade(req, socket, head);
      return;
    }
    if (path === '/sync' && sameOrigin(req)) {
      sync.handleUpgrade(req, socket, head);
      return;
    }
    log('warn', 'upgrade.refused', {
      path: path === '/signal' || path === '/sync' ? 'cross-origin' : 'unknown-path',
    });
    socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
  });
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const hostForUrl = options.host.includes(':') ? `[${options.host}]` : options.host;
  url = `${options.tls ? 'https' : 'http'}://${hostForUrl}:${port}`;
  log('info', 'relay.listening', { host: options.host, port });

  let closing: Promise<void> | null = null;
  return {
    url,
    port,
    signaling,
    pairing,
    close() {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        await signaling.close();
        await sync.close();
        rooms.close();
        shl.close();
        await sharedLimits?.close();
        links.close();
        pairing.close();
        mailboxes.close();
        server.closeAllConnections();
        await stopped;
        log('info', 'relay.stopped');
      })();
      return closing;
    },
  };
}

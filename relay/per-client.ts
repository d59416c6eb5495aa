/**
 * Per-client caps (issue 11 item 7): a client is the remote address of its TCP connection
 * (IPv4-mapped IPv6 folded to IPv4) — unless that connection comes from a reverse proxy the
 * operator trusts (FOLIO_TRUSTED_PROXIES, docs/deploy.md). Then the client is the nearest address
 * in the proxy's X-Forwarded-For that is not itself a trusted proxy. Without it every client
 * behind a proxy shared one budget, and a proxy on the relay's host made every request look like
 * loopback (which may read /metrics).
 */
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

const fold = (address: string) => (address.startsWith('::ffff:') ? address.slice(7) : address);

/** Client addresses read from a trusted proxy's X-Forwarded-For, per request. */
const forwarded = new WeakMap<IncomingMessage, string>();

/**
 * Reads the client's address from X-Forwarded-For when the request comes from a trusted proxy;
 * the server calls it once per request and upgrade, before anything asks `clientOf`. Entries are
 * read from the right (each proxy appends the address it saw); a malformed entry stops the walk
 * and the proxy's own address counts, so a bad header never yields an address a client chose.
 */
export function resolveClient(req: IncomingMessage, trustedProxies: ReadonlySet<string>): void {
  const peer = fold(req.socket.remoteAddress ?? 'unknown');
  if (!trustedProxies.has(peer)) return;
  const header = req.headers['x-forwarded-for'];
  if (typeof header !== 'string') return;
  const entries = header.split(',').map((e) => fold(e.trim()));
  for (let i = entries.length - 1; i >= 0; i--) {
    const entry = entries[i]!;
    if (isIP(entry) === 0) return;
    if (trustedProxies.has(entry)) continue;
    forwarded.set(req, entry);
    return;
  }
}

export function clientOf(req: IncomingMessage): string {
  return forwarded.get(req) ?? fold(req.socket.remoteAddress ?? 'unknown');
}

/** Counts what each client holds; `acquire` refuses past the limit. */
export class PerClient {
  readonly #held = new Map<string, number>();

  constructor(private readonly limit: () => number) {}

  count(client: string): number {
    return this.#held.get(client) ?? 0;
  }

  /** Takes one place for `client`; returns its release (idempotent), or null when full. */
  acquire(client: string): (() => void) | null {
    const held = this.count(client);
    if (held >= this.limit()) return null;
    this.#held.set(client, held + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const now = this.count(client) - 1;
      if (now <= 0) this.#held.delete(client);
      else this.#held.set(client, now);
    };
  }
}

/** Refuses a WebSocket upgrade with 429 (too many from this client). */
export function refuseUpgrade(socket: { end(text: string): void }): void {
  socket.end('HTTP/1.1 429 Too Many Requests\r\nConnection: close\r\nRetry-After: 10\r\n\r\n');
}

/**
 * Per-client caps (issue 11 item 7): a client is the remote address of its TCP connection
 * (IPv4-mapped IPv6 folded to IPv4). Behind a reverse proxy every client shares the proxy's
 * address, so the caps then bound the proxy as a whole; size them for the practice's devices.
 */
import type { IncomingMessage } from 'node:http';

export function clientOf(req: IncomingMessage): string {
  const address = req.socket.remoteAddress ?? 'unknown';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
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

/**
 * The change feed for catch-up (issue 5; Hocuspocus has none, PLATFORM.md): a device asks which of
 * ITS rooms changed since the change number it last saw, then attaches only those — over its one
 * `/sync` socket — instead of opening every chart.
 *
 *   POST /sync/changes   body {"since": n, "rooms": [{"room": "<32 hex>", "capability": "<64 hex>"}, …]}
 *                        → 200 {"instance": "<hex>", "cursor": n, "changed": [room, …]}
 *
 * A room is reported only to an asker that proves it holds the room: its capability, which the
 * relay checks against the SHA-256 it keeps (the same proof `/sync` asks for). Knowing or guessing
 * a room id reveals nothing. The device already sends these capabilities on its socket.
 *
 * `instance` changes when the relay's data folder is wiped: devices then upload everything they
 * hold (the relay is disposable). Limits: body ≤ 3 MiB, ≤ 20,000 rooms, same origin only; one
 * query at a time per client (remote address) and a budget of rooms checked per minute per
 * client (429 + Retry-After beyond), so one client cannot keep the relay busy with it.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, reply } from './http-body.ts';
import type { Logger } from './log.ts';
import { clientOf } from './per-client.ts';
import { limit, type SharedLimits } from './shared-limits.ts';
import type { RoomStore } from './store.ts';
import { CAPABILITY_PATTERN, ROOM_PATTERN } from './sync.ts';

export const MAX_CHANGES_BODY = 3 * 1024 * 1024;
export const MAX_CHANGES_ROOMS = 20_000;

export interface ChangesLimits {
  /** Rooms one client may have checked per minute, and the burst allowed at once. */
  roomsPerMinute: number;
  roomsBurst: number;
}

export const DEFAULT_CHANGES_LIMITS: ChangesLimits = {
  // A device asks about each of its rooms once per catch-up pass; a few devices per address.
  roomsPerMinute: 200_000,
  roomsBurst: 60_000,
};

interface Held {
  room: string;
  capability: string;
}

function parse(body: Buffer | null): { since: number; rooms: Held[] } | string {
  if (body === null) return 'body too large';
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    return 'body is not JSON';
  }
  const { since, rooms } = (value ?? {}) as { since?: unknown; rooms?: unknown };
  if (!Number.isSafeInteger(since) || (since as number) < 0) return 'since must be a whole number';
  if (!Array.isArray(rooms)) return 'rooms must be a list';
  if (rooms.length > MAX_CHANGES_ROOMS) return 'too many rooms';
  const valid = rooms.every((r: unknown) => {
    const { room, capability } = (r ?? {}) as Record<string, unknown>;
    return (
      typeof room === 'string' &&
      ROOM_PATTERN.test(room) &&
      typeof capability === 'string' &&
      CAPABILITY_PATTERN.test(capability)
    );
  });
  if (!valid) return 'each room needs its id and capability';
  return { since: since as number, rooms: rooms as Held[] };
}

export interface ChangeFeed {
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

export function createChangeFeed(options: {
  store: RoomStore;
  log: Logger;
  limits?: Partial<ChangesLimits>;
  /** Several relay processes: queries per address counted across them. */
  shared?: SharedLimits;
}): ChangeFeed {
  const { store, log } = options;
  const limits = { ...DEFAULT_CHANGES_LIMITS, ...options.limits };
  const busy = new Set<string>();
  /** Rooms each client may ask about: a token bucket per client (one token per room). */
  const budgets = limit(
    'changes.rooms',
    () => ({
      burst: limits.roomsBurst,
      perInterval: limits.roomsPerMinute,
      intervalMs: 60_000,
    }),
    options.shared,
  );
  /** Takes `rooms` from the client's budget; false when it has not enough. */
  const spend = async (client: string, rooms: number): Promise<boolean> =>
    (await budgets.take(client, rooms)) === 0;
  const holds = ({ room, capability }: Held): boolean => {
    const known = store.capability(room);
    if (known === null) return false;
    const hash = createHash('sha256').update(capability).digest();
    return timingSafeEqual(Buffer.from(known, 'hex'), hash);
  };
  const tooMany = (res: ServerResponse) => {
    log('warn', 'changes.refused', { reason: 'rate-limited' });
    res.setHeader('Retry-After', '10');
    reply(res, 429, 'Too many change queries; try again later');
  };

  return {
    async handle(req, res) {
      if (req.method !== 'POST') {
        res.setHeader('Allow', 'POST');
        reply(res, 405, 'Method not allowed');
        return;
      }
      const client = clientOf(req);
      if (busy.has(client)) {
        req.resume();
        return tooMany(res);
      }
      busy.add(client);
      try {
        const input = parse(await readBody(req, MAX_CHANGES_BODY));
        if (typeof input === 'string') {
          log('warn', 'changes.refused', { reason: 'malformed' });
          reply(res, input === 'body too large' || input === 'too many rooms' ? 413 : 400, input);
          return;
        }
        if (!(await spend(client, input.rooms.length))) return tooMany(res);
        const result = store.changes(
          input.rooms.filter(holds).map((h) => h.room),
          input.since,
        );
        res.statusCode = 200;
        res.setHeader('Cache-Control', 'no-store');
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify(result));
      } finally {
        busy.delete(client);
      }
    },
  };
}

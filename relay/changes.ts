/**
 * The change feed for catch-up (issue 5; Hocuspocus has none, PLATFORM.md): a device asks which of
 * ITS rooms changed since the change number it last saw, then attaches only those — over its one
 * `/sync` socket — instead of opening every chart. The relay learns nothing new: the room ids are
 * the opaque ones the same device already names on its socket.
 *
 *   POST /sync/changes   body {"since": n, "rooms": ["<32 hex>", …]}
 *                        → 200 {"instance": "<hex>", "cursor": n, "changed": [room, …]}
 *
 * `instance` changes when the relay's data folder is wiped: devices then upload everything they
 * hold (the relay is disposable). Limits: body ≤ 1 MiB, ≤ 20,000 rooms, same origin only.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, reply } from './http-body.ts';
import type { Logger } from './log.ts';
import type { RoomStore } from './store.ts';
import { ROOM_PATTERN } from './sync.ts';

export const MAX_CHANGES_BODY = 1024 * 1024;
export const MAX_CHANGES_ROOMS = 20_000;

function parse(body: Buffer | null): { since: number; rooms: string[] } | string {
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
  if (!rooms.every((r) => typeof r === 'string' && ROOM_PATTERN.test(r))) return 'bad room id';
  return { since: since as number, rooms: rooms as string[] };
}

/** Handles POST /sync/changes. */
export async function handleChanges(
  req: IncomingMessage,
  res: ServerResponse,
  store: RoomStore,
  log: Logger,
): Promise<void> {
  if (req.method !== 'POST') {
    res.setHeader('Allow', 'POST');
    reply(res, 405, 'Method not allowed');
    return;
  }
  const input = parse(await readBody(req, MAX_CHANGES_BODY));
  if (typeof input === 'string') {
    log('warn', 'changes.refused', { reason: 'malformed' });
    reply(res, input === 'body too large' || input === 'too many rooms' ? 413 : 400, input);
    return;
  }
  const result = store.changes(input.rooms, input.since);
  res.statusCode = 200;
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Content-Type', 'application/json');
  res.end(JSON.stringify(result));
}

/**
 * Client of the relay's change feed (relay/changes.ts): which of this device's rooms changed
 * since the change number it last saw. Answers are checked before use; anything odd is a
 * SyncError, never a half-read answer.
 */
import { CodedError } from '../coded-error';

export class SyncError extends CodedError<'offline' | 'refused' | 'bad-answer'> {
  constructor(code: 'offline' | 'refused' | 'bad-answer', message: string) {
    super(code, message);
    this.name = 'SyncError';
  }
}

export interface Changes {
  /** The relay's storage instance: a new one means its data folder was wiped. */
  instance: string;
  /** The relay's current change number (ask with it next time). */
  cursor: number;
  /** Rooms of those asked about that changed after `since`. */
  changed: string[];
}

/** A room this device holds, with the capability that proves it to the relay. */
export interface HeldRoom {
  room: string;
  capability: string;
}

/**
 * Asks the relay which of `rooms` changed after `since`. Each room goes with its capability: the
 * relay answers only for rooms the asker proves it holds. @throws SyncError
 */
export async function fetchChanges(
  url: string,
  rooms: readonly HeldRoom[],
  since: number,
  fetcher: typeof fetch = fetch,
): Promise<Changes> {
  let res: Response;
  try {
    res = await fetcher(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ since, rooms }),
      cache: 'no-store',
    });
  } catch {
    throw new SyncError('offline', 'the relay cannot be reached');
  }
  if (!res.ok) throw new SyncError('refused', `the relay answered ${res.status}`);
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    throw new SyncError('bad-answer', 'the relay answered something that is not JSON');
  }
  const { instance, cursor, changed } = (body ?? {}) as Record<string, unknown>;
  const asked = new Set(rooms.map((r) => r.room));
  if (
    typeof instance !== 'string' ||
    !Number.isSafeInteger(cursor) ||
    (cursor as number) < 0 ||
    !Array.isArray(changed) ||
    !changed.every((r) => typeof r === 'string' && asked.has(r))
  ) {
    throw new SyncError('bad-answer', 'the relay answered in an unexpected shape');
  }
  return { instance, cursor: cursor as number, changed: changed as string[] };
}

/**
 * Several relay processes behind one address (issue 14 item 3), on Hocuspocus's own Redis
 * extension: a room loaded in two processes stays in step through Redis pub/sub, so devices
 * attached to different processes converge. Storage is the one SQLite file every process on the
 * host opens (WAL, busy timeout): each store appends only what storage lacks, by its state
 * vector, in an immediate transaction (store.ts `appendNew`), so two processes storing the same
 * room never append an update twice — which is why the extension's own store lock is not used.
 *
 * Why one shared SQLite file and not PostgreSQL: the relay's load is CPU (sockets, Yjs, checks),
 * which more processes on one host spread over its cores; every process reaches the file, and
 * nothing new must be run or backed up. Processes on several hosts would need a store they all
 * reach (PostgreSQL behind the same RoomStore interface) — not built.
 */
import { Redis } from '@hocuspocus/extension-redis';
import type {
  afterLoadDocumentPayload,
  onAwarenessUpdatePayload,
  onChangePayload,
} from '@hocuspocus/server';
import type { Logger } from './log.ts';

/** The transaction origin the extension applies other processes' updates with. */
export const REDIS_ORIGIN = '__hocuspocus__redis__origin__';

/**
 * Redis pub/sub delivers at most once: an update published while another process was still
 * subscribing, or while its connection to Redis blinked, is lost to it, and Hocuspocus only
 * exchanges state again on the next change. So every process re-announces the state vector of
 * each room that changed recently (SyncStep1; peers answer with what it lacks and ask for what
 * they lack), every ANTI_ENTROPY_MS while the room changed within the last RECENT_MS.
 */
const ANTI_ENTROPY_MS = 2_000;
const RECENT_MS = 60_000;

class FolioRedis extends Redis {
  readonly #changed = new Map<string, number>();
  #timer: ReturnType<typeof setInterval> | null = null;

  #announce(): void {
    const now = Date.now();
    for (const [name, at] of this.#changed) {
      const document = this.instance?.documents.get(name);
      if (!document || now - at > RECENT_MS) {
        this.#changed.delete(name);
        continue;
      }
      // The extension's own SyncStep1 publisher (private in its types, public at runtime).
      const self = this as unknown as {
        publishFirstSyncStep(name: string, document: unknown): Promise<unknown>;
      };
      void self.publishFirstSyncStep(name, document).catch(() => undefined);
    }
  }

  // Stores are exact and idempotent without a lock (appendNew), and a lock held by another
  // process would make this one skip storing its own changes.
  override async onStoreDocument(): Promise<void> {}
  override async afterStoreDocument(): Promise<void> {}

  // Redis unreachable: a room still loads and syncs among this process's devices (it is shared
  // with other processes once it is loaded again with Redis back).
  override async afterLoadDocument(payload: afterLoadDocumentPayload): Promise<void> {
    await super.afterLoadDocument(payload).catch(() => undefined);
  }
  override async onChange(payload: onChangePayload): Promise<void> {
    this.#changed.set(payload.documentName, Date.now());
    this.#timer ??= setInterval(() => this.#announce(), ANTI_ENTROPY_MS);
    this.#timer.unref?.();
    await super.onChange(payload).catch(() => undefined);
  }
  override async onDestroy(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await super.onDestroy();
  }
  override async onAwarenessUpdate(payload: onAwarenessUpdatePayload): Promise<undefined> {
    await super.onAwarenessUpdate(payload).catch(() => undefined);
    return undefined;
  }
}

/** The Redis extension for `url` (redis://host:port). @throws Error for a URL that is not redis */
export function scaleOut(url: string, log: Logger): Redis {
  const parsed = new URL(url);
  if (parsed.protocol !== 'redis:') throw new Error('FOLIO_REDIS_URL must be redis://host:port');
  const extension = new FolioRedis({
    host: parsed.hostname,
    port: Number(parsed.port || 6379),
    prefix: 'folio',
    options: {
      // Unreachable Redis: keep retrying (rooms still work within this process) without
      // queuing without bound.
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    },
  });
  // Redis unreachable: rooms keep working within this process; the log says so (rate-limited).
  for (const client of [extension.pub, extension.sub]) {
    client.on('error', (error: NodeJS.ErrnoException) =>
      log('warn', 'redis.unreachable', { code: error.code ?? 'error' }),
    );
  }
  return extension;
}

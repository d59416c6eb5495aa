/**
 * Store-and-forward of sealed transport documents (docs/design.md §6) on Hocuspocus 3.4 inside the
 * relay's own http server (PLATFORM.md): devices that are never online together converge through
 * it. Every room is an opaque id; what it stores is the Yjs state of an envelope array — ciphertext.
 *
 * - Every room is opened with `<capability>.<practice proof>` as its token. The proof
 *   (practices.ts) names the practice; a new room is created for that practice and counted
 *   against its storage quota, and no other practice may open it.
 * - Writing a room needs its capability (a key-derived token): the first connection registers the
 *   SHA-256 of it; every later one must present the same token (trust on first use).
 * - What a room receives is stored incrementally (store.ts): the Yjs updates applied since the
 *   last store are appended as one row, never the whole document again; Hocuspocus debounces the
 *   store and unloading waits for it, so a document is durable before it is unloaded.
 * - Each room has a storage quota, and each practice one for all its rooms: an update that would
 *   take either past it is refused and the device's room is closed with the reason
 *   `quota-exceeded`.
 * - Transport documents are append-only and envelope-only here too: every message type is checked
 *   (an allow-list); an update that deletes
 *   anything, or inserts anything but envelope-shaped binaries, is refused and its sender
 *   disconnected (append-only.ts).
 * - Limits per device connection: rooms open at once and one message rate for the whole socket
 *   (token bucket, whatever the room); nothing is queued for a room before it is authenticated and
 *   frames are small until one is (sync-gate.ts); frames are then capped (32 MiB: a whole
 *   transport document in one sync step); garbage closes only the sender's socket.
 * - Limits per client (remote address, per-client.ts): sockets and rooms open at once.
 */
import { Hocuspocus } from '@hocuspocus/server';
import * as decoding from 'lib0/decoding';
import * as Y from 'yjs';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { refusal } from './append-only.ts';
import { guardConsole } from './console-guard.ts';
import type { Logger } from './log.ts';
import { clientOf, PerClient, refuseUpgrade } from './per-client.ts';
import type { Practices } from './practices.ts';
import type { RoomStore } from './store.ts';
import { SyncGate } from './sync-gate.ts';
import { REDIS_ORIGIN, scaleOut } from './scale-out.ts';
import { limit, type SharedLimits } from './shared-limits.ts';

export const ROOM_PATTERN = /^[0-9a-f]{32}$/;
export const CAPABILITY_PATTERN = /^[0-9a-f]{64}$/;
/** A room's token: its capability and a practice proof, joined by a dot. */
const TOKEN_PATTERN = /^([0-9a-f]{64})\.([A-Za-z0-9_-]{140})$/;
/** Large enough for a whole transport document in one sync step (a 16 MiB envelope fits). */
export const MAX_SYNC_FRAME_BYTES = 32 * 1024 * 1024;

export interface SyncLimits {
  /** Rooms one device connection may have open at once. */
  roomsPerConnection: number;
  /** Sustained messages per second per connection, and the burst (catch-up) allowance. */
  ratePerSecond: number;
  burst: number;
  /** `/sync` sockets and rooms one client (remote address) may hold at once. */
  socketsPerClient: number;
  roomsPerClient: number;
  /** Largest frame before the socket has an authenticated room. */
  preAuthFrameBytes: number;
  /** Bytes one room may occupy in the relay's storage. */
  roomQuotaBytes: number;
  /**
   * New rooms (first capability registered) one client may create in a burst, and per minute
   * after it: each is a durable write, so an anonymous flood of them would stall the relay.
   */
  roomCreationBurst: number;
  roomCreationsPerMinute: number;
}

export const DEFAULT_SYNC_LIMITS: SyncLimits = {
  roomsPerConnection: 5000,
  // A catch-up pass costs about three messages per room (auth, sync step 1, step 2), so the
  // burst covers a full pass over the most rooms a connection may open.
  ratePerSecond: 1000,
  burst: 20_000,
  // A practice's devices may share one address (NAT): a few tabs each.
  socketsPerClient: 64,
  roomsPerClient: 20_000,
  // An auth frame, a sync step 1 (state vector) or an awareness update.
  preAuthFrameBytes: 64 * 1024,
  // Ten times the largest measured chart (42,000 envelopes) — room for years of notes.
  roomQuotaBytes: 256 * 1024 * 1024,
  // A new device's first upload of a large practice creates a few thousand rooms at once.
  roomCreationBurst: 5000,
  roomCreationsPerMinute: 1000,
};

/** The Yjs update a sync frame carries (step 2 or update), or null. */
function carriedUpdate(frame: Uint8Array): Uint8Array | null {
  try {
    const d = decoding.createDecoder(frame);
    decoding.readVarString(d);
    const type = decoding.readVarUint(d);
    if (type !== 0 && type !== 4) return null;
    const sub = decoding.readVarUint(d);
    return sub === 1 || sub === 2 ? decoding.readVarUint8Array(d) : null;
  } catch {
    return null;
  }
}

/**
 * Per-socket state, handed to every Hocuspocus hook. Hocuspocus gives each room a shallow copy of
 * the context, so everything per socket lives behind the `socket` reference.
 */
interface SocketContext {
  socket: { gate: SyncGate; client: string; counted: Map<string, () => void> };
}

export interface SyncEndpoint {
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Open device sockets and loaded rooms, for the metrics. */
  stats(): { sockets: number; rooms: number };
  close(): Promise<void>;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export function createSync(options: {
  store: RoomStore;
  practices: Practices;
  log: Logger;
  /** Redis that several relay processes share rooms through (FOLIO_REDIS_URL; scale-out.ts). */
  redis?: string;
  limits?: Partial<SyncLimits>;
  /** Several relay processes: room creations per address counted across them. */
  shared?: SharedLimits;
}): SyncEndpoint {
  const { store, practices } = options;
  /** The practice of each loaded room (set when a device is admitted to it). */
  const owners = new Map<string, string>();
  /** Bytes each practice has applied to its rooms but not yet stored (debounced stores). */
  const unstored = new Map<string, number>();
  const addUnstored = (room: string, bytes: number) => {
    const owner = owners.get(room);
    if (owner === undefined) return;
    const total = (unstored.get(owner) ?? 0) + bytes;
    if (total <= 0) unstored.delete(owner);
    else unstored.set(owner, total);
  };
  // Refusals are what a hostile client can trigger at will: the relay's logger (server.ts) writes
  // at most 30 lines a minute per kind, after counting them for the metrics.
  const { log } = options;
  const unguard = guardConsole(log);
  const limits = { ...DEFAULT_SYNC_LIMITS, ...options.limits };
  const socketsPerClient = new PerClient(() => limits.socketsPerClient);
  /** Room creations per client: token buckets (across processes with Redis). */
  const creations = limit(
    'sync.create',
    () => ({
      burst: limits.roomCreationBurst,
      perInterval: limits.roomCreationsPerMinute,
      intervalMs: 60_000,
    }),
    options.shared,
  );
  const mayCreate = async (client: string): Promise<boolean> =>
    (await creations.take(client)) === 0;
  /** Bytes applied to each room since its last store (for the room quota). */
  const queued = new Map<string, number>();
  /** Rooms changed by another relay process (through Redis), stored here shortly after. */
  const peerStores = new Map<string, ReturnType<typeof setTimeout>>();
  const storeRoom = (documentName: string, document: Y.Doc) => {
    try {
      store.appendNew(documentName, document);
    } catch (error) {
      // Disk full, or the data folder unwritable: what the devices sent is not durable here.
      // Their rooms are closed with a reason they show; they keep everything and offer it again
      // when they reconnect.
      log('error', 'sync.store-failed', { code: (error as { code?: string }).code ?? 'error' });
      const doc = document as unknown as {
        connections?: Map<unknown, { connection: { close(e: { reason: string }): void } }>;
      };
      for (const { connection } of [...(doc.connections?.values() ?? [])]) {
        connection.close({ reason: 'storage-failed' });
      }
      return;
    }
    addUnstored(documentName, -(queued.get(documentName) ?? 0));
    queued.delete(documentName);
  };
  const redis = options.redis ? scaleOut(options.redis, options.log) : null;
  const roomsPerClient = new PerClient(() => limits.roomsPerClient);
  const hocuspocus = new Hocuspocus({
    name: 'folio-relay',
    quiet: true,
    debounce: 50,
    maxDebounce: 500,
    unloadImmediately: false,
    async onLoadDocument({ documentName, document }) {
      const state = store.fetch(documentName);
      if (state) Y.applyUpdate(document, state);
    },
    ...(redis ? { extensions: [redis] } : {}),
    async onChange({ documentName, document, update, transactionOrigin }) {
      if (!transactionOrigin) return; // loading, not a change
      if (transactionOrigin === REDIS_ORIGIN) {
        // Applied from another process. It stores it too; storing here as well (idempotent:
        // appendNew adds only what storage lacks) means a process killed before its store
        // loses nothing.
        clearTimeout(peerStores.get(documentName));
        peerStores.set(
          documentName,
          setTimeout(() => {
            peerStores.delete(documentName);
            try {
              storeRoom(documentName, document);
            } catch {
              log('error', 'sync.store-failed');
            }
          }, 500),
        );
        return;
      }
      queued.set(documentName, (queued.get(documentName) ?? 0) + update.length);
      addUnstored(documentName, update.length);
    },
    async onStoreDocument({ documentName, document }) {
      storeRoom(documentName, document);
    },
    async beforeHandleMessage({ update, documentName }) {
      const refused = refusal(update);
      if (refused) {
        log('warn', 'sync.refused', { reason: refused });
        throw { reason: 'append-only' };
      }
      const carried = carriedUpdate(update);
      if (carried) {
        const owner = owners.get(documentName);
        if (
          store.bytes(documentName) + (queued.get(documentName) ?? 0) + carried.length >
            limits.roomQuotaBytes ||
          (owner !== undefined &&
            !practices.withinQuota(owner, (unstored.get(owner) ?? 0) + carried.length))
        ) {
          log('warn', 'sync.refused', { reason: 'quota-exceeded' });
          throw { reason: 'quota-exceeded' };
        }
      }
    },
    async afterUnloadDocument({ documentName }) {
      owners.delete(documentName);
    },
    async onDisconnect({ documentName, context }) {
      const { socket } = context as SocketContext;
      socket.gate.closed(documentName);
      socket.counted.get(documentName)?.();
      socket.counted.delete(documentName);
    },
    async onAuthenticate({ documentName, token, context }) {
      const { socket } = context as SocketContext;
      try {
        // Marks the room authenticated on its socket itself, in the same synchronous step as
        // the last checks (rooms per connection).
        await authorize(socket, documentName, token);
      } catch (error) {
        socket.gate.refused(documentName);
        throw error;
      }
    },
  });
  async function authorize(
    socket: SocketContext['socket'],
    documentName: string,
    token: unknown,
  ): Promise<void> {
    const { gate } = socket;
    const roomsFull = () => {
      if (!gate.rooms.has(documentName) && gate.rooms.size >= limits.roomsPerConnection) {
        log('warn', 'sync.refused', { reason: 'too-many-rooms' });
        throw { reason: 'too-many-rooms' };
      }
    };
    roomsFull();
    const parts = typeof token === 'string' ? TOKEN_PATTERN.exec(token) : null;
    if (!ROOM_PATTERN.test(documentName) || !parts) {
      log('warn', 'sync.refused', { reason: 'malformed' });
      throw {
        reason:
          typeof token === 'string' && CAPABILITY_PATTERN.test(token)
            ? 'practice-proof'
            : 'forbidden',
      };
    }
    const [, capability, proof] = parts;
    const admitted = await practices.admit(proof, socket.client);
    if (!admitted.ok) throw { reason: admitted.reason };
    if (store.capability(documentName) === null && !(await mayCreate(socket.client))) {
      log('warn', 'sync.refused', { reason: 'room-creation-rate' });
      throw { reason: 'too-many-new-rooms' };
    }
    // From here on synchronous: other authorizations (the limits above may wait for Redis) cannot
    // run between these checks and what they allow, so they are made again here.
    roomsFull();
    const hash = sha256(capability!);
    const known = store.capability(documentName);
    if (known !== null && !timingSafeEqual(Buffer.from(known, 'hex'), Buffer.from(hash, 'hex'))) {
      log('warn', 'sync.refused', { reason: 'capability' });
      throw { reason: 'forbidden' };
    }
    const owner = known === null ? null : store.practiceOf(documentName);
    if (owner !== null && owner !== admitted.practice) {
      log('warn', 'sync.refused', { reason: 'other-practice' });
      throw { reason: 'forbidden' };
    }
    if (!socket.counted.has(documentName)) {
      const release = roomsPerClient.acquire(socket.client);
      if (!release) {
        log('warn', 'sync.refused', { reason: 'client-rooms' });
        throw { reason: 'too-many-rooms' };
      }
      socket.counted.set(documentName, release);
    }
    if (known === null) store.setCapability(documentName, hash);
    if (owner === null) store.claimRoom(documentName, admitted.practice);
    owners.set(documentName, admitted.practice);
    gate.authenticated(documentName);
  }
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_SYNC_FRAME_BYTES });
  wss.on('connection', (ws, req: IncomingMessage) => {
    ws.on('error', () => ws.terminate());
    const gate = new SyncGate(
      ws,
      {
        ratePerSecond: limits.ratePerSecond,
        burst: limits.burst,
        preAuthFrameBytes: limits.preAuthFrameBytes,
        frameBytes: MAX_SYNC_FRAME_BYTES,
        // A catch-up batch attaches 100 rooms at once (src/lib/sync/catch-up.ts).
        pendingRooms: 256,
        heldFramesPerRoom: 4,
        heldBytes: 1024 * 1024,
        maxDropped: 64,
      },
      log,
    );
    const counted = new Map<string, () => void>();
    ws.once('close', () => {
      for (const release of counted.values()) release();
      counted.clear();
    });
    const context: SocketContext = { socket: { gate, client: clientOf(req), counted } };
    hocuspocus.handleConnection(ws, req, context);
  });
  return {
    stats: () => ({ sockets: wss.clients.size, rooms: hocuspocus.documents.size }),
    handleUpgrade(req, socket, head) {
      const release = socketsPerClient.acquire(clientOf(req));
      if (!release) {
        log('warn', 'sync.refused', { reason: 'client-sockets' });
        refuseUpgrade(socket);
        return;
      }
      socket.once('close', release);
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
    },
    async close() {
      // Closing connections unloads documents, and unloading waits for their store to finish.
      hocuspocus.closeConnections();
      const deadline = Date.now() + 3000;
      while (
        (hocuspocus.documents.size > 0 || hocuspocus.unloadingDocuments.size > 0) &&
        Date.now() < deadline
      ) {
        await Promise.all([...hocuspocus.unloadingDocuments.values()]);
        await new Promise((r) => setTimeout(r, 20));
      }
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      for (const timer of peerStores.values()) clearTimeout(timer);
      await redis?.onDestroy().catch(() => undefined);
      unguard();
    },
  };
}

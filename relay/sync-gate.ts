/**
 * What reaches Hocuspocus from one `/sync` socket (issue 11 item 7). Hocuspocus queues, without
 * bound, every frame for a room until that room's authentication finishes — and forever when it
 * fails. This gate sits in front of it (it intercepts the socket's `message` events) and:
 * - allows one message budget per socket (token bucket over every frame, whatever the room);
 *   a socket past it is closed (1008);
 * - caps frames at `preAuthFrameBytes` until the socket has an authenticated room (ws refuses
 *   larger ones before buffering them: 1009), then at the full sync frame size;
 * - passes Auth frames (at most `pendingRooms` authentications in flight per socket, and as many
 *   refused ones before the socket is closed);
 * - holds at most `heldFramesPerRoom` frames (and `heldBytes` in all) for a room whose
 *   authentication is in flight — a provider sends its sync step 1 and awareness right after its
 *   token — and hands them over once it is authenticated, or drops them when it is refused;
 * - drops every other frame for a room that is not authenticated, and closes the socket (1008)
 *   when it keeps sending them (more than `maxDropped`, decaying by one per second).
 */
import type { WebSocket } from 'ws';
import { messageType, MESSAGE } from './append-only.ts';
import type { Logger } from './log.ts';
import * as decoding from 'lib0/decoding';

export interface GateLimits {
  ratePerSecond: number;
  burst: number;
  preAuthFrameBytes: number;
  frameBytes: number;
  pendingRooms: number;
  heldFramesPerRoom: number;
  heldBytes: number;
  maxDropped: number;
}

function roomOf(frame: Uint8Array): string | null {
  try {
    return decoding.readVarString(decoding.createDecoder(frame));
  } catch {
    return null;
  }
}

/** Sets the largest frame ws accepts on this socket (ws 8 reads it per frame). */
function setMaxPayload(ws: WebSocket, bytes: number): void {
  const receiver = (ws as unknown as { _receiver?: { _maxPayload?: number } })._receiver;
  if (receiver && typeof receiver._maxPayload === 'number') receiver._maxPayload = bytes;
}

export class SyncGate {
  /** Rooms authenticated on this socket. */
  readonly rooms = new Set<string>();
  readonly #pending = new Map<string, Uint8Array[]>();
  /** Rooms refused on this socket (Hocuspocus keeps their state until the socket closes). */
  readonly #refused = new Set<string>();
  #heldBytes = 0;
  #tokens: number;
  #refilled = Date.now();
  #dropped = 0;
  #droppedAt = Date.now();
  readonly #forward: (frame: Uint8Array) => void;

  constructor(
    private readonly ws: WebSocket,
    private readonly limits: GateLimits,
    private readonly log: Logger,
  ) {
    this.#tokens = limits.burst;
    const emit = ws.emit.bind(ws) as (event: string, ...args: unknown[]) => boolean;
    this.#forward = (frame) => void emit('message', frame, true);
    (ws as unknown as { emit: typeof emit }).emit = (event, ...args) => {
      if (event !== 'message') return emit(event, ...args);
      this.#frame(args[0] as Uint8Array);
      return true;
    };
    setMaxPayload(ws, limits.preAuthFrameBytes);
  }

  #close(code: number, reason: string): void {
    this.log('warn', 'sync.refused', { reason });
    this.#pending.clear();
    this.#heldBytes = 0;
    this.ws.close(code, reason);
  }

  #frame(frame: Uint8Array): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    const now = Date.now();
    this.#tokens = Math.min(
      this.limits.burst,
      this.#tokens + ((now - this.#refilled) / 1000) * this.limits.ratePerSecond,
    );
    this.#refilled = now;
    if (this.#tokens < 1) return this.#close(1008, 'rate-limited');
    this.#tokens -= 1;
    if (this.rooms.size === 0 && frame.byteLength > this.limits.preAuthFrameBytes) {
      return this.#close(1009, 'pre-auth-size');
    }
    const room = roomOf(frame);
    const type = messageType(frame);
    if (room === null || type === null) return this.#close(1008, 'malformed');
    if (this.rooms.has(room)) return this.#forward(frame);
    if (type === MESSAGE.auth) {
      if (this.#pending.has(room) || this.#refused.has(room)) return this.#drop();
      if (this.#pending.size >= this.limits.pendingRooms) return this.#close(1008, 'pending-auth');
      this.#pending.set(room, []);
      return this.#forward(frame);
    }
    const held = this.#pending.get(room);
    if (
      held &&
      held.length < this.limits.heldFramesPerRoom &&
      this.#heldBytes + frame.byteLength <= this.limits.heldBytes
    ) {
      held.push(frame);
      this.#heldBytes += frame.byteLength;
      return;
    }
    this.#drop();
  }

  #drop(): void {
    const now = Date.now();
    this.#dropped = Math.max(0, this.#dropped - Math.floor((now - this.#droppedAt) / 1000));
    this.#droppedAt = now;
    if (++this.#dropped > this.limits.maxDropped) this.#close(1008, 'unauthenticated');
  }

  #release(room: string): Uint8Array[] {
    const held = this.#pending.get(room) ?? [];
    this.#pending.delete(room);
    for (const f of held) this.#heldBytes -= f.byteLength;
    return held;
  }

  /** The room's authentication succeeded: frames held for it go on to Hocuspocus. */
  authenticated(room: string): void {
    this.rooms.add(room);
    setMaxPayload(this.ws, this.limits.frameBytes);
    // Hocuspocus queues these until the room's document is loaded (after authentication).
    for (const frame of this.#release(room)) this.#forward(frame);
  }

  /** The room's authentication failed: what was held for it is dropped. */
  refused(room: string): void {
    this.#release(room);
    this.#refused.add(room);
    if (this.#refused.size > this.limits.pendingRooms) this.#close(1008, 'refused-rooms');
  }

  /** The room's connection closed on this socket; frames for it are held off again. */
  closed(room: string): void {
    this.rooms.delete(room);
    this.#release(room);
  }
}

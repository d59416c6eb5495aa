/**
 * Live peer sync of a transport document over y-webrtc (docs/design.md §6), signaled through the
 * relay. The room name is the keyed room id and the password a derived subkey (so the relay sees
 * opaque topics and sealed SDP); no STUN/TURN servers are used; transport-level awareness carries
 * nothing (presence will travel as sealed envelopes).
 */
import { WebrtcProvider } from 'y-webrtc';
import type { TransportDoc } from '../crdt/transport-doc';
import { presenceOver, type PresenceChannel } from './presence';

export interface RoomConnection extends PresenceChannel {
  /** Peers with an open WebRTC data channel, plus tabs of this browser in the room. */
  peers(): { direct: number; sameBrowser: number; signaling: boolean };
  onChange(listener: () => void): () => void;
  /** Leaves the room's peers (the device went offline); `resume` joins again. */
  pause(): void;
  resume(): void;
  destroy(): void;
}

/** The part of lib0's WebsocketClient (y-webrtc's signaling connection) that sends. */
interface SignalingSocket {
  ws: { readyState: number } | null;
  send(message: unknown): void;
}

const guarded = new WeakSet<SignalingSocket>();

/**
 * y-webrtc sends signaling after async steps (announcing, answering) and lib0's client checks
 * only that a socket exists, so a send can hit a socket still CONNECTING or already CLOSING —
 * an uncaught DOMException in the page. Drop such sends instead: the client subscribes and
 * announces again when the socket opens, so nothing is lost.
 */
export function guardSignalingSends(conn: SignalingSocket): void {
  if (guarded.has(conn)) return;
  guarded.add(conn);
  const send = conn.send.bind(conn);
  conn.send = (message) => {
    if (conn.ws?.readyState === 1 /* WebSocket.OPEN */) send(message);
  };
}

export function connectRoom(options: {
  room: string;
  password: string;
  signalingUrl: string;
  transport: TransportDoc;
}): RoomConnection {
  const provider = new WebrtcProvider(`folio-${options.room}`, options.transport.ydoc, {
    signaling: [options.signalingUrl],
    password: options.password,
    peerOpts: { config: { iceServers: [] } },
  });
  const guardAll = () => {
    for (const conn of provider.signalingConns)
      guardSignalingSends(conn as unknown as SignalingSocket);
  };
  guardAll();
  provider.awareness.setLocalState(null);
  const awareness = provider.awareness;
  const listeners = new Set<() => void>();
  const notify = () => listeners.forEach((l) => l());
  provider.on('peers', notify);
  provider.on('status', notify);
  const timer = setInterval(notify, 1000);
  return {
    peers() {
      let direct = 0;
      provider.room?.webrtcConns.forEach((conn) => {
        if (conn.connected) direct += 1;
      });
      return {
        direct,
        sameBrowser: provider.room?.bcConns.size ?? 0,
        signaling: provider.signalingConns.some((c) => c.connected),
      };
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    ...presenceOver(awareness),
    pause: () => provider.disconnect(),
    resume: () => {
      provider.connect();
      guardAll();
    },
    destroy() {
      clearInterval(timer);
      listeners.clear();
      provider.destroy();
    },
  };
}

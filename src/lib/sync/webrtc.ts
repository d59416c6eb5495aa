/**
 * Live peer sync of a transport document over y-webrtc (DESIGN.md §6), signaled through the
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
    resume: () => provider.connect(),
    destroy() {
      clearInterval(timer);
      listeners.clear();
      provider.destroy();
    },
  };
}

/**
 * Connection check: joins a random y-webrtc room through the relay's signaling endpoint and
 * exchanges a short message over a direct WebRTC link. It reports direct (WebRTC) and
 * same-browser (BroadcastChannel) peers separately, so a check only passes on a real peer link.
 * No third-party STUN/TURN servers are used (iceServers: []): peers must reach each other
 * directly, as on a clinic LAN.
 */
import { WebrtcProvider } from 'y-webrtc';
import { ProbeDoc } from '../crdt/probe-doc';

export interface PeerCounts {
  /** Peers with an open WebRTC data channel. */
  direct: number;
  /** Peers reached through BroadcastChannel (other tabs of this browser). */
  sameBrowser: number;
  /** Whether the signaling WebSocket is connected. */
  signaling: boolean;
}

export interface ConnectionCheck {
  readonly message: string;
  counts(): PeerCounts;
  send(text: string): void;
  /** Calls `listener` when the message or the peers change; returns an unsubscribe function. */
  onChange(listener: () => void): () => void;
  destroy(): void;
}

/** Joins the check room `room`, protected by `secret`, through `signalingUrl`. */
export function startConnectionCheck(options: {
  room: string;
  secret: string;
  signalingUrl: string;
}): ConnectionCheck {
  const probe = new ProbeDoc();
  const provider = new WebrtcProvider(`folio-check-${options.room}`, probe.ydoc, {
    signaling: [options.signalingUrl],
    password: options.secret,
    filterBcConns: true,
    peerOpts: { config: { iceServers: [] } },
  });
  const listeners = new Set<() => void>();
  const notify = () => listeners.forEach((l) => l());
  const stopProbe = probe.onChange(notify);
  provider.on('peers', notify);
  provider.on('status', notify);
  // Connection state changes inside simple-peer are not all reported as events; poll cheaply.
  const timer = setInterval(notify, 500);

  return {
    get message() {
      return probe.message;
    },
    counts() {
      const room = provider.room;
      let direct = 0;
      room?.webrtcConns.forEach((conn) => {
        if (conn.connected) direct += 1;
      });
      const signaling = provider.signalingConns.some((c) => c.connected);
      return { direct, sameBrowser: room?.bcConns.size ?? 0, signaling };
    },
    send(text) {
      probe.send(text);
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    destroy() {
      clearInterval(timer);
      stopProbe();
      listeners.clear();
      provider.destroy();
      probe.destroy();
    },
  };
}

/**
 * WebRTC edit-to-visible (issue 5), driven by bench/sync.ts: two pages join one room with
 * Folio's own transport document and y-webrtc connection (signaled by the relay serving this
 * page); one offers envelope-sized binaries, the other timestamps each arrival.
 */
import { TransportDoc } from '$lib/crdt/transport-doc';
import { connectRoom, type RoomConnection } from '$lib/sync/webrtc';
import { signalingUrl } from '$lib/sync/signaling-url';

const now = () => performance.timeOrigin + performance.now();
let transport: TransportDoc;
let connection: RoomConnection;
const arrivals: number[] = [];

function envelope(bytes: number): Uint8Array {
  const e = crypto.getRandomValues(new Uint8Array(bytes));
  e[0] = 1;
  return e;
}

Object.assign(window, {
  webrtcBench: {
    join(room: string, password: string) {
      transport = new TransportDoc();
      connection = connectRoom({ room, password, signalingUrl: signalingUrl(location), transport });
      transport.onArrival((envelopes) => {
        const at = now();
        for (let i = 0; i < envelopes.length; i++) arrivals.push(at);
      });
    },
    peers: () => connection.peers().direct,
    /** Offers one envelope; returns when it was offered. */
    send(bytes: number): number {
      const at = now();
      transport.offer([envelope(bytes)]);
      return at;
    },
    arrivals: () => arrivals.length,
    arrival: (i: number) => arrivals[i],
  },
});
document.title = 'ready';

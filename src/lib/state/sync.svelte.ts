/**
 * Sync status and the rooms this device has joined: the practice index always (once unlocked)
 * and each open chart. Envelopes flow both ways through a transport document per room; only
 * verified ones reach the local log (SealedDoc.receive).
 */
import type { SealedDoc } from '$lib/crdt/sealed-doc';
import { TransportDoc } from '$lib/crdt/transport-doc';
import type { PresenceChannel } from '$lib/sync/presence';
import type { RelayRoom } from '$lib/sync/relay-client';
import type { RoomConnection } from '$lib/sync/webrtc';
import { relayUrl, signalingUrl } from '$lib/sync/signaling-url';
import { session } from './session.svelte';

/** A joined sync room: leave it, and exchange sealed presence in it. */
export interface JoinedRoom extends PresenceChannel {
  leave(): void;
}

interface Attached {
  doc: SealedDoc;
  connection: RoomConnection | null;
  relay: RelayRoom | null;
  cleanup: (() => void)[];
}

class SyncState {
  #rooms = new Set<Attached>();
  #peers = $state(0);
  #signaling = $state(false);
  #waiting = $state(0);
  #refused = $state(0);
  #roomCount = $state(0);
  #relaySynced = $state(false);
  #lastSynced = $state<Date | null>(null);

  /** Whether every joined room has exchanged state with the relay. */
  get relaySynced(): boolean {
    return this.#relaySynced;
  }
  /** When this device last had every room in step with the relay. */
  get lastSynced(): Date | null {
    return this.#lastSynced;
  }

  /** Other devices connected directly in any joined room (the largest count). */
  get peers(): number {
    return this.#peers;
  }
  get connected(): boolean {
    return this.#signaling;
  }
  /** Local changes not yet durable on this device. */
  get waiting(): number {
    return this.#waiting;
  }
  /** Envelopes that failed verification (forged, tampered or from non-members). */
  get refused(): number {
    return this.#refused;
  }
  /** Whether any document is being synced. */
  get active(): boolean {
    return this.#roomCount > 0;
  }

  /** Joins the sync room of a sealed document; returns a function that leaves it. */
  async attach(doc: SealedDoc): Promise<JoinedRoom> {
    const entry: Attached = { doc, connection: null, relay: null, cleanup: [] };
    this.#rooms.add(entry);
    const transport = new TransportDoc();
    transport.offer(doc.envelopes);
    entry.cleanup.push(doc.onSealed((envelopes) => transport.offer(envelopes)));
    entry.cleanup.push(
      transport.onArrival((envelopes) => void doc.receive(envelopes).catch(() => undefined)),
    );
    entry.cleanup.push(doc.onChange(() => this.#update()));
    try {
      const { room, password, capability } = await session.vault.call('roomFor', {
        docId: doc.docId,
        generation: 0,
      });
      const [{ connectRoom }, { attachRelayRoom }] = await Promise.all([
        import('$lib/sync/webrtc'),
        import('$lib/sync/relay-client'),
      ]);
      entry.connection = connectRoom({
        room,
        password,
        signalingUrl: signalingUrl(location),
        transport,
      });
      entry.cleanup.push(entry.connection.onChange(() => this.#update()));
      entry.relay = attachRelayRoom({ url: relayUrl(location), room, capability, transport });
      entry.cleanup.push(entry.relay.onChange(() => this.#update()));
    } catch {
      // No key for the room, or WebRTC unavailable: the document stays local-only.
    }
    entry.cleanup.push(() => transport.destroy());
    this.#update();
    const channels = () => [entry.connection, entry.relay].filter((c) => c !== null);
    return {
      leave: () => {
        for (const c of channels()) c.setPresence(null);
        for (const fn of entry.cleanup.splice(0)) fn();
        entry.connection?.destroy();
        entry.relay?.destroy();
        this.#rooms.delete(entry);
        this.#update();
      },
      setPresence: (sealed) => {
        for (const c of channels()) c.setPresence(sealed);
      },
      presence: () => [...new Set(channels().flatMap((c) => c.presence()))],
      onPresence: (listener) => {
        const offs = channels().map((c) => c.onPresence(listener));
        return () => offs.forEach((off) => off());
      },
    };
  }

  #update(): void {
    let peers = 0;
    let signaling = false;
    let waiting = 0;
    let refused = 0;
    let relaySynced = this.#rooms.size > 0;
    for (const { doc, connection, relay } of this.#rooms) {
      relaySynced &&= relay?.synced() ?? false;
      const p = connection?.peers();
      if (p) {
        peers = Math.max(peers, p.direct + p.sameBrowser);
        signaling ||= p.signaling;
      }
      waiting += doc.unsavedChanges;
      refused += doc.rejections.reduce((n, r) => n + r.count, 0);
    }
    this.#peers = peers;
    this.#signaling = signaling;
    this.#waiting = waiting;
    this.#refused = refused;
    this.#roomCount = this.#rooms.size;
    this.#relaySynced = relaySynced;
    if (relaySynced) this.#lastSynced = new Date();
  }
}

export const sync = new SyncState();

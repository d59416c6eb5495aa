/**
 * The sync rooms of a device's open sealed documents (ADR 0005): each document gets a transport
 * document joined to a y-webrtc room (live peers) and a relay room (store-and-forward). Only
 * verified envelopes reach the local log: arrivals are handed to the document's `receive`.
 *
 * Rules kept here (plain TypeScript, tested in Node with fake connections):
 * - What the device held before joining is offered once the relay's copy has arrived (the relay
 *   room reports synced), so only envelopes the room lacks are added — re-opening a chart must not
 *   store everything twice. Envelopes sealed after joining go at once. When the room cannot be
 *   joined (no key, WebRTC unavailable) the held envelopes are offered to the transport anyway.
 * - The status aggregates every room: peers (the largest count of any room), signaling, changes
 *   waiting, refused envelopes by reason, the relay's refusal, whether every room is in step with
 *   the relay, and how many envelopes arrived.
 * - While the browser says offline the WebRTC rooms are left (`setPeersOnline`).
 */
import { TransportDoc } from '../crdt/transport-doc';
import { describeRefusals } from '../crdt/refusals';
import type { NetworkSnapshot } from './reachability';
import type { PresenceChannel } from './presence';
import type { RelayRoom } from './relay-client';
import { RELAY_REFUSALS } from './relay-refusals';
import type { RoomConnection } from './webrtc';

/** What of a sealed document (lib/crdt/sealed-doc.ts) its room uses. */
export interface RoomDoc {
  readonly docId: Uint8Array;
  /** Every envelope the document holds. */
  readonly envelopes: readonly Uint8Array[];
  readonly unsavedChanges: number;
  readonly rejections: readonly { code: string; count: number }[];
  onSealed(listener: (envelopes: Uint8Array[]) => void): () => void;
  onChange(listener: () => void): () => void;
  receive(envelopes: Uint8Array[]): Promise<unknown>;
}

/** A document's room name, signaling password and relay capability (from the vault). */
export interface RoomKeys {
  room: string;
  password: string;
  capability: string;
}

export interface DocumentRoomsOptions {
  /** The room of a document. @throws when this device holds no key for it */
  keys(docId: Uint8Array): Promise<RoomKeys>;
  /** Joins the live (y-webrtc) room. */
  connectPeers(keys: RoomKeys, transport: TransportDoc): RoomConnection | Promise<RoomConnection>;
  /** Joins the relay room (with the practice proof). */
  connectRelay(keys: RoomKeys, transport: TransportDoc): RelayRoom | Promise<RelayRoom>;
  /** The time a synced status is stamped with (default: now). */
  now?: () => Date;
}

/** A joined sync room: leave it, and exchange sealed presence in it. */
export interface JoinedRoom extends PresenceChannel {
  leave(): void;
}

export interface RoomsStatus {
  /** Other devices connected directly in any joined room (the largest count). */
  peers: number;
  /** Whether any room's signaling connection is open. */
  signaling: boolean;
  /** Local changes not yet durable on this device, over every room. */
  waiting: number;
  /** Envelopes that failed verification, over every room. */
  refused: number;
  /** What was refused, by reason in words. */
  refusedWhat: string;
  /** Why the relay refused this device's changes in some room, in words ('' when it did not). */
  relayRefusal: string;
  /** Joined rooms. */
  rooms: number;
  /** Whether every joined room has exchanged state with the relay (false with no rooms). */
  relaySynced: boolean;
  /** When every room was last in step with the relay. */
  lastSynced: Date | null;
  /** Envelopes that arrived from peers or the relay (any outcome). */
  arrived: number;
  /** Open channels that could carry an edit: the relay socket and direct peers. */
  channels: number;
}

interface Attached {
  doc: RoomDoc;
  connection: RoomConnection | null;
  relay: RelayRoom | null;
  cleanup: (() => void)[];
}

export class DocumentRooms {
  readonly #options: DocumentRoomsOptions;
  readonly #rooms = new Set<Attached>();
  readonly #listeners = new Set<(status: RoomsStatus) => void>();
  #peersOnline = true;
  #relayOpen = false;
  #arrived = 0;
  #lastSynced: Date | null = null;
  #status: RoomsStatus;

  constructor(options: DocumentRoomsOptions) {
    this.#options = options;
    this.#status = this.#compute();
  }

  get status(): RoomsStatus {
    return this.#status;
  }

  /** Listens for status changes (called with the new status after every change). */
  onChange(listener: (status: RoomsStatus) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Joins the sync room of a document; the returned room leaves it again. */
  async attach(doc: RoomDoc): Promise<JoinedRoom> {
    const entry: Attached = { doc, connection: null, relay: null, cleanup: [] };
    this.#rooms.add(entry);
    const transport = new TransportDoc();
    let offered = false;
    const offerHeld = () => {
      if (offered) return;
      offered = true;
      transport.offer(doc.envelopes);
    };
    entry.cleanup.push(doc.onSealed((envelopes) => void transport.offer(envelopes)));
    entry.cleanup.push(
      transport.onArrival((envelopes) => {
        this.#arrived += envelopes.length;
        void doc.receive(envelopes).catch(() => undefined);
        this.#update();
      }),
    );
    entry.cleanup.push(doc.onChange(() => this.#update()));
    try {
      const keys = await this.#options.keys(doc.docId);
      const connection = await this.#options.connectPeers(keys, transport);
      entry.connection = connection;
      // Joined while the device is offline: its peers stay left until it is online again.
      if (!this.#peersOnline) connection.pause();
      entry.cleanup.push(connection.onChange(() => this.#update()));
      const relay = await this.#options.connectRelay(keys, transport);
      entry.relay = relay;
      entry.cleanup.push(
        relay.onChange(() => {
          if (relay.synced()) offerHeld();
          this.#update();
        }),
      );
    } catch {
      // No key for the room, or WebRTC unavailable: the document stays local-only.
      offerHeld();
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

  /** Leaves (false) or rejoins (true) every room's live peers. */
  setPeersOnline(online: boolean): void {
    if (online === this.#peersOnline) return;
    this.#peersOnline = online;
    for (const { connection } of this.#rooms) {
      if (online) connection?.resume();
      else connection?.pause();
    }
    this.#update();
  }

  /** The device's relay socket opened (true) or closed (false). */
  setRelayOpen(open: boolean): void {
    this.#relayOpen = open;
    this.#update();
  }

  /** Recomputes the status (e.g. after the network changed). */
  refresh(): void {
    this.#update();
  }

  #update(): void {
    this.#status = this.#compute();
    for (const listener of this.#listeners) listener(this.#status);
  }

  #compute(): RoomsStatus {
    let peers = 0;
    let signaling = false;
    let waiting = 0;
    let refused = 0;
    const reasons: { code: string; count: number }[] = [];
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
      reasons.push(...doc.rejections);
    }
    const relayRefused = [...this.#rooms].map((r) => r.relay?.refusal()).find((code) => code);
    if (relaySynced) this.#lastSynced = (this.#options.now ?? (() => new Date()))();
    return {
      peers,
      signaling,
      waiting,
      refused,
      refusedWhat: describeRefusals(reasons),
      relayRefusal: relayRefused ? (RELAY_REFUSALS[relayRefused] ?? relayRefused) : '',
      rooms: this.#rooms.size,
      relaySynced,
      lastSynced: this.#lastSynced,
      arrived: this.#arrived,
      channels: (this.#relayOpen ? 1 : 0) + peers,
    };
  }
}

/**
 * Follows the network source of truth (lib/sync/reachability.ts) and reports only its edges:
 * `relay` when whether the relay can be reached changes, `peers` when the browser's own claim
 * changes. Both start as online (nothing is reported for a first snapshot that is online).
 */
export function networkEdges(handlers: {
  relay(online: boolean): void;
  peers(online: boolean): void;
}): (snapshot: NetworkSnapshot) => void {
  let relayOnline = true;
  let peersOnline = true;
  return (snapshot) => {
    if (snapshot.online !== relayOnline) {
      relayOnline = snapshot.online;
      handlers.relay(relayOnline);
    }
    if (snapshot.browserOnline !== peersOnline) {
      peersOnline = snapshot.browserOnline;
      handlers.peers(peersOnline);
    }
  };
}

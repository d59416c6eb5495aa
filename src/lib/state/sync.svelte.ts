/**
 * Sync status and the rooms this device has joined: the practice index always (once unlocked)
 * and each open chart. Envelopes flow both ways through a transport document per room; only
 * verified ones reach the local log (SealedDoc.receive).
 */
import type { SealedDoc } from '$lib/crdt/sealed-doc';
import { describeRefusals } from '$lib/crdt/refusals';
import type { CatchUp, CatchUpDoc, CatchUpOptions, CatchUpReport } from '$lib/sync/catch-up';
import { TransportDoc } from '$lib/crdt/transport-doc';
import type { PresenceChannel } from '$lib/sync/presence';
import type { RelayRoom } from '$lib/sync/relay-client';
import { RELAY_REFUSALS } from '$lib/sync/relay-refusals';
import type { RoomConnection } from '$lib/sync/webrtc';
import { changesUrl, relayUrl, signalingUrl } from '$lib/sync/signaling-url';
import type { NetworkSnapshot } from '$lib/sync/reachability';
import { network } from './network.svelte';
import { relayLocation, relayProof } from './relay.svelte';
import { session } from './session.svelte';

/** A joined sync room: leave it, and exchange sealed presence in it. */
export interface JoinedRoom extends PresenceChannel {
  leave(): void;
}

/** How often the change feed is asked while unlocked and online. */
const CATCH_UP_EVERY_MS = 15_000;
/** Sealed edits of closed documents are uploaded after this quiet time. */
const CATCH_UP_DEBOUNCE_MS = 1_000;

/** What the practice provides for catch-up of documents that are not open. */
export interface CatchUpSource {
  store: CatchUpOptions['store'];
  /** Every document this device can open, with its room. */
  docs(): Promise<CatchUpDoc[]>;
  receive: CatchUpOptions['receive'];
  isOpen(key: string): boolean;
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
  #refusedWhat = $state('');
  #relayRefusal = $state('');
  #roomCount = $state(0);
  #relaySynced = $state(false);
  #lastSynced = $state<Date | null>(null);
  #arrived = $state(0);
  #relayOpen = $state(false);

  /** Envelopes that arrived from peers or the relay in open rooms (any outcome). */
  get arrived(): number {
    return this.#arrived;
  }
  /** Open channels that could carry an edit in or out: the relay socket and direct peers. */
  get channels(): number {
    return (this.#relayOpen ? 1 : 0) + this.#peers;
  }

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
  /** What was refused, by reason in plain words (e.g. a snapshot claiming others' edits). */
  get refusedWhat(): string {
    return this.#refusedWhat;
  }
  /** Why the relay refused this device's changes in some room, in words ('' when it did not). */
  get relayRefusal(): string {
    return this.#relayRefusal;
  }
  /** Whether any document is being synced. */
  get active(): boolean {
    return this.#roomCount > 0;
  }

  #listening = false;

  /**
   * Follows the one network source of truth (network.svelte.ts): while the relay cannot be reached
   * (browser offline, or the relay does not answer) the relay socket is closed and reopened when
   * it answers again; while the browser says offline, WebRTC peers are left too (Chromium's
   * offline emulation keeps sockets open, and nothing may cross while offline).
   */
  #followNetwork(): void {
    if (this.#listening) return;
    this.#listening = true;
    let relayOnline = true;
    let peersOnline = true;
    const follow = async (snapshot: NetworkSnapshot) => {
      const { setRelayOnline } = await import('$lib/sync/relay-client');
      if (snapshot.online !== relayOnline) {
        relayOnline = snapshot.online;
        setRelayOnline(relayOnline);
        if (relayOnline) this.scheduleCatchUp(0);
      }
      if (snapshot.browserOnline !== peersOnline) {
        peersOnline = snapshot.browserOnline;
        for (const { connection } of this.#rooms) {
          if (peersOnline) connection?.resume();
          else connection?.pause();
        }
      }
      this.#update();
    };
    network.subscribe((snapshot) => void follow(snapshot));
    void import('$lib/sync/relay-client').then(({ onRelaySocket }) =>
      onRelaySocket((open) => {
        this.#relayOpen = open;
        network.relaySocket(open);
        this.#update();
      }),
    );
  }

  /** Joins the sync room of a sealed document; returns a function that leaves it. */
  async attach(doc: SealedDoc): Promise<JoinedRoom> {
    this.#followNetwork();
    const entry: Attached = { doc, connection: null, relay: null, cleanup: [] };
    this.#rooms.add(entry);
    const transport = new TransportDoc();
    // What this device held before joining is offered once the relay's copy has arrived, so only
    // envelopes the room lacks are added (re-opening a chart must not store everything twice).
    // Envelopes sealed from now on are new and go at once.
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
      }),
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
        signalingUrl: signalingUrl(relayLocation()),
        transport,
      });
      entry.cleanup.push(entry.connection.onChange(() => this.#update()));
      const relay = attachRelayRoom({
        url: relayUrl(relayLocation()),
        room,
        capability,
        proof: relayProof,
        transport,
      });
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

  #catchUp: CatchUp | null = null;
  #source: CatchUpSource | null = null;
  #catchUpTimer: ReturnType<typeof setTimeout> | null = null;
  #catchingUp: Promise<void> | null = null;
  #again = false;
  #lastCatchUp = $state<CatchUpReport | null>(null);
  #catchUpError = $state<string | null>(null);

  #catchUpPasses = $state(0);
  /** How many catch-up passes have finished (a test marker that a pass ran after some event). */
  get catchUpPasses(): number {
    return this.#catchUpPasses;
  }

  /** The last finished catch-up pass over documents that are not open. */
  get lastCatchUp(): CatchUpReport | null {
    return this.#lastCatchUp;
  }
  /** Why the last catch-up pass failed (e.g. the relay is unreachable), or null. */
  get catchUpError(): string | null {
    return this.#catchUpError;
  }

  /** Starts catch-up passes: now, every 15 s, when back online, and after closed documents change. */
  startCatchUp(source: CatchUpSource): void {
    if (this.#source) return;
    this.#source = source;
    setInterval(() => this.scheduleCatchUp(0), CATCH_UP_EVERY_MS);
    this.scheduleCatchUp(0);
  }

  /** A document was sealed into: make sure the relay gets it even after it is closed. */
  markDirty(key: string): void {
    this.#pendingDirty.add(key);
    this.#catchUp?.markDirty(key);
    this.scheduleCatchUp(CATCH_UP_DEBOUNCE_MS);
  }
  readonly #pendingDirty = new Set<string>();

  scheduleCatchUp(delayMs = CATCH_UP_DEBOUNCE_MS): void {
    if (!this.#source) return;
    if (this.#catchUpTimer) clearTimeout(this.#catchUpTimer);
    this.#catchUpTimer = setTimeout(() => {
      this.#catchUpTimer = null;
      void this.catchUpNow();
    }, delayMs);
  }

  /** Runs one catch-up pass (or queues one after the pass under way). */
  catchUpNow(): Promise<void> {
    if (this.#catchingUp) {
      this.#again = true;
      return this.#catchingUp;
    }
    this.#catchingUp = this.#pass().finally(() => {
      this.#catchingUp = null;
      if (this.#again) {
        this.#again = false;
        this.scheduleCatchUp(0);
      }
    });
    return this.#catchingUp;
  }

  async #pass(): Promise<void> {
    const source = this.#source;
    if (!source || !network.online) return;
    try {
      if (!this.#catchUp) {
        const [{ CatchUp }, { attachRelayRoom }] = await Promise.all([
          import('$lib/sync/catch-up'),
          import('$lib/sync/relay-client'),
        ]);
        const url = relayUrl(relayLocation());
        this.#catchUp = new CatchUp({
          changesUrl: changesUrl(relayLocation()),
          store: source.store,
          attach: (room, capability, transport) =>
            attachRelayRoom({
              url,
              room,
              capability,
              proof: relayProof,
              transport,
              presence: false,
            }),
          receive: source.receive,
        });
        for (const key of this.#pendingDirty) this.#catchUp.markDirty(key);
      }
      this.#pendingDirty.clear();
      this.#lastCatchUp = await this.#catchUp.run(await source.docs(), source.isOpen);
      this.#catchUpError = null;
      this.#catchUpPasses += 1;
    } catch (error) {
      this.#catchUpError = (error as Error).message ?? 'catch-up failed';
    }
  }

  #update(): void {
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
    this.#peers = peers;
    this.#signaling = signaling;
    this.#waiting = waiting;
    this.#refused = refused;
    this.#refusedWhat = describeRefusals(reasons);
    const relayRefused = [...this.#rooms].map((r) => r.relay?.refusal()).find((code) => code);
    this.#relayRefusal = relayRefused ? (RELAY_REFUSALS[relayRefused] ?? relayRefused) : '';
    this.#roomCount = this.#rooms.size;
    this.#relaySynced = relaySynced;
    if (relaySynced) this.#lastSynced = new Date();
  }
}

export const sync = new SyncState();

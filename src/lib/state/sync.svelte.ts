/**
 * Sync status and the rooms this device has joined: the practice index always (once unlocked)
 * and each open chart. A thin runes adapter: the rooms and their status are lib/sync/rooms.ts,
 * when catch-up passes run is lib/sync/catch-up-scheduler.ts; this file wires them to the vault
 * (room keys), the relay's location and proof, and the network source of truth, and holds the
 * status as $state for the UI.
 */
import type { SealedDoc } from '$lib/crdt/sealed-doc';
import type { CatchUpReport } from '$lib/sync/catch-up';
import { CatchUpScheduler, type CatchUpSource } from '$lib/sync/catch-up-scheduler';
import { DocumentRooms, networkEdges, type JoinedRoom, type RoomsStatus } from '$lib/sync/rooms';
import { changesUrl, relayUrl, signalingUrl } from '$lib/sync/signaling-url';
import { network } from './network.svelte';
import { relayLocation, relayProof } from './relay.svelte';
import { session } from './session.svelte';

export type { JoinedRoom } from '$lib/sync/rooms';
export type { CatchUpSource } from '$lib/sync/catch-up-scheduler';

class SyncState {
  readonly #rooms = new DocumentRooms({
    keys: (docId) => session.vault.call('roomFor', { docId, generation: 0 }),
    connectPeers: async ({ room, password }, transport) =>
      (await import('$lib/sync/webrtc')).connectRoom({
        room,
        password,
        signalingUrl: signalingUrl(relayLocation()),
        transport,
      }),
    connectRelay: async ({ room, capability }, transport) =>
      (await import('$lib/sync/relay-client')).attachRelayRoom({
        url: relayUrl(relayLocation()),
        room,
        capability,
        proof: relayProof,
        transport,
      }),
  });
  readonly #catchUp = new CatchUpScheduler({
    online: () => network.online,
    create: async (source) => {
      const [{ CatchUp }, { attachRelayRoom }] = await Promise.all([
        import('$lib/sync/catch-up'),
        import('$lib/sync/relay-client'),
      ]);
      const url = relayUrl(relayLocation());
      return new CatchUp({
        changesUrl: changesUrl(relayLocation()),
        store: source.store,
        attach: (room, capability, transport) =>
          attachRelayRoom({ url, room, capability, proof: relayProof, transport, presence: false }),
        receive: source.receive,
        // Kept between sessions, sealed by the vault (issue 15: the first pass after an unlock
        // no longer visits every chart).
        state: {
          load: async () => (await session.vault.call('catchUpState')).state,
          save: (state) => session.vault.call('saveCatchUpState', { state }),
        },
      });
    },
    onPass: () => {
      this.#lastCatchUp = this.#catchUp.lastReport;
      this.#catchUpError = this.#catchUp.error;
      this.#catchUpPasses = this.#catchUp.passes;
      this.#catchUpFullPasses = this.#catchUp.fullPasses;
    },
  });
  #status = $state.raw<RoomsStatus>(this.#rooms.status);
  #lastCatchUp = $state<CatchUpReport | null>(null);
  #catchUpError = $state<string | null>(null);
  #catchUpPasses = $state(0);
  #catchUpFullPasses = $state(0);

  constructor() {
    this.#rooms.onChange((status) => (this.#status = status));
  }

  /** Envelopes that arrived from peers or the relay in open rooms (any outcome). */
  get arrived(): number {
    return this.#status.arrived;
  }
  /** Open channels that could carry an edit in or out: the relay socket and direct peers. */
  get channels(): number {
    return this.#status.channels;
  }
  /** Whether every joined room has exchanged state with the relay. */
  get relaySynced(): boolean {
    return this.#status.relaySynced;
  }
  /** When this device last had every room in step with the relay. */
  get lastSynced(): Date | null {
    return this.#status.lastSynced;
  }
  /** Other devices connected directly in any joined room (the largest count). */
  get peers(): number {
    return this.#status.peers;
  }
  get connected(): boolean {
    return this.#status.signaling;
  }
  /** Local changes not yet durable on this device. */
  get waiting(): number {
    return this.#status.waiting;
  }
  /** Envelopes that failed verification (forged, tampered or from non-members). */
  get refused(): number {
    return this.#status.refused;
  }
  /** What was refused, by reason in plain words (e.g. a snapshot claiming others' edits). */
  get refusedWhat(): string {
    return this.#status.refusedWhat;
  }
  /** Why the relay refused this device's changes in some room, in words ('' when it did not). */
  get relayRefusal(): string {
    return this.#status.relayRefusal;
  }
  /** Whether any document is being synced. */
  get active(): boolean {
    return this.#status.rooms > 0;
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
    const edges = networkEdges({
      relay: (online) => {
        void import('$lib/sync/relay-client').then(({ setRelayOnline }) => setRelayOnline(online));
        if (online) this.scheduleCatchUp(0);
      },
      peers: (online) => this.#rooms.setPeersOnline(online),
    });
    network.subscribe((snapshot) => {
      edges(snapshot);
      this.#rooms.refresh();
    });
    void import('$lib/sync/relay-client').then(({ onRelaySocket }) =>
      onRelaySocket((open) => {
        this.#rooms.setRelayOpen(open);
        network.relaySocket(open);
      }),
    );
  }

  /** Joins the sync room of a sealed document; the returned room leaves it. */
  attach(doc: SealedDoc): Promise<JoinedRoom> {
    this.#followNetwork();
    return this.#rooms.attach(doc);
  }

  /** How many catch-up passes have finished (a test marker that a pass ran after some event). */
  get catchUpPasses(): number {
    return this.#catchUpPasses;
  }
  /** How many of those passes visited every chart (a test marker: the first after an unlock need not). */
  get catchUpFullPasses(): number {
    return this.#catchUpFullPasses;
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
    this.#catchUp.start(source);
  }

  /** A document was sealed into: make sure the relay gets it even after it is closed. */
  markDirty(key: string): void {
    this.#catchUp.markDirty(key);
  }

  scheduleCatchUp(delayMs?: number): void {
    this.#catchUp.schedule(delayMs);
  }

  /** Runs one catch-up pass (or queues one after the pass under way). */
  catchUpNow(): Promise<void> {
    return this.#catchUp.runNow();
  }
}

export const sync = new SyncState();

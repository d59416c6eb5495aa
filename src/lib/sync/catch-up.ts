/**
 * Catch-up through the relay for documents that are NOT open (issue 5, docs/design.md §6): a device
 * converges on every chart that changed while it was away, and uploads what it sealed while
 * offline, without opening a connection per chart — rooms are attached in batches over the one
 * relay socket (relay-client.ts) and detached again.
 *
 * Which rooms to attach:
 * - A pass with nothing kept from before (this member's first on this device, or another relay),
 *   and any pass after the relay's storage instance changed (its data folder was wiped) or it
 *   no longer honours the cursor (its change number went back), visits every document: this
 *   device may hold envelopes the relay lacks.
 * - Other passes visit rooms the relay's change feed reports changed since the last pass,
 *   documents with local records written since the last pass (the local log's position moved
 *   past them: this tab, another tab, or before a lock), documents sealed into since
 *   (`markDirty`), documents a pass was due to visit but did not finish, and documents no pass
 *   has finished.
 * What a pass keeps (catch-up-state.ts) is saved through `state` — sealed by the vault — when the
 * pass starts (the cursor and log position it moved to, with every document they made due),
 * every few batches (documents done), and at its end, so the first pass after an unlock is as
 * small as any other, and a pass cut short by a lock or the network resumes where it stopped:
 * a document leaves `pending` only after its room was in step, and only if it was not sealed
 * into again meanwhile.
 * Per room: the relay's envelopes that this device lacks are handed to `receive` (which verifies
 * them before storing — nothing unverified is written); the device's envelopes that the room
 * lacks are offered. A room that does not finish in time stays due for the next pass.
 * Loops over every document run in slices with the main thread given back between them
 * (slices.ts).
 */
import type { EnvelopeStore } from '../crdt/envelope-store';
import { envelopeId } from '../crdt/envelope-id';
import { TransportDoc } from '../crdt/transport-doc';
import { fetchChanges, type Changes } from './changes';
import { decodeCatchUpState, encodeCatchUpState } from './catch-up-state';
import type { RelayRoom } from './relay-client';
import { filterInSlices, yieldToMain } from './slices';

export interface CatchUpDoc {
  /** The document's key in the local sealed log (base64url of its id). */
  key: string;
  docId: Uint8Array;
  room: string;
  capability: string;
}

export interface CatchUpOptions {
  changesUrl: string;
  store: EnvelopeStore;
  /** Joins a relay room over the device's shared socket. */
  attach(room: string, capability: string, transport: TransportDoc): RelayRoom;
  /** Verifies envelopes for a document that is not open and appends the valid ones. */
  receive(doc: CatchUpDoc, envelopes: Uint8Array[]): Promise<void>;
  /** Where the state between sessions is kept (the vault seals it); none: memory only. */
  state?: CatchUpStateStore;
  batchSize?: number;
  timeoutMs?: number;
  fetcher?: typeof fetch;
  /** Items per slice of a loop over every document, and between batches (default 1,000). */
  sliceSize?: number;
  /** Gives the main thread back between slices (default: slices.ts yieldToMain). */
  pause?: () => Promise<void>;
  /** Batches between saves of the state during a pass (default 10). */
  saveEvery?: number;
}

/** Keeps catch-up's state between sessions as opaque bytes (catch-up-state.ts). */
export interface CatchUpStateStore {
  /** The bytes last saved, or null. */
  load(): Promise<Uint8Array | null>;
  save(state: Uint8Array): Promise<void>;
}

export interface CatchUpReport {
  /** Whether every document was visited (first pass or relay wiped). */
  full: boolean;
  visited: number;
  /** Envelopes from the relay that this device lacked (before verification). */
  received: number;
  /** Envelopes this device offered that the relay lacked. */
  uploaded: number;
  /** Rooms that did not finish in time (due again next pass). */
  unfinished: number;
  /** Why the state could not be saved (the pass itself went on), or null. */
  saveError: string | null;
}

/** Resolves when `ready()` holds, re-checking on each room change; false after `ms`. */
function whenAll(rooms: RelayRoom[], ready: () => boolean, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const offs: (() => void)[] = [];
    const done = (value: boolean) => {
      clearTimeout(timer);
      offs.forEach((off) => off());
      resolve(value);
    };
    const check = () => {
      if (ready()) done(true);
    };
    const timer = setTimeout(() => done(false), ms);
    for (const room of rooms) offs.push(room.onChange(check));
    check();
  });
}

export class CatchUp {
  readonly #options: Required<Omit<CatchUpOptions, 'fetcher' | 'state'>> &
    Pick<CatchUpOptions, 'fetcher' | 'state'>;
  #restored = false;
  #instance: string | null = null;
  #cursor = 0;
  /** The local log's position up to which every record was accounted for; null: not yet. */
  #position: number | null = null;
  /** Documents due (sealed into, changed, unfinished), with a mark that moves on every seal. */
  readonly #dirty = new Map<string, number>();
  #marks = 0;
  /** Documents a pass has finished with; any other document is due (e.g. a new chart). */
  readonly #known = new Set<string>();
  /** Moves on every change of what would be saved; saves are skipped when it did not. */
  #revision = 0;
  #savedRevision = -1;
  #saveError: string | null = null;

  constructor(options: CatchUpOptions) {
    this.#options = {
      batchSize: 100,
      timeoutMs: 30_000,
      sliceSize: 1_000,
      pause: yieldToMain,
      saveEvery: 10,
      // An option given as undefined keeps its default.
      ...(Object.fromEntries(
        Object.entries(options).filter(([, v]) => v !== undefined),
      ) as CatchUpOptions),
    };
  }

  /** A document this device sealed into: upload it on the next pass. */
  markDirty(key: string): void {
    this.#dirty.set(key, ++this.#marks);
    this.#revision++;
  }

  get dirty(): number {
    return this.#dirty.size;
  }

  #due(key: string): void {
    if (this.#dirty.has(key)) return;
    this.#dirty.set(key, ++this.#marks);
    this.#revision++;
  }

  /** Takes up the state kept by an earlier session (once; a state that does not parse is none). */
  async #restore(): Promise<void> {
    if (this.#restored || !this.#options.state) return;
    let bytes: Uint8Array | null = null;
    try {
      bytes = await this.#options.state.load();
    } catch {
      bytes = null; // Nothing kept can be read: this pass visits everything.
    }
    this.#restored = true;
    const saved = bytes ? decodeCatchUpState(bytes) : null;
    if (!saved || saved.relay !== this.#options.changesUrl) return;
    this.#instance = saved.instance;
    this.#cursor = saved.cursor;
    this.#position = saved.position;
    for (const key of saved.pending) this.#due(key);
    for (const key of saved.known) this.#known.add(key);
    this.#savedRevision = this.#revision;
  }

  async #save(): Promise<void> {
    const { state } = this.#options;
    if (!state || this.#instance === null || this.#position === null) return;
    if (this.#revision === this.#savedRevision) return;
    const revision = this.#revision;
    try {
      await state.save(
        encodeCatchUpState({
          v: 1,
          relay: this.#options.changesUrl,
          instance: this.#instance,
          cursor: this.#cursor,
          position: this.#position,
          pending: [...this.#dirty.keys()],
          known: [...this.#known],
        }),
      );
      this.#savedRevision = revision;
      this.#saveError = null;
    } catch (error) {
      // What is on disk is an older state, which is safe (it only makes more work due).
      this.#saveError = (error as Error)?.message ?? 'the catch-up state could not be saved';
    }
  }

  /**
   * One pass over `docs` (every document this device can open). `skip` names documents that
   * are synced live (open charts) and need no catch-up. @throws SyncError when the relay is
   * unreachable (nothing is lost; the next pass retries).
   */
  async run(docs: readonly CatchUpDoc[], skip: (key: string) => boolean): Promise<CatchUpReport> {
    const { store, sliceSize, pause } = this.#options;
    await this.#restore();
    // Local records written since the last pass: by this tab, another tab, or before a lock.
    let position: number;
    let localReset = false;
    if (this.#position === null) {
      position = await store.position();
    } else {
      const scan = await store.changedSince(this.#position);
      for (const key of scan.docs) this.#due(key);
      // The log's position went back: a new local database; nothing kept about it holds.
      localReset = scan.position < this.#position;
      position = scan.position;
    }
    const known = this.#instance;
    const since = known === null ? 0 : this.#cursor;
    const changes: Changes = await fetchChanges(
      this.#options.changesUrl,
      docs.map((d) => ({ room: d.room, capability: d.capability })),
      since,
      this.#options.fetcher,
    );
    const full =
      known === null || changes.instance !== known || changes.cursor < since || localReset;
    const changed = new Set(changes.changed);
    const due = await filterInSlices(
      docs,
      (d) =>
        !skip(d.key) &&
        (full || changed.has(d.room) || this.#dirty.has(d.key) || !this.#known.has(d.key)),
      { size: sliceSize, pause },
    );
    // Everything the new cursor and position answer for is pending before they are saved.
    for (const d of due) this.#due(d.key);
    if (this.#instance !== changes.instance || this.#cursor !== changes.cursor) this.#revision++;
    if (this.#position !== position) this.#revision++;
    this.#instance = changes.instance;
    this.#cursor = changes.cursor;
    this.#position = position;
    await this.#save();
    const report: CatchUpReport = {
      full,
      visited: 0,
      received: 0,
      uploaded: 0,
      unfinished: 0,
      saveError: null,
    };
    for (let i = 0, n = 1; i < due.length; i += this.#options.batchSize, n++) {
      await this.#batch(due.slice(i, i + this.#options.batchSize), report);
      if (n % this.#options.saveEvery === 0) await this.#save();
    }
    await this.#save();
    report.saveError = this.#saveError;
    return report;
  }

  async #batch(docs: CatchUpDoc[], report: CatchUpReport): Promise<void> {
    const { store, timeoutMs } = this.#options;
    const joined = await Promise.all(
      docs.map(async (doc) => {
        const mark = this.#dirty.get(doc.key);
        const held = (await store.load(doc.key)).envelopes;
        const transport = new TransportDoc();
        const relay = this.#options.attach(doc.room, doc.capability, transport);
        return { doc, mark, held, transport, relay };
      }),
    );
    const relays = joined.map((j) => j.relay);
    try {
      await whenAll(relays, () => relays.every((r) => r.synced()), timeoutMs);
      let n = 0;
      for (const { doc, held, transport, relay } of joined) {
        // Offering is Yjs work on this thread: give it back every few rooms.
        if (++n % 25 === 0) await this.#options.pause();
        if (!relay.synced()) continue;
        const ids = new Set(held.map(envelopeId));
        const lacking = transport.envelopes().filter((e) => !ids.has(envelopeId(e)));
        if (lacking.length > 0) {
          report.received += lacking.length;
          await this.#options.receive(doc, lacking);
        }
        report.uploaded += transport.offer(held);
      }
      await whenAll(relays, () => relays.every((r) => r.synced()), timeoutMs);
      for (const { doc, mark, relay } of joined) {
        report.visited++;
        if (!relay.synced()) {
          report.unfinished++;
          this.#due(doc.key);
        } else {
          if (!this.#known.has(doc.key)) this.#known.add(doc.key);
          // Uploaded — unless it was sealed into again during the pass (its mark moved).
          if (this.#dirty.get(doc.key) === mark) this.#dirty.delete(doc.key);
          this.#revision++;
        }
      }
    } finally {
      for (const { transport, relay } of joined) {
        relay.destroy();
        transport.destroy();
      }
    }
  }
}

/**
 * Catch-up through the relay for documents that are NOT open (issue 5, docs/design.md §6): a device
 * converges on every chart that changed while it was away, and uploads what it sealed while
 * offline, without opening a connection per chart — rooms are attached in batches over the one
 * relay socket (relay-client.ts) and detached again.
 *
 * Which rooms to attach:
 * - The first pass after unlock, and any pass after the relay's storage instance changed (its data
 *   folder was wiped), visits every document: this device may hold envelopes the relay lacks.
 * - Later passes visit rooms the relay's change feed reports changed since the last pass,
 *   documents this device sealed into since (`markDirty`), and documents no pass has finished.
 * Per room: the relay's envelopes that this device lacks are handed to `receive` (which verifies
 * them before storing — nothing unverified is written); the device's envelopes that the room
 * lacks are offered. A room that does not finish in time stays due for the next pass.
 */
import type { EnvelopeStore } from '../crdt/envelope-store';
import { envelopeId } from '../crdt/envelope-id';
import { TransportDoc } from '../crdt/transport-doc';
import { fetchChanges, type Changes } from './changes';
import type { RelayRoom } from './relay-client';

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
  batchSize?: number;
  timeoutMs?: number;
  fetcher?: typeof fetch;
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
  readonly #options: Required<Omit<CatchUpOptions, 'fetcher'>> & { fetcher?: typeof fetch };
  #instance: string | null = null;
  #cursor = 0;
  /** Documents sealed into since their last upload, with a mark that moves on every seal. */
  readonly #dirty = new Map<string, number>();
  #marks = 0;
  /** Documents a pass has finished with; any other document is due (e.g. a new chart). */
  readonly #known = new Set<string>();

  constructor(options: CatchUpOptions) {
    this.#options = { batchSize: 100, timeoutMs: 30_000, ...options };
  }

  /** A document this device sealed into: upload it on the next pass. */
  markDirty(key: string): void {
    this.#dirty.set(key, ++this.#marks);
  }

  get dirty(): number {
    return this.#dirty.size;
  }

  /**
   * One pass over `docs` (every document this device can open). `skip` names documents that
   * are synced live (open charts) and need no catch-up. @throws SyncError when the relay is
   * unreachable (nothing changes; the next pass retries).
   */
  async run(docs: readonly CatchUpDoc[], skip: (key: string) => boolean): Promise<CatchUpReport> {
    const known = this.#instance;
    const changes: Changes = await fetchChanges(
      this.#options.changesUrl,
      docs.map((d) => ({ room: d.room, capability: d.capability })),
      known === null ? 0 : this.#cursor,
      this.#options.fetcher,
    );
    const full = known === null || changes.instance !== known;
    const changed = new Set(changes.changed);
    const due = docs.filter(
      (d) =>
        !skip(d.key) &&
        (full || changed.has(d.room) || this.#dirty.has(d.key) || !this.#known.has(d.key)),
    );
    const report: CatchUpReport = { full, visited: 0, received: 0, uploaded: 0, unfinished: 0 };
    for (let i = 0; i < due.length; i += this.#options.batchSize) {
      await this.#batch(due.slice(i, i + this.#options.batchSize), report);
    }
    this.#instance = changes.instance;
    this.#cursor = changes.cursor;
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
      for (const { doc, held, transport, relay } of joined) {
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
          this.#dirty.set(doc.key, this.#dirty.get(doc.key) ?? ++this.#marks);
        } else {
          this.#known.add(doc.key);
          // Uploaded — unless it was sealed into again during the pass (its mark moved).
          if (this.#dirty.get(doc.key) === mark) this.#dirty.delete(doc.key);
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

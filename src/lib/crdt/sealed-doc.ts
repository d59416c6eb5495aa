/**
 * A sealed document (docs/design.md §5): a plain Y.Doc in memory, persisted only as signed, encrypted
 * envelopes in the local sealed log (envelope-store.ts).
 *
 * - Local updates are sealed by the vault (which signs and numbers them) and appended: at once
 *   when idle (edits of one task share an envelope), or, while a write is in flight, gathered for
 *   at most `coalesceMs` (20 ms) into the next envelope; `flush()` forces it (pagehide, lock).
 * - On open, every envelope is verified by the vault before anything is applied; rejected ones
 *   are counted by reason and skipped, never thrown.
 * - Yjs clientIDs are bound to the first signer that uses them; an update that uses a clientID
 *   bound to another signer is rejected ('client-id-taken').
 * - The same (author, seq) with different content is rejected as 'equivocation'; an exact
 *   replay is dropped silently.
 * - A failed write (quota) keeps the sealed envelope in memory and retries; nothing is lost.
 * - `compact()` starts generation g+1 with a signed snapshot that names the clientID owners and
 *   the seq per author it covers; the old generation is dropped in the same transaction.
 * - Only that snapshot — the first record of this device's newest generation — is taken as it
 *   is. Any other snapshot (a peer's, the relay's) adds items only under its signer's own
 *   clientIDs, as an update it signs would; anyone else's items must already be integrated here
 *   from verified envelopes, under the owners recorded here (snapshot.ts `planSnapshot`,
 *   docs/spec/envelope.md §8.1). Items that are not are withheld and the snapshot waits,
 *   counted as 'snapshot-unverified', retried when new envelopes are accepted; one that names
 *   another owner is refused.
 */
import * as Y from 'yjs';
import type { EnvelopeKind } from '$lib/crypto';
import { toBase64Url } from '$lib/crypto/bytes';
import type { OpenResult } from '$lib/vault/service';
import { CrdtError } from './errors';
import { envelopeId } from './envelope-id';
import type { EnvelopeStore } from './envelope-store';
import { clientsWritten } from './update-clients';
import {
  decodeSnapshot,
  encodeSnapshot,
  planSnapshot,
  withoutClients,
  type Signer,
} from './snapshot';

export type { Signer } from './snapshot';

/** What lib/crdt needs from the vault: sealing and verified opening. */
export interface SealingPort {
  seal(input: {
    docId: Uint8Array;
    generation: number;
    kind: EnvelopeKind;
    payload: Uint8Array;
  }): Promise<{ envelope: Uint8Array; seq: number }>;
  openMany(envelopes: Uint8Array[]): Promise<OpenResult[]>;
}

const REMOTE = Symbol('sealed-doc-remote');
/** Snapshot envelopes are checked after the updates that arrive with them. */
const snapshotsLast = (a: OpenResult, b: OpenResult) =>
  Number(a.ok && a.kind === 'snapshot') - Number(b.ok && b.kind === 'snapshot');

/**
 * Refusals that may be cured later: an author not yet in the member list this device holds, or a
 * key epoch it has not been granted yet. Such envelopes are kept in memory and retried.
 */
const PARKED = new Set(['unknown-author', 'unknown-key', 'unchained']);
// 'unchained': by a removed device, not (yet) on its chain up to the heads its removal recorded
// (docs/spec/envelope.md §10.3); retried whenever an envelope is accepted here.
const RETRY_MS = 2000;
/** Waiting snapshots kept in memory; older ones are dropped (still counted; the relay has them). */
const MAX_WAITING = 64;

const authorKey = (s: { member: string; device: string }) => `${s.member}:${s.device}`;

export interface SealedDocOptions {
  docId: Uint8Array;
  port: SealingPort;
  store: EnvelopeStore;
  /** The unlocked member on this device (public keys only). */
  self: Signer;
  coalesceMs?: number;
}

export class SealedDoc {
  readonly ydoc = new Y.Doc();
  readonly docId: Uint8Array;
  readonly #key: string;
  readonly #port: SealingPort;
  readonly #store: EnvelopeStore;
  readonly #self: Signer;
  readonly #coalesceMs: number;
  #generation = 0;
  #envelopes = 0;
  #pending: Uint8Array[] = [];
  /** The Yjs clients whose items the pending updates carry (update-clients.ts). */
  #pendingClients = new Set<number>();
  #timer: ReturnType<typeof setTimeout> | null = null;
  #retry: ReturnType<typeof setTimeout> | null = null;
  #chain: Promise<void> = Promise.resolve();
  #unwritten: { gen: number; envelope: Uint8Array }[] = [];
  #writeError: CrdtError | null = null;
  readonly #bindings = new Map<number, Signer>();
  readonly #covers = new Map<string, number>();
  readonly #ledger = new Map<string, string>();
  readonly #rejected = new Map<string, number>();
  readonly #listeners = new Set<() => void>();
  #closed = false;
  #inFlight = 0;
  /** Nonces of every envelope held or seen (an envelope's nonce is random and unique). */
  readonly #known = new Set<string>();
  #current: Uint8Array[] = [];
  /** Refused for an unknown author: kept in memory to retry when the member list grows. */
  #parked: Uint8Array[] = [];
  readonly #unchained = new WeakSet<Uint8Array>();
  readonly #sealedListeners = new Set<(envelopes: Uint8Array[]) => void>();
  /** Verified snapshots holding items not yet verified here ('snapshot-unverified'). */
  #waiting: { envelope: Uint8Array; result: OpenResult; stored: boolean }[] = [];

  private constructor(options: SealedDocOptions) {
    this.docId = options.docId;
    this.#key = toBase64Url(options.docId);
    this.#port = options.port;
    this.#store = options.store;
    this.#self = options.self;
    this.#coalesceMs = options.coalesceMs ?? 20;
  }

  /** Opens a document from the local sealed log (an empty log gives an empty document). */
  static async open(options: SealedDocOptions): Promise<SealedDoc> {
    const doc = new SealedDoc(options);
    await doc.#load();
    doc.ydoc.on('update', doc.#onUpdate);
    return doc;
  }

  get generation(): number {
    return this.#generation;
  }
  /** Envelopes in the current generation (compaction trigger). */
  get envelopeCount(): number {
    return this.#envelopes;
  }
  /** Rejected envelopes by reason code. */
  get rejections(): { code: string; count: number }[] {
    return [...this.#rejected].map(([code, count]) => ({ code, count }));
  }
  /** Local changes sealed or waiting to be sealed but not yet durable. */
  get unsavedChanges(): number {
    return this.#pending.length + this.#unwritten.length;
  }
  /** The last write failure, until a write succeeds again. */
  get writeError(): CrdtError | null {
    return this.#writeError;
  }
  /** The verified signer that owns a Yjs clientID. */
  signerOf(clientId: number): Signer | undefined {
    return this.#bindings.get(clientId);
  }

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Seals and stores every pending local change; resolves when they are durable. */
  flush(): Promise<void> {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    this.#inFlight++;
    const run = () => this.#write().finally(() => this.#inFlight--);
    this.#chain = this.#chain.then(run, run);
    return this.#chain;
  }

  /** Starts a new generation from a signed snapshot of the current state. */
  compact(options: { beforeCommit?: () => void } = {}): Promise<void> {
    this.#chain = this.#chain
      .catch(() => undefined)
      .then(async () => {
        await this.#write();
        if (this.#unwritten.length > 0) throw this.#writeError ?? new CrdtError('storage-failed');
        const meta = {
          clients: [...this.#bindings].map(
            ([id, s]) => [id, s.member, s.device, s.memberName] as [number, string, string, string],
          ),
          covers: [...this.#covers],
        };
        const next = this.#generation + 1;
        const payload = encodeSnapshot(meta, Y.encodeStateAsUpdate(this.ydoc));
        const { envelope } = await this.#port.seal({
          docId: this.docId,
          generation: next,
          kind: 'snapshot',
          payload,
        });
        await this.#store.compact(this.#key, next, envelope, options.beforeCommit);
        for (const w of this.#waiting) w.stored = false;
        this.#generation = next;
        this.#envelopes = 1;
        this.#current = [envelope];
        this.#known.add(envelopeId(envelope)!);
      });
    return this.#chain;
  }

  /** Flushes, then stops listening. */
  async close(): Promise<void> {
    await this.flush().catch(() => undefined);
    this.#closed = true;
    if (this.#retry) clearTimeout(this.#retry);
    this.ydoc.off('update', this.#onUpdate);
    this.ydoc.destroy();
    this.#listeners.clear();
  }

  /** Applies envelopes from elsewhere (a backup, later a peer); returns how many were applied. */
  /**
   * Takes envelopes from elsewhere (a peer, the relay, a backup): each is verified by the vault,
   * applied, and — only if it verified and carried something new — appended to the local log.
   * Envelopes already held are skipped without opening. Returns how many were new and valid.
   */
  async receive(envelopes: Uint8Array[]): Promise<number> {
    const fresh: Uint8Array[] = [];
    for (const envelope of envelopes) {
      const id = envelopeId(envelope);
      if (id === null || this.#known.has(id)) continue;
      this.#known.add(id);
      fresh.push(envelope);
    }
    if (fresh.length === 0) return 0;
    const results = await this.#port.openMany(fresh);
    const accepted: Uint8Array[] = [];
    Y.transact(
      this.ydoc,
      () => {
        const order = results.map((result, i) => ({ result, envelope: fresh[i]! }));
        for (const { result, envelope } of order.sort((a, b) =>
          snapshotsLast(a.result, b.result),
        )) {
          if (this.#accept(result, envelope)) accepted.push(envelope);
          else if (!result.ok && PARKED.has(result.code)) {
            this.#parked.push(envelope);
            if (result.code === 'unchained') this.#unchained.add(envelope);
          }
        }
        if (accepted.length > 0) accepted.push(...this.#retryWaiting());
      },
      REMOTE,
    );
    if (accepted.length > 0) {
      // Stored under the generation this device is in, so a reload replays them.
      await this.#store.append(this.#key, this.#generation, accepted);
      this.#current.push(...accepted);
      this.#envelopes += accepted.length;
    }
    this.#emit();
    // What was just accepted may put parked envelopes on a removed device's chain.
    if (accepted.length > 0 && this.#parked.some((e) => this.#unchained.has(e))) {
      return accepted.length + (await this.retryParked());
    }
    return accepted.length;
  }

  /**
   * Retries envelopes refused for an unknown author or key epoch — after the vault learned a
   * newer member list or new keys. Returns how many now verified.
   */
  async retryParked(): Promise<number> {
    const parked = this.#parked;
    this.#parked = [];
    for (const envelope of parked) this.#known.delete(envelopeId(envelope)!);
    // Their rejections are counted again by receive() if they still fail.
    let uncount = parked.length;
    for (const code of PARKED) {
      const n = this.#rejected.get(code) ?? 0;
      const take = Math.min(n, uncount);
      uncount -= take;
      if (n - take > 0) this.#rejected.set(code, n - take);
      else this.#rejected.delete(code);
    }
    return this.receive(parked);
  }

  /**
   * Refusals of records carried inside this document rather than envelopes (member lists and key
   * grants in the practice index), reported with its rejections as `<source>:<code>`; each call
   * replaces that source's counts.
   */
  setRefusals(source: string, refused: readonly { code: string; count: number }[]): void {
    for (const key of [...this.#rejected.keys()]) {
      if (key.startsWith(`${source}:`)) this.#rejected.delete(key);
    }
    for (const { code, count } of refused) {
      if (count > 0) this.#rejected.set(`${source}:${code}`, count);
    }
    this.#emit();
  }

  /** Envelopes of the current generation that this device holds (to offer to peers). */
  get envelopes(): readonly Uint8Array[] {
    return this.#current;
  }

  /** Calls `listener` with each batch of local envelopes once it is durable. */
  onSealed(listener: (envelopes: Uint8Array[]) => void): () => void {
    this.#sealedListeners.add(listener);
    return () => this.#sealedListeners.delete(listener);
  }

  readonly #onUpdate = (
    update: Uint8Array,
    origin: unknown,
    _doc: Y.Doc,
    transaction: Y.Transaction,
  ) => {
    if (origin === REMOTE || this.#closed) return;
    this.#pending.push(update);
    for (const id of clientsWritten(transaction)) this.#pendingClients.add(id);
    this.#emit();
    // Idle: write at the end of this task (edits made in the same task share an envelope).
    // A write in flight: gather edits for up to coalesceMs; they follow it in one envelope.
    const delay = this.#inFlight > 0 ? this.#coalesceMs : 0;
    this.#timer ??= setTimeout(() => void this.flush().catch(() => undefined), delay);
  };

  async #load(): Promise<void> {
    const { generation, envelopes } = await this.#store.load(this.#key);
    this.#generation = generation;
    this.#envelopes = envelopes.length;
    this.#current = [...envelopes];
    for (const envelope of envelopes) {
      const id = envelopeId(envelope);
      if (id !== null) this.#known.add(id);
    }
    if (envelopes.length > 0) {
      const results = await this.#port.openMany(envelopes);
      // The base: the snapshot this device's own compact() wrote first in its newest generation.
      const first = results[0]!;
      const base =
        generation > 0 && first.ok && first.kind === 'snapshot' && first.generation === generation;
      Y.transact(
        this.ydoc,
        () => {
          if (base) this.#accept(first, envelopes[0]!, true);
          const rest = results.map((result, i) => ({ result, envelope: envelopes[i]! }));
          for (const { result, envelope } of rest
            .slice(base ? 1 : 0)
            .sort((a, b) => snapshotsLast(a.result, b.result))) {
            this.#accept(result, envelope, false, true);
          }
          this.#retryWaiting();
        },
        REMOTE,
      );
    }
    // Never reuse a clientID that already belongs to a signer.
    while (this.#bindings.has(this.ydoc.clientID)) {
      this.ydoc.clientID = Math.floor(Math.random() * 2 ** 32);
    }
    // Our own edits are ours from the start (before their first envelope is sealed).
    this.#bindings.set(this.ydoc.clientID, this.#self);
  }

  #reject(code: string): false {
    this.#rejected.set(code, (this.#rejected.get(code) ?? 0) + 1);
    return false;
  }

  /**
   * Verifies ownership, replay and equivocation, then applies; false when skipped. `base` is
   * only for the first record of this device's newest generation; `stored` says the envelope is
   * already in the local log (so a waiting snapshot is not appended twice).
   */
  #accept(result: OpenResult, envelope: Uint8Array, base = false, stored = false): boolean {
    if (!result.ok) return this.#reject(result.code);
    const signer: Signer = result.author;
    const key = authorKey(signer);
    if (result.kind !== 'update' && result.kind !== 'snapshot') {
      return this.#reject('unexpected-kind');
    }
    const ledgerKey = `${key}:${result.seq}`;
    const seen = this.#ledger.get(ledgerKey);
    if (seen !== undefined)
      return seen === result.payloadHash ? false : this.#reject('equivocation');
    if (result.kind === 'snapshot') {
      const outcome = this.#applySnapshot(result, base);
      if (outcome === 'snapshot-unverified') {
        this.#waiting.push({ envelope, result, stored });
        if (this.#waiting.length > MAX_WAITING) this.#waiting.shift();
      }
      if (outcome !== null) return this.#reject(outcome);
      this.#ledger.set(ledgerKey, result.payloadHash);
      return true;
    }
    let clients: number[];
    try {
      clients = [...Y.parseUpdateMeta(result.payload).from.keys()];
    } catch {
      return this.#reject('bad-update');
    }
    for (const id of clients) {
      const owner = this.#bindings.get(id);
      if (owner && authorKey(owner) !== key) return this.#reject('client-id-taken');
    }
    try {
      Y.applyUpdate(this.ydoc, result.payload, REMOTE);
    } catch {
      return this.#reject('bad-update');
    }
    for (const id of clients) if (!this.#bindings.has(id)) this.#bindings.set(id, signer);
    this.#ledger.set(ledgerKey, result.payloadHash);
    this.#bumpCover(key, result.seq);
    return true;
  }

  /**
   * Applies a snapshot: this device's own base as it is (its owners and covers are taken); any
   * other by `planSnapshot` — its signer's own items (as from an update it signs), anyone else's
   * only where already verified here; the rest is withheld and the snapshot waits
   * ('snapshot-unverified'). Returns the refusal code, or null when applied whole.
   */
  #applySnapshot(result: OpenResult & { ok: true }, base: boolean): string | null {
    // A snapshot starts a generation ≥ 1; generation 0 starts empty.
    if (result.generation < 1) return 'snapshot-generation';
    let snapshot;
    try {
      snapshot = decodeSnapshot(result.payload);
    } catch {
      return 'bad-snapshot';
    }
    if (base) {
      for (const [id, member, device, memberName] of snapshot.meta.clients) {
        if (!this.#bindings.has(id)) this.#bindings.set(id, { member, device, memberName });
      }
      for (const [author, seq] of snapshot.meta.covers) this.#bumpCover(author, seq);
      try {
        Y.applyUpdate(this.ydoc, snapshot.state, REMOTE);
      } catch {
        return 'bad-update';
      }
      return null;
    }
    let plan;
    let state;
    try {
      plan = planSnapshot(
        snapshot,
        authorKey(result.author),
        (id) => {
          const owner = this.#bindings.get(id);
          return owner && authorKey(owner);
        },
        (id) => Y.getState(this.ydoc.store, id),
      );
      if (plan.refusal) return plan.refusal;
      state = withoutClients(snapshot.state, plan.withheld);
    } catch {
      return 'bad-snapshot';
    }
    try {
      Y.applyUpdate(this.ydoc, state, REMOTE);
    } catch {
      return 'bad-update';
    }
    for (const id of plan.claimed) this.#bindings.set(id, result.author);
    return plan.withheld.length > 0 ? 'snapshot-unverified' : null;
  }

  /**
   * Retries snapshots that held items not yet verified here, after new envelopes were accepted
   * (inside the caller's transaction). Returns those now accepted that the local log lacks.
   */
  #retryWaiting(): Uint8Array[] {
    // Accepting a snapshot adds no item, so one pass suffices.
    const accepted: Uint8Array[] = [];
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const w of waiting) {
      this.#unreject('snapshot-unverified');
      if (this.#accept(w.result, w.envelope, false, w.stored) && !w.stored) {
        accepted.push(w.envelope);
      }
    }
    return accepted;
  }

  #unreject(code: string): void {
    const n = (this.#rejected.get(code) ?? 0) - 1;
    if (n > 0) this.#rejected.set(code, n);
    else this.#rejected.delete(code);
  }

  /**
   * Tracks the highest seq per author applied to this document, recorded in the next snapshot.
   * Seqs are per author across all documents, so there are gaps; nothing is skipped because of
   * a cover — applying an update twice is a no-op in Yjs.
   */
  #bumpCover(key: string, seq: number): void {
    this.#covers.set(key, Math.max(seq, this.#covers.get(key) ?? -1));
  }

  async #write(): Promise<void> {
    const pending = this.#pending;
    const clients = this.#pendingClients;
    this.#pending = [];
    this.#pendingClients = new Set();
    if (pending.length > 0) {
      const payload = pending.length === 1 ? pending[0]! : Y.mergeUpdates(pending);
      const { envelope, seq } = await this.#port.seal({
        docId: this.docId,
        generation: this.#generation,
        kind: 'update',
        payload,
      });
      // Our own clientID (and any it created) belongs to us from our first sealed update.
      for (const id of clients) {
        if (!this.#bindings.has(id)) this.#bindings.set(id, this.#self);
      }
      this.#bumpCover(authorKey(this.#self), seq);
      this.#unwritten.push({ gen: this.#generation, envelope });
    }
    if (this.#unwritten.length === 0) return;
    const batch = this.#unwritten;
    try {
      for (const gen of new Set(batch.map((b) => b.gen))) {
        await this.#store.append(
          this.#key,
          gen,
          batch.filter((b) => b.gen === gen).map((b) => b.envelope),
        );
      }
      this.#unwritten = this.#unwritten.slice(batch.length);
      const written = batch.map((b) => b.envelope);
      for (const envelope of written) this.#known.add(envelopeId(envelope)!);
      this.#current.push(...written);
      for (const listener of this.#sealedListeners) listener(written);
      this.#envelopes += batch.length;
      this.#writeError = null;
    } catch (error) {
      this.#writeError = error instanceof CrdtError ? error : new CrdtError('storage-failed');
      this.#retry ??= setTimeout(() => {
        this.#retry = null;
        if (!this.#closed) void this.flush().catch(() => undefined);
      }, RETRY_MS);
      this.#emit();
      throw this.#writeError;
    }
    this.#emit();
  }

  #emit(): void {
    for (const listener of this.#listeners) listener();
  }
}

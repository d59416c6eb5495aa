/**
 * The transport document of a sync room (ADR 0004): a Y.Doc whose only content is an array of
 * envelopes, shared with peers by a provider (y-webrtc). It is never persisted and never trusted:
 * what peers add is handed to SealedDoc.receive, which verifies each envelope before anything is
 * applied or stored; deletions and replacements made by peers are ignored, so nothing from the
 * network can erase what this device holds.
 */
import * as Y from 'yjs';
import { envelopeId } from './envelope-id';

const LOCAL = Symbol('transport-local');

export class TransportDoc {
  /** For transport providers in lib/sync only. */
  readonly ydoc = new Y.Doc();
  readonly #envelopes = this.ydoc.getArray<Uint8Array>('envelopes');
  /** Ids of the envelopes present in the room (ours and peers'). */
  readonly #present = new Set<string>();

  constructor() {
    this.#envelopes.observe((event) => {
      for (const change of event.changes.delta) {
        if (!Array.isArray(change.insert)) continue;
        for (const item of change.insert) {
          const id = envelopeId(item);
          if (id !== null) this.#present.add(id);
        }
      }
    });
  }

  /**
   * Offers envelopes this device holds to its peers — only those not already in the room, so
   * re-attaching a room never stores the same envelope twice. Offer what a device held before
   * joining only after the first sync with the relay (sync.svelte.ts), or it cannot know.
   */
  offer(envelopes: readonly Uint8Array[]): number {
    const missing: Uint8Array[] = [];
    for (const envelope of envelopes) {
      const id = envelopeId(envelope);
      if (id === null || this.#present.has(id)) continue;
      this.#present.add(id);
      missing.push(envelope);
    }
    if (missing.length > 0) this.ydoc.transact(() => this.#envelopes.push(missing), LOCAL);
    return missing.length;
  }

  /** Every envelope in the room (for catch-up of a document that is not open). */
  envelopes(): Uint8Array[] {
    return this.#envelopes.toArray().filter((e) => e instanceof Uint8Array);
  }

  /** Calls `listener` with envelopes that peers added (insertions only). */
  onArrival(listener: (envelopes: Uint8Array[]) => void): () => void {
    const observer = (event: Y.YArrayEvent<Uint8Array>) => {
      if (event.transaction.origin === LOCAL) return;
      const arrived: Uint8Array[] = [];
      for (const change of event.changes.delta) {
        if (!Array.isArray(change.insert)) continue;
        for (const item of change.insert) if (item instanceof Uint8Array) arrived.push(item);
      }
      if (arrived.length > 0) listener(arrived);
    };
    this.#envelopes.observe(observer);
    return () => this.#envelopes.unobserve(observer);
  }

  destroy(): void {
    this.ydoc.destroy();
  }
}

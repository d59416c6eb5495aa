/**
 * The transport document of a sync room (ADR 0004): a Y.Doc whose only content is an array of
 * envelopes, shared with peers by a provider (y-webrtc). It is never persisted and never trusted:
 * what peers add is handed to SealedDoc.receive, which verifies each envelope before anything is
 * applied or stored; deletions and replacements made by peers are ignored, so nothing from the
 * network can erase what this device holds.
 */
import * as Y from 'yjs';

const LOCAL = Symbol('transport-local');

export class TransportDoc {
  /** For transport providers in lib/sync only. */
  readonly ydoc = new Y.Doc();
  readonly #envelopes = this.ydoc.getArray<Uint8Array>('envelopes');

  /** Offers envelopes this device holds to its peers. */
  offer(envelopes: readonly Uint8Array[]): void {
    if (envelopes.length === 0) return;
    this.ydoc.transact(() => this.#envelopes.push([...envelopes]), LOCAL);
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

/**
 * A throw-away Yjs document used by the connection check (routes/diagnostics): it holds one
 * short text message and never any patient data. It lets lib/sync prove a peer link end to end
 * without touching a chart.
 */
import * as Y from 'yjs';

export class ProbeDoc {
  /** The underlying document, for transport providers in lib/sync only. */
  readonly ydoc = new Y.Doc();
  readonly #map = this.ydoc.getMap<string>('probe');

  /** The last message written by any peer, or '' when none. */
  get message(): string {
    return this.#map.get('message') ?? '';
  }

  /** Writes a message that every connected peer will see. */
  send(text: string): void {
    this.#map.set('message', text);
  }

  /** Calls `listener` after every change, local or remote; returns an unsubscribe function. */
  onChange(listener: () => void): () => void {
    this.ydoc.on('update', listener);
    return () => this.ydoc.off('update', listener);
  }

  destroy(): void {
    this.ydoc.destroy();
  }
}

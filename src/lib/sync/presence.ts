/**
 * Presence (docs/design.md §7): who else has a document open travels only as a sealed `presence`
 * envelope (base64) in the transport's awareness state — opaque to the relay and to anyone
 * without the document key. Nothing else is ever put in awareness.
 */

/** Sealed presence blobs carried in transport awareness. */
export interface PresenceChannel {
  setPresence(sealed: string | null): void;
  /** Sealed presence of the other peers in the room. */
  presence(): string[];
  onPresence(listener: () => void): () => void;
}

type AwarenessLike = {
  clientID: number;
  setLocalState(state: unknown): void;
  getStates(): Map<number, unknown>;
  on(event: 'change', f: () => void): void;
  off(event: 'change', f: () => void): void;
};

/** Presence over a y-protocols awareness instance: only a sealed blob, never clear fields. */
export function presenceOver(awareness: AwarenessLike): PresenceChannel {
  return {
    setPresence(sealed) {
      awareness.setLocalState(sealed ? { p: sealed } : null);
    },
    presence() {
      const out: string[] = [];
      awareness.getStates().forEach((state, id) => {
        const p = (state as { p?: unknown } | null)?.p;
        if (id !== awareness.clientID && typeof p === 'string' && p.length < 4096) out.push(p);
      });
      return out;
    },
    onPresence(listener) {
      awareness.on('change', listener);
      return () => awareness.off('change', listener);
    },
  };
}

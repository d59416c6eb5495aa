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

/** A sealed presence envelope as the text carried in awareness (base64). */
export function encodePresence(envelope: Uint8Array): string {
  let binary = '';
  for (const b of envelope) binary += String.fromCharCode(b);
  return btoa(binary);
}

/** The envelope inside a presence blob, or null when the blob is not base64. */
export function decodePresence(blob: string): Uint8Array | null {
  try {
    return Uint8Array.from(atob(blob), (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

/**
 * Who is present, from verified presence announcements. Fresh = a new announcement (a higher seq
 * than this author device's last) received within `freshMs`, timed by this device's clock only:
 * a peer whose clock is wrong still shows, and a replayed old announcement (same or lower seq)
 * never does.
 */
export class PresenceTracker {
  readonly #heard = new Map<string, { seq: number; at: number }>();

  constructor(
    private readonly freshMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records a verified announcement by `author` (member:device) with its seq. */
  heard(author: string, seq: number): void {
    const last = this.#heard.get(author);
    if (!last || seq > last.seq) this.#heard.set(author, { seq, at: this.now() });
  }

  /** True when `author`'s latest new announcement arrived within the window. */
  fresh(author: string): boolean {
    const last = this.#heard.get(author);
    return last !== undefined && this.now() - last.at < this.freshMs;
  }
}

/** A caret carried in a presence payload (ADR 0012): a note section and relative positions. */
export interface PresenceCaret {
  noteId: string;
  field: string;
  anchor: unknown;
  head: unknown;
}

/**
 * The caret inside a decoded presence payload (`{ at, caret }`), or null when there is none or
 * it is malformed (wrong types, an unknown field, an over-long id).
 */
export function caretFromPresence(
  payload: unknown,
  fields: readonly string[],
): PresenceCaret | null {
  if (!payload || typeof payload !== 'object') return null;
  const c = (payload as { caret?: unknown }).caret;
  if (!c || typeof c !== 'object' || Array.isArray(c)) return null;
  const { noteId, field, anchor, head } = c as Record<string, unknown>;
  if (typeof noteId !== 'string' || noteId.length === 0 || noteId.length > 64) return null;
  if (typeof field !== 'string' || !fields.includes(field)) return null;
  if (!anchor || typeof anchor !== 'object' || !head || typeof head !== 'object') return null;
  return { noteId, field, anchor, head };
}

const CARET_COLORS = ['#b3261e', '#1b6e3a', '#6a3fb5', '#9a5b00', '#00639b', '#8c1d6b'];

/** A stable caret colour for an author (member:device). */
export function caretColor(author: string): string {
  let hash = 0;
  for (const ch of author) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  return CARET_COLORS[hash % CARET_COLORS.length]!;
}

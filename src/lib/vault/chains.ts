/**
 * Envelope chains in the vault (docs/spec/envelope.md §10.3; crypto/chain.ts): per unlocked
 * session, this device's own chain tips (the `prev` of its next envelope in each document), the
 * links it has verified from every author device (a removal records their heads), and the chains
 * of removed devices known so far. Kept in Worker memory: the tips and links come back as the
 * documents are opened again (a document is loaded — and verified — before anything is sealed in
 * it), and a removal first opens every stored envelope (state layer).
 */
import {
  chainHeads,
  NO_PREV,
  RemovalChains,
  toBase64Url,
  type ChainHeads,
  type OpenedEnvelope,
} from '$lib/crypto';
import type { Unlocked } from './context';

interface ChainState {
  /** Own tip per document (base64url docId). */
  tips: Map<string, { seq: number; link: Uint8Array }>;
  /** "member:device" → document → link → prev, of every verified envelope. */
  seen: Map<string, Map<string, Map<string, string | null>>>;
  removed: RemovalChains;
}

const states = new WeakMap<Unlocked, ChainState>();

export function chains(session: Unlocked): ChainState {
  let state = states.get(session);
  if (!state) {
    state = { tips: new Map(), seen: new Map(), removed: new RemovalChains() };
    states.set(session, state);
  }
  return state;
}

/** `prev` as the chain names it: null for version 1 and for "no predecessor". */
export function prevOf(opened: Pick<OpenedEnvelope, 'prev'>): string | null {
  const prev = opened.prev;
  if (!prev || prev.every((b) => b === 0)) return null;
  return toBase64Url(prev);
}

/** The link this device names as `prev` for its next envelope in a document. */
export function ownPrev(session: Unlocked, doc: string): Uint8Array {
  return chains(session).tips.get(doc)?.link ?? NO_PREV;
}

/** Records an envelope of this device's own (sealed or verified) as its tip if it is newer. */
export function noteOwn(session: Unlocked, doc: string, seq: number, link: Uint8Array): void {
  const tips = chains(session).tips;
  if ((tips.get(doc)?.seq ?? -1) < seq) tips.set(doc, { seq, link });
}

/** Records a verified envelope of an author device (for the heads of a later removal). */
export function noteSeen(
  session: Unlocked,
  author: string,
  doc: string,
  link: string,
  prev: string | null,
): void {
  const seen = chains(session).seen;
  let docs = seen.get(author);
  if (!docs) seen.set(author, (docs = new Map()));
  let links = docs.get(doc);
  if (!links) docs.set(doc, (links = new Map()));
  links.set(link, prev);
}

/** The heads of an author device's chains among the envelopes this session verified. */
export function headsSeen(session: Unlocked, author: string): ChainHeads {
  return chainHeads(chains(session).seen.get(author) ?? new Map());
}

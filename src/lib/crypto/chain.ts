/**
 * The exact removal rule (docs/spec/envelope.md §10.3): each author device's envelopes in a
 * document form a hash chain — every version-2 envelope names the link of the device's previous
 * envelope there (`prev`) — and a removal records, per document, the heads of the removed
 * device's chain: the links of its envelopes the removing admin held that no other of its
 * envelopes names (normally one; more after a fork between two tabs; version-1 envelopes, which
 * name nothing, are heads too). An envelope by that device is accepted only if it is on the chain
 * up to a head: a head itself, or named as `prev` by an envelope already accepted this way.
 *
 * Chain membership is decided from the head backwards, so it can only be final once an
 * envelope's successor is known: an envelope whose link is not (yet) on the chain is
 * `unchained` — parked and retried when more of the chain arrives — and one in a document where
 * the removal recorded no head is `revoked`. Nothing a removed device signs after its removal
 * can ever be on the chain (it would need a BLAKE2b-256 preimage).
 */

/** One verified envelope of a removed author device. */
export interface ChainItem {
  /** "member:device" (base64url public keys). */
  author: string;
  /** The document id (base64url). */
  doc: string;
  seq: number;
  /** This envelope's link (base64url). */
  link: string;
  /** The link it names as its predecessor (base64url); null for version 1 or none. */
  prev: string | null;
}

export type ChainVerdict = 'ok' | 'unchained' | 'revoked';

/** Heads recorded at a removal: document (base64url) → head links (base64url). */
export type ChainHeads = Readonly<Record<string, readonly string[]>>;

/** Links known to be on each removed author's chain in each document (grows as envelopes arrive). */
export class RemovalChains {
  readonly #on = new Map<string, Set<string>>();

  #chain(item: ChainItem, heads: ChainHeads): Set<string> | null {
    const docHeads = Object.hasOwn(heads, item.doc) ? heads[item.doc] : undefined;
    if (!Array.isArray(docHeads) || docHeads.length === 0) return null;
    const key = `${item.author}|${item.doc}`;
    let on = this.#on.get(key);
    if (!on) {
      on = new Set(docHeads);
      this.#on.set(key, on);
    }
    return on;
  }

  /**
   * Decides a batch of envelopes by removed authors (in any order; a chain within the batch is
   * walked from its head down). `headsOf` gives an author's recorded heads.
   */
  decide(items: readonly ChainItem[], headsOf: (author: string) => ChainHeads): ChainVerdict[] {
    const verdicts: ChainVerdict[] = items.map(() => 'unchained');
    const open: number[] = [];
    items.forEach((item, i) => {
      if (this.#chain(item, headsOf(item.author)) === null) verdicts[i] = 'revoked';
      else open.push(i);
    });
    open.sort((a, b) => items[b]!.seq - items[a]!.seq);
    for (let progress = true; progress;) {
      progress = false;
      for (const i of open) {
        if (verdicts[i] !== 'unchained') continue;
        const item = items[i]!;
        const on = this.#chain(item, headsOf(item.author))!;
        if (!on.has(item.link)) continue;
        verdicts[i] = 'ok';
        if (item.prev !== null) on.add(item.prev);
        progress = true;
      }
    }
    return verdicts;
  }
}

/**
 * The heads of each document's chains among envelopes seen from one author device: links that no
 * other seen envelope names as `prev`.
 */
export function chainHeads(seen: ReadonlyMap<string, ReadonlyMap<string, string | null>>): {
  [doc: string]: string[];
} {
  const heads: { [doc: string]: string[] } = {};
  for (const [doc, links] of seen) {
    const named = new Set([...links.values()].filter((p): p is string => p !== null));
    const docHeads = [...links.keys()].filter((link) => !named.has(link)).sort();
    if (docHeads.length > 0) heads[doc] = docHeads;
  }
  return heads;
}

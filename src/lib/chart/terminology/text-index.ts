/**
 * Folio's own search index for the shipped terminologies, built ahead of time by
 * scripts/build-terminology.ts and searched in the terminology worker.
 *
 * Why not MiniSearch or FlexSearch: the data never changes at run time, so the whole index is
 * prebuilt into a compact binary (sorted vocabulary + delta-varint postings, gzip) instead of a
 * multi-megabyte JSON index; ranking is by a static order chosen per system at build time
 * (billable before header, short before long, common before obscure) rather than BM25, so
 * documents are numbered in that order and a query only intersects postings and takes the first
 * hits; and codes are matched by prefix with their own normalisation ("e119" finds E11.9). No
 * dependency, nothing evaluated at run time (the CSP forbids eval and new Function). Tested against
 * a brute-force scan (tests/unit/chart/terminology/text-index.spec.ts).
 *
 * Matching: every query word must be the prefix of some word of the document (AND of prefixes);
 * a query that looks like a code (per system) also matches codes by prefix, exact code first, then
 * shorter codes.
 */
import { foldText } from '../fold';
import { codeKey } from './codes';

/** The words of a text: accents folded, lower case, split on anything but a-z and 0-9. */
export function tokens(text: string): string[] {
  return foldText(text)
    .split(/[^a-z0-9]+/)
    .filter((t) => t !== '');
}

/** Words (sorted) and, per word, the ascending ids of the documents that contain it. */
export interface TermIndex {
  vocab: string[];
  postings: Uint32Array[];
}

/** Indexes documents by their text; document i is texts[i]. */
export function buildIndex(texts: readonly string[]): TermIndex {
  const byWord = new Map<string, number[]>();
  texts.forEach((text, doc) => {
    for (const word of new Set(tokens(text))) {
      const list = byWord.get(word);
      if (list) list.push(doc);
      else byWord.set(word, [doc]);
    }
  });
  const vocab = [...byWord.keys()].sort();
  return { vocab, postings: vocab.map((w) => Uint32Array.from(byWord.get(w)!)) };
}

// ---- varint encoding of postings (ids delta-coded) ----

export class ByteWriter {
  #buf = new Uint8Array(1 << 16);
  #len = 0;
  #grow(n: number) {
    if (this.#len + n <= this.#buf.length) return;
    const next = new Uint8Array(Math.max(this.#buf.length * 2, this.#len + n));
    next.set(this.#buf.subarray(0, this.#len));
    this.#buf = next;
  }
  varint(v: number): void {
    this.#grow(5);
    while (v >= 0x80) {
      this.#buf[this.#len++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.#buf[this.#len++] = v;
  }
  bytes(b: Uint8Array): void {
    this.#grow(b.length);
    this.#buf.set(b, this.#len);
    this.#len += b.length;
  }
  done(): Uint8Array {
    return this.#buf.slice(0, this.#len);
  }
}

export class ByteReader {
  pos = 0;
  constructor(readonly buf: Uint8Array) {}
  varint(): number {
    let v = 0;
    let shift = 0;
    for (;;) {
      if (this.pos >= this.buf.length) throw new RangeError('truncated varint');
      const b = this.buf[this.pos++]!;
      v += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return v;
      shift += 7;
      if (shift > 35) throw new RangeError('varint too long');
    }
  }
}

/** Postings as varints: per word its count, then the first id and the gaps. */
export function encodePostings(postings: readonly Uint32Array[]): Uint8Array {
  const w = new ByteWriter();
  for (const list of postings) {
    w.varint(list.length);
    let prev = 0;
    for (let i = 0; i < list.length; i++) {
      w.varint(i === 0 ? list[0]! : list[i]! - prev);
      prev = list[i]!;
    }
  }
  return w.done();
}

export function decodePostings(bytes: Uint8Array, words: number, docs: number): Uint32Array[] {
  const r = new ByteReader(bytes);
  const out: Uint32Array[] = [];
  for (let k = 0; k < words; k++) {
    const n = r.varint();
    const list = new Uint32Array(n);
    let prev = 0;
    for (let i = 0; i < n; i++) {
      prev = i === 0 ? r.varint() : prev + r.varint();
      if (prev >= docs || (i > 0 && list[i - 1]! >= prev)) throw new RangeError('bad postings');
      list[i] = prev;
    }
    out.push(list);
  }
  if (r.pos !== bytes.length) throw new RangeError('trailing bytes after postings');
  return out;
}

/** The first index in [0, n) for which `less` is false (`less` is true on a prefix). */
function lowerBound(n: number, less: (i: number) => boolean): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (less(mid)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export interface SearchOptions {
  limit?: number;
  /** The code key of a query (default codeKey()). */
  key?: (query: string) => string;
  /** Whether a query's code key may be a code or the start of one. */
  codeLike?: (key: string) => boolean;
}

const MAX_WORDS = 8;

/**
 * A searchable document set. Documents are numbered in code-key order (so codes are found by
 * binary search and prefixes are ranges); `byRank` lists them in the order results are shown.
 */
export class SearchIndex {
  readonly #rank: Uint32Array;
  readonly #marks: Uint8Array;

  /**
   * @param codeKeys each document's code key, ascending and unique
   * @param byRank document ids, best first (a permutation)
   * @throws RangeError when the keys are not sorted or byRank is not a permutation
   */
  constructor(
    readonly index: TermIndex,
    readonly codeKeys: readonly string[],
    readonly byRank: Uint32Array,
  ) {
    const n = codeKeys.length;
    for (let i = 1; i < n; i++) {
      if (!(codeKeys[i - 1]! < codeKeys[i]!)) throw new RangeError('code keys not sorted');
    }
    if (byRank.length !== n) throw new RangeError('rank order length');
    this.#rank = new Uint32Array(n).fill(n);
    byRank.forEach((doc, r) => {
      if (doc >= n || this.#rank[doc] !== n) throw new RangeError('rank order not a permutation');
      this.#rank[doc] = r;
    });
    this.#marks = new Uint8Array(n);
  }

  get size(): number {
    return this.codeKeys.length;
  }

  /** The document whose code key is exactly `key`, or -1. */
  byCode(key: string): number {
    const keys = this.codeKeys;
    const i = lowerBound(keys.length, (m) => keys[m]! < key);
    return i < keys.length && keys[i] === key ? i : -1;
  }

  /** Documents whose code key starts with `key`: exact first, then shorter codes, then rank. */
  codePrefix(key: string, limit: number): number[] {
    if (key === '') return [];
    const keys = this.codeKeys;
    const hits: number[] = [];
    for (let i = lowerBound(keys.length, (m) => keys[m]! < key); i < keys.length; i++) {
      if (!keys[i]!.startsWith(key)) break;
      hits.push(i);
    }
    const rank = this.#rank;
    hits.sort((a, b) => keys[a]!.length - keys[b]!.length || rank[a]! - rank[b]!);
    return hits.slice(0, limit);
  }

  /** The word range [lo, hi) of the vocabulary that starts with `prefix`. */
  #range(prefix: string): [number, number] {
    const vocab = this.index.vocab;
    const lo = lowerBound(vocab.length, (m) => vocab[m]! < prefix);
    let hi = lo;
    while (hi < vocab.length && vocab[hi]!.startsWith(prefix)) hi++;
    return [lo, hi];
  }

  /** Documents in which every query word starts some word, in rank order. */
  textMatches(query: string, limit: number, skip?: ReadonlySet<number>): number[] {
    const words = [...new Set(tokens(query))].slice(0, MAX_WORDS);
    if (words.length === 0 || limit <= 0) return [];
    const ranges = words.map((w) => {
      const [lo, hi] = this.#range(w);
      let total = 0;
      for (let i = lo; i < hi; i++) total += this.index.postings[i]!.length;
      return { lo, hi, total };
    });
    if (ranges.some((r) => r.total === 0)) return [];
    // Rarest word first: later words only advance documents every earlier word matched.
    ranges.sort((a, b) => a.total - b.total);
    const marks = this.#marks;
    marks.fill(0);
    ranges.forEach((r, t) => {
      for (let i = r.lo; i < r.hi; i++) {
        for (const doc of this.index.postings[i]!) if (marks[doc] === t) marks[doc] = t + 1;
      }
    });
    const want = ranges.length;
    const out: number[] = [];
    if (ranges[0]!.total <= 64) {
      // Few candidates: rank them instead of walking the whole rank order.
      const r = ranges[0]!;
      const found = new Set<number>();
      for (let i = r.lo; i < r.hi; i++) {
        for (const doc of this.index.postings[i]!) if (marks[doc] === want) found.add(doc);
      }
      const rank = this.#rank;
      return [...found]
        .filter((doc) => !skip?.has(doc))
        .sort((a, b) => rank[a]! - rank[b]!)
        .slice(0, limit);
    }
    const byRank = this.byRank;
    for (let r = 0; r < byRank.length && out.length < limit; r++) {
      const doc = byRank[r]!;
      if (marks[doc] === want && !skip?.has(doc)) out.push(doc);
    }
    return out;
  }

  /** Code matches first (when the query looks like a code), then text matches; at most `limit`. */
  search(query: string, options: SearchOptions = {}): number[] {
    const limit = options.limit ?? 20;
    const key = (options.key ?? codeKey)(query);
    const codes = key && options.codeLike?.(key) ? this.codePrefix(key, limit) : [];
    if (codes.length >= limit) return codes;
    return [...codes, ...this.textMatches(query, limit - codes.length, new Set(codes))];
  }
}

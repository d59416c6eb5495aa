import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { codeKeyIn } from '../../../../src/lib/chart/terminology/codes.ts';
import {
  buildPack,
  decodePack,
  encodePack,
  type PackInfo,
} from '../../../../src/lib/chart/terminology/pack.ts';
import {
  decodePostings,
  encodePostings,
  SearchIndex,
  tokens,
} from '../../../../src/lib/chart/terminology/text-index.ts';

const INFO: PackInfo = { system: 'rxnorm', edition: 'test', columns: ['code', 'text'] };
const WORDS = ['ab', 'abc', 'abd', 'b', 'ba', 'bab', 'c', 'cab', 'dab', '12', '1'];

/** Documents best first: unique numeric codes, texts from a small vocabulary (many shared prefixes). */
const docsOf = (minLength: number, maxLength: number) =>
  fc
    .uniqueArray(fc.integer({ min: 1, max: 5000 }), { minLength, maxLength })
    .chain((codes) =>
      fc.tuple(
        fc.constant(codes.map(String)),
        fc.array(fc.array(fc.constantFrom(...WORDS, 'Ab-C', 'é'), { maxLength: 5 }), {
          minLength: codes.length,
          maxLength: codes.length,
        }),
      ),
    )
    .map(([codes, texts]) => codes.map((code, i) => ({ code, text: texts[i]!.join(' ') })));
const docsArb = docsOf(1, 60);

const queryArb = fc.oneof(
  fc
    .array(fc.constantFrom(...WORDS, 'a', 'd', 'x', 'AB', 'ç'), { minLength: 0, maxLength: 3 })
    .map((w) => w.join(' ')),
  fc.integer({ min: 0, max: 600 }).map(String),
);

/** What a search must answer, by scanning every document. */
function oracle(docs: { code: string; text: string }[], query: string, limit: number): string[] {
  const key = codeKeyIn('rxnorm', query);
  const codeHits = /^\d{1,9}$/.test(key)
    ? docs
        .map((d, rank) => ({ ...d, rank }))
        .filter((d) => d.code.startsWith(key))
        .sort((a, b) => a.code.length - b.code.length || a.rank - b.rank)
        .map((d) => d.code)
        .slice(0, limit)
    : [];
  const words = [...new Set(tokens(query))];
  const textHits =
    words.length === 0
      ? []
      : docs
          .filter((d) => !codeHits.includes(d.code))
          .filter((d) => words.every((w) => tokens(d.text).some((t) => t.startsWith(w))))
          .map((d) => d.code);
  return [...codeHits, ...textHits].slice(0, limit);
}

describe('the terminology search index', () => {
  it.each([
    ['small sets', docsOf(1, 60)],
    ['large sets (candidates walked in rank order)', docsOf(200, 400)],
  ])('answers exactly what a full scan answers, in rank order (%s)', (_, docs) => {
    fc.assert(
      fc.property(docs, queryArb, fc.integer({ min: 1, max: 25 }), (docs, query, limit) => {
        const pack = buildPack(
          INFO,
          docs.map((d) => ({ row: `${d.code}\t${d.text}`, text: d.text })),
        );
        const index = new SearchIndex(
          pack.index,
          pack.rows.map((r) => codeKeyIn('rxnorm', r.split('\t')[0]!)),
          pack.byRank,
        );
        const got = index
          .search(query, { limit, codeLike: (k) => /^\d{1,9}$/.test(k) })
          .map((doc) => pack.rows[doc]!.split('\t')[0]);
        expect(got).toEqual(oracle(docs, query, limit));
      }),
      { numRuns: 200 },
    );
  });

  it('packs round-trip byte for byte and refuse damaged bytes', () => {
    fc.assert(
      fc.property(docsArb, (docs) => {
        const pack = buildPack(
          INFO,
          docs.map((d) => ({ row: `${d.code}\t${d.text}`, text: d.text })),
        );
        const bytes = encodePack(pack);
        const back = decodePack(bytes);
        expect(back).toEqual(pack);
        expect(encodePack(back)).toEqual(bytes);
        expect(() => decodePack(bytes.subarray(0, bytes.length - 1))).toThrow(RangeError);
        expect(() => decodePack(new Uint8Array([...bytes, 0]))).toThrow(RangeError);
      }),
      { numRuns: 50 },
    );
    expect(() => decodePack(new TextEncoder().encode('not a pack at all'))).toThrow(
      'not a Folio terminology pack',
    );
  });

  it('postings round-trip; ids out of range or out of order are refused', () => {
    fc.assert(
      fc.property(fc.array(fc.uniqueArray(fc.nat(100_000), { maxLength: 40 })), (lists) => {
        const postings = lists.map((l) => Uint32Array.from([...l].sort((a, b) => a - b)));
        expect(decodePostings(encodePostings(postings), postings.length, 100_001)).toEqual(
          postings,
        );
      }),
    );
    const bytes = encodePostings([Uint32Array.from([5, 9])]);
    expect(() => decodePostings(bytes, 1, 9)).toThrow('bad postings');
  });

  it('a repeated code or a malformed row cannot be packed', () => {
    expect(() =>
      buildPack(INFO, [
        { row: '1\ta', text: 'a' },
        { row: '1\tb', text: 'b' },
      ]),
    ).toThrow('repeated code 1');
    expect(() => buildPack(INFO, [{ row: '1\ta\tb', text: 'a' }])).toThrow('bad row');
  });

  it('folds case and accents, and splits on anything but letters and digits', () => {
    expect(tokens('Crohn’s disease, Ménière; A1c/Hgb\u200bx')).toEqual([
      'crohn',
      's',
      'disease',
      'meniere',
      'a1c',
      'hgb',
      'x',
    ]);
  });
});

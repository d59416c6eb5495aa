/**
 * The shared accent folding (src/lib/chart/fold.ts) and the four matchers built on it, each
 * checked against a copy of its implementation before the merge (the oracles below).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { foldText, stripAccents } from '../../../src/lib/chart/fold.ts';
import { normalise } from '../../../src/lib/chart/search.ts';
import { filterByWords, queryWords } from '../../../src/lib/chart/text-filter.ts';
import { tokens } from '../../../src/lib/chart/terminology/text-index.ts';
import { normalName } from '../../../src/lib/chart/safety/table.ts';

// ---- the old implementations, verbatim ----
const oldNormalise = (text: string) =>
  text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .trim();
const oldFilterFold = (text: string) =>
  text
    .normalize('NFD')
    .replace(/\p{Mn}/gu, '')
    .toLowerCase();
const oldTokens = (text: string) =>
  text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((t) => t !== '');
const oldNormalName = (text: string) =>
  text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9]+/g, ' ')
    .replace(/([a-z])(?=[0-9])|([0-9])(?=[a-z])/g, '$1$2 ')
    .trim();
const oldQueryWords = (q: string) => oldFilterFold(q).split(/\s+/).filter(Boolean);

/**
 * Characters where the four differ: accents in and out of U+0300–U+036F, compatibility forms,
 * letters whose case and decomposition do not commute, Hebrew points, final sigma, spaces.
 */
const TRICKY = [
  'é',
  'E\u0301',
  'ñ',
  'Ñ',
  'ü',
  'ø',
  'ß',
  'ẞ',
  'İ',
  'ı',
  'ǅ',
  'Ǆ',
  'ﬁ',
  '²',
  '½',
  'Ａ',
  'ｂ',
  'ᴬ',
  'ᵃ',
  'K',
  'Å',
  'Σ',
  'ς',
  'ά',
  '\u05b0',
  'ש',
  '\u0651',
  '\u1ab0',
  '\u1dc0',
  '\u20d0',
  '\ufe20',
  '\u0345',
  'ⓐ',
  '㎎',
  'µ',
  '-',
  "'",
  '.',
  '/',
  ' ',
  '\t',
  '\u00a0',
  '0',
  '9',
  'a',
  'Z',
  '4',
  '0mg',
  'B12',
];
const text = fc.oneof(
  fc.string({ unit: fc.constantFrom(...TRICKY), maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
);

describe('foldText / stripAccents', () => {
  it('drops accents and lowers case', () => {
    expect(foldText('Acuña ÉLODIE')).toBe('acuna elodie');
    expect(stripAccents('Acuña')).toBe('Acuna');
  });

  it('keeps the options apart: NFD leaves compatibility forms, nonspacing drops all marks', () => {
    expect(foldText('x² ﬁ')).toBe('x2 fi');
    expect(foldText('x² ﬁ', { form: 'NFD' })).toBe('x² ﬁ');
    expect(foldText('שָׁ')).toBe('שָׁ');
    expect(foldText('שָׁ', { marks: 'nonspacing' })).toBe('ש');
  });

  it('matches each old core for any text', () => {
    fc.assert(
      fc.property(text, (t) => {
        expect(foldText(t)).toBe(
          t
            .normalize('NFKD')
            .replace(/[\u0300-\u036f]/g, '')
            .toLowerCase(),
        );
        expect(foldText(t, { form: 'NFD', marks: 'nonspacing' })).toBe(oldFilterFold(t));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('the matchers behave exactly as before the merge', () => {
  it('patient search normalise', () => {
    fc.assert(
      fc.property(text, (t) => {
        expect(normalise(t)).toBe(oldNormalise(t));
      }),
      {
        numRuns: 2000,
      },
    );
  });

  it('list filter words and matches', () => {
    fc.assert(
      fc.property(text, fc.array(text, { maxLength: 4 }), (q, items) => {
        expect(queryWords(q)).toEqual(oldQueryWords(q));
        const words = oldQueryWords(q);
        const expected = words.length
          ? items.filter((i) => words.every((w) => oldFilterFold(i).includes(w)))
          : items;
        expect(filterByWords(items, q, (i) => i)).toEqual(expected);
      }),
      { numRuns: 2000 },
    );
  });

  it('terminology tokens', () => {
    fc.assert(
      fc.property(text, (t) => {
        expect(tokens(t)).toEqual(oldTokens(t));
      }),
      {
        numRuns: 2000,
      },
    );
  });

  it('medication-safety names (lower case first: "ᴬ" is a separator, not "a")', () => {
    expect(normalName('ᴬspirin')).toBe(oldNormalName('ᴬspirin'));
    expect(normalName('ᴬspirin')).toBe('spirin');
    fc.assert(
      fc.property(text, (t) => {
        expect(normalName(t)).toBe(oldNormalName(t));
      }),
      {
        numRuns: 2000,
      },
    );
  });
});

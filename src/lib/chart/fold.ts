/**
 * Accent folding, the one place Folio's text matching drops accents ("Acuña" finds "acuna"):
 * patient search (search.ts), the filter box of chart lists (text-filter.ts), the terminology
 * index (terminology/text-index.ts, also run in the terminology worker, so this module imports
 * nothing) and the medication-safety names (safety/table.ts). The options keep the differences
 * between them: which decomposition, and which marks are dropped.
 */

export interface FoldOptions {
  /**
   * 'NFKD' (default) also unfolds compatibility forms ("ﬁ" → "fi", "²" → "2", full-width
   * letters); 'NFD' splits accents only.
   */
  form?: 'NFKD' | 'NFD';
  /**
   * 'combining' (default) drops the Combining Diacritical Marks block (U+0300–U+036F);
   * 'nonspacing' drops every nonspacing mark (\p{Mn}: also Hebrew points, Arabic vowel signs,
   * the extended and supplementary combining blocks).
   */
  marks?: 'combining' | 'nonspacing';
}

const COMBINING = /[\u0300-\u036f]/g;
const NONSPACING = /\p{Mn}/gu;

/** `text` decomposed, its accents dropped; case kept. */
export function stripAccents(
  text: string,
  { form = 'NFKD', marks = 'combining' }: FoldOptions = {},
): string {
  return text.normalize(form).replace(marks === 'nonspacing' ? NONSPACING : COMBINING, '');
}

/** `text` with its accents dropped, then in lower case: the form text is compared in. */
export function foldText(text: string, options?: FoldOptions): string {
  return stripAccents(text, options).toLowerCase();
}

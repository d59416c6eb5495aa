/**
 * The filter box of long chart lists (medications, problems, labs by test, visits…): an item is
 * shown when its text contains every word typed, ignoring case and accents ("celecoxib 200",
 * "ACUNA" finds "Acuña").
 */
import { foldText } from './fold';

/** Canonical decomposition only (a typed "2" does not find "x²"); every nonspacing mark dropped. */
const fold = (text: string) => foldText(text, { form: 'NFD', marks: 'nonspacing' });

/** The words of a query, folded (none for a blank query). */
export function queryWords(query: string): string[] {
  return fold(query).split(/\s+/).filter(Boolean);
}

/** Items whose text (`textOf`, any parts) contains every word of `query`; all for a blank one. */
export function filterByWords<T>(
  items: readonly T[],
  query: string,
  textOf: (item: T) => readonly (string | number | undefined | null)[] | string,
): T[] {
  const words = queryWords(query);
  if (words.length === 0) return [...items];
  return items.filter((item) => {
    const parts = textOf(item);
    const text = fold(typeof parts === 'string' ? parts : parts.filter((p) => p != null).join(' '));
    return words.every((w) => text.includes(w));
  });
}

/**
 * The plain text of rich-text fragments (note sections), converted once per change of the
 * fragment instead of on every read. `ChartDoc.entries()` runs after every change of the chart
 * (every keystroke in any field) and used to rebuild every note's text each time.
 *
 * A cached text is dropped when a transaction changed the fragment or anything inside it (a
 * paragraph, a text leaf, a mark): Yjs lists the types a transaction changed in `changed`, and we
 * walk from each up to its fragment before any observer or `afterTransaction` listener runs
 * (`beforeObserverCalls`). While a transaction is still open (a read inside `batch`, or a change
 * queued by an observer) the cache is bypassed: the text is converted fresh and not kept.
 * Keyed by fragment object, so a fragment replaced by another (a concurrent migration resolved by
 * Yjs) is never confused with it.
 */
import * as Y from 'yjs';
import { plainText } from './rich-text';

let conversions = 0;

/** How many fragments have been converted to plain text so far (for tests: no timing). */
export function plainTextConversions(): number {
  return conversions;
}

function convert(fragment: Y.XmlFragment): string {
  conversions++;
  return plainText(fragment);
}

class PlainTextCache {
  readonly #texts = new WeakMap<Y.XmlFragment, string>();
  readonly #open = new Set<Y.Transaction>();
  readonly #doc: Y.Doc;

  constructor(doc: Y.Doc) {
    this.#doc = doc;
    doc.on('beforeTransaction', (tr: Y.Transaction) => this.#open.add(tr));
    doc.on('beforeObserverCalls', (tr: Y.Transaction) => {
      this.#drop(tr);
      this.#open.delete(tr);
    });
  }

  #drop(tr: Y.Transaction): void {
    for (const changed of tr.changed.keys()) {
      let type: unknown = changed;
      while (type instanceof Y.AbstractType) {
        if (type instanceof Y.XmlFragment) this.#texts.delete(type);
        type = (type as { _item: { parent: unknown } | null })._item?.parent;
      }
    }
  }

  get(fragment: Y.XmlFragment): string {
    // `_transaction`: a transaction begun before this cache existed (internal, stable in yjs 13).
    const inTransaction = (this.#doc as unknown as { _transaction: unknown })._transaction;
    if (this.#open.size > 0 || inTransaction) return convert(fragment);
    let text = this.#texts.get(fragment);
    if (text === undefined) {
      text = convert(fragment);
      this.#texts.set(fragment, text);
    }
    return text;
  }
}

const caches = new WeakMap<Y.Doc, PlainTextCache>();

/** The fragment's plain text (`plainText`), converted only when it changed since last asked. */
export function cachedPlainText(fragment: Y.XmlFragment): string {
  const doc = fragment.doc;
  if (!doc) return convert(fragment);
  let cache = caches.get(doc);
  if (!cache) {
    cache = new PlainTextCache(doc);
    caches.set(doc, cache);
  }
  return cache.get(fragment);
}

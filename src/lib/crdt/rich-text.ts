/**
 * Rich note text (ADR 0012): one Y.XmlFragment per note section, in the layout y-prosemirror
 * binds to (an element per block named after its ProseMirror node type, Y.XmlText leaves whose
 * formatting attributes are the marks). This module builds a fragment from legacy plain text,
 * reads a fragment back as plain text (signing, export, search) and converts caret positions
 * (Y.RelativePosition) to and from JSON so they can travel inside sealed presence.
 *
 * Invariants: only this layer touches Yjs types; callers get an opaque `binding` (the fragment)
 * that only the editor module (lib/ui/chart/editor, an ESLint exception) passes to y-prosemirror.
 */
import * as Y from 'yjs';

/** A JSON value (what a caret position becomes inside a presence payload). */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** A collaborative rich-text field, as plain operations plus the editor's binding. */
export interface RichTextHandle {
  /** The text without formatting: blocks on their own lines, list items prefixed. */
  value(): string;
  /**
   * Replaces the whole section with `text` as plain paragraphs, in one transaction (imports,
   * tests; the editor edits the fragment itself, minimally).
   */
  set(text: string): void;
  /**
   * Adds `text` as plain paragraphs after what the section holds, in one transaction of the
   * shared fragment (so it syncs like typing); an empty section is replaced. Inserting a template.
   */
  append(text: string): void;
  /** Calls `listener` after any change of the text (local or remote). */
  observe(listener: () => void): () => void;
  /**
   * Opaque: the shared fragment, for the editor binding only. Stable per field. Null while the
   * section is still legacy plain text (ADR 0012): there is nothing to bind until `edit()`.
   */
  readonly binding: unknown;
  /**
   * Makes the section editable and returns its binding: a legacy plain-text section is migrated
   * into rich text first (a write to the shared document, once; ADR 0012). For a rich section
   * it writes nothing and returns `binding`.
   */
  edit(): unknown;
  /** Caret positions as JSON (for sealed presence) and back. */
  readonly caret: CaretCodec;
}

export interface CaretCodec {
  /** A Y.RelativePosition (as y-prosemirror makes them) as JSON; null if it is not one. */
  toJson(position: unknown): Json | null;
  /** The Y.RelativePosition a JSON value describes, or null when malformed. */
  fromJson(json: unknown): unknown;
  /**
   * Inserts typed `text` into the shared text exactly at `position` (a Y.RelativePosition inside
   * a text leaf of `doc`), in one transaction with `origin`; false (nothing written) when the
   * position is not inside a text leaf. The editor types through this so a typed character
   * keeps its place next to an identical character another person just typed, which a
   * diff of old and new text cannot tell apart.
   */
  insertAt(doc: unknown, position: unknown, text: string, origin: unknown): boolean;
}

export const caretCodec: CaretCodec = {
  toJson(position) {
    if (!(position instanceof Y.RelativePosition)) return null;
    return Y.relativePositionToJSON(position) as Json;
  },
  fromJson(json) {
    if (!json || typeof json !== 'object' || Array.isArray(json)) return null;
    const j = json as Record<string, unknown>;
    const id = (v: unknown) =>
      v === null || v === undefined
        ? true
        : typeof v === 'object' &&
          Number.isInteger((v as { client?: unknown }).client) &&
          Number.isInteger((v as { clock?: unknown }).clock);
    if (!id(j.type) || !id(j.item)) return null;
    if (j.tname !== undefined && j.tname !== null && typeof j.tname !== 'string') return null;
    if (j.assoc !== undefined && !Number.isInteger(j.assoc)) return null;
    try {
      return Y.createRelativePositionFromJSON(j);
    } catch {
      return null;
    }
  },
  insertAt(doc, position, text, origin) {
    if (!(doc instanceof Y.Doc) || !(position instanceof Y.RelativePosition)) return false;
    const at = Y.createAbsolutePositionFromRelativePosition(position, doc);
    if (!at || !(at.type instanceof Y.XmlText) || at.index > at.type.length) return false;
    const leaf = at.type;
    doc.transact(() => leaf.insert(at.index, text), origin);
    return true;
  },
};

/**
 * Appends paragraphs holding `text` (one per line; an empty line is an empty paragraph) to
 * `fragment`. Call inside a transaction.
 */
export function appendPlainText(fragment: Y.XmlFragment, text: string): void {
  const blocks = text.split(/\r\n|\r|\n/).map((line) => {
    const paragraph = new Y.XmlElement('paragraph');
    if (line) paragraph.insert(0, [new Y.XmlText(line)]);
    return paragraph;
  });
  if (blocks.length) fragment.insert(fragment.length, blocks);
}

function inlineText(el: Y.XmlElement | Y.XmlFragment): string {
  let out = '';
  for (const child of el.toArray()) {
    if (child instanceof Y.XmlText) out += plainOf(child);
    else if (child instanceof Y.XmlElement)
      out += child.nodeName === 'hard_break' ? '\n' : inlineText(child);
  }
  return out;
}

function blockLines(node: Y.XmlElement | Y.XmlText | Y.XmlHook, prefix = ''): string[] {
  if (node instanceof Y.XmlText) return [prefix + plainOf(node)];
  if (!(node instanceof Y.XmlElement)) return [];
  switch (node.nodeName) {
    case 'bullet_list':
      return node.toArray().flatMap((item) => listItem(item, `${prefix}- `, prefix));
    case 'ordered_list':
      return node.toArray().flatMap((item, i) => listItem(item, `${prefix}${i + 1}. `, prefix));
    case 'table':
      return node.toArray().map(
        (row) =>
          prefix +
          (row instanceof Y.XmlElement
            ? row
                .toArray()
                .map((cell) =>
                  cell instanceof Y.XmlElement
                    ? cell
                        .toArray()
                        .flatMap((b) => blockLines(b as Y.XmlElement))
                        .join(' ')
                    : '',
                )
                .join(' | ')
            : ''),
      );
    case 'blockquote':
      return node.toArray().flatMap((b) => blockLines(b as Y.XmlElement, `${prefix}> `));
    case 'horizontal_rule':
      return [`${prefix}---`];
    default:
      return [prefix + inlineText(node)];
  }
}

function listItem(item: unknown, first: string, indent: string): string[] {
  if (!(item instanceof Y.XmlElement)) return [];
  const lines = item.toArray().flatMap((b) => blockLines(b as Y.XmlElement, `${indent}  `));
  if (lines.length === 0) return [first.trimEnd()];
  lines[0] = first + lines[0]!.slice(indent.length + 2);
  return lines;
}

function plainOf(text: Y.XmlText): string {
  return text
    .toDelta()
    .map((op: { insert?: unknown }) => (typeof op.insert === 'string' ? op.insert : ''))
    .join('');
}

/** The fragment's text without formatting (what a signed note freezes and export carries). */
export function plainText(fragment: Y.XmlFragment): string {
  return fragment
    .toArray()
    .flatMap((block) => blockLines(block))
    .join('\n');
}

/** A handle over a fragment. */
export function richTextHandle(fragment: Y.XmlFragment): RichTextHandle {
  return {
    value: () => plainText(fragment),
    set(text) {
      if (plainText(fragment) === text) return;
      const apply = () => {
        if (fragment.length) fragment.delete(0, fragment.length);
        appendPlainText(fragment, text);
      };
      if (fragment.doc) fragment.doc.transact(apply);
      else apply();
    },
    append(text) {
      const apply = () => {
        if (plainText(fragment) === '' && fragment.length) fragment.delete(0, fragment.length);
        appendPlainText(fragment, text);
      };
      if (fragment.doc) fragment.doc.transact(apply);
      else apply();
    },
    observe(listener) {
      const f = () => listener();
      fragment.observeDeep(f);
      return () => fragment.unobserveDeep(f);
    },
    binding: fragment,
    edit: () => fragment,
    caret: caretCodec,
  };
}

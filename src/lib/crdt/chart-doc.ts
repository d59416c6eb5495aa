/**
 * The chart document's shape in Yjs, behind a plain API (the UI and lib/chart never see a Yjs
 * type). Layout of the Y.Doc:
 *   meta:    Y.Map  { schemaVersion }
 *   patient: Y.Map  demographic fields (JSON values)
 *   entries: Y.Map  id → Y.Map { section, …fields, createdAt, updatedAt,
 *                               history: Y.Array<{at, changes}>, text fields: Y.Text }
 *   audit:   Y.Array<{type, at, detail?}>
 * Who created or changed something is never a stored field: it is the verified signer that owns
 * the Yjs clientID of the item that wrote it (SealedDoc.signerOf), so it survives compaction and
 * cannot be forged by another member.
 */
import * as Y from 'yjs';
import type { SealedDoc, Signer } from './sealed-doc';

export const CHART_SCHEMA_VERSION = 1;

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type Fields = Record<string, Json>;

export interface HistoryRecord {
  at: string;
  by?: Signer;
  changes: Fields;
}

export interface EntryRecord {
  id: string;
  section: string;
  fields: Fields;
  createdAt: string;
  updatedAt: string;
  createdBy?: Signer;
  changedBy?: Signer;
  history: HistoryRecord[];
}

export interface AuditRecord {
  type: string;
  at: string;
  detail?: string;
  by?: Signer;
}

/** A collaborative text field as plain operations. */
export interface TextHandle {
  value(): string;
  /** Replaces the whole value with minimal edits (common prefix and suffix kept). */
  set(next: string): void;
  observe(listener: () => void): () => void;
}

const RESERVED = new Set(['section', 'createdAt', 'updatedAt', 'history']);

type ItemLike = {
  id: { client: number };
  deleted: boolean;
  right: ItemLike | null;
  content: { getContent(): unknown[] };
};

/** The Yjs item that currently holds `key` in a map (internal API, stable in yjs 13). */
function itemOf(map: Y.Map<unknown>, key: string): ItemLike | undefined {
  return (map as unknown as { _map: Map<string, ItemLike> })._map.get(key);
}

function arrayItems(array: Y.Array<unknown>): { value: unknown; client: number }[] {
  const out: { value: unknown; client: number }[] = [];
  let item = (array as unknown as { _start: ItemLike | null })._start;
  while (item) {
    if (!item.deleted)
      for (const value of item.content.getContent()) out.push({ value, client: item.id.client });
    item = item.right;
  }
  return out;
}

function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export class ChartDoc {
  readonly #sealed: SealedDoc;
  readonly #doc: Y.Doc;

  constructor(sealed: SealedDoc) {
    this.#sealed = sealed;
    this.#doc = sealed.ydoc;
  }

  get #meta() {
    return this.#doc.getMap<Json>('meta');
  }
  get #patient() {
    return this.#doc.getMap<Json>('patient');
  }
  get #entries() {
    return this.#doc.getMap<Y.Map<unknown>>('entries');
  }
  get #audit() {
    return this.#doc.getArray<Fields>('audit');
  }

  /** The schema version recorded in the chart (0 for an empty, uninitialised document). */
  get schemaVersion(): number {
    return (this.#meta.get('schemaVersion') as number | undefined) ?? 0;
  }

  /** Sets up a new chart with its demographics. */
  init(patient: Fields): void {
    this.#doc.transact(() => {
      this.#meta.set('schemaVersion', CHART_SCHEMA_VERSION);
      for (const [k, v] of Object.entries(patient)) this.#patient.set(k, v);
    });
  }

  patient(): Fields {
    return this.#patient.toJSON() as Fields;
  }

  setPatient(fields: Fields): void {
    this.#doc.transact(() => {
      for (const [k, v] of Object.entries(fields)) this.#patient.set(k, v);
    });
  }

  /** Adds an entry; `texts` become collaborative text fields. Returns its id. */
  addEntry(
    section: string,
    fields: Fields,
    at: string,
    texts: Record<string, string> = {},
  ): string {
    const id = randomId();
    this.#doc.transact(() => {
      const entry = new Y.Map<unknown>();
      entry.set('section', section);
      for (const [k, v] of Object.entries(fields)) if (!RESERVED.has(k)) entry.set(k, v);
      for (const [k, v] of Object.entries(texts)) entry.set(k, new Y.Text(v));
      entry.set('createdAt', at);
      entry.set('updatedAt', at);
      const history = new Y.Array<Fields>();
      history.push([{ at, changes: fields }]);
      entry.set('history', history);
      this.#entries.set(id, entry);
    });
    return id;
  }

  /** Changes fields of an entry and records the change in its history. */
  updateEntry(id: string, changes: Fields, at: string): void {
    const entry = this.#entries.get(id);
    if (!entry) throw new Error(`no entry ${id}`);
    this.#doc.transact(() => {
      for (const [k, v] of Object.entries(changes)) if (!RESERVED.has(k)) entry.set(k, v);
      entry.set('updatedAt', at);
      (entry.get('history') as Y.Array<Fields>).push([{ at, changes }]);
    });
  }

  /** All entries, optionally of one section, with verified provenance. */
  entries(section?: string): EntryRecord[] {
    const out: EntryRecord[] = [];
    for (const [id, entry] of this.#entries) {
      if (!(entry instanceof Y.Map)) continue;
      const entrySection = entry.get('section');
      if (typeof entrySection !== 'string' || (section && entrySection !== section)) continue;
      const fields: Fields = {};
      for (const [k, v] of entry) {
        if (RESERVED.has(k)) continue;
        fields[k] = v instanceof Y.Text ? v.toString() : (v as Json);
      }
      const history = entry.get('history');
      const createdItem = itemOf(this.#entries as Y.Map<unknown>, id);
      const changedItem = itemOf(entry, 'updatedAt');
      out.push({
        id,
        section: entrySection,
        fields,
        createdAt: String(entry.get('createdAt') ?? ''),
        updatedAt: String(entry.get('updatedAt') ?? ''),
        createdBy: createdItem ? this.#sealed.signerOf(createdItem.id.client) : undefined,
        changedBy: changedItem ? this.#sealed.signerOf(changedItem.id.client) : undefined,
        history:
          history instanceof Y.Array
            ? arrayItems(history).map(({ value, client }) => ({
                ...(value as { at: string; changes: Fields }),
                by: this.#sealed.signerOf(client),
              }))
            : [],
      });
    }
    return out;
  }

  /** A collaborative text field of an entry. */
  text(id: string, field: string): TextHandle {
    const entry = this.#entries.get(id);
    let text = entry?.get(field);
    if (!(text instanceof Y.Text)) {
      if (!entry) throw new Error(`no entry ${id}`);
      text = new Y.Text();
      entry.set(field, text);
    }
    const y = text as Y.Text;
    return {
      value: () => y.toString(),
      set: (next) => {
        const current = y.toString();
        if (current === next) return;
        let start = 0;
        while (start < current.length && start < next.length && current[start] === next[start])
          start++;
        let end = 0;
        while (
          end < current.length - start &&
          end < next.length - start &&
          current[current.length - 1 - end] === next[next.length - 1 - end]
        ) {
          end++;
        }
        this.#doc.transact(() => {
          if (current.length - start - end > 0) y.delete(start, current.length - start - end);
          if (next.length - start - end > 0) y.insert(start, next.slice(start, next.length - end));
        });
      },
      observe: (listener) => {
        y.observe(listener);
        return () => y.unobserve(listener);
      },
    };
  }

  addAudit(type: string, at: string, detail?: string): void {
    this.#audit.push([detail ? { type, at, detail } : { type, at }]);
  }

  audit(): AuditRecord[] {
    return arrayItems(this.#audit as Y.Array<unknown>).map(({ value, client }) => ({
      ...(value as { type: string; at: string; detail?: string }),
      by: this.#sealed.signerOf(client),
    }));
  }

  /** Calls `listener` after any change (local or remote), at most once per transaction. */
  onChange(listener: () => void): () => void {
    const handler = () => listener();
    this.#doc.on('afterTransaction', handler);
    return () => this.#doc.off('afterTransaction', handler);
  }
}

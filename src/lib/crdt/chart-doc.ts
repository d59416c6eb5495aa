/**
 * The chart document's shape in Yjs, behind a plain API (the UI and lib/chart never see a Yjs
 * type). Layout of the Y.Doc — flat, so a chart of thousands of observations loads fast:
 *   meta:    Y.Map   { schemaVersion }
 *   patient: Y.Map   demographic fields (JSON values)
 *   patientChanges: Y.Array { at, changes }  append-only log of demographic edits (a field set
 *                    to null was cleared); who made each is its verified signer
 *   entries: Y.Map   id → { section, fields, createdAt, texts: [field names] }   (written once)
 *   changes: Y.Array { id, at, changes }  append-only; an entry's state is its fields with its
 *                    changes applied in array order (the same order on every device)
 *   texts:   Y.Map   "id/field" → Y.Text  collaborative plain text (note sections before
 *                    ADR 0012; still read, moved into richTexts on the first edit)
 *   richTexts: Y.Map "id/field" → Y.XmlFragment  rich text (note sections; y-prosemirror layout)
 *   audit:   Y.Array { type, at, detail? }
 * Who created or changed something is never a stored field: it is the verified signer that owns
 * the Yjs clientID of the item that wrote it (SealedDoc.signerOf), so it survives compaction and
 * cannot be forged by another member.
 */
import * as Y from 'yjs';
import { cachedPlainText } from './plain-text-cache';
import {
  appendPlainText,
  caretCodec,
  plainText,
  richTextHandle,
  type RichTextHandle,
} from './rich-text';
import type { SealedDoc, Signer } from './sealed-doc';

export type { RichTextHandle } from './rich-text';

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

interface EntryBase {
  section: string;
  fields: Fields;
  createdAt: string;
}

interface ChangeRecord {
  id: string;
  at: string;
  changes: Fields;
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
    return this.#doc.getMap<EntryBase>('entries');
  }
  get #changes() {
    return this.#doc.getArray<ChangeRecord>('changes');
  }
  get #texts() {
    return this.#doc.getMap<Y.Text>('texts');
  }
  get #richTexts() {
    return this.#doc.getMap<Y.XmlFragment>('richTexts');
  }
  get #patientChanges() {
    return this.#doc.getArray<{ at: string; changes: Fields }>('patientChanges');
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

  /**
   * Changes demographic fields (null clears one). With `at`, the change is also appended to the
   * patient's change log (`patientHistory`).
   */
  setPatient(fields: Fields, at?: string): void {
    this.#doc.transact(() => {
      for (const [k, v] of Object.entries(fields)) {
        if (v === null) this.#patient.delete(k);
        else this.#patient.set(k, v);
      }
      if (at) this.#patientChanges.push([{ at, changes: fields }]);
    });
  }

  /** The demographic edits, oldest first, each with its verified author. */
  patientHistory(): HistoryRecord[] {
    return arrayItems(this.#patientChanges as Y.Array<unknown>).flatMap(({ value, client }) => {
      const change = value as { at?: unknown; changes?: unknown } | null;
      if (!change || typeof change.changes !== 'object' || change.changes === null) return [];
      return [
        {
          at: String(change.at ?? ''),
          by: this.#sealed.signerOf(client),
          changes: change.changes as Fields,
        },
      ];
    });
  }

  /**
   * Adds an entry; `texts` become collaborative plain-text fields, `richTexts` rich-text fields
   * (each holding its initial plain text as paragraphs). Returns its id.
   */
  addEntry(
    section: string,
    fields: Fields,
    at: string,
    texts: Record<string, string> = {},
    richTexts: Record<string, string> = {},
  ): string {
    const id = randomId();
    this.#doc.transact(() => {
      this.#entries.set(id, { section, fields, createdAt: at });
      for (const [k, v] of Object.entries(texts)) this.#texts.set(`${id}/${k}`, new Y.Text(v));
      for (const [k, v] of Object.entries(richTexts)) {
        const fragment = new Y.XmlFragment();
        this.#richTexts.set(`${id}/${k}`, fragment);
        if (v) appendPlainText(fragment, v);
      }
    });
    return id;
  }

  /**
   * Runs `change` as ONE change of the document (one Yjs transaction: one update, sealed as one
   * envelope, one onChange): a FHIR import of thousands of entries costs one encoding instead of
   * one per entry plus merging them all. Commands called inside join it. Yjs cannot roll back:
   * what `change` wrote before throwing stays written (as it would have, written one by one).
   */
  batch<T>(change: () => T): T {
    let result: T;
    this.#doc.transact(() => {
      result = change();
    });
    return result!;
  }

  /** Changes fields of an entry; the change is appended to the chart's change log. */
  updateEntry(id: string, changes: Fields, at: string): void {
    if (!this.#entries.has(id)) throw new Error(`no entry ${id}`);
    this.#changes.push([{ id, at, changes }]);
  }

  /** All entries, optionally of one section, with their current fields and verified provenance. */
  entries(section?: string): EntryRecord[] {
    const changesById = new Map<string, HistoryRecord[]>();
    for (const { value, client } of arrayItems(this.#changes as Y.Array<unknown>)) {
      const change = value as ChangeRecord;
      if (!change || typeof change.id !== 'string' || typeof change.changes !== 'object') continue;
      const list = changesById.get(change.id) ?? [];
      list.push({
        at: String(change.at),
        by: this.#sealed.signerOf(client),
        changes: change.changes,
      });
      changesById.set(change.id, list);
    }
    // Text fields are indexed here and converted only for the entries returned: note sections
    // through the plain-text cache (converted again only when that fragment changed).
    const textsById = new Map<string, [string, Y.Text | Y.XmlFragment][]>();
    const index = (key: string, text: Y.Text | Y.XmlFragment) => {
      const slash = key.indexOf('/');
      if (slash < 0) return;
      const id = key.slice(0, slash);
      const list = textsById.get(id) ?? [];
      list.push([key.slice(slash + 1), text]);
      textsById.set(id, list);
    };
    for (const [key, text] of this.#texts) if (text instanceof Y.Text) index(key, text);
    // After the plain texts: the rich text wins where both exist.
    for (const [key, fragment] of this.#richTexts)
      if (fragment instanceof Y.XmlFragment) index(key, fragment);
    const out: EntryRecord[] = [];
    for (const [id, base] of this.#entries) {
      if (!base || typeof base.section !== 'string' || (section && base.section !== section))
        continue;
      const item = itemOf(this.#entries as Y.Map<unknown>, id);
      const createdBy = item ? this.#sealed.signerOf(item.id.client) : undefined;
      const changes = changesById.get(id) ?? [];
      const fields: Fields = { ...base.fields };
      for (const change of changes) Object.assign(fields, change.changes);
      for (const [name, text] of textsById.get(id) ?? [])
        fields[name] = text instanceof Y.XmlFragment ? cachedPlainText(text) : text.toString();
      const last = changes.at(-1);
      out.push({
        id,
        section: base.section,
        fields,
        createdAt: String(base.createdAt ?? ''),
        updatedAt: last?.at ?? String(base.createdAt ?? ''),
        createdBy,
        changedBy: last ? last.by : createdBy,
        history: [
          { at: String(base.createdAt ?? ''), by: createdBy, changes: base.fields },
          ...changes,
        ],
      });
    }
    return out;
  }

  /** A collaborative text field of an entry. */
  text(id: string, field: string): TextHandle {
    const key = `${id}/${field}`;
    let y = this.#texts.get(key);
    if (!(y instanceof Y.Text)) {
      if (!this.#entries.has(id)) throw new Error(`no entry ${id}`);
      y = new Y.Text();
      this.#texts.set(key, y);
    }
    const text = y;
    return {
      value: () => text.toString(),
      set: (next) => {
        const current = text.toString();
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
          if (current.length - start - end > 0) text.delete(start, current.length - start - end);
          if (next.length - start - end > 0)
            text.insert(start, next.slice(start, next.length - end));
        });
      },
      observe: (listener) => {
        text.observe(listener);
        return () => text.unobserve(listener);
      },
    };
  }

  /**
   * A rich-text field of an entry. Reading never writes: a field that so far exists only as
   * legacy plain text (Y.Text, before ADR 0012) is read as that text, with no binding, until it
   * is first edited (`set`, `append`, `edit`), which migrates it (`#migrate`).
   * @throws Error when there is no such entry
   */
  richText(id: string, field: string): RichTextHandle {
    const key = `${id}/${field}`;
    const fragment = this.#richTexts.get(key);
    if (fragment instanceof Y.XmlFragment) return richTextHandle(fragment);
    if (!this.#entries.has(id)) throw new Error(`no entry ${id}`);
    const rich = () => {
      const f = this.#richTexts.get(key);
      return f instanceof Y.XmlFragment ? f : null;
    };
    const value = () => {
      const f = rich();
      if (f) return plainText(f);
      const legacy = this.#texts.get(key);
      return legacy instanceof Y.Text ? legacy.toString() : '';
    };
    return {
      value,
      set: (text) => {
        if (value() === text) return;
        this.#doc.transact(() => richTextHandle(this.#migrate(key)).set(text));
      },
      append: (text) => {
        this.#doc.transact(() => richTextHandle(this.#migrate(key)).append(text));
      },
      observe: (listener) => {
        // The legacy text, and the section's rich text once it exists (migrated anywhere).
        const legacy = this.#texts.get(key);
        const onLegacy = () => listener();
        const onRich = (events: Y.YEvent<Y.AbstractType<unknown>>[]) => {
          if (
            events.some((e) =>
              e instanceof Y.YMapEvent && e.target === this.#richTexts
                ? e.keysChanged.has(key)
                : e.path[0] === key,
            )
          )
            listener();
        };
        if (legacy instanceof Y.Text) legacy.observe(onLegacy);
        this.#richTexts.observeDeep(onRich);
        return () => {
          if (legacy instanceof Y.Text) legacy.unobserve(onLegacy);
          this.#richTexts.unobserveDeep(onRich);
        };
      },
      binding: null,
      edit: () => this.#migrate(key),
      caret: caretCodec,
    };
  }

  /**
   * Moves a legacy plain-text section into rich text, in ONE transaction: a fragment holding the
   * text as paragraphs is set under the key and the old Y.Text is deleted, so no stale copy is
   * left for an older version to keep writing to. It runs only on the write path (the first
   * edit of the draft: typing, a template, `edit()` when the editor is opened for writing), never
   * when a note is listed, shown or signed — a read must not write to a shared, sealed document
   * (each write is an envelope every device stores and syncs). Deterministic across devices: two
   * devices migrating at once each set the key to their own copy of the same text and each delete
   * the Y.Text; a Y.Map keeps one value (the same on every device), so one copy remains.
   * Idempotent: once a fragment exists (here or received) it is returned and nothing is written.
   */
  #migrate(key: string): Y.XmlFragment {
    return this.#doc.transact(() => {
      const existing = this.#richTexts.get(key);
      if (existing instanceof Y.XmlFragment) return existing;
      const created = new Y.XmlFragment();
      this.#richTexts.set(key, created);
      const legacy = this.#texts.get(key);
      if (legacy instanceof Y.Text && legacy.length > 0)
        appendPlainText(created, legacy.toString());
      if (this.#texts.has(key)) this.#texts.delete(key);
      return created;
    });
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

  /**
   * Calls `listener` after any change (local or remote), once per transaction, telling whether
   * only collaborative text changed (typing in a note) — callers can skip rebuilding lists then.
   */
  onChange(listener: (change: { textOnly: boolean }) => void): () => void {
    const handler = (tr: Y.Transaction) => {
      if (tr.changed.size === 0) return;
      listener({
        textOnly: [...tr.changed.keys()].every(
          (type) => type instanceof Y.Text || type instanceof Y.XmlFragment,
        ),
      });
    };
    this.#doc.on('afterTransaction', handler);
    return () => this.#doc.off('afterTransaction', handler);
  }
}

import 'fake-indexeddb/auto';
import fc from 'fast-check';
import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { ChartModel } from '../../../src/lib/chart/model.ts';
import { noteText } from '../../../src/lib/chart/sections/notes.ts';
import { ChartDoc } from '../../../src/lib/crdt/chart-doc.ts';
import {
  appendPlainText,
  caretCodec,
  plainText,
  richTextHandle,
} from '../../../src/lib/crdt/rich-text.ts';
import { SealedDoc } from '../../../src/lib/crdt/sealed-doc.ts';
import { ADA, BOB, fakePort } from './fake-port.ts';
import { envelopeStores } from './stores.ts';
import { legacy, legacyDocId, legacyRecords } from './legacy-notes.ts';

const newStore = envelopeStores('rich-text');

const records = legacyRecords;
const docId = legacyDocId();

async function openLegacy(store = newStore(), self = ADA) {
  const s = await store;
  if ((await s.exportAll()).length === 0) await s.importAll(records());
  const sealed = await SealedDoc.open({
    docId,
    port: fakePort(self, 10_000),
    store: s,
    self,
    coalesceMs: 1,
  });
  return { store: s, sealed, model: new ChartModel(new ChartDoc(sealed)) };
}

describe('migrating plain-text notes written by the previous version (stored log)', () => {
  it('opens a legacy draft in rich text with its text, once, and keeps signed notes plain', async () => {
    const { store, sealed, model } = await openLegacy();
    const draft = model.notes().find((n) => n.id === legacy.draft)!;
    // Before the editor opens it, the list still shows the legacy text.
    expect(draft.data.subjective).toBe('Cough for 3 days.\nNo fever.');

    const subjective = model.noteText(legacy.draft, 'subjective');
    expect(subjective.value()).toBe('Cough for 3 days.\nNo fever.');
    // The first edit migrates it (opening the editor for writing).
    const fragment = subjective.edit() as Y.XmlFragment;
    expect(fragment.toArray().map((b) => (b as Y.XmlElement).nodeName)).toEqual([
      'paragraph',
      'paragraph',
    ]);
    expect(model.noteText(legacy.draft, 'plan').value()).toBe('Fluids; review in 1 week.');
    expect(model.noteText(legacy.draft, 'objective').value()).toBe('');
    // Idempotent: a second open or edit of the same field writes nothing, same fragment.
    const before = Y.encodeStateVector(sealed.ydoc);
    expect(model.noteText(legacy.draft, 'subjective').binding).toBe(fragment);
    expect(model.noteText(legacy.draft, 'subjective').edit()).toBe(fragment);
    expect(Y.encodeStateVector(sealed.ydoc)).toEqual(before);

    // The signed note is untouched: read-only, its frozen plain text exported as before.
    expect(() => model.noteText(legacy.signed, 'assessment')).toThrow(
      'A signed note changes only by addendum.',
    );
    const signed = model.notes().find((n) => n.id === legacy.signed)!;
    expect(signed.data.signedText?.assessment).toBe('Stable.');
    expect(noteText(signed, [])).toContain('Assessment:\nStable.');

    await sealed.flush();
    await sealed.close();

    // Reopened from the log: migrated exactly once (no duplicated paragraphs), edits kept.
    const again = await SealedDoc.open({
      docId,
      port: fakePort(ADA, 20_000),
      store,
      self: ADA,
      coalesceMs: 1,
    });
    const m2 = new ChartModel(new ChartDoc(again));
    expect(m2.noteText(legacy.draft, 'subjective').value()).toBe('Cough for 3 days.\nNo fever.');
    expect((m2.noteText(legacy.draft, 'subjective').binding as Y.XmlFragment).length).toBe(2);
    m2.signNote(legacy.draft);
    const signedNow = m2.notes().find((n) => n.id === legacy.draft)!;
    expect(signedNow.data.signedText).toEqual({
      subjective: 'Cough for 3 days.\nNo fever.',
      objective: '',
      assessment: '',
      plan: 'Fluids; review in 1 week.',
    });
    await again.close();
  });

  it('two devices migrating the same legacy note concurrently end with one copy of the text', async () => {
    const a = await openLegacy(newStore(), ADA);
    const b = await openLegacy(newStore(), BOB);
    // Both start editing the note before hearing from each other.
    a.model.noteText(legacy.draft, 'subjective').edit();
    b.model.noteText(legacy.draft, 'subjective').edit();
    Y.applyUpdate(a.sealed.ydoc, Y.encodeStateAsUpdate(b.sealed.ydoc));
    Y.applyUpdate(b.sealed.ydoc, Y.encodeStateAsUpdate(a.sealed.ydoc));
    for (const side of [a, b]) {
      const h = side.model.noteText(legacy.draft, 'subjective');
      expect(h.value()).toBe('Cough for 3 days.\nNo fever.');
      expect((h.binding as Y.XmlFragment).length).toBe(2);
    }
    expect(a.model.noteText(legacy.draft, 'subjective').binding).toBeInstanceOf(Y.XmlFragment);
    await a.sealed.close();
    await b.sealed.close();
  });
});

describe('rich text as plain text', () => {
  it('reads blocks, lists, tables and keeps markup-like text as typed', () => {
    const doc = new Y.Doc();
    const f = doc.getXmlFragment('f');
    const el = (name: string, children: (Y.XmlElement | Y.XmlText)[]) => {
      const e = new Y.XmlElement(name);
      e.insert(0, children);
      return e;
    };
    const text = (s: string, bold = false) => {
      const t = new Y.XmlText();
      t.insert(0, s, bold ? { strong: true } : undefined);
      return t;
    };
    f.insert(0, [
      el('heading', [text('History')]),
      el('paragraph', [text('Took '), text('<b>ibuprofen</b>', true)]),
      el('bullet_list', [
        el('list_item', [el('paragraph', [text('one')])]),
        el('list_item', [el('paragraph', [text('two')])]),
      ]),
      el('ordered_list', [el('list_item', [el('paragraph', [text('first')])])]),
      el('table', [
        el('table_row', [
          el('table_cell', [el('paragraph', [text('BP')])]),
          el('table_cell', [el('paragraph', [text('120/80')])]),
        ]),
      ]),
      el('paragraph', []),
    ]);
    expect(plainText(f)).toBe(
      'History\nTook <b>ibuprofen</b>\n- one\n- two\n1. first\nBP | 120/80\n',
    );
  });

  it('set replaces the section with paragraphs in one update', () => {
    const doc = new Y.Doc();
    const h = richTextHandle(doc.getXmlFragment('f'));
    let updates = 0;
    doc.on('update', () => updates++);
    h.set('a\n\nb');
    expect(updates).toBe(1);
    expect(h.value()).toBe('a\n\nb');
    h.set('a\n\nb');
    expect(updates).toBe(1);
  });
});

describe('caret positions in presence', () => {
  it('round-trip through JSON and refuse malformed values', () => {
    const doc = new Y.Doc();
    const f = doc.getXmlFragment('f');
    doc.transact(() => appendPlainText(f, 'hello'));
    const t = (f.get(0) as Y.XmlElement).get(0) as Y.XmlText;
    const rel = Y.createRelativePositionFromTypeIndex(t, 3);
    const json = caretCodec.toJson(rel);
    const back = caretCodec.fromJson(JSON.parse(JSON.stringify(json))) as Y.RelativePosition;
    expect(Y.createAbsolutePositionFromRelativePosition(back, doc)?.index).toBe(3);
    expect(caretCodec.toJson({ item: { client: 1, clock: 2 } })).toBeNull();
    for (const bad of [null, 5, 'x', [], { item: { client: 'a', clock: 1 } }, { assoc: 'x' }])
      expect(caretCodec.fromJson(bad)).toBeNull();
  });
});

/** A person typing: a caret kept by the character to its left (as the editor keeps it). */
class Typist {
  left: Y.RelativePosition | null = null;
  constructor(
    readonly doc: Y.Doc,
    start: number,
  ) {
    const t = this.text();
    this.left = start > 0 ? Y.createRelativePositionFromTypeIndex(t, start - 1) : null;
    this.startIndex = start;
  }
  startIndex: number;
  text(): Y.XmlText {
    return (this.doc.getXmlFragment('f').get(0) as Y.XmlElement).get(0) as Y.XmlText;
  }
  caret(): number {
    if (!this.left) return this.startIndex;
    return Y.createAbsolutePositionFromRelativePosition(this.left, this.doc)!.index + 1;
  }
  type(ch: string): void {
    const at = this.caret();
    this.text().insert(at, ch);
    this.left = Y.createRelativePositionFromTypeIndex(this.text(), at);
  }
}

function seeded(text: string): Uint8Array {
  const d = new Y.Doc();
  d.clientID = 1;
  const f = d.getXmlFragment('f');
  d.transact(() => appendPlainText(f, text));
  return Y.encodeStateAsUpdate(d);
}

describe('convergence and contiguity (fast-check)', () => {
  it('two people typing at the same place or apart keep their words whole, in any delivery', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(0, 3, 6),
        fc.constantFrom(0, 3, 6),
        fc.stringMatching(/^[a-m]{1,8}$/),
        fc.stringMatching(/^[n-z]{1,8}$/),
        fc.array(fc.boolean(), { minLength: 16, maxLength: 16 }),
        (posA, posB, wordA, wordB, syncs) => {
          const base = seeded('ABCDEF');
          const da = new Y.Doc();
          const db = new Y.Doc();
          Y.applyUpdate(da, base);
          Y.applyUpdate(db, base);
          const a = new Typist(da, posA);
          const b = new Typist(db, posB);
          const sync = () => {
            Y.applyUpdate(da, Y.encodeStateAsUpdate(db, Y.encodeStateVector(da)));
            Y.applyUpdate(db, Y.encodeStateAsUpdate(da, Y.encodeStateVector(db)));
          };
          const n = Math.max(wordA.length, wordB.length);
          for (let i = 0; i < n; i++) {
            if (i < wordA.length) a.type(wordA[i]!);
            if (i < wordB.length) b.type(wordB[i]!);
            if (syncs[i]) sync();
          }
          sync();
          const ta = plainText(da.getXmlFragment('f'));
          expect(plainText(db.getXmlFragment('f'))).toBe(ta);
          expect(ta).toContain(wordA);
          expect(ta).toContain(wordB);
          expect(ta.replace(wordA, '').replace(wordB, '')).toBe('ABCDEF');
        },
      ),
      { numRuns: 300 },
    );
  });

  it('random edits on three peers converge to the same fragment in any delivery order', () => {
    const op = fc.record({
      peer: fc.integer({ min: 0, max: 2 }),
      kind: fc.constantFrom('insert', 'delete', 'format', 'block'),
      at: fc.nat(40),
      len: fc.integer({ min: 1, max: 5 }),
      text: fc.stringMatching(/^[a-z ]{1,5}$/),
    });
    fc.assert(
      fc.property(
        fc.array(op, { maxLength: 40 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        (ops, order) => {
          const base = seeded('first line\nsecond');
          const docs = [0, 1, 2].map(() => {
            const d = new Y.Doc();
            Y.applyUpdate(d, base);
            return d;
          });
          const outbox: { from: number; update: Uint8Array }[] = [];
          docs.forEach((d, i) =>
            d.on('update', (u: Uint8Array, origin: unknown) => {
              if (origin !== 'remote') outbox.push({ from: i, update: u });
            }),
          );
          for (const o of ops) {
            const f = docs[o.peer]!.getXmlFragment('f');
            const block = f.get(o.at % Math.max(f.length, 1)) as Y.XmlElement | undefined;
            const t = block?.get(0) as Y.XmlText | undefined;
            if (o.kind === 'block') {
              const p = new Y.XmlElement('paragraph');
              p.insert(0, [new Y.XmlText(o.text)]);
              f.insert(o.at % (f.length + 1), [p]);
            } else if (t instanceof Y.XmlText) {
              const at = o.at % (t.length + 1);
              if (o.kind === 'insert') t.insert(at, o.text);
              else if (o.kind === 'delete' && t.length > 0)
                t.delete(at % t.length, Math.min(o.len, t.length - (at % t.length)));
              else if (o.kind === 'format') t.format(at, o.len, { strong: true });
            }
          }
          // Deliver every update to every other peer in a shuffled order.
          const deliveries = outbox.flatMap((m) =>
            [0, 1, 2].filter((i) => i !== m.from).map((to) => ({ ...m, to })),
          );
          for (let i = deliveries.length - 1; i > 0; i--) {
            const j = (order[i % Math.max(order.length, 1)] ?? 0) % (i + 1);
            [deliveries[i], deliveries[j]] = [deliveries[j]!, deliveries[i]!];
          }
          for (const d of deliveries) Y.applyUpdate(docs[d.to]!, d.update, 'remote');
          // Then everything any peer wrote meanwhile (Yjs' own formatting clean-up on receipt).
          for (let round = 0; round < 2; round++)
            for (const from of docs)
              for (const to of docs)
                if (from !== to)
                  Y.applyUpdate(to, Y.encodeStateAsUpdate(from, Y.encodeStateVector(to)), 'remote');
          const json = docs.map((d) => d.getXmlFragment('f').toJSON());
          expect(json[1]).toBe(json[0]);
          expect(json[2]).toBe(json[0]);
          expect(Y.encodeStateVector(docs[1]!)).toEqual(Y.encodeStateVector(docs[0]!));
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('typing into the shared text at an exact place (caretCodec.insertAt)', () => {
  /** A section with one paragraph holding `text`, written by a doc with client id `client`. */
  function section(text: string, client: number) {
    const doc = new Y.Doc();
    doc.clientID = client;
    const fragment = doc.getXmlFragment('s');
    doc.transact(() => appendPlainText(fragment, text));
    const leaf = () => (fragment.get(0) as Y.XmlElement).get(0) as Y.XmlText;
    return { doc, fragment, leaf };
  }

  it('puts a typed space before an identical space another person just typed there', () => {
    // The laptop's caret is right after "x"; the tablet's space arrived at that same place.
    const laptop = section('x', 2);
    const tablet = new Y.Doc();
    tablet.clientID = 1;
    Y.applyUpdate(tablet, Y.encodeStateAsUpdate(laptop.doc));
    const tabletLeaf = (tablet.getXmlFragment('s').get(0) as Y.XmlElement).get(0) as Y.XmlText;
    tabletLeaf.insert(1, ' ');
    Y.applyUpdate(laptop.doc, Y.encodeStateAsUpdate(tablet));
    // The laptop's caret stayed right after "x" (before the tablet's space), where the editor
    // asks for the position at typing time; the laptop types a space there.
    const caret = Y.createRelativePositionFromTypeIndex(laptop.leaf(), 1);
    expect(caretCodec.insertAt(laptop.doc, caret, ' ', 'typing')).toBe(true);
    const items: number[] = [];
    for (let item = laptop.leaf()._start; item; item = item.right)
      if (!item.deleted) for (let i = 0; i < item.length; i++) items.push(item.id.client);
    // "x", then the laptop's own space, then the tablet's: a diff of "x " and "x  " could not
    // tell which space is new and would file the laptop's after the tablet's.
    expect(laptop.leaf().toString()).toBe('x  ');
    expect(items).toEqual([2, 2, 1]);
  });

  it('inserts exactly where a text diff would, for any text, place and typed string', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 30 }),
        fc.nat(),
        fc.string({ minLength: 1, maxLength: 5 }),
        (text, at, typed) => {
          const { doc, leaf } = section(text.replace(/[\r\n]/g, ' '), 1);
          const before = leaf().toString();
          const index = at % (before.length + 1);
          const origins: unknown[] = [];
          doc.on('afterTransaction', (tr: Y.Transaction) => origins.push(tr.origin));
          const position = Y.createRelativePositionFromTypeIndex(leaf(), index);
          expect(caretCodec.insertAt(doc, position, typed, 'typing')).toBe(true);
          expect(leaf().toString()).toBe(before.slice(0, index) + typed + before.slice(index));
          expect(origins).toEqual(['typing']);
        },
      ),
    );
  });

  it('writes nothing for a position outside a text leaf, a foreign value or another document', () => {
    const { doc, fragment } = section('x', 1);
    const blank = new Y.XmlElement('paragraph');
    doc.transact(() => fragment.push([blank]));
    const before = Y.encodeStateVector(doc);
    const inBlock = Y.createRelativePositionFromTypeIndex(blank, 0);
    expect(caretCodec.insertAt(doc, inBlock, 'a', 'typing')).toBe(false);
    expect(caretCodec.insertAt(doc, { type: null, item: null }, 'a', 'typing')).toBe(false);
    expect(caretCodec.insertAt({}, inBlock, 'a', 'typing')).toBe(false);
    expect(caretCodec.insertAt(new Y.Doc(), inBlock, 'a', 'typing')).toBe(false);
    expect(Y.encodeStateVector(doc)).toEqual(before);
  });
});

describe('appending text (inserting a template)', () => {
  it('adds paragraphs after the text, replaces an empty section, and syncs as one update', () => {
    const doc = new Y.Doc();
    const fragment = doc.getXmlFragment('f');
    const handle = richTextHandle(fragment);
    const updates: Uint8Array[] = [];
    doc.on('update', (u: Uint8Array) => updates.push(u));
    // What the editor leaves in an empty section: one empty paragraph.
    doc.transact(() => fragment.insert(0, [new Y.XmlElement('paragraph')]));
    handle.append('BP 120/80 mmHg (2026-12-01)\nHR 70 /min (2026-12-01)');
    expect(updates).toHaveLength(2);
    expect(handle.value()).toBe('BP 120/80 mmHg (2026-12-01)\nHR 70 /min (2026-12-01)');
    handle.append('Plan: review');
    expect(handle.value()).toBe(
      'BP 120/80 mmHg (2026-12-01)\nHR 70 /min (2026-12-01)\nPlan: review',
    );
    const peer = new Y.Doc();
    for (const u of updates) Y.applyUpdate(peer, u);
    expect(plainText(peer.getXmlFragment('f'))).toBe(handle.value());
  });
});

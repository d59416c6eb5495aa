/**
 * Legacy plain-text note sections (before ADR 0012) are migrated on the write path only, with the
 * old Y.Text deleted in the same transaction; and `entries()` converts a note section's rich text
 * to plain text only when that section changed.
 */
import 'fake-indexeddb/auto';
import fc from 'fast-check';
import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { ChartModel } from '../../../src/lib/chart/model.ts';
import { SOAP_FIELDS } from '../../../src/lib/chart/types.ts';
import { ChartDoc } from '../../../src/lib/crdt/chart-doc.ts';
import { plainTextConversions } from '../../../src/lib/crdt/plain-text-cache.ts';
import { plainText } from '../../../src/lib/crdt/rich-text.ts';
import { SealedDoc } from '../../../src/lib/crdt/sealed-doc.ts';
import { ADA, fakePort } from './fake-port.ts';
import { envelopeStores } from './stores.ts';
import { legacy, legacyDocId, legacyRecords } from './legacy-notes.ts';

const newStore = envelopeStores('note-migration');

const LEGACY_SUBJECTIVE = 'Cough for 3 days.\nNo fever.';
const key = `${legacy.draft}/subjective`;

async function openLegacy() {
  const store = await newStore();
  await store.importAll(legacyRecords());
  const sealed = await SealedDoc.open({
    docId: legacyDocId(),
    port: fakePort(ADA, 10_000),
    store,
    self: ADA,
    coalesceMs: 1,
  });
  return { sealed, doc: new ChartDoc(sealed), model: new ChartModel(new ChartDoc(sealed)) };
}

/** A ChartDoc over a bare Y.Doc (no sealing): what these tests need of SealedDoc. */
function bare(ydoc = new Y.Doc()) {
  const sealed = { ydoc, signerOf: () => undefined } as unknown as SealedDoc;
  return { ydoc, doc: new ChartDoc(sealed) };
}

/** The legacy chart's Yjs state, as every device holds it before anyone migrates. */
let legacyState: Uint8Array | null = null;
async function legacyUpdate(): Promise<Uint8Array> {
  if (!legacyState) {
    const { sealed } = await openLegacy();
    legacyState = Y.encodeStateAsUpdate(sealed.ydoc);
    await sealed.close();
  }
  return legacyState;
}

describe('reading a legacy note writes nothing', () => {
  it('listing, showing every section, observing and the chart view leave the state vector as it was', async () => {
    const { sealed, model } = await openLegacy();
    const before = Y.encodeStateVector(sealed.ydoc);
    let updates = 0;
    sealed.ydoc.on('update', () => updates++);

    const draft = model.notes().find((n) => n.id === legacy.draft)!;
    expect(draft.data.subjective).toBe(LEGACY_SUBJECTIVE);
    for (const f of SOAP_FIELDS) {
      const h = model.noteText(legacy.draft, f);
      expect(h.value()).toBe(draft.data[f] ?? '');
      expect(h.binding).toBeNull();
      h.observe(() => undefined)();
    }
    // Setting the text it already holds is not an edit.
    model.noteText(legacy.draft, 'subjective').set(LEGACY_SUBJECTIVE);
    model.notes();

    expect(updates).toBe(0);
    expect(Y.encodeStateVector(sealed.ydoc)).toEqual(before);
    expect(sealed.ydoc.getMap('richTexts').has(key)).toBe(false);
    expect(sealed.ydoc.getMap('texts').has(key)).toBe(true);
    await sealed.close();
  });

  it('signing a legacy draft freezes its plain text without migrating it; addenda as before', async () => {
    const { sealed, model } = await openLegacy();
    model.signNote(legacy.draft);
    expect(sealed.ydoc.getMap('richTexts').has(key)).toBe(false);
    const signed = model.notes().find((n) => n.id === legacy.draft)!;
    expect(signed.data.signedText).toEqual({
      subjective: LEGACY_SUBJECTIVE,
      objective: '',
      assessment: '',
      plan: 'Fluids; review in 1 week.',
    });
    expect(() => model.noteText(legacy.draft, 'subjective')).toThrow('addendum');
    model.addAddendum(legacy.draft, 'Called back: better.');
    expect(model.addenda(legacy.draft).map((a) => a.data.text)).toEqual(['Called back: better.']);
    await sealed.close();
  });
});

describe('the first edit migrates, in one transaction, and deletes the old field', () => {
  for (const [how, edit, expected] of [
    ['opening the editor (edit)', (h) => h.edit(), LEGACY_SUBJECTIVE],
    ['a template (append)', (h) => h.append('Plan: review'), `${LEGACY_SUBJECTIVE}\nPlan: review`],
    ['replacing the text (set)', (h) => h.set('Cough.'), 'Cough.'],
  ] as [string, (h: ReturnType<ChartModel['noteText']>) => void, string][]) {
    it(how, async () => {
      const { sealed, model } = await openLegacy();
      const updates: Uint8Array[] = [];
      sealed.ydoc.on('update', (u: Uint8Array) => updates.push(u));
      edit(model.noteText(legacy.draft, 'subjective'));
      expect(updates).toHaveLength(1);
      expect(sealed.ydoc.getMap('texts').has(key)).toBe(false);
      const fragment = sealed.ydoc.getMap('richTexts').get(key);
      expect(fragment).toBeInstanceOf(Y.XmlFragment);
      expect(plainText(fragment as Y.XmlFragment)).toBe(expected);
      const h = model.noteText(legacy.draft, 'subjective');
      expect(h.binding).toBe(fragment);
      expect(h.value()).toBe(expected);
      expect(model.notes().find((n) => n.id === legacy.draft)!.data.subjective).toBe(expected);
      // The other sections are still legacy, untouched.
      expect(sealed.ydoc.getMap('texts').has(`${legacy.draft}/plan`)).toBe(true);
      await sealed.close();
    });
  }

  it('a legacy handle held across the migration tells its observer and reads the rich text', async () => {
    const { sealed, model } = await openLegacy();
    const held = model.noteText(legacy.draft, 'subjective');
    let calls = 0;
    const stop = held.observe(() => calls++);
    model.noteText(legacy.draft, 'subjective').append('More.');
    expect(calls).toBeGreaterThan(0);
    expect(held.value()).toBe(`${LEGACY_SUBJECTIVE}\nMore.`);
    const n = calls;
    (sealed.ydoc.getMap('richTexts').get(key) as Y.XmlFragment).push([
      new Y.XmlElement('paragraph'),
    ]);
    expect(calls).toBe(n + 1);
    stop();
    await sealed.close();
  });
});

describe('devices migrating the same legacy section concurrently (fast-check)', () => {
  it('converge on one copy of the text and no plain field, in any delivery order', async () => {
    const base = await legacyUpdate();
    const action = fc.constantFrom('edit', 'append', 'read');
    await fc.assert(
      fc.asyncProperty(
        fc.array(action, { minLength: 2, maxLength: 4 }),
        fc.array(fc.nat(), { maxLength: 24 }),
        async (actions, order) => {
          const devices = actions.map(() => {
            const d = bare();
            Y.applyUpdate(d.ydoc, base);
            return d;
          });
          const outbox: { from: number; update: Uint8Array }[] = [];
          devices.forEach((d, i) =>
            d.ydoc.on('update', (u: Uint8Array, origin: unknown) => {
              if (origin !== 'remote') outbox.push({ from: i, update: u });
            }),
          );
          // Everyone acts before hearing from anyone.
          actions.forEach((a, i) => {
            const h = devices[i]!.doc.richText(legacy.draft, 'subjective');
            if (a === 'edit') h.edit();
            else if (a === 'append') h.append(`Seen by ${i}`);
            else h.value();
          });
          const deliveries = outbox.flatMap((m) =>
            devices.map((_, to) => ({ ...m, to })).filter((d) => d.to !== m.from),
          );
          for (let i = deliveries.length - 1; i > 0; i--) {
            const j = (order[i % Math.max(order.length, 1)] ?? 0) % (i + 1);
            [deliveries[i], deliveries[j]] = [deliveries[j]!, deliveries[i]!];
          }
          for (const d of deliveries) Y.applyUpdate(devices[d.to]!.ydoc, d.update, 'remote');

          const values = devices.map((d) => d.doc.richText(legacy.draft, 'subjective').value());
          for (const v of values) expect(v).toBe(values[0]);
          const v = values[0]!;
          // One copy of the legacy text, first; after it at most one device's appended line.
          expect(v.split('Cough for 3 days.').length - 1).toBe(1);
          expect([
            LEGACY_SUBJECTIVE,
            ...actions.map((_, i) => `${LEGACY_SUBJECTIVE}\nSeen by ${i}`),
          ]).toContain(v);
          const migrated = actions.some((a) => a !== 'read');
          for (const d of devices) {
            expect(d.ydoc.getMap('texts').has(key)).toBe(!migrated);
            expect(d.ydoc.getMap('richTexts').has(key)).toBe(migrated);
            const entry = d.doc.entries('note').find((e) => e.id === legacy.draft)!;
            expect(entry.fields.subjective).toBe(v);
          }
          expect(Y.encodeStateVector(devices[1]!.ydoc)).toEqual(
            Y.encodeStateVector(devices[0]!.ydoc),
          );
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('entries() converts a note section only when it changed', () => {
  function chart(notes = 3) {
    const { ydoc, doc } = bare();
    doc.init({ given: 'Ines' });
    const ids = Array.from({ length: notes }, (_, i) =>
      doc.addEntry(
        'note',
        { title: `Visit ${i}`, status: 'draft' },
        '2026-12-01T10:00:00.000Z',
        {},
        Object.fromEntries(SOAP_FIELDS.map((f) => [f, `${f} of ${i}`])),
      ),
    );
    return { ydoc, doc, ids };
  }
  const counted = (read: () => unknown) => {
    const start = plainTextConversions();
    read();
    return plainTextConversions() - start;
  };

  it('converts each section once, then only the one typed in; other sections and changes none', () => {
    const { doc, ids } = chart();
    expect(counted(() => doc.entries())).toBe(3 * SOAP_FIELDS.length);
    expect(counted(() => doc.entries())).toBe(0);
    expect(counted(() => doc.entries('vital'))).toBe(0);
    // A keystroke in one section (into its text leaf, as the editor types).
    const fragment = doc.richText(ids[1]!, 'plan').binding as Y.XmlFragment;
    ((fragment.get(0) as Y.XmlElement).get(0) as Y.XmlText).insert(0, 'X');
    let notes: ReturnType<ChartDoc['entries']> = [];
    expect(counted(() => (notes = doc.entries('note')))).toBe(1);
    expect(notes.find((e) => e.id === ids[1])!.fields.plan).toBe('Xplan of 1');
    // A change elsewhere in the chart converts nothing.
    doc.addEntry('vital', { code: 'bp' }, '2026-12-01T10:00:00.000Z');
    expect(counted(() => doc.entries())).toBe(0);
    // A new paragraph (structure, not a text leaf) and a mark are changes too.
    doc.richText(ids[2]!, 'assessment').append('Better.');
    ((fragment.get(0) as Y.XmlElement).get(0) as Y.XmlText).format(0, 1, { strong: true });
    expect(counted(() => (notes = doc.entries()))).toBe(2);
    expect(notes.find((e) => e.id === ids[2])!.fields.assessment).toBe('assessment of 2\nBetter.');
  });

  it('listeners after a change, reads inside a batch and remote updates see the new text', () => {
    const { ydoc, doc, ids } = chart(2);
    doc.entries();
    const seen: string[] = [];
    doc.onChange(() => seen.push(String(doc.entries()[0]!.fields.subjective)));
    const h = doc.richText(ids[0]!, 'subjective');
    h.observe(() => seen.push(`observer ${String(doc.entries()[0]!.fields.subjective)}`));
    doc.batch(() => {
      h.append('a');
      expect(doc.entries()[0]!.fields.subjective).toBe('subjective of 0\na');
      h.append('b');
      expect(doc.entries()[0]!.fields.subjective).toBe('subjective of 0\na\nb');
    });
    expect(seen).toEqual(['observer subjective of 0\na\nb', 'subjective of 0\na\nb']);

    const peer = new Y.Doc();
    Y.applyUpdate(peer, Y.encodeStateAsUpdate(ydoc));
    const remote = peer.getMap('richTexts').get(`${ids[0]}/subjective`) as Y.XmlFragment;
    const leaf = (remote.get(0) as Y.XmlElement).get(0) as Y.XmlText;
    leaf.delete(0, 'subjective '.length);
    Y.applyUpdate(ydoc, Y.encodeStateAsUpdate(peer, Y.encodeStateVector(ydoc)));
    expect(doc.entries()[0]!.fields.subjective).toBe('of 0\na\nb');
  });

  it('always equals a fresh conversion, for any edits and reads (fast-check)', () => {
    const op = fc.record({
      note: fc.nat(2),
      field: fc.constantFrom(...SOAP_FIELDS),
      kind: fc.constantFrom('type', 'delete', 'paragraph', 'format', 'read', 'batch'),
      at: fc.nat(30),
      text: fc.stringMatching(/^[a-z]{1,4}$/),
    });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 30 }), (ops) => {
        const { doc, ids } = chart();
        const frag = (o: { note: number; field: string }) =>
          doc.richText(ids[o.note]!, o.field).binding as Y.XmlFragment;
        const edit = (o: (typeof ops)[number]) => {
          const f = frag(o);
          const block = f.get(o.at % f.length) as Y.XmlElement;
          const leaf = block.get(0);
          if (o.kind === 'paragraph') doc.richText(ids[o.note]!, o.field).append(o.text);
          else if (leaf instanceof Y.XmlText) {
            const at = o.at % (leaf.length + 1);
            if (o.kind === 'type') leaf.insert(at, o.text);
            else if (o.kind === 'delete' && leaf.length > at) leaf.delete(at, 1);
            else if (o.kind === 'format') leaf.format(0, leaf.length, { em: true });
          }
        };
        const check = () => {
          for (const e of doc.entries('note'))
            for (const f of SOAP_FIELDS) expect(e.fields[f]).toBe(doc.richText(e.id, f).value());
        };
        for (const o of ops) {
          if (o.kind === 'read') check();
          else if (o.kind === 'batch')
            doc.batch(() => {
              edit({ ...o, kind: 'type' });
              check();
              edit({ ...o, kind: 'paragraph' });
              check();
            });
          else edit(o);
        }
        check();
      }),
      { numRuns: 150 },
    );
  });
});

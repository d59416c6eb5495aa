/**
 * Notes (an encounter with its SOAP note: FHIR Encounter + DocumentReference whose attachment
 * holds the note text, signed text once signed, plus addenda): validation, commands, FHIR out.
 * A signed note changes only by addendum.
 */
import { isBlankNote } from '../destructive';
import { ChartError } from '../errors';
import type { FhirResource } from '../fhir-codes';
import { SOAP_FIELDS, type Addendum, type Entry, type Note, type SoapField } from '../types';
import { Checker } from '../validate';
import { base64Utf8, compact, loinc } from './fhir-write';
import { defineSection, type EntryStore, type ExportContext } from './section';

export type NoteEntry = Entry<Note & Record<SoapField, string>>;

/** @throws ValidationError */
export function checkNote(input: { date: string; title: string }): void {
  new Checker()
    .date('date', input.date, 'Visit date', { required: true })
    .required('title', input.title, 'Title')
    .done();
}

/** @throws ValidationError */
export function checkAddendum(text: string): void {
  new Checker()
    .required('text', text, 'Addendum')
    .maxLength('text', text, 20_000, 'Addendum')
    .done();
}

export const noteCommands = {
  list: (store: EntryStore) => store.list<Note & Record<SoapField, string>>('note', 'date'),
  /** A draft note; `encounter` names the visit it belongs to (lib/chart/visit). */
  add(store: EntryStore, input: { date: string; title: string; encounter?: string }): string {
    checkNote(input);
    const texts = Object.fromEntries(SOAP_FIELDS.map((f) => [f, '']));
    return store.add('note', { ...input, status: 'draft' }, {}, texts);
  },
  /**
   * The live rich text of a draft note section. Writes nothing: a legacy plain-text section is
   * migrated into rich text on its first edit (ADR 0012). @throws ChartError('note-signed')
   */
  text(store: EntryStore, id: string, field: SoapField) {
    const note = store.entry(id, 'note');
    if (note.fields.status !== 'draft') {
      throw new ChartError('note-signed', 'A signed note changes only by addendum.');
    }
    return store.richText(id, field);
  },
  /**
   * Adds text to a draft note's sections (a template expanded at insertion): each non-blank text
   * goes after what its section holds, through the section's shared rich text.
   * @throws ChartError('note-signed')
   */
  insert(store: EntryStore, id: string, texts: Partial<Record<SoapField, string>>): void {
    for (const f of SOAP_FIELDS) {
      const text = texts[f];
      if (text?.trim()) noteCommands.text(store, id, f).append(text);
    }
  },
  /**
   * Signs a note: its text is frozen as signed (plain text, blocks on lines, list items
   * prefixed); later changes go in addenda. @throws ChartError('note-signed' | 'note-empty')
   */
  sign(store: EntryStore, id: string): void {
    const note = store.entry(id, 'note');
    if (note.fields.status !== 'draft')
      throw new ChartError('note-signed', 'This note is already signed.');
    const signedText = Object.fromEntries(
      SOAP_FIELDS.map((f) => [f, store.richText(id, f).value()]),
    );
    if (isBlankNote(Object.values(signedText)))
      throw new ChartError('note-empty', 'An empty note cannot be signed.');
    store.update(id, { status: 'signed', signedAt: store.now(), signedText });
  },
  addAddendum(store: EntryStore, noteId: string, text: string): string {
    const note = store.entry(noteId, 'note');
    if (note.fields.status !== 'signed')
      throw new ChartError('note-signed', 'Addenda are for signed notes.');
    checkAddendum(text);
    return store.add('addendum', { noteId, text });
  },
  addenda(store: EntryStore, noteId: string): Entry<Addendum>[] {
    return store
      .list<Addendum>('addendum', 'createdAt')
      .filter((a) => a.data.noteId === noteId)
      .reverse();
  },
};

/** The note's text as exported: each SOAP section (as signed, once signed), then addenda. */
export function noteText(e: NoteEntry, addenda: Entry<Addendum>[]): string {
  const d = e.data;
  const text = SOAP_FIELDS.map((f) => {
    const value = d.status === 'signed' && d.signedText ? d.signedText[f] : d[f];
    return `${f[0]!.toUpperCase()}${f.slice(1)}:\n${value ?? ''}`;
  }).join('\n\n');
  return [text, ...addenda.map((a) => `Addendum (${a.createdAt}): ${a.data.text}`)].join('\n\n');
}

export function noteToFhir(e: NoteEntry, { subject, addenda }: ExportContext): FhirResource[] {
  const d = e.data;
  // A note written in a visit points at that visit's Encounter; an older note stands for its own.
  const encounterId = `${e.id}-enc`;
  const encounter = d.encounter ?? `Encounter/${encounterId}`;
  const own: FhirResource[] = d.encounter
    ? []
    : [
        {
          resourceType: 'Encounter',
          id: encounterId,
          status: d.status === 'entered-in-error' ? 'entered-in-error' : 'finished',
          class: {
            system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode',
            code: 'AMB',
            display: 'ambulatory',
          },
          subject,
          period: { start: d.date },
          reasonCode: [{ text: d.title }],
        },
      ];
  return [
    ...own,
    compact({
      resourceType: 'DocumentReference',
      id: e.id,
      status: d.status === 'entered-in-error' ? 'entered-in-error' : 'current',
      docStatus: d.status === 'signed' ? 'final' : 'preliminary',
      type: loinc('11506-3', 'Progress note'),
      subject,
      date: d.signedAt ?? e.createdAt,
      description: d.title,
      content: [
        {
          attachment: {
            contentType: 'text/plain; charset=utf-8',
            data: base64Utf8(noteText(e, addenda(e.id))),
            title: d.title,
          },
        },
      ],
      context: {
        encounter: [{ reference: encounter }],
        period: { start: d.date },
      },
    }),
  ];
}

export const notes = defineSection<Note & Record<SoapField, string>>({
  name: 'note',
  label: 'Notes',
  tab: 'Notes',
  viewKey: 'notes',
  sortBy: 'date',
  errorField: 'status',
  summaryLine: (e) => `${e.data.date} ${e.data.title} (${e.data.status})`,
  fhirOut: {
    types: ['Encounter', 'DocumentReference'],
    render: noteToFhir,
  },
});

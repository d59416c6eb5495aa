/**
 * Letters kept in the chart: each saved letter is an entry of the `letter` section holding its
 * PDF (base64) and what the FHIR DocumentReference needs; like every entry it is sealed with the
 * chart. Who wrote it is the verified author of the entry (never a stored name). Exported as a
 * DocumentReference whose attachment is the PDF and whose context names the visit.
 *
 * Document types (LOINC, document ontology, listed in the FHIR R4 value set
 * http://hl7.org/fhir/ValueSet/c80-doc-typecodes):
 * - after-visit summary: 34133-9 "Summary of episode note" (the C-CDA clinical summary given to
 *   patients after a visit uses it);
 * - referral letter: 57133-1 "Referral note".
 */
import { ChartError } from '../errors';
import type { FhirResource } from '../fhir-codes';
import type { EntryStore, ExportContext } from '../sections/section';
import { SYSTEMS, type Entry } from '../types';
import { ValidationError } from '../validate';
import type { LetterKind } from './compose';

export const LETTER_TYPES: Record<LetterKind, { code: string; display: string; label: string }> = {
  'after-visit-summary': {
    code: '34133-9',
    display: 'Summary of episode note',
    label: 'After-visit summary',
  },
  referral: { code: '57133-1', display: 'Referral note', label: 'Referral letter' },
};

/** The largest letter PDF kept in the chart (a text letter is a few KB; each page about 3 KB). */
export const MAX_LETTER_PDF_BYTES = 256 * 1024;

/** A saved letter (the `letter` section's fields). */
export interface SavedLetter {
  kind: LetterKind;
  title: string;
  /** `Encounter/<id>` as exported (sections/encounters.ts encounterKey). */
  encounter: string;
  /** When it was written (ISO instant). */
  date: string;
  /** The PDF, base64. */
  pdf: string;
  /** Its size in bytes. */
  size: number;
  pages: number;
  status: 'current' | 'entered-in-error';
}

/** Standard base64 of bytes (FHIR base64Binary). */
export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** @throws ValidationError('pdf') naming the size and the limit */
export function checkLetterSize(bytes: number, limit = MAX_LETTER_PDF_BYTES): void {
  if (bytes > limit)
    throw new ValidationError([
      {
        field: 'pdf',
        message:
          `This letter's PDF is ${Math.ceil(bytes / 1024)} KB; letters kept in the chart are ` +
          `limited to ${Math.floor(limit / 1024)} KB. Shorten the free text and save again.`,
      },
    ]);
}

export const letterCommands = {
  /** Newest first. */
  list: (store: EntryStore) => store.list<SavedLetter>('letter', 'date'),
  /**
   * Keeps a letter's PDF in the chart.
   * @throws ValidationError (`pdf` too large or not a PDF), ChartError('no-entry') for an unknown visit
   */
  add(
    store: EntryStore,
    input: {
      kind: LetterKind;
      title: string;
      encounterId: string;
      encounter: string;
      pdf: Uint8Array;
      pages: number;
    },
    limit = MAX_LETTER_PDF_BYTES,
  ): string {
    checkLetterSize(input.pdf.length, limit);
    if (String.fromCharCode(...input.pdf.subarray(0, 5)) !== '%PDF-')
      throw new ValidationError([{ field: 'pdf', message: 'The letter is not a PDF.' }]);
    if (!LETTER_TYPES[input.kind])
      throw new ValidationError([{ field: 'kind', message: 'Unknown kind of letter.' }]);
    const visit = store.entry(input.encounterId, 'encounter');
    if (visit.fields.status === 'entered-in-error')
      throw new ChartError(
        'entered-in-error',
        'This visit was marked entered in error: no letter is kept for it.',
      );
    const fields: SavedLetter = {
      kind: input.kind,
      title: input.title,
      encounter: input.encounter,
      date: store.now(),
      pdf: toBase64(input.pdf),
      size: input.pdf.length,
      pages: input.pages,
      status: 'current',
    };
    return store.add('letter', fields);
  },
};

/** A saved letter as a FHIR R4 DocumentReference with the PDF attached. */
export function letterToFhir(e: Entry<SavedLetter>, { subject }: ExportContext): FhirResource {
  const d = e.data;
  const type = LETTER_TYPES[d.kind];
  return {
    resourceType: 'DocumentReference',
    id: e.id,
    status: d.status === 'entered-in-error' ? 'entered-in-error' : 'current',
    docStatus: 'final',
    type: {
      coding: [{ system: SYSTEMS.loinc, code: type.code, display: type.display }],
      text: type.label,
    },
    category: [
      {
        coding: [
          {
            system: 'http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category',
            code: 'clinical-note',
            display: 'Clinical Note',
          },
        ],
      },
    ],
    subject,
    date: d.date,
    ...(e.createdBy ? { author: [{ display: e.createdBy.memberName }] } : {}),
    description: d.title,
    content: [
      {
        attachment: {
          contentType: 'application/pdf',
          data: d.pdf,
          size: d.size,
          title: d.title,
          creation: d.date,
        },
      },
    ],
    context: { encounter: [{ reference: d.encounter }] },
  };
}

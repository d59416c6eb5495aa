/**
 * Letters for the UI (issue 16 item 6): the letterhead a letter is written on (the practice's
 * name, address and phone from Settings, the signing member's name from the session and
 * credentials/NPI from their prescriber details), composing a letter from a visit, its PDF
 * (written in the page, lib/chart/letters/pdf.ts) and keeping it in the chart. Nothing goes to a
 * server.
 */
import {
  LETTER_TYPES,
  afterVisitSummary,
  letterDocument,
  referralLetter,
  writePdf,
  type AfterVisitInput,
  type Letter,
  type LetterKind,
  type Letterhead,
  type ReferralInput,
  type SavedLetter,
} from '$lib/chart/letters';
import { nowIso, today } from '$lib/chart/dates';
import type { Issue } from '$lib/chart/validate';
import { ValidationError } from '$lib/chart/validate';
import type { ChartState, ChartView, Encounter, Entry } from './chart.svelte';
import { practice } from './practice.svelte';
import { session } from './session.svelte';

export type { Letter, LetterKind, SavedLetter };
export const LETTER_LABELS: Record<LetterKind, string> = {
  'after-visit-summary': LETTER_TYPES['after-visit-summary'].label,
  referral: LETTER_TYPES.referral.label,
};

/** The letterhead of this member's letters (empty fields when Settings has none). */
export async function loadLetterhead(): Promise<Letterhead> {
  const saved = await practice.letterhead().catch(() => ({}) as Record<string, string>);
  return {
    practiceName: session.session?.practiceName ?? '',
    address: saved.practiceAddress ?? '',
    phone: saved.practicePhone ?? '',
    clinician: session.session?.memberName ?? '',
    credentials: saved.credentials ?? '',
    npi: saved.npi ?? '',
  };
}

export type Composed = { ok: true; letter: Letter } | { ok: false; issues: Issue[] };

/** Composes a letter from a visit and the chart as it is now; problems come back as data. */
export function composeLetter(options: {
  view: ChartView;
  encounter: Entry<Encounter>;
  kind: LetterKind;
  letterhead: Letterhead;
  values: Record<string, string>;
}): Composed {
  const { view, encounter, kind, letterhead, values } = options;
  try {
    const common = { chart: view, encounter, letterhead, today: today() };
    const letter =
      kind === 'after-visit-summary'
        ? afterVisitSummary({
            ...common,
            input: {
              instructions: values.instructions,
              followUp: values.followUp,
            } satisfies AfterVisitInput,
          })
        : referralLetter({
            ...common,
            input: {
              recipientName: values.recipientName ?? '',
              recipientSpecialty: values.recipientSpecialty,
              recipientAddress: values.recipientAddress,
              reason: values.reason ?? '',
              text: values.text,
            } satisfies ReferralInput,
          });
    return { ok: true, letter };
  } catch (error) {
    if (error instanceof ValidationError) return { ok: false, issues: error.issues };
    throw error;
  }
}

/** The letter as a PDF (bytes, pages, characters the standard fonts cannot show). */
export function letterPdf(letter: Letter) {
  return writePdf(letterDocument(letter, nowIso()));
}

/** Keeps the letter's PDF in the chart (sealed with it); recorded in the audit trail. */
export function keepLetter(
  chart: ChartState,
  letter: Letter,
  encounterId: string,
): { ok: true; id: string } | { ok: false; message: string } {
  const pdf = letterPdf(letter);
  const result = chart.do('saveLetter', {
    kind: letter.kind,
    title: letter.title,
    encounterId,
    encounter: letter.encounter,
    pdf: pdf.bytes,
    pages: pdf.pages,
  });
  if (!result.ok) return { ok: false, message: result.message };
  chart.recordAudit('export', `Letter kept as PDF: ${LETTER_LABELS[letter.kind]}`);
  return { ok: true, id: result.value };
}

/** A download of a letter's PDF (new bytes from the letter, or a kept letter's). */
export function pdfDownload(source: Letter | SavedLetter): { blob: Blob; filename: string } {
  const bytes =
    'pdf' in source
      ? Uint8Array.from(atob(source.pdf), (c) => c.charCodeAt(0))
      : letterPdf(source).bytes;
  const name = source.title.replace(/[^\p{L}\p{N}-]+/gu, '_').slice(0, 80);
  return { blob: new Blob([bytes], { type: 'application/pdf' }), filename: `${name}.pdf` };
}

/**
 * Letters from a visit (issue 16 item 6): the after-visit summary for the patient and a referral
 * letter, composed from the encounter and the chart as it is now (a snapshot), on the practice's
 * letterhead. The result is plain headed sections of lines: the print view lays them out in HTML,
 * `letterBlocks` turns them into paragraphs for the PDF writer (pdf.ts).
 *
 * What belongs to "this visit": an entry whose `encounter` names it (imports) or whose clinical
 * date is the visit's day (vitals taken, problems diagnosed or resolved, medications started or
 * stopped, changed that day by their history). Entries entered in error never appear. Values come
 * with their units and dates, at the chart's display precision (templates/expand.ts).
 */
import {
  labLines,
  allergyLines,
  medicationLines,
  problemLines,
  vitalsLines,
} from '../templates/expand';
import { encounterKey, type Encounter } from '../sections/encounters';
import type { Allergy, Entry, LabResult, Medication, Patient, Problem, Vitals } from '../types';
import { Checker, ValidationError } from '../validate';
import type { PdfBlock, PdfDocument } from './pdf';

export const LETTER_KINDS = ['after-visit-summary', 'referral'] as const;
export type LetterKind = (typeof LETTER_KINDS)[number];

/** The practice's letterhead and the clinician who signs (from Settings and the session). */
export interface Letterhead {
  practiceName: string;
  address: string;
  phone: string;
  /** The signing clinician (the member writing the letter). */
  clinician: string;
  credentials?: string;
  npi?: string;
}

/** The parts of an open chart a letter reads (ChartView has them). */
export interface LetterChart {
  patient: Patient;
  problems: readonly Entry<Problem>[];
  medications: readonly Entry<Medication>[];
  allergies: readonly Entry<Allergy>[];
  vitals: readonly Entry<Vitals>[];
  labs: readonly Entry<LabResult>[];
}

export interface AfterVisitInput {
  /** What the patient should do (free text from the clinician). */
  instructions?: string;
  /** When and how to follow up (free text). */
  followUp?: string;
}

export interface ReferralInput {
  recipientName: string;
  recipientSpecialty?: string;
  recipientAddress?: string;
  reason: string;
  /** Anything else the clinician wants to say (free text). */
  text?: string;
}

export interface LetterSection {
  heading: string;
  lines: string[];
}

/** A composed letter, ready to print or to write as a PDF. */
export interface Letter {
  kind: LetterKind;
  title: string;
  /** The day it was written (YYYY-MM-DD). */
  date: string;
  letterhead: { practiceName: string; address: string; phone: string };
  patient: { name: string; birthDate: string };
  /** Recipient lines (a referral). */
  to?: string[];
  /** The visit this letter comes from: `Encounter/<id>` as exported. */
  encounter: string;
  visitDate: string;
  sections: LetterSection[];
  /** Signature lines: name with credentials, NPI. */
  signature: string[];
}

const FREE_TEXT_MAX = 5000;

/** What to tell the user when the letterhead is incomplete. */
export const LETTERHEAD_MISSING =
  'The practice letterhead has no address or phone yet. An admin adds them in Settings → ' +
  'Prescription letterhead (Practice address, Practice phone); then write the letter again.';

/** The letterhead's problems (letters print only on a complete letterhead). */
export function letterheadProblems(l: Letterhead): { field: string; message: string }[] {
  const out: { field: string; message: string }[] = [];
  if (!l.practiceName.trim() || !l.address.trim() || !l.phone.trim())
    out.push({ field: 'letterhead', message: LETTERHEAD_MISSING });
  if (!l.clinician.trim())
    out.push({ field: 'letterhead', message: 'The signing clinician has no name.' });
  return out;
}

const day = (s: string | undefined) => (s ?? '').slice(0, 10);

/** The visit's key and day, after checking it can carry a letter. @throws ValidationError */
function visitOf(encounter: Entry<Encounter>): { key: string; date: string } {
  const d = encounter.data;
  if (d.status === 'entered-in-error')
    throw new ValidationError([
      {
        field: 'encounter',
        message: 'This visit was marked entered in error: no letter is written from it.',
      },
    ]);
  if (!day(d.start))
    throw new ValidationError([
      { field: 'encounter', message: 'This visit has no date: a letter needs the visit date.' },
    ]);
  return { key: encounterKey(encounter), date: day(d.start) };
}

const inError = (e: Entry<unknown>) => {
  const d = e.data as { status?: unknown; verificationStatus?: unknown };
  return d.status === 'entered-in-error' || d.verificationStatus === 'entered-in-error';
};
const ofVisit = (e: Entry<unknown>, key: string) =>
  (e.data as { encounter?: unknown }).encounter === key;

/** Medications started, stopped or changed at the visit, in words. */
export function medicationChanges(
  meds: readonly Entry<Medication>[],
  visit: { key: string; date: string },
): string[] {
  const out: string[] = [];
  for (const e of meds) {
    if (inError(e)) continue;
    const d = e.data;
    const sig = [d.dose, d.route, d.frequency]
      .map((s) => (s ?? '').trim())
      .filter(Boolean)
      .join(' ');
    const what = `${d.drug}${sig ? ` ${sig}` : ''}`;
    const stopped =
      (d.status === 'stopped' || d.status === 'completed') && day(d.endDate) === visit.date;
    const started = day(d.startDate) === visit.date || ofVisit(e, visit.key);
    if (started && stopped) out.push(`Started and stopped: ${what}`);
    else if (started) out.push(`Started: ${what}`);
    if (stopped && !started)
      out.push(`Stopped: ${d.drug}${d.statusReason ? ` (reason: ${d.statusReason})` : ''}`);
    if (started || stopped) continue;
    const changed = e.history.some(
      (h) => day(h.at) === visit.date && ['dose', 'route', 'frequency'].some((k) => k in h.changes),
    );
    if (changed) out.push(`Changed: ${what} (as of ${visit.date})`);
  }
  return out;
}

/** Problems diagnosed, addressed or resolved at the visit. */
function problemsOfVisit(
  problems: readonly Entry<Problem>[],
  visit: { key: string; date: string },
) {
  return problems.filter(
    (e) =>
      !inError(e) &&
      (ofVisit(e, visit.key) ||
        day(e.data.onsetDate) === visit.date ||
        day(e.data.abatementDate) === visit.date),
  );
}

/** A problem addressed at the visit, in words: new, resolved, or reviewed. */
function addressedLine(e: Entry<Problem>, visitDate: string): string {
  const d = e.data;
  if (day(d.abatementDate) === visitDate || d.clinicalStatus === 'resolved')
    return `${d.text} (resolved${d.abatementDate ? ` ${day(d.abatementDate)}` : ''})`;
  if (day(d.onsetDate) === visitDate) return `${d.text} (new, ${visitDate})`;
  return `${d.text}${d.onsetDate ? ` (since ${day(d.onsetDate)})` : ''}`;
}

function freeText(c: Checker, field: string, value: string | undefined, label: string) {
  c.maxLength(field, value?.trim(), FREE_TEXT_MAX, label);
}

const paragraphs = (text: string | undefined) =>
  (text ?? '')
    .split(/\r\n|\r|\n/)
    .map((l) => l.trim())
    .filter(Boolean);

function header(chart: LetterChart, letterhead: Letterhead, visit: { key: string; date: string }) {
  const p = chart.patient;
  return {
    letterhead: {
      practiceName: letterhead.practiceName.trim(),
      address: letterhead.address.trim(),
      phone: letterhead.phone.trim(),
    },
    patient: { name: `${p.given} ${p.family}`.trim(), birthDate: p.birthDate },
    encounter: visit.key,
    visitDate: visit.date,
    signature: [
      `${letterhead.clinician.trim()}${letterhead.credentials?.trim() ? `, ${letterhead.credentials.trim()}` : ''}`,
      ...(letterhead.npi?.trim() ? [`NPI ${letterhead.npi.trim()}`] : []),
      letterhead.practiceName.trim(),
    ],
  };
}

/**
 * The after-visit summary for the patient, in plain words.
 * @throws ValidationError (`letterhead`, `encounter`, `instructions`, `followUp`)
 */
export function afterVisitSummary(options: {
  chart: LetterChart;
  encounter: Entry<Encounter>;
  letterhead: Letterhead;
  input: AfterVisitInput;
  today: string;
}): Letter {
  const { chart, encounter, letterhead, input, today } = options;
  const c = new Checker();
  c.issues.push(...letterheadProblems(letterhead));
  freeText(c, 'instructions', input.instructions, 'Instructions');
  freeText(c, 'followUp', input.followUp, 'Follow-up');
  c.done();
  const visit = visitOf(encounter);
  const d = encounter.data;
  const vitals = chart.vitals.filter(
    (v) => !inError(v) && (day(v.data.effectiveDate) === visit.date || ofVisit(v, visit.key)),
  );
  const addressed = problemsOfVisit(chart.problems, visit);
  const changes = medicationChanges(chart.medications, visit);
  const clinician = d.practitioner?.trim() || letterhead.clinician.trim();
  return {
    kind: 'after-visit-summary',
    title: `After-visit summary, ${visit.date}`,
    date: today,
    ...header(chart, letterhead, visit),
    sections: [
      {
        heading: 'Your visit',
        lines: [
          `Date: ${visit.date}`,
          `You saw: ${clinician}`,
          `Type of visit: ${d.type}`,
          `Why you came: ${d.reason?.trim() || 'not recorded'}`,
        ],
      },
      {
        heading: 'What we measured',
        lines: vitals.length ? vitalsLines(vitals) : ['No measurements were taken at this visit.'],
      },
      {
        heading: 'What we talked about',
        lines: addressed.length
          ? addressed.map((e) => addressedLine(e, visit.date))
          : ['No new or changed diagnoses were recorded at this visit.'],
      },
      {
        heading: 'Changes to your medicines today',
        lines: changes.length ? changes : ['No changes to your medicines at this visit.'],
      },
      { heading: 'Your medicines now', lines: medicationLines(chart.medications) },
      { heading: 'Your allergies', lines: allergyLines(chart.allergies) },
      {
        heading: 'What to do next',
        lines: paragraphs(input.instructions).length
          ? paragraphs(input.instructions)
          : ['No further instructions were given.'],
      },
      ...(paragraphs(input.followUp).length
        ? [{ heading: 'Follow-up', lines: paragraphs(input.followUp) }]
        : []),
      {
        heading: 'Questions',
        lines: [`Call ${letterhead.practiceName.trim()} on ${letterhead.phone.trim()}.`],
      },
    ],
  };
}

/**
 * A referral letter to another clinician.
 * @throws ValidationError (`letterhead`, `encounter`, `recipientName`, `reason`, …)
 */
export function referralLetter(options: {
  chart: LetterChart;
  encounter: Entry<Encounter>;
  letterhead: Letterhead;
  input: ReferralInput;
  today: string;
}): Letter {
  const { chart, encounter, letterhead, input, today } = options;
  const c = new Checker()
    .required('recipientName', input.recipientName?.trim(), 'Recipient name')
    .maxLength('recipientName', input.recipientName?.trim(), 200, 'Recipient name')
    .maxLength('recipientSpecialty', input.recipientSpecialty?.trim(), 200, 'Specialty')
    .maxLength('recipientAddress', input.recipientAddress?.trim(), 500, 'Recipient address')
    .required('reason', input.reason?.trim(), 'Reason for referral');
  freeText(c, 'reason', input.reason, 'Reason for referral');
  freeText(c, 'text', input.text, 'Letter text');
  c.issues.push(...letterheadProblems(letterhead));
  c.done();
  const visit = visitOf(encounter);
  const d = encounter.data;
  const p = chart.patient;
  const name = `${p.given} ${p.family}`.trim();
  const recipient = input.recipientName.trim();
  return {
    kind: 'referral',
    title: `Referral letter, ${name}, to ${recipient}`,
    date: today,
    ...header(chart, letterhead, visit),
    to: [
      recipient,
      ...(input.recipientSpecialty?.trim() ? [input.recipientSpecialty.trim()] : []),
      ...paragraphs(input.recipientAddress),
    ],
    sections: [
      {
        heading: '',
        lines: [
          `Dear ${recipient},`,
          `I am referring ${name} (date of birth ${p.birthDate}), whom I saw on ${visit.date}` +
            `${d.reason?.trim() ? ` for ${d.reason.trim()}` : ''}.`,
        ],
      },
      { heading: 'Reason for referral', lines: paragraphs(input.reason) },
      { heading: 'Active problems', lines: problemLines(chart.problems) },
      { heading: 'Current medications', lines: medicationLines(chart.medications) },
      { heading: 'Allergies', lines: allergyLines(chart.allergies) },
      { heading: 'Recent results', lines: labLines(chart.labs) },
      { heading: 'Vital signs (latest)', lines: vitalsLines(chart.vitals) },
      ...(paragraphs(input.text).length
        ? [{ heading: 'Further information', lines: paragraphs(input.text) }]
        : []),
      { heading: '', lines: ['Thank you for seeing this patient.', 'Yours sincerely,'] },
    ],
  };
}

/** The letter as paragraphs for the PDF writer (the same text as the print view). */
export function letterBlocks(letter: Letter): PdfBlock[] {
  const blocks: PdfBlock[] = [
    { text: letter.letterhead.practiceName, size: 16, bold: true, align: 'center' },
    { text: letter.letterhead.address, align: 'center' },
    { text: `Phone ${letter.letterhead.phone}`, align: 'center' },
    { text: letter.title, size: 13, bold: true, spaceBefore: 14 },
    { text: `Date ${letter.date}`, spaceBefore: 4 },
    { text: `Patient ${letter.patient.name}` },
    { text: `Date of birth ${letter.patient.birthDate}` },
  ];
  if (letter.to)
    blocks.push({ text: 'To', bold: true, spaceBefore: 8 }, ...letter.to.map((text) => ({ text })));
  for (const section of letter.sections) {
    if (section.heading)
      blocks.push({ text: section.heading, bold: true, size: 11.5, spaceBefore: 10 });
    section.lines.forEach((text, i) =>
      blocks.push({ text, spaceBefore: i === 0 && !section.heading ? 10 : 0 }),
    );
  }
  blocks.push(
    ...letter.signature.map((text, i) => ({ text, bold: i === 0, spaceBefore: i === 0 ? 18 : 0 })),
    { text: `Written in Folio on ${letter.date}.`, size: 8, spaceBefore: 6 },
  );
  return blocks;
}

/** The letter as a PDF document: its paragraphs, and the patient named at the foot of every page. */
export function letterDocument(letter: Letter, createdAt: string): PdfDocument {
  return {
    title: letter.title,
    blocks: letterBlocks(letter),
    createdAt,
    footer: `${letter.patient.name}, date of birth ${letter.patient.birthDate} · ${letter.title}`,
  };
}

/**
 * Note templates (issue 16 item 3): a practice-level SOAP skeleton whose text may hold smart
 * phrases (`.vitals`, `.meds`, `.allergies`, `.problems`, `.labs`) that are expanded against the
 * open chart when the template is inserted into a note (expand.ts). This module checks a template
 * as typed in the editor: every problem is collected per field and reported together
 * (ValidationError); an unknown smart phrase is named in its section's message.
 *
 * A smart phrase is a dot followed by a letter and then letters, digits, `-` or `_`, at the start
 * of a line or after whitespace or an opening bracket, so `e.g.`, `3.5`, `...` and `file.txt` are
 * plain text.
 */
import { SOAP_FIELDS, type SoapField } from '../types';
import { Checker, ValidationError, type Issue } from '../validate';

/** The smart phrases a template may use, in the order the editor lists them. */
export const SMART_PHRASES = ['.vitals', '.meds', '.allergies', '.problems', '.labs'] as const;
export type SmartPhrase = (typeof SMART_PHRASES)[number];

/** What each phrase brings into the note (the editor's help text). */
export const PHRASE_HELP: Record<SmartPhrase, string> = {
  '.vitals': 'latest value of each vital sign, with unit and date',
  '.meds': 'active medications with dose, route and frequency',
  '.allergies': 'active allergies with reaction and criticality',
  '.problems': 'active problems with their codes',
  '.labs': 'latest key lab results with unit, flag and date',
};

export const TEMPLATE_NAME_MAX = 80;
export const TEMPLATE_SECTION_MAX = 10_000;

/** A template as the editor holds it (one plain-text string per SOAP section). */
export interface TemplateInput {
  name: string;
  sections: Record<SoapField, string>;
}

const SECTION_LABEL: Record<SoapField, string> = {
  subjective: 'Subjective',
  objective: 'Objective',
  assessment: 'Assessment',
  plan: 'Plan',
};

/** Phrase-shaped tokens (see the header); group 2 is the phrase. */
export const PHRASE_PATTERN = /(^|[\s([{])(\.[A-Za-z][A-Za-z0-9_-]*)/g;

export const isSmartPhrase = (token: string): token is SmartPhrase =>
  (SMART_PHRASES as readonly string[]).includes(token);

/** Every phrase-shaped token in `text`, in order (known or not). */
export function phrasesIn(text: string): string[] {
  return [...text.matchAll(PHRASE_PATTERN)].map((m) => m[2]!);
}

/** The unknown phrases of `text`, each once, in order of appearance. */
export function unknownPhrases(text: string): string[] {
  return [...new Set(phrasesIn(text).filter((p) => !isSmartPhrase(p)))];
}

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

/**
 * The problems of a template ([] when it may be saved). `others` are the practice's other
 * templates still in use (names must be unique among them, ignoring case and outer spaces).
 * Untrusted input: never throws.
 */
export function templateIssues(input: unknown, others: readonly { name: string }[] = []): Issue[] {
  const record =
    typeof input === 'object' && input !== null && !Array.isArray(input)
      ? (input as Record<string, unknown>)
      : {};
  const name = text(record.name);
  const c = new Checker()
    .required('name', name, 'Name')
    .maxLength('name', name.trim(), TEMPLATE_NAME_MAX, 'Name');
  const key = name.trim().toLowerCase();
  if (key && others.some((o) => o.name.trim().toLowerCase() === key))
    c.issues.push({ field: 'name', message: `A template named “${name.trim()}” already exists.` });
  const sections =
    typeof record.sections === 'object' && record.sections !== null
      ? (record.sections as Record<string, unknown>)
      : {};
  let any = false;
  for (const f of SOAP_FIELDS) {
    const value = sections[f];
    if (value !== undefined && typeof value !== 'string') {
      c.issues.push({ field: f, message: `${SECTION_LABEL[f]} must be text.` });
      continue;
    }
    const body = text(value);
    if (body.trim()) any = true;
    c.maxLength(f, body, TEMPLATE_SECTION_MAX, SECTION_LABEL[f]);
    const unknown = unknownPhrases(body);
    if (unknown.length)
      c.issues.push({
        field: f,
        message: `Unknown smart phrase ${unknown.map((p) => `“${p}”`).join(', ')} in ${SECTION_LABEL[f]}. Known phrases: ${SMART_PHRASES.join(', ')}.`,
      });
  }
  if (!any)
    c.issues.push({ field: 'subjective', message: 'Write the text of at least one section.' });
  return c.issues;
}

/**
 * The template as it may be stored: name trimmed, every section present.
 * @throws ValidationError
 */
export function checkTemplate(
  input: unknown,
  others: readonly { name: string }[] = [],
): TemplateInput {
  const issues = templateIssues(input, others);
  if (issues.length) throw new ValidationError(issues);
  const record = input as { name: string; sections: Partial<Record<SoapField, string>> };
  return {
    name: record.name.trim(),
    sections: Object.fromEntries(SOAP_FIELDS.map((f) => [f, record.sections[f] ?? ''])) as Record<
      SoapField,
      string
    >,
  };
}

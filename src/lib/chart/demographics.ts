/**
 * Editing demographics: the choices the form offers (languages as BCP-47 codes, gender identity
 * as in US Core / the individual-genderIdentity extension, pronouns as LOINC answers) and the
 * checks of an edit. Format checks apply to the fields being changed, so an odd value that came
 * in with an import (and is kept as it came) never blocks editing another field; checks across
 * fields (death after birth) apply whenever either side changes.
 */
import { today } from './dates';
import type { Patient } from './types';
import { Checker, type Issue } from './validate';

export interface Choice {
  code: string;
  label: string;
}

/** Preferred languages (BCP-47). Any other language can be typed as text. */
export const LANGUAGES: readonly Choice[] = [
  { code: 'en', label: 'English' },
  { code: 'es', label: 'Spanish' },
  { code: 'zh', label: 'Chinese' },
  { code: 'vi', label: 'Vietnamese' },
  { code: 'ar', label: 'Arabic' },
  { code: 'fr', label: 'French' },
  { code: 'de', label: 'German' },
  { code: 'hi', label: 'Hindi' },
  { code: 'ko', label: 'Korean' },
  { code: 'pt', label: 'Portuguese' },
  { code: 'ru', label: 'Russian' },
  { code: 'tl', label: 'Tagalog' },
  { code: 'ht', label: 'Haitian Creole' },
  { code: 'pl', label: 'Polish' },
  { code: 'it', label: 'Italian' },
  { code: 'ja', label: 'Japanese' },
  { code: 'fa', label: 'Persian' },
  { code: 'so', label: 'Somali' },
  { code: 'uk', label: 'Ukrainian' },
  { code: 'ase', label: 'American Sign Language' },
];

/** Gender identity (US Core 6 value set: SNOMED CT, and v3 NullFlavor for the last three). */
export const GENDER_IDENTITIES: readonly Choice[] = [
  { code: '446141000124107', label: 'Identifies as female gender' },
  { code: '446151000124109', label: 'Identifies as male gender' },
  { code: '33791000087105', label: 'Identifies as nonbinary gender' },
  { code: 'OTH', label: 'Other' },
  { code: 'ASKU', label: 'Asked but declined' },
  { code: 'UNK', label: 'Unknown' },
];

/** Pronouns (LOINC answer list LL5144-2). */
export const PRONOUNS: readonly Choice[] = [
  { code: 'LA29518-0', label: 'he/him/his/his/himself' },
  { code: 'LA29519-8', label: 'she/her/her/hers/herself' },
  { code: 'LA29520-6', label: 'they/them/their/theirs/themselves' },
];

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]{2,}$/;
/** Digits with optional +, spaces, dots, dashes, parentheses; 7–15 digits (E.164's maximum). */
const PHONE = /^\+?[\d\s().-]+$/;
const POSTAL = /^[A-Za-z0-9][A-Za-z0-9 -]{1,9}$/;
const US_ZIP = /^\d{5}(-\d{4})?$/;

const digits = (v: string) => v.replace(/\D/g, '').length;
const isUs = (country: string | undefined) =>
  !country || ['US', 'USA', 'UNITED STATES'].includes(country.trim().toUpperCase());

/** Issues of the demographics after an edit (`changed`: the fields the edit sets or clears). */
export function demographicIssues(
  next: Partial<Patient>,
  changed: ReadonlySet<string>,
  on: string = today(),
): Issue[] {
  const has = (k: keyof Patient) => changed.has(k);
  const c = new Checker();
  if (has('email') && next.email) {
    if (!EMAIL.test(next.email) || next.email.length > 254)
      c.issues.push({
        field: 'email',
        message: 'Email is not an address (e.g. name@example.org).',
      });
  }
  for (const [key, label] of [
    ['phone', 'Phone'],
    ['contactPhone', 'Emergency contact phone'],
  ] as const) {
    const value = next[key];
    if (!has(key) || !value) continue;
    if (!PHONE.test(value) || digits(value) < 7 || digits(value) > 15)
      c.issues.push({
        field: key,
        message: `${label} needs 7 to 15 digits (spaces, +, -, dots and brackets allowed).`,
      });
  }
  if ((has('postalCode') || has('country')) && next.postalCode) {
    if (isUs(next.country) ? !US_ZIP.test(next.postalCode) : !POSTAL.test(next.postalCode))
      c.issues.push({
        field: 'postalCode',
        message: isUs(next.country)
          ? 'Postal code: a US ZIP code is 5 digits (or 5+4, e.g. 02110-1234).'
          : 'Postal code: 2 to 10 letters, digits, spaces or dashes.',
      });
  }
  c.maxLength('addressLine', next.addressLine, 200, 'Street address')
    .maxLength('city', next.city, 100, 'City')
    .maxLength('state', next.state, 60, 'State')
    .maxLength('country', next.country, 60, 'Country')
    .maxLength('language', next.language, 60, 'Preferred language')
    .maxLength('contactName', next.contactName, 100, 'Emergency contact')
    .maxLength('contactRelationship', next.contactRelationship, 60, 'Relationship')
    .maxLength('genderIdentity', next.genderIdentity, 100, 'Gender identity')
    .maxLength('pronouns', next.pronouns, 60, 'Pronouns');
  if (has('contactPhone') && next.contactPhone && !next.contactName)
    c.issues.push({ field: 'contactName', message: 'Name the emergency contact.' });
  if (
    has('languageCode') &&
    next.languageCode &&
    !LANGUAGES.some((l) => l.code === next.languageCode)
  )
    c.issues.push({ field: 'language', message: 'Choose a language from the list.' });
  if (
    has('genderIdentityCode') &&
    next.genderIdentityCode &&
    !GENDER_IDENTITIES.some((g) => g.code === next.genderIdentityCode)
  )
    c.issues.push({ field: 'genderIdentity', message: 'Choose a gender identity from the list.' });
  if (
    has('pronounsCode') &&
    next.pronounsCode &&
    !PRONOUNS.some((g) => g.code === next.pronounsCode)
  )
    c.issues.push({ field: 'pronouns', message: 'Choose pronouns from the list.' });
  if (has('deceasedDate') || has('birthDate')) {
    c.date('deceasedDate', has('deceasedDate') ? next.deceasedDate : undefined, 'Date of death');
    if (next.deceasedDate && next.birthDate && next.deceasedDate < next.birthDate)
      c.issues.push({
        field: 'deceasedDate',
        message: `Date of death is before the date of birth (${next.birthDate}).`,
      });
    if (
      next.deceasedDate &&
      next.deceasedDate > on &&
      !c.issues.some((i) => i.field === 'deceasedDate')
    )
      c.issues.push({ field: 'deceasedDate', message: 'Date of death cannot be in the future.' });
  }
  return c.issues;
}

/** The label of a choice's code, when it is one of `choices`. */
export const labelOf = (choices: readonly Choice[], code: string | undefined) =>
  choices.find((c) => c.code === code)?.label;

/**
 * The change an edit makes: only fields whose value differs, trimmed; an emptied field becomes
 * null (cleared). `deceasedDate` implies `deceased`.
 */
export function demographicChanges(
  current: Partial<Patient>,
  edit: Partial<Record<keyof Patient, unknown>>,
): Record<string, string | boolean | null> {
  const out: Record<string, string | boolean | null> = {};
  for (const [key, raw] of Object.entries(edit)) {
    const value = typeof raw === 'string' ? raw.trim() : raw;
    const before = (current as Record<string, unknown>)[key];
    if (value === undefined || value === '' || value === null || value === false) {
      if (before !== undefined && before !== '') out[key] = null;
    } else if (value !== before && (typeof value === 'string' || typeof value === 'boolean')) {
      out[key] = value;
    }
  }
  return out;
}

/** Fields the previous versions of Folio laid over an imported Patient by comparing values. */
const COMPARED = [
  'given',
  'family',
  'gender',
  'birthDate',
  'phone',
  'email',
  'addressLine',
  'city',
  'state',
  'postalCode',
  'mrn',
] as const;

/**
 * The demographic fields changed in Folio since the import: every field of the patient's change
 * log, and (charts edited before the log existed) the fields that differ from the source Patient.
 */
export function editedSinceImport(
  history: readonly { changes: Record<string, unknown> }[],
  before: Partial<Patient>,
  current: Partial<Patient>,
): Set<string> {
  const edited = new Set(history.flatMap((h) => Object.keys(h.changes)));
  for (const k of COMPARED) if ((before[k] ?? '') !== (current[k] ?? '')) edited.add(k);
  return edited;
}

/**
 * The patient as shown: the stored fields, and for charts imported before a field was kept, the
 * value the imported Patient holds (unless that field was edited since).
 */
export function withSourceFields(
  stored: Partial<Patient>,
  fromSource: Partial<Patient>,
  history: readonly { changes: Record<string, unknown> }[],
): Patient {
  const touched = new Set(history.flatMap((h) => Object.keys(h.changes)));
  const out: Record<string, unknown> = { ...stored };
  for (const [k, v] of Object.entries(fromSource))
    if (!(k in out) && !touched.has(k) && v !== '' && v !== undefined) out[k] = v;
  return out as unknown as Patient;
}

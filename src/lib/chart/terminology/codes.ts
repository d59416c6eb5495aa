/**
 * Code systems Folio records codes in, and the format of a code in each: ICD-10-CM (a letter and
 * two characters with a digit among them, then up to four after a dot), LOINC (digits, dash, mod-10 check digit), SNOMED CT
 * (6–18 digits, a concept partition, Verhoeff check digit), RxNorm (RxCUI, a whole number) and
 * CVX (up to three digits). Format only: whether a code is in the shipped terminology is answered
 * by the terminology worker (search.worker.ts), which holds the data.
 */
import { SYSTEMS } from '../types';
import type { Issue } from '../validate';

export type CodeSystemId = 'icd10cm' | 'snomed' | 'rxnorm' | 'loinc' | 'cvx';
/** The systems the app ships a searchable terminology for. */
export type PickerSystem = Exclude<CodeSystemId, 'snomed'>;
export const PICKER_SYSTEMS: readonly PickerSystem[] = ['icd10cm', 'rxnorm', 'loinc', 'cvx'];

export const SYSTEM_LABEL: Record<CodeSystemId, string> = {
  icd10cm: 'ICD-10-CM',
  snomed: 'SNOMED CT',
  rxnorm: 'RxNorm',
  loinc: 'LOINC',
  cvx: 'CVX',
};

/** What each shipped terminology is (scripts/build-terminology.ts writes it into the packs). */
export const EDITION: Record<PickerSystem, string> = {
  icd10cm: 'ICD-10-CM FY2026',
  rxnorm: 'RxNorm prescribable content (October 2025)',
  loinc: 'LOINC common lab results (Top 2000+ US, v1.6)',
  cvx: 'CVX (CDC, 2025-10-31)',
};

/** The FHIR system URI of each checked code system (from SYSTEMS, the one list of URIs). */
export const SYSTEM_URI = Object.fromEntries(
  (Object.keys(SYSTEM_LABEL) as CodeSystemId[]).map((id) => [id, SYSTEMS[id]]),
) as Record<CodeSystemId, string>;

/** The system id of a FHIR system URI (undefined for systems Folio does not check). */
export function systemOfUri(uri: string): CodeSystemId | undefined {
  return (Object.keys(SYSTEM_URI) as CodeSystemId[]).find((id) => SYSTEM_URI[id] === uri);
}

// The second or third character is a digit (FY2026 added QA0…, a letter in second place).
const ICD10CM = /^[A-Z](\d[0-9A-Z]|[A-Z]\d)(\.[0-9A-Z]{1,4})?$/;

/**
 * A code as Folio stores it: trimmed; ICD-10-CM upper-cased with its dot after the third character
 * ("e119" → "E11.9"). Anything else is returned trimmed, unchanged.
 */
export function normalizeCode(system: CodeSystemId, code: string): string {
  const c = code.trim();
  if (system !== 'icd10cm') return c;
  const up = c.toUpperCase();
  return /^[A-Z0-9]{4,7}$/.test(up) ? `${up.slice(0, 3)}.${up.slice(3)}` : up;
}

/** The key codes are matched on while typing: no dots, dashes or spaces, upper case. */
export function codeKey(code: string): string {
  return code.replace(/[\s.-]/g, '').toUpperCase();
}

/** codeKey, and for CVX without leading zeros ("3" finds 03). Packs are sorted by it. */
export function codeKeyIn(system: CodeSystemId, code: string): string {
  const key = codeKey(code);
  return system === 'cvx' ? key.replace(/^0+(?=\d)/, '') : key;
}

/** The Luhn (mod-10) check digit of a digit string: LOINC's (the digits before the dash), NPI's. */
export function luhnCheckDigit(digits: string): number {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    // Doubled: the rightmost digit and every second one to its left.
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

// Verhoeff's dihedral-group tables (multiplication, permutation).
const V_D = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
  [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
  [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
  [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
  [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
  [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
  [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
  [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
  [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
];
const V_P = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
  [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
  [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
  [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
  [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
  [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
  [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
];
const V_INV = [0, 4, 3, 2, 1, 5, 6, 7, 8, 9];

/** True when a string of digits ends in its correct Verhoeff check digit. */
export function verhoeffValid(digits: string): boolean {
  let c = 0;
  for (let i = 0; i < digits.length; i++) {
    c = V_D[c]![V_P[i % 8]![digits.charCodeAt(digits.length - 1 - i) - 48]!]!;
  }
  return c === 0;
}

/** The Verhoeff check digit to append to a string of digits. */
export function verhoeffDigit(digits: string): number {
  let c = 0;
  for (let i = 0; i < digits.length; i++) {
    c = V_D[c]![V_P[(i + 1) % 8]![digits.charCodeAt(digits.length - 1 - i) - 48]!]!;
  }
  return V_INV[c]!;
}

const quoted = (code: string) => `“${code.length > 40 ? `${code.slice(0, 40)}…` : code}”`;

/**
 * Why `code` is not a well-formed code of `system` (a sentence for the user), or null when it is.
 * ICD-10-CM is checked after normalizeCode (so "e119" passes).
 */
export function codeFormatProblem(system: CodeSystemId, code: string): string | null {
  const c = normalizeCode(system, code);
  switch (system) {
    case 'icd10cm':
      return ICD10CM.test(c)
        ? null
        : `${quoted(c)} is not an ICD-10-CM code: codes are a letter and two more characters, a digit among them, then up to four more after a dot (e.g. E11.9).`;
    case 'loinc': {
      const m = /^(\d{1,7})-(\d)$/.exec(c);
      if (!m) return 'LOINC codes look like 2345-7.';
      const expected = luhnCheckDigit(m[1]!);
      return Number(m[2]) === expected
        ? null
        : `LOINC code ${c} fails its check digit (${m[1]}-${expected} would pass): check for a typo.`;
    }
    case 'snomed':
      if (!/^[1-9]\d{5,17}$/.test(c))
        return `${quoted(c)} is not a SNOMED CT identifier (6 to 18 digits, no leading zero).`;
      if (!verhoeffValid(c))
        return `SNOMED CT identifier ${c} fails its check digit: check for a typo.`;
      // The partition (second and third digits from the right): 00 or 10 is a concept.
      return /[01]0\d$/.test(c) ? null : `SNOMED CT identifier ${c} is not a concept identifier.`;
    case 'rxnorm':
      return /^[1-9]\d{0,8}$/.test(c)
        ? null
        : `${quoted(c)} is not an RxNorm code: RxCUIs are whole numbers (e.g. 197884).`;
    case 'cvx':
      return /^\d{1,3}$/.test(c)
        ? null
        : `${quoted(c)} is not a CVX code: CVX codes are numbers of up to three digits (e.g. 208).`;
  }
}

/**
 * The issue with a coding entered for a chart field: a system other than `systems`, or a code
 * that is not well-formed in its system (null when fine or absent).
 */
export function codingIssue(
  field: string,
  coding: { system: string; code: string } | undefined,
  systems: readonly CodeSystemId[],
  label: string,
): Issue | null {
  if (!coding) return null;
  const system = systemOfUri(coding.system);
  if (!system || !systems.includes(system))
    return {
      field,
      message: `${label} codes are ${systems.map((s) => SYSTEM_LABEL[s]).join(' or ')} codes.`,
    };
  const problem = codeFormatProblem(system, coding.code);
  return problem ? { field, message: problem } : null;
}

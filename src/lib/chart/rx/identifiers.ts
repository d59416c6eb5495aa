/**
 * Prescriber identifiers: the US National Provider Identifier (NPI: 10 digits, the last a Luhn
 * check digit computed over the prefix 80840 + the first nine — CMS "NPI check digit") and the
 * DEA registration number (two letters and seven digits; the last digit is the last digit of
 * (d1 + d3 + d5) + 2 × (d2 + d4 + d6)).
 */
import { luhnCheckDigit } from '../terminology/codes';
import type { Issue } from '../validate';

/** Longest practice address accepted (as other free text on a prescription). */
export const MAX_TEXT = 200;

/** The NPI's problem in words, or null when it is valid. */
export function npiProblem(raw: string): string | null {
  const npi = raw.trim();
  if (!/^\d{10}$/.test(npi)) return 'An NPI is 10 digits.';
  return luhnCheckDigit(`80840${npi.slice(0, 9)}`) === Number(npi[9])
    ? null
    : 'This NPI fails its check digit: check for a mistyped digit.';
}

/** DEA registrant-type letters (first letter). */
const DEA_TYPES = 'ABCDEFGHJKLMPRSTUX';

/** The DEA number's problem in words, or null when it is valid. */
export function deaProblem(raw: string): string | null {
  const dea = raw.trim().toUpperCase();
  if (!/^[A-Z][A-Z9]\d{7}$/.test(dea))
    return 'A DEA number is two letters and seven digits, e.g. AB1234563.';
  const type = dea.charAt(0);
  if (!DEA_TYPES.includes(type)) return `A DEA number does not start with ${type}.`;
  const [d1, d2, d3, d4, d5, d6, d7] = [...dea.slice(2)].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const check = (d1 + d3 + d5 + 2 * (d2 + d4 + d6)) % 10;
  return check === d7 ? null : 'This DEA number fails its check digit: check for a mistyped digit.';
}

/**
 * Problems with the prescriber's and the practice's details (credentials, NPI, DEA, practice
 * address and phone) — on a prescription, and in Settings where they are kept.
 */
export function letterheadIssues(
  v: Record<string, string | undefined>,
  { controlled = false, prescriber = true }: { controlled?: boolean; prescriber?: boolean } = {},
): Issue[] {
  const issues: Issue[] = prescriber ? prescriberIssues(v, controlled) : [];
  issues.push(...practiceIssues(v));
  return issues;
}

/** An entered letterhead's prescriber part is blank (a practice admin who does not prescribe). */
export function noPrescriberDetails(v: Record<string, string | undefined>): boolean {
  return ['credentials', 'npi', 'dea'].every((k) => (v[k] ?? '').trim() === '');
}

function prescriberIssues(v: Record<string, string | undefined>, controlled: boolean): Issue[] {
  const issues: Issue[] = [];
  const credentials = (v.credentials ?? '').trim();
  if (credentials === '')
    issues.push({
      field: 'credentials',
      message: 'Prescriber credentials are required (e.g. MD).',
    });
  else if (credentials.length > 40)
    issues.push({
      field: 'credentials',
      message: 'Credentials are too long (40 characters at most).',
    });
  const npi = (v.npi ?? '').trim();
  const npiIssue = npi === '' ? 'The prescriber\u2019s NPI is required.' : npiProblem(npi);
  if (npiIssue) issues.push({ field: 'npi', message: npiIssue });
  const dea = (v.dea ?? '').trim().toUpperCase();
  if (controlled && dea === '')
    issues.push({
      field: 'dea',
      message: 'A controlled substance needs the prescriber\u2019s DEA number.',
    });
  else if (dea !== '') {
    const deaIssue = deaProblem(dea);
    if (deaIssue) issues.push({ field: 'dea', message: deaIssue });
  }
  return issues;
}

function practiceIssues(v: Record<string, string | undefined>): Issue[] {
  const issues: Issue[] = [];
  const address = (v.practiceAddress ?? '').trim();
  if (address === '')
    issues.push({
      field: 'practiceAddress',
      message: 'The practice address is required for the letterhead.',
    });
  else if (address.length > MAX_TEXT)
    issues.push({
      field: 'practiceAddress',
      message: `The address is too long (${MAX_TEXT} characters at most).`,
    });
  const phone = (v.practicePhone ?? '').trim();
  if (!/^[+()\d][\d ()+.-]{5,24}$/.test(phone))
    issues.push({
      field: 'practicePhone',
      message: 'Enter the practice phone number, e.g. +1 555 0100.',
    });

  return issues;
}

/**
 * Prescriber identifiers: the US National Provider Identifier (NPI: 10 digits, the last a Luhn
 * check digit computed over the prefix 80840 + the first nine — CMS "NPI check digit") and the
 * DEA registration number (two letters and seven digits; the last digit is the last digit of
 * (d1 + d3 + d5) + 2 × (d2 + d4 + d6)).
 */

/** The NPI's problem in words, or null when it is valid. */
export function npiProblem(raw: string): string | null {
  const npi = raw.trim();
  if (!/^\d{10}$/.test(npi)) return 'An NPI is 10 digits.';
  const digits = `80840${npi}`;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0 ? null : 'This NPI fails its check digit: check for a mistyped digit.';
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

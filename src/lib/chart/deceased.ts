/**
 * A deceased patient's chart reads as history: the age is the age at death, and what was active
 * is shown as "active at death" — nothing stored changes (statuses stay as recorded and are
 * exported as they are).
 */
import { formatAge, today } from './dates';
import type { Patient } from './types';

export const isDeceased = (p: Partial<Patient>): boolean => Boolean(p.deceasedDate || p.deceased);

/** "72 y", or "72 y at death"; '' when the dates do not allow an age. */
export function ageLabel(p: Partial<Patient>, on: string = today()): string {
  if (!p.birthDate) return '';
  if (p.deceasedDate) {
    if (p.deceasedDate < p.birthDate) return '';
    const age = formatAge(p.birthDate, p.deceasedDate);
    return age ? `${age} at death` : '';
  }
  // Deceased without a date: the age today would be wrong, and the age at death is unknown.
  if (p.deceased) return '';
  return formatAge(p.birthDate, on);
}

/** A status as shown: "active" of a deceased patient's entry is "active at death". */
export function statusLabel(status: string, p: Partial<Patient>): string {
  return status === 'active' && isDeceased(p) ? 'active at death' : status;
}

/** A summary panel's title ("Active problems" → "Problems active at death"). */
export function panelTitle(title: string, p: Partial<Patient>): string {
  if (!isDeceased(p)) return title;
  const m = /^Active (.+)$/.exec(title);
  return m ? `${m[1]![0]!.toUpperCase()}${m[1]!.slice(1)} active at death` : title;
}

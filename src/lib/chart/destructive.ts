/**
 * Destructive steps are deliberate (issue 13): retracting an entry (entered in error) and
 * stopping a medication carry the clinician's reason, which is written with the change and so is
 * signed into the chart's history; a note with no text cannot be signed.
 */
import { Checker } from './validate';

export const REASON_MAX = 500;

/** A reason a clinician gives for a destructive step. @throws ValidationError */
export function checkReason(reason: unknown, label = 'Reason', field = 'reason'): string {
  new Checker()
    .required(field, reason, label)
    .maxLength(field, reason as string, REASON_MAX, label)
    .done();
  return (reason as string).trim();
}

/** True when every section of a note is blank (nothing to sign). */
export function isBlankNote(texts: readonly string[]): boolean {
  return texts.every((t) => t.trim() === '');
}

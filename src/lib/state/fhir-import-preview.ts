/** The Import FHIR preview's choices (plain, so they are tested in Node). */

/**
 * What the preview proposes for a patient: refused → skip; an existing chart with the same
 * identifier and birth date → update it (re-importing a file updates its chart; the user can
 * still choose a new chart); otherwise a new chart.
 */
export function proposedAction(ok: boolean, match: unknown): 'new' | 'update' | 'skip' {
  return !ok ? 'skip' : match ? 'update' : 'new';
}

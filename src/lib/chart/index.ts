/** lib/chart: Folio's FHIR-shaped chart model, validation and search (plain TS, no Yjs). */
export * from './cvx';
export * from './dates';
export * from './model';
export * from './search';
export * from './sections';
export * from './types';
export * from './validate';
export * from './deceased';
export { GENDER_IDENTITIES, LANGUAGES, PRONOUNS, labelOf, type Choice } from './demographics';
export { patientConflicts } from './import-checks';
export { entryOrigin, type EntryOrigin } from './origin';
export { encounterKey, filterVisits, groupItems, type VisitItem } from './visits';
export { ENCOUNTER_CLASSES } from './sections/encounters';
export * from './rx';
export * from './letters';
export {
  RECONCILE_DECISIONS,
  VISIT_CLOCK_SKEW_MS,
  visitView,
  type ReconcileDecision,
  type Reconciliation,
  type StartVisitInput,
  type VisitSource,
  type VisitView,
} from './visit/visit';

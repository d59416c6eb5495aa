/** lib/chart: Folio's FHIR-shaped chart model, validation and search (plain TS, no Yjs). */
export * from './cvx';
export * from './dates';
export * from './model';
export * from './search';
export * from './sections';
export * from './types';
export * from './validate';

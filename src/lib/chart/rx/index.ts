/** Prescriptions: sig vocabularies and validation, commands, FHIR, print, transmission boundary. */
export * from './sig';
export * from './identifiers';
export * from './prescriptions';
export * from './fhir';
export * from './print';
export * from './transmit';

/** Letters from a visit: composition, the PDF writer, and keeping them in the chart as FHIR. */
export * from './compose';
export * from './documents';
export * from './pdf';

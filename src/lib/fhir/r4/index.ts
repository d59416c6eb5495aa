/** FHIR R4 input: reading, validating and grouping an import (see each module). */
export * from './group';
export * from './outcome';
export * from './parse';
export { calendarProblem } from './dates';
export { checkResource, loadR4 } from './validate';

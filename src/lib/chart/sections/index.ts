/**
 * The chart's clinical sections, in tab order. Everything that goes over every section — the
 * chart tabs and the summary, FHIR export and import, the share scopes — reads this list; adding
 * a section is its module (sections/<name>.ts) plus one line here (and its data type and name in
 * types.ts).
 */
import type { ShareableSection } from '../types';
import { allergies } from './allergies';
import { coverage } from './coverage';
import { encounters } from './encounters';
import { immunizations } from './immunizations';
import { labs } from './labs';
import { medications } from './medications';
import { notes } from './notes';
import { problems } from './problems';
import type { SectionDescriptor } from './section';
import { vitals } from './vitals';

export type { ExportContext, SectionDescriptor, SectionImporter } from './section';
export { VITAL_LIMITS, bmi, checkVitals, type VitalKey } from './vitals';
export type { Coverage } from './coverage';
export type { Encounter } from './encounters';

export const SECTIONS: readonly SectionDescriptor[] = [
  problems,
  medications,
  allergies,
  immunizations,
  vitals,
  labs,
  notes,
  encounters,
  coverage,
] as SectionDescriptor[];

const BY_NAME = new Map(SECTIONS.map((s) => [s.name, s]));

/** The section stored under `name`, if it is one of the registry's. */
export function sectionNamed(name: string): SectionDescriptor | undefined {
  return BY_NAME.get(name as ShareableSection);
}

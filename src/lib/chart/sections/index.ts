/**
 * The chart's clinical sections, in tab order. Everything that goes over every section — the
 * chart tabs and the summary, FHIR export and import, the share scopes — reads this list; adding
 * a section is its module (sections/<name>.ts) plus one line here.
 */
import type { ShareableSection } from '../types';
import { problems } from './problems';
import type { SectionDescriptor } from './section';

export type { ExportContext, SectionDescriptor } from './section';

export const SECTIONS: readonly SectionDescriptor[] = [problems as SectionDescriptor];

const BY_NAME = new Map(SECTIONS.map((s) => [s.name, s]));

/** The section stored under `name`, if it is one of the registry's. */
export function sectionNamed(name: string): SectionDescriptor | undefined {
  return BY_NAME.get(name as ShareableSection);
}

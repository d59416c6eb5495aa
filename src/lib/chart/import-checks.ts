/**
 * What does not add up in an import: impossible or conflicting values that are still imported as
 * they are (the source is kept; nothing is dropped) but named, once in the import's result and
 * beside the entry they concern (its `conflicts`). Checks: a date of death before birth or in the
 * future; entries dated after the patient's death or before birth; and each section importer's
 * own findings (an encounter or coverage that ends before it starts, …).
 */
import { today } from './dates';
import { sectionNamed } from './sections';
import type { Patient } from './types';

/** The parts of an import plan (fhir-in.ts) checked here. */
interface PlanToCheck {
  patient: Partial<Patient>;
  patientResource: { id: string };
  entries: readonly { section: string; fields: Record<string, unknown> }[];
}

export interface ImportWarning {
  /** `Type/id` of the resource concerned (`Patient/<id>` for the patient). */
  where: string;
  message: string;
}

/** Problems with the patient's own dates (shown on the chart too). */
export function patientConflicts(p: Partial<Patient>, on: string = today()): string[] {
  const out: string[] = [];
  if (p.deceasedDate && p.birthDate && p.deceasedDate < p.birthDate)
    out.push(`The date of death (${p.deceasedDate}) is before the date of birth (${p.birthDate}).`);
  if (p.deceasedDate && p.deceasedDate > on)
    out.push(`The date of death (${p.deceasedDate}) is in the future.`);
  return out;
}

/** The clinical date of a planned entry (its section's sort key), as a calendar date. */
function dateOfEntry(section: string, fields: Record<string, unknown>): string {
  const key = sectionNamed(section)?.sortBy;
  const value = key ? fields[key] : undefined;
  return typeof value === 'string' ? value.slice(0, 10) : '';
}

const where = (fields: Record<string, unknown>) => {
  const r = [fields.fhir].flat()[0] as { resourceType?: unknown; id?: unknown } | undefined;
  return r && typeof r.resourceType === 'string' ? `${r.resourceType}/${String(r.id)}` : '';
};

/** Checks a planned import; adds `conflicts` to the entries concerned and lists them all. */
export function checkImport(plan: PlanToCheck, on: string = today()): ImportWarning[] {
  const warnings: ImportWarning[] = [];
  const patientWhere = `Patient/${plan.patientResource.id}`;
  for (const message of patientConflicts(plan.patient, on))
    warnings.push({ where: patientWhere, message });
  const { birthDate, deceasedDate } = plan.patient;
  // A date of death before birth says nothing reliable about the entries' dates.
  const death = deceasedDate && (!birthDate || deceasedDate >= birthDate) ? deceasedDate : '';
  for (const entry of plan.entries) {
    const fields = entry.fields;
    const conflicts = Array.isArray(fields.conflicts) ? [...(fields.conflicts as string[])] : [];
    const date = dateOfEntry(entry.section, fields);
    if (date && death && date > death)
      conflicts.push(`Dated ${date}, after the patient's death (${death}).`);
    if (date && birthDate && date < birthDate)
      conflicts.push(`Dated ${date}, before the patient's birth (${birthDate}).`);
    if (conflicts.length === 0) continue;
    fields.conflicts = conflicts;
    for (const message of conflicts) warnings.push({ where: where(fields), message });
  }
  return warnings;
}

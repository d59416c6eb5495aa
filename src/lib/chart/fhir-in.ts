/**
 * FHIR R4 resources of ONE patient → Folio chart entries (`Import FHIR`). Input is expected to be
 * schema-valid and calendar-checked already (lib/fhir); each resource is dispatched by its type to
 * the section of the registry (sections/index.ts) that reads it (sections/<name>.ts), so imported
 * data appears in the UI and can be edited, and everything else is kept
 * verbatim for re-export. Each mapped entry also keeps its source resource(s) (`fhir`), so an
 * unedited entry is exported exactly as it came in, and an edited one as the source with only the
 * edited fields laid over it (fhir-source.ts). Statuses Folio does not model are shown as the
 * nearest Folio status (remission → inactive, on-hold → active, provisional → confirmed, …) but
 * stay as they came in the source.
 */
import type { FhirResource } from './fhir-codes';
import { checkImport, type ImportWarning } from './import-checks';
import { annotateImport } from './origin';
import { patientOf } from './patient-fhir';
import { SECTIONS } from './sections';
import type { Patient, Section } from './types';

export { patientOf };

export interface PlannedEntry {
  section: Section;
  fields: Record<string, unknown>;
}

export interface ImportPlan {
  patient: Patient;
  /** The source Patient resource (its id becomes the chart's FHIR id on export). */
  patientResource: FhirResource;
  entries: PlannedEntry[];
  /** Resources Folio does not model, kept verbatim. */
  kept: FhirResource[];
  /** Per resource type: how many were mapped into sections and how many kept verbatim. */
  counts: Record<string, { mapped: number; kept: number }>;
  /** Values that do not add up (imported as they are; shown beside them and after the import). */
  warnings: ImportWarning[];
}

/**
 * Plans the import of one patient's resources (the Patient plus everything in its compartment).
 * @throws Error when there is no Patient resource.
 */
export function planImport(
  resources: readonly FhirResource[],
  options: { importedFrom?: string } = {},
): ImportPlan {
  const patientResource = resources.find((r) => r.resourceType === 'Patient');
  if (!patientResource) throw new Error('no Patient resource');
  const plan: ImportPlan = {
    patient: patientOf(patientResource),
    patientResource,
    entries: [],
    kept: [],
    counts: {},
    warnings: [],
  };
  const count = (type: string, how: 'mapped' | 'kept') => {
    plan.counts[type] ??= { mapped: 0, kept: 0 };
    plan.counts[type][how]++;
  };
  // Each resource goes to the first section of the registry that reads its type (and passes the
  // section's finer test); what that section does not model is kept verbatim.
  const readers = SECTIONS.flatMap((section) =>
    section.fhirIn ? [{ section, ...section.fhirIn, importer: section.fhirIn.importer() }] : [],
  );

  for (const r of resources) {
    if (r === patientResource) continue;
    const type = r.resourceType;
    const reader = readers.find((x) => x.types.includes(type) && (x.matches?.(r) ?? true));
    const fields = reader ? reader.importer.take(r) : null;
    if (fields === 'gathered') {
      count(type, 'mapped');
    } else if (fields && reader) {
      plan.entries.push({ section: reader.section.name, fields: { ...fields, fhir: r } });
      count(type, 'mapped');
    } else {
      plan.kept.push(r);
      count(type, 'kept');
    }
  }
  // Entries made of several resources (vitals sets) come after the others.
  for (const reader of readers) {
    for (const fields of reader.importer.finish?.() ?? [])
      plan.entries.push({ section: reader.section.name, fields });
  }
  // Where each entry came from (origin.ts) and what does not add up (import-checks.ts).
  annotateImport(plan.entries, resources, options.importedFrom);
  plan.warnings = checkImport(plan);
  return plan;
}

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
import { SECTIONS } from './sections';
import { arr, codings, conceptText, dateOf, obj, str, type Json } from './sections/fhir-read';
import type { AdministrativeGender, Patient, Section } from './types';

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
}

/** A FHIR Patient's demographics as Folio keeps them. */
export function patientOf(r: Json): Patient {
  const name = obj(arr(r.name).find((n) => str(obj(n).use) === 'official') ?? arr(r.name)[0]);
  const identifiers = arr(r.identifier).map(obj);
  const mrn =
    identifiers.find((i) => codings(i.type).some((c) => str(c.code) === 'MR')) ??
    identifiers.find((i) => str(i.system) === 'urn:folio:mrn') ??
    identifiers[0];
  const telecom = arr(r.telecom).map(obj);
  const address = obj(arr(r.address)[0]);
  const gender = str(r.gender);
  return {
    given: arr(name.given).map(str).join(' ') || str(name.text),
    family: str(name.family),
    birthDate: dateOf(r.birthDate),
    gender: (['female', 'male', 'other', 'unknown'].includes(gender)
      ? gender
      : 'unknown') as AdministrativeGender,
    mrn: str(mrn?.value),
    ...(str(telecom.find((t) => t.system === 'phone')?.value)
      ? { phone: str(telecom.find((t) => t.system === 'phone')?.value) }
      : {}),
    ...(str(telecom.find((t) => t.system === 'email')?.value)
      ? { email: str(telecom.find((t) => t.system === 'email')?.value) }
      : {}),
    ...(arr(address.line).length ? { addressLine: arr(address.line).map(str).join(', ') } : {}),
    ...(str(address.city) ? { city: str(address.city) } : {}),
    ...(str(address.state) ? { state: str(address.state) } : {}),
    ...(str(address.postalCode) ? { postalCode: str(address.postalCode) } : {}),
    ...(conceptText(obj(arr(r.communication)[0]).language)
      ? { language: conceptText(obj(arr(r.communication)[0]).language) }
      : {}),
  };
}

/**
 * Plans the import of one patient's resources (the Patient plus everything in its compartment).
 * @throws Error when there is no Patient resource.
 */
export function planImport(resources: readonly FhirResource[]): ImportPlan {
  const patientResource = resources.find((r) => r.resourceType === 'Patient');
  if (!patientResource) throw new Error('no Patient resource');
  const plan: ImportPlan = {
    patient: patientOf(patientResource),
    patientResource,
    entries: [],
    kept: [],
    counts: {},
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
  return plan;
}

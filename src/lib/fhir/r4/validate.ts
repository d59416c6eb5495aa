/**
 * Validation before anything is written: FHIR version, known R4 resource types, the official R4
 * JSON schema (ahead-of-time compiled validators, scripts/build-fhir-validator.js), calendar
 * dates, duplicate ids and references that resolve. Problems are collected per resource with
 * their place, so a patient whose data is invalid is refused whole and the others can proceed.
 */
import { calendarProblems } from './dates';
import { issue, type OutcomeIssue } from './outcome';
import type { InputResource } from './parse';

type Validator = ((value: unknown) => boolean) & {
  errors?: { instancePath: string; message?: string; params: Record<string, unknown> }[] | null;
};

/** Resource types of FHIR STU3 (or earlier) that R4 renamed or dropped. */
const OLDER_FHIR_TYPES = new Set([
  'ProcedureRequest',
  'ReferralRequest',
  'DeviceComponent',
  'EligibilityRequest',
  'EligibilityResponse',
  'EnrollmentResponse',
  'ProcessRequest',
  'ProcessResponse',
  'BodySite',
  'DataElement',
  'ImagingManifest',
  'Sequence',
  'ServiceDefinition',
]);

let loading: Promise<{ types: Set<string>; validators: Record<string, Validator> }> | null = null;

/** Loads the R4 validators (a large module, loaded only when importing). */
export function loadR4(): Promise<{ types: Set<string>; validators: Record<string, Validator> }> {
  loading ??= import('../generated/r4-validators').then((m) => ({
    types: new Set(m.RESOURCE_TYPES),
    validators: m as unknown as Record<string, Validator>,
  }));
  return loading;
}

/** `/name/0/given` → `.name[0].given` */
function fhirPath(instancePath: string): string {
  return instancePath
    .split('/')
    .slice(1)
    .map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p.replaceAll('~1', '/').replaceAll('~0', '~')}`))
    .join('');
}

function schemaMessage(e: { message?: string; params: Record<string, unknown> }): string {
  if (e.params.additionalProperty)
    return `unknown element "${String(e.params.additionalProperty)}"`;
  // A resource inside a resource (contained, Bundle entry) is checked as the type it names.
  if (e.params.error === 'mapping') {
    const type = String(e.params.tagValue);
    return OLDER_FHIR_TYPES.has(type)
      ? `"${type}" is a resource of an older FHIR version (STU3); Folio reads FHIR R4.`
      : `"${type}" is not a FHIR R4 resource type.`;
  }
  if (e.params.error === 'tag') return 'resourceType must be the name of a resource type';
  if (e.params.allowedValues)
    return `must be one of ${(e.params.allowedValues as unknown[]).map(String).join(', ')}`;
  return e.message ?? 'is not valid';
}

/** Problems in one resource (empty when valid). */
export async function checkResource(input: InputResource): Promise<OutcomeIssue[]> {
  const { resource, where } = input;
  const { types, validators } = await loadR4();
  const type = resource.resourceType;
  const meta = resource.meta as { fhirVersion?: unknown } | undefined;
  if (typeof meta?.fhirVersion === 'string' && !meta.fhirVersion.startsWith('4.0')) {
    return [
      issue(
        'not-supported',
        `${where}.meta`,
        `This is FHIR ${meta.fhirVersion}; Folio reads FHIR R4 (4.0.x).`,
      ),
    ];
  }
  if (!types.has(type)) {
    return [
      issue(
        'not-supported',
        where,
        OLDER_FHIR_TYPES.has(type)
          ? `"${type}" is a resource of an older FHIR version (STU3); Folio reads FHIR R4.`
          : `"${type}" is not a FHIR R4 resource type.`,
      ),
    ];
  }
  const out: OutcomeIssue[] = [];
  const validate = validators[type]!;
  if (!validate(resource)) {
    const seen = new Set<string>();
    for (const e of validate.errors ?? []) {
      const at = `${where}${fhirPath(e.instancePath)}`;
      const msg = schemaMessage(e);
      // oneOf/anyOf branches repeat the same place; keep the first message per place.
      if (seen.has(at)) continue;
      seen.add(at);
      out.push(issue('invalid', at, msg));
    }
  }
  for (const [at, problem] of calendarProblems(resource, where))
    out.push(issue('value', at, problem));
  return out;
}

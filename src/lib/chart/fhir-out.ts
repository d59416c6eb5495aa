/**
 * A chart as FHIR R4 resources (for `Export FHIR`, share links and the practice's EHI export).
 * Each section of the registry (sections/index.ts, in its order) renders its entries as the
 * resources its type mirrors (sections/<name>.ts), with codes kept as system + code + display.
 * Entries marked entered-in-error are exported with that status — never silently dropped.
 * Resources kept verbatim from an import (`kept`) are appended unchanged. An imported entry is
 * exported as its source resource(s), verbatim until edited (fhir-source.ts).
 *
 * What Folio changes on an imported resource, and nothing else: the elements of the fields edited
 * in Folio (fhir-source.ts), the Patient's demographics edited in Folio, and references — every
 * `urn:uuid:` or conditional reference becomes the `Type/id` of the exported resource it names
 * (done at import since issue 12; at export for charts imported before, where it can still be
 * matched — lib/fhir/r4/references.ts). `#contained` and absolute references are kept.
 */
import type { FhirResource } from './fhir-codes';
import { exportReferenceMap, rewriteReferences } from '../fhir/r4/references';
import { fromSource as sourceOf } from './fhir-source';
import { mergePatient, patientResource } from './patient-fhir';
import type { ChartModel } from './model';
import { SECTIONS, type ExportContext } from './sections';
import { status } from './sections/fhir-write';
import { prescriptionToFhir } from './rx/fhir';
import { letterToFhir } from './letters/documents';
import { SHARE_PURPOSES, SYSTEMS, type Consent, type Entry, type ShareableSection } from './types';

export type { FhirResource } from './fhir-codes';

/** FHIR Consent (patient privacy) for a recorded consent to share. */
function consentResource(e: Entry<Consent>, subject: { reference: string }): FhirResource {
  const d = e.data;
  return {
    resourceType: 'Consent',
    id: e.id,
    status: d.status,
    scope: status('consentscope', 'patient-privacy'),
    category: [
      { coding: [{ system: SYSTEMS.loinc, code: '59284-0', display: 'Patient Consent' }] },
    ],
    patient: subject,
    dateTime: e.createdAt,
    // The patient agrees; the member who recorded it is named as the custodian's agent.
    performer: [subject],
    ...(e.createdBy ? { organization: [{ display: e.createdBy.memberName }] } : {}),
    policyRule: status('v3-ActCode', 'OPTIN'),
    provision: {
      type: 'permit',
      period: { end: d.expires },
      actor: [
        {
          role: status('v3-ParticipationType', 'IRCP'),
          reference: { display: d.recipient },
        },
      ],
      purpose: [
        {
          system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason',
          code: d.purpose,
          display: SHARE_PURPOSES[d.purpose],
        },
      ],
      ...(d.scope === 'all' ? {} : { class: d.scope.map((s) => ({ code: s })) }),
    },
  };
}

/** The chart's resources; `patientId` is the Patient resource id (FHIR id syntax). */
export function chartToFhir(
  model: ChartModel,
  patientId: string,
  kept: readonly FhirResource[] = [],
  options: { sections?: 'all' | readonly ShareableSection[]; consents?: boolean } = {},
): FhirResource[] {
  const sections = options.sections ?? 'all';
  const wants = (s: ShareableSection) => sections === 'all' || sections.includes(s);
  const p = model.patient();
  const source = model.sourcePatient();
  // An imported chart keeps its source Patient id, so the kept resources' references still match.
  const pid = source?.id ?? patientId;
  const subject = { reference: `Patient/${pid}` };
  const fromSource = (e: Entry<unknown>, generated: FhirResource | FhirResource[]) => {
    const rendered = Array.isArray(generated) ? generated : [generated];
    return sourceOf(e, rendered) ?? rendered;
  };
  const out: FhirResource[] = [];
  out.push(source ? mergePatient(source, p, model.patientEdits()) : patientResource(p, pid));

  const context: ExportContext = { subject, addenda: (id) => model.addenda(id) };
  for (const section of SECTIONS) {
    if (!wants(section.name)) continue;
    for (const e of model.entries(section.name))
      out.push(...fromSource(e, section.fhirOut.render(e, context)));
  }
  // Prescriptions go with the medications (a share scope of medications includes them).
  if (wants('medication'))
    for (const e of model.prescriptions()) out.push(...prescriptionToFhir(e, context));

  // Letters hold the whole chart's kinds of data: only a whole-chart export carries them.
  if (sections === 'all') for (const e of model.letters()) out.push(letterToFhir(e, context));

  if (options.consents ?? sections === 'all') {
    for (const e of model.consents()) out.push(consentResource(e, subject));
  }
  const chartKept = model.keptResources();
  const all = sections === 'all' ? [...out, ...chartKept, ...kept] : out;
  // Charts imported before references were rewritten at import: rewrite what can be matched.
  const rewrite = exportReferenceMap([...out, ...chartKept, ...kept]);
  return all.map((r) => rewriteReferences(r, rewrite));
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A FHIR collection Bundle of resources. Entries whose id is a UUID get `urn:uuid:` full URLs (an
 * identity for the entry); references between the resources are `Type/id` (chartToFhir), matched
 * by type and id as in NDJSON.
 */
export function collectionBundle(
  resources: readonly FhirResource[],
  timestamp: string,
): FhirResource {
  return {
    resourceType: 'Bundle',
    id: crypto.randomUUID(),
    type: 'collection',
    timestamp,
    entry: resources.map((resource) =>
      UUID.test(resource.id) ? { fullUrl: `urn:uuid:${resource.id}`, resource } : { resource },
    ),
  };
}

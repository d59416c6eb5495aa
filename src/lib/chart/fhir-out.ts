/**
 * A chart as FHIR R4 resources (for `Export FHIR`, share links and the practice's EHI export).
 * Every entry maps to the resource its type mirrors (types.ts), with codes kept as system + code +
 * display; vitals become one Observation per measure (blood pressure as the 85354-9 panel with
 * 8480-6 / 8462-4 components, as US Core does); a note becomes an Encounter and a
 * DocumentReference whose attachment holds the note text (signed text once signed, plus addenda).
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
import {
  BP_DIASTOLIC,
  BP_PANEL,
  BP_SYSTOLIC,
  VITAL_MEASURES,
  type FhirResource,
} from './fhir-codes';
import { exportReferenceMap, rewriteReferences } from '../fhir/r4/references';
import { patientOf } from './fhir-in';
import { fromSource as sourceOf } from './fhir-source';
import type { ChartModel } from './model';
import { SECTIONS, type ExportContext } from './sections';

export type { FhirResource } from './fhir-codes';
import {
  SHARE_PURPOSES,
  SYSTEMS,
  SOAP_FIELDS,
  type Coding,
  type Consent,
  type Entry,
  type ShareableSection,
  type Vitals,
} from './types';

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

const TERMINOLOGY = 'http://terminology.hl7.org/CodeSystem';
const OBSERVATION_CATEGORY = `${TERMINOLOGY}/observation-category`;

const concept = (text: string, coding?: Coding) =>
  coding?.code ? { coding: [{ ...coding }], text } : { text };

const status = (system: string, code: string) => ({
  coding: [{ system: `${TERMINOLOGY}/${system}`, code }],
});

function base64Utf8(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

function compact<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(
    Object.entries(value).filter(([, v]) => v !== undefined && v !== '' && v !== null),
  ) as T;
}

const loinc = (code: string, display: string) => ({
  coding: [{ system: SYSTEMS.loinc, code, display }],
  text: display,
});
const quantity = (value: number, unit: string | undefined) =>
  unit ? { value, unit, system: SYSTEMS.ucum, code: unit } : { value };

function vitalsObservations(entry: Entry<Vitals>, subject: object): FhirResource[] {
  const v = entry.data;
  const common = {
    resourceType: 'Observation',
    status: v.status === 'entered-in-error' ? 'entered-in-error' : 'final',
    category: [
      { coding: [{ system: OBSERVATION_CATEGORY, code: 'vital-signs', display: 'Vital Signs' }] },
    ],
    subject,
    effectiveDateTime: v.effectiveDate,
  };
  const out: FhirResource[] = [];
  if (v.systolic !== undefined || v.diastolic !== undefined) {
    out.push({
      ...common,
      id: `${entry.id}-bp`,
      code: loinc(BP_PANEL.loinc, BP_PANEL.display),
      component: [
        ...(v.systolic !== undefined
          ? [
              {
                code: loinc(BP_SYSTOLIC.loinc, BP_SYSTOLIC.display),
                valueQuantity: quantity(v.systolic, 'mm[Hg]'),
              },
            ]
          : []),
        ...(v.diastolic !== undefined
          ? [
              {
                code: loinc(BP_DIASTOLIC.loinc, BP_DIASTOLIC.display),
                valueQuantity: quantity(v.diastolic, 'mm[Hg]'),
              },
            ]
          : []),
      ],
    });
  }
  for (const m of VITAL_MEASURES) {
    const value = v[m.key];
    if (typeof value !== 'number') continue;
    out.push({
      ...common,
      id: `${entry.id}-${m.loinc}`,
      code: loinc(m.loinc, m.display),
      valueQuantity: quantity(value, m.ucum),
    });
  }
  return out;
}

/** An imported Patient with the demographics edited in Folio laid over it. */
function mergePatient(
  source: FhirResource,
  generated: FhirResource,
  current: ReturnType<ChartModel['patient']>,
): FhirResource {
  const before = patientOf(source);
  const changed = (keys: (keyof typeof current)[]) => keys.some((k) => before[k] !== current[k]);
  const merged: FhirResource = { ...source };
  if (changed(['given', 'family'])) merged.name = generated.name;
  if (changed(['gender'])) merged.gender = generated.gender;
  if (changed(['birthDate'])) merged.birthDate = generated.birthDate;
  if (changed(['phone', 'email'])) merged.telecom = generated.telecom;
  if (changed(['addressLine', 'city', 'state', 'postalCode'])) merged.address = generated.address;
  if (changed(['mrn'])) merged.identifier = generated.identifier;
  return merged;
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
  const generatedPatient: FhirResource = compact({
    resourceType: 'Patient',
    id: pid,
    identifier: p.mrn
      ? [{ system: 'urn:folio:mrn', value: p.mrn, type: { text: 'MRN' } }]
      : undefined,
    name: [{ family: p.family, given: [p.given] }],
    gender: p.gender,
    birthDate: p.birthDate,
    telecom:
      p.phone || p.email
        ? [
            ...(p.phone ? [{ system: 'phone', value: p.phone }] : []),
            ...(p.email ? [{ system: 'email', value: p.email }] : []),
          ]
        : undefined,
    address:
      p.addressLine || p.city || p.state || p.postalCode
        ? [
            compact({
              line: p.addressLine ? [p.addressLine] : undefined,
              city: p.city,
              state: p.state,
              postalCode: p.postalCode,
            }),
          ]
        : undefined,
    communication: p.language ? [{ language: { text: p.language } }] : undefined,
    contact: p.contactName
      ? [
          compact({
            name: { text: p.contactName },
            telecom: p.contactPhone ? [{ system: 'phone', value: p.contactPhone }] : undefined,
          }),
        ]
      : undefined,
  });
  out.push(source ? mergePatient(source, generatedPatient, p) : generatedPatient);

  const context: ExportContext = { subject, addenda: (id) => model.addenda(id) };
  for (const section of SECTIONS) {
    if (!wants(section.name)) continue;
    for (const e of model.entries(section.name))
      out.push(...fromSource(e, section.fhirOut.render(e, context)));
  }

  for (const e of wants('medication') ? model.medications() : []) {
    const d = e.data;
    out.push(
      ...fromSource(
        e,
        compact({
          resourceType: 'MedicationRequest',
          id: e.id,
          status: d.status,
          intent: 'order',
          medicationCodeableConcept: concept(d.drug, d.code),
          subject,
          authoredOn: e.createdAt,
          dosageInstruction: [
            compact({
              text: [d.dose, d.route, d.frequency].filter(Boolean).join(' '),
              route: d.route ? { text: d.route } : undefined,
              timing:
                d.frequency || d.startDate || d.endDate
                  ? compact({
                      code: d.frequency ? { text: d.frequency } : undefined,
                      repeat:
                        d.startDate || d.endDate
                          ? { boundsPeriod: compact({ start: d.startDate, end: d.endDate }) }
                          : undefined,
                    })
                  : undefined,
            }),
          ],
        }),
      ),
    );
  }

  for (const e of wants('allergy') ? model.allergies() : []) {
    const d = e.data;
    const inError = d.verificationStatus === 'entered-in-error';
    out.push(
      ...fromSource(
        e,
        compact({
          resourceType: 'AllergyIntolerance',
          id: e.id,
          clinicalStatus: inError
            ? undefined
            : status('allergyintolerance-clinical', d.clinicalStatus),
          verificationStatus: status('allergyintolerance-verification', d.verificationStatus),
          category: d.category ? [d.category] : undefined,
          criticality: d.criticality,
          code: d.noKnownAllergies
            ? concept('No known allergy', {
                system: SYSTEMS.snomed,
                code: '716186003',
                display: 'No known allergy',
              })
            : { text: d.substance },
          patient: subject,
          recordedDate: e.createdAt,
          reaction: d.reaction ? [{ manifestation: [{ text: d.reaction }] }] : undefined,
        }),
      ),
    );
  }

  for (const e of wants('immunization') ? model.immunizations() : []) {
    const d = e.data;
    out.push(
      ...fromSource(
        e,
        compact({
          resourceType: 'Immunization',
          id: e.id,
          status: d.status,
          vaccineCode: concept(d.vaccine, { system: SYSTEMS.cvx, code: d.cvx, display: d.vaccine }),
          patient: subject,
          occurrenceDateTime: d.occurrenceDate,
          recorded: e.createdAt,
          lotNumber: d.lotNumber,
        }),
      ),
    );
  }

  for (const e of wants('vitals') ? model.vitals() : [])
    out.push(...fromSource(e, vitalsObservations(e, subject)));

  for (const e of wants('lab') ? model.labs() : []) {
    const d = e.data;
    const numeric = typeof d.value === 'number';
    out.push(
      ...fromSource(
        e,
        compact({
          resourceType: 'Observation',
          id: e.id,
          status: d.status === 'entered-in-error' ? 'entered-in-error' : 'final',
          category: [
            {
              coding: [{ system: OBSERVATION_CATEGORY, code: 'laboratory', display: 'Laboratory' }],
            },
          ],
          code: loinc(d.loinc, d.name),
          subject,
          effectiveDateTime: d.effectiveDate,
          valueQuantity: numeric
            ? compact({ ...quantity(d.value as number, d.unit ?? ''), unit: d.unit, code: d.unit })
            : undefined,
          valueString: numeric ? undefined : String(d.value),
          interpretation: d.interpretation
            ? [
                {
                  coding: [
                    {
                      system: `${TERMINOLOGY}/v3-ObservationInterpretation`,
                      code: d.interpretation,
                    },
                  ],
                },
              ]
            : undefined,
          referenceRange:
            d.low !== undefined || d.high !== undefined
              ? [
                  compact({
                    low: d.low !== undefined ? quantity(d.low, d.unit) : undefined,
                    high: d.high !== undefined ? quantity(d.high, d.unit) : undefined,
                  }),
                ]
              : undefined,
        }),
      ),
    );
  }

  for (const e of wants('note') ? model.notes() : []) {
    const d = e.data;
    const text = SOAP_FIELDS.map((f) => {
      const value = d.status === 'signed' && d.signedText ? d.signedText[f] : d[f];
      return `${f[0]!.toUpperCase()}${f.slice(1)}:\n${value ?? ''}`;
    }).join('\n\n');
    const addenda = model.addenda(e.id).map((a) => `Addendum (${a.createdAt}): ${a.data.text}`);
    const encounterId = `${e.id}-enc`;
    out.push({
      resourceType: 'Encounter',
      id: encounterId,
      status: d.status === 'entered-in-error' ? 'entered-in-error' : 'finished',
      class: {
        system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode',
        code: 'AMB',
        display: 'ambulatory',
      },
      subject,
      period: { start: d.date },
      reasonCode: [{ text: d.title }],
    });
    out.push(
      compact({
        resourceType: 'DocumentReference',
        id: e.id,
        status: d.status === 'entered-in-error' ? 'entered-in-error' : 'current',
        docStatus: d.status === 'signed' ? 'final' : 'preliminary',
        type: loinc('11506-3', 'Progress note'),
        subject,
        date: d.signedAt ?? e.createdAt,
        description: d.title,
        content: [
          {
            attachment: {
              contentType: 'text/plain; charset=utf-8',
              data: base64Utf8([text, ...addenda].join('\n\n')),
              title: d.title,
            },
          },
        ],
        context: {
          encounter: [{ reference: `Encounter/${encounterId}` }],
          period: { start: d.date },
        },
      }),
    );
  }
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

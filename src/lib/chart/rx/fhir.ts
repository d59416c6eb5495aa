/**
 * A prescription as FHIR R4: a MedicationRequest (intent `order`) with a structured
 * dosageInstruction (Timing.repeat, doseAndRate, SNOMED CT route), dispenseRequest and
 * substitution, and its requester as a Practitioner identified by NPI (and DEA when given).
 */
import type { FhirResource } from '../fhir-codes';
import { compact, concept } from '../sections/fhir-write';
import { SYSTEMS, type Entry } from '../types';
import { signerOf, type Prescription } from './prescriptions';
import { FREQUENCIES, ROUTES, UNITS, sigText, type DoseUnit } from './sig';

/**
 * Marks a MedicationRequest as a Folio prescription. On import it is kept verbatim (not read as
 * a medication-list entry: the entry it started is exported beside it, `basedOn` it).
 */
export const PRESCRIPTION_ID_SYSTEM = 'urn:folio:prescription';
export const NPI_SYSTEM = 'http://hl7.org/fhir/sid/us-npi';
/** DEA registration numbers (HL7 OID registry). */
export const DEA_SYSTEM = 'urn:oid:2.16.840.1.113883.4.814';

const ucum = (value: number, unit: DoseUnit) => ({
  value,
  unit: UNITS[unit].label,
  system: SYSTEMS.ucum,
  code: UNITS[unit].ucum,
});

const days = (value: number) => ({ value, unit: 'days', system: SYSTEMS.ucum, code: 'd' });

const STATUS: Record<Prescription['status'], string> = {
  draft: 'draft',
  active: 'active',
  cancelled: 'cancelled',
  'entered-in-error': 'entered-in-error',
};

/** The prescriber's Practitioner resource id for a prescription. */
export const practitionerId = (rxId: string) => `${rxId}-prescriber`;

/** The MedicationRequest and its requester (Practitioner). */
export function prescriptionToFhir(
  e: Entry<Prescription>,
  { subject }: { subject: { reference: string } },
): FhirResource[] {
  const d = e.data;
  const f = FREQUENCIES[d.frequency];
  const route = ROUTES[d.route];
  const signer = signerOf(e);
  const name = signer?.memberName ?? e.createdBy?.memberName;
  const practitioner: FhirResource = compact({
    resourceType: 'Practitioner',
    id: practitionerId(e.id),
    identifier: [
      { system: NPI_SYSTEM, value: d.prescriber.npi },
      ...(d.prescriber.dea ? [{ system: DEA_SYSTEM, value: d.prescriber.dea }] : []),
    ],
    name: name ? [{ text: name }] : undefined,
    qualification: [{ code: { text: d.prescriber.credentials } }],
  }) as FhirResource;
  const request = compact({
    resourceType: 'MedicationRequest',
    id: e.id,
    identifier: [{ system: PRESCRIPTION_ID_SYSTEM, value: e.id }],
    status: STATUS[d.status] ?? 'unknown',
    statusReason: d.cancelReason ? { text: d.cancelReason } : undefined,
    intent: 'order',
    medicationCodeableConcept: concept(d.drug, d.code),
    subject,
    encounter: d.encounter ? { reference: d.encounter } : undefined,
    authoredOn: d.signedAt ?? e.createdAt,
    requester: { reference: `Practitioner/${practitioner.id}`, ...(name ? { display: name } : {}) },
    note: d.note ? [{ text: d.note }] : undefined,
    dosageInstruction: [
      compact({
        text: sigText(d),
        timing: {
          repeat: {
            boundsDuration: days(d.durationDays),
            frequency: f.frequency,
            period: f.period,
            periodUnit: f.periodUnit,
            ...(d.frequency === 'QHS' ? { when: ['HS'] } : {}),
          },
        },
        asNeededBoolean: f.asNeeded ? true : undefined,
        route: {
          coding: [{ system: SYSTEMS.snomed, code: route.snomed, display: route.display }],
          text: route.label,
        },
        doseAndRate: [{ doseQuantity: ucum(d.doseValue, d.doseUnit) }],
      }),
    ],
    dispenseRequest: {
      numberOfRepeatsAllowed: d.refills,
      quantity: ucum(d.quantityValue, d.quantityUnit),
      expectedSupplyDuration: days(d.durationDays),
    },
    substitution: { allowedBoolean: d.substitutionAllowed },
  }) as FhirResource;
  return [request, practitioner];
}

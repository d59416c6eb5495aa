/**
 * Electronic prescribing is an adapter boundary. Sending a prescription to a pharmacy (NCPDP
 * SCRIPT over a certified network such as Surescripts) needs a contract with a network partner,
 * certification and, for controlled substances, EPCS two-factor signing — none of which Folio
 * has. Until one is configured, `notConfigured` answers every request with the reason; nothing
 * pretends to send. A real adapter implements `PrescriptionTransmitter` with the partner's API.
 */
import type { FhirResource } from '../fhir-codes';

export type TransmitResult =
  | { sent: true; pharmacyReference: string }
  | { sent: false; reason: 'not-configured' | 'refused' | 'unreachable'; message: string };

export interface PrescriptionTransmitter {
  /** Whether this adapter can send at all (the UI hides "Send" when it cannot). */
  readonly configured: boolean;
  /** Sends a signed MedicationRequest (with its Practitioner) to a pharmacy. */
  transmit(request: {
    medicationRequest: FhirResource;
    practitioner: FhirResource;
    pharmacy: string;
  }): Promise<TransmitResult>;
}

export const NOT_CONFIGURED_MESSAGE =
  'Electronic prescribing needs a network partner (e.g. Surescripts), which this practice has not set up. Print the prescription and sign it by hand.';

/** The transmitter in use today: refuses, saying why. */
export const notConfigured: PrescriptionTransmitter = {
  configured: false,
  transmit: async () => ({
    sent: false,
    reason: 'not-configured',
    message: NOT_CONFIGURED_MESSAGE,
  }),
};

/**
 * What a printed prescription says, as plain lines (the print view lays them out on the
 * practice's letterhead): practice name, address and phone; prescriber name, credentials, NPI
 * and — for a controlled substance — DEA number; the patient's name, date of birth and address;
 * the date; the drug, the sig in words, the quantity in words and figures, refills and whether
 * substitution is allowed. Only a signed prescription prints.
 */
import type { Entry, Patient } from '../types';
import { signerOf, type Prescription } from './prescriptions';
import { quantityText, refillsText, sigText } from './sig';

export interface PrintedPrescription {
  practiceName: string;
  practiceAddress: string;
  practicePhone: string;
  prescriber: string;
  npi: string;
  /** Only for a controlled substance. */
  dea?: string;
  patientName: string;
  patientBirthDate: string;
  patientAddress: string;
  date: string;
  drug: string;
  rxnorm?: string;
  sig: string;
  quantity: string;
  refills: string;
  substitution: string;
  note?: string;
}

/** @returns null unless the prescription is signed (drafts and cancelled ones do not print) */
export function printedPrescription(
  e: Entry<Prescription>,
  patient: Patient,
  practiceName: string,
): PrintedPrescription | null {
  const d = e.data;
  if (d.status !== 'active' || !d.signedAt) return null;
  const signer = signerOf(e);
  const address = [patient.addressLine, patient.city, patient.state, patient.postalCode]
    .filter(Boolean)
    .join(', ');
  return {
    practiceName,
    practiceAddress: d.practice.address,
    practicePhone: d.practice.phone,
    prescriber: `${signer?.memberName ?? 'Unknown signer'}, ${d.prescriber.credentials}`,
    npi: d.prescriber.npi,
    ...(d.controlled && d.prescriber.dea ? { dea: d.prescriber.dea } : {}),
    patientName: `${patient.given} ${patient.family}`,
    patientBirthDate: patient.birthDate,
    patientAddress: address || 'No address on file',
    date: d.signedAt.slice(0, 10),
    drug: d.drug,
    ...(d.code ? { rxnorm: d.code.code } : {}),
    sig: sigText(d),
    quantity: quantityText(d),
    refills: refillsText(d.refills),
    substitution: d.substitutionAllowed ? 'Substitution permitted' : 'Dispense as written',
    ...(d.note ? { note: d.note } : {}),
  };
}

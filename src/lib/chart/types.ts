/**
 * Folio's chart model: plain, FHIR R4-shaped TypeScript types (field names follow the FHIR
 * resources they mirror). Every entry carries `status`; nothing is ever deleted — a mistaken
 * entry is marked `entered-in-error`.
 */

export interface Coding {
  system: string;
  code: string;
  display: string;
}

export const SYSTEMS = {
  icd10cm: 'http://hl7.org/fhir/sid/icd-10-cm',
  snomed: 'http://snomed.info/sct',
  loinc: 'http://loinc.org',
  cvx: 'http://hl7.org/fhir/sid/cvx',
  rxnorm: 'http://www.nlm.nih.gov/research/umls/rxnorm',
  ucum: 'http://unitsofmeasure.org',
} as const;

export type AdministrativeGender = 'female' | 'male' | 'other' | 'unknown';

/** FHIR Patient (the parts Folio edits). */
export interface Patient {
  given: string;
  family: string;
  birthDate: string;
  gender: AdministrativeGender;
  genderIdentity?: string;
  mrn: string;
  phone?: string;
  email?: string;
  addressLine?: string;
  city?: string;
  state?: string;
  postalCode?: string;
  language?: string;
  contactName?: string;
  contactPhone?: string;
  /** Address country (FHIR Address.country). */
  country?: string;
  /** BCP-47 code of the preferred language (Patient.communication.language). */
  languageCode?: string;
  /** The emergency contact's relationship to the patient (Patient.contact.relationship text). */
  contactRelationship?: string;
  /** Code of the gender identity (SNOMED CT or v3 NullFlavor; individual-genderIdentity). */
  genderIdentityCode?: string;
  /** Pronouns as shown, and their LOINC answer code (individual-pronouns). */
  pronouns?: string;
  pronounsCode?: string;
  /** Date of death (Patient.deceasedDateTime, calendar date) or only that the patient died. */
  deceasedDate?: string;
  deceased?: boolean;
}

export type Section =
  | 'problem'
  | 'medication'
  | 'allergy'
  | 'immunization'
  | 'vitals'
  | 'lab'
  | 'note'
  | 'addendum'
  | 'consent'
  | 'share'
  | 'source'
  | 'encounter'
  | 'coverage'
  | 'prescription'
  | 'letter';

/** What a patient may consent to share (the clinical sections). */
export const SHAREABLE_SECTIONS = [
  'problem',
  'medication',
  'allergy',
  'immunization',
  'vitals',
  'lab',
  'note',
  'encounter',
  'coverage',
] as const;
export type ShareableSection = (typeof SHAREABLE_SECTIONS)[number];

export const SHARE_PURPOSES = {
  TREAT: 'Treatment (e.g. a referral)',
  HPAYMT: 'Payment',
  PATRQT: 'Patient request',
} as const;
export type SharePurpose = keyof typeof SHARE_PURPOSES;

/**
 * FHIR Consent: the patient's permission to share, recorded before any link exists. Who recorded
 * it comes from the verified signature (Entry.createdBy).
 */
export interface Consent {
  recipient: string;
  /** Whole chart, or the sections chosen. */
  scope: 'all' | ShareableSection[];
  purpose: SharePurpose;
  /** Last day the consent holds (calendar date). */
  expires: string;
  status: 'active' | 'inactive' | 'entered-in-error';
}

/**
 * A share link made under a consent. Its key and management secret live only inside the sealed
 * chart (any device of the practice can re-publish an `L` link or revoke it).
 */
export interface ShareLink {
  consentId: string;
  linkId: string;
  shlink: string;
  flags: '' | 'L' | 'P' | 'LP' | 'U' | 'LU';
  key: string;
  manageSecret: string;
  passcode?: string;
  /** Epoch ms when the relay stops serving it. */
  expiresAt: number;
  label: string;
  status: 'active' | 'revoked';
}

/** FHIR Condition (problem-list item). */
export interface Problem {
  text: string;
  code?: Coding;
  onsetDate?: string;
  /** When it resolved (FHIR abatementDateTime); set by `resolveProblem`. */
  abatementDate?: string;
  clinicalStatus: 'active' | 'inactive' | 'resolved';
  verificationStatus: 'confirmed' | 'entered-in-error';
  /** The visit it was recorded in (`Encounter/<id>`; lib/chart/visit). */
  encounter?: string;
}

/** RxNorm term types a medication can be picked as: ingredient, clinical/branded drug, pack. */
export type RxNormTty = 'IN' | 'SCD' | 'SBD' | 'GPCK' | 'BPCK';

/** A medication-safety alert a prescriber overrode, as the model recorded it. */
export interface MedicationOverride {
  /** The alert's key (lib/chart/safety: relative to the new medication). */
  alert: string;
  kind: 'allergy' | 'interaction' | 'duplicate' | 'record';
  severity: 'high' | 'moderate' | 'low';
  title: string;
  why: string;
  reason: string;
  at: string;
}

/** FHIR MedicationRequest. */
export interface Medication {
  drug: string;
  code?: Coding;
  /** The RxNorm term type of `code` when it was picked from RxNorm. */
  rxnormTty?: RxNormTty;
  /**
   * The RxNorm ingredients (IN RxCUIs and names) of `code` when it was picked from RxNorm;
   * drug-allergy and interaction checks read these.
   */
  ingredients?: { rxcui: string; name: string }[];
  /**
   * Medication-safety alerts overridden when it was prescribed, each with the prescriber's reason
   * (lib/chart/safety); stored in the entry, so signed and shown in its history.
   */
  overrides?: MedicationOverride[];
  dose: string;
  route: string;
  frequency: string;
  startDate?: string;
  endDate?: string;
  status: 'active' | 'stopped' | 'completed' | 'entered-in-error';
  /** Why it was stopped (FHIR statusReason), given when stopping it. */
  statusReason?: string;
  /** The signed prescription that started or last renewed it (rx/prescriptions.ts). */
  prescriptionId?: string;
  /** The visit it was recorded in (`Encounter/<id>`; lib/chart/visit). */
  encounter?: string;
}

/** FHIR AllergyIntolerance; `noKnownAllergies` records an explicit "no known allergies". */
export interface Allergy {
  substance: string;
  noKnownAllergies?: boolean;
  category?: 'food' | 'medication' | 'environment' | 'biologic';
  criticality?: 'low' | 'high' | 'unable-to-assess';
  reaction?: string;
  clinicalStatus: 'active' | 'inactive' | 'resolved';
  verificationStatus: 'confirmed' | 'refuted' | 'entered-in-error';
}

/** FHIR Immunization. */
export interface Immunization {
  cvx: string;
  vaccine: string;
  occurrenceDate: string;
  lotNumber?: string;
  status: 'completed' | 'entered-in-error';
}

/** A set of vital signs taken together (FHIR Observation, category vital-signs). */
export interface Vitals {
  effectiveDate: string;
  systolic?: number;
  diastolic?: number;
  heartRate?: number;
  respiratoryRate?: number;
  temperatureC?: number;
  spo2?: number;
  weightKg?: number;
  heightCm?: number;
  /** Occipital-frontal head circumference (LOINC 9843-4), for growth charts. */
  headCircumferenceCm?: number;
  /** Derived from weight and height, never typed. */
  bmi?: number;
  status: 'final' | 'entered-in-error';
  /** The visit it was recorded in (`Encounter/<id>`; lib/chart/visit). */
  encounter?: string;
}

/** A laboratory result (FHIR Observation, category laboratory). */
export interface LabResult {
  loinc: string;
  name: string;
  value: number | string;
  unit?: string;
  low?: number;
  high?: number;
  /** Derived from value and reference range: H, L or N. */
  interpretation?: 'H' | 'L' | 'N';
  effectiveDate: string;
  status: 'final' | 'entered-in-error';
}

export const SOAP_FIELDS = ['subjective', 'objective', 'assessment', 'plan'] as const;
export type SoapField = (typeof SOAP_FIELDS)[number];

/** An encounter with its clinical note (FHIR Encounter + DocumentReference). */
export interface Note {
  date: string;
  title: string;
  status: 'draft' | 'signed' | 'entered-in-error';
  signedAt?: string;
  /** The text as signed; once signed, the note changes only by addendum. */
  signedText?: Record<SoapField, string>;
  /** The visit it was recorded in (`Encounter/<id>`; lib/chart/visit). */
  encounter?: string;
}

export interface Addendum {
  noteId: string;
  text: string;
}

/** Who did something, from the verified signature (never a typed field). */
export interface Actor {
  memberName: string;
  member: string;
  device: string;
}

export interface Entry<T> {
  id: string;
  /** The section's fields; any section's may also hold `enteredInErrorReason`. */
  data: T;
  createdAt: string;
  updatedAt: string;
  createdBy?: Actor;
  changedBy?: Actor;
  history: { at: string; by?: Actor; changes: Record<string, unknown> }[];
}

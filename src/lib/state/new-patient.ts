/** Creating a patient from the new-patient form: validation, duplicate check, then the chart. */
import { ValidationError, type AdministrativeGender, type Issue } from '$lib/chart';
import { practice, type PatientSummary } from './practice.svelte';

export type NewPatientResult =
  | { ok: true; chartId: string }
  | { ok: false; message: string; issues: Issue[]; duplicates: PatientSummary[] };

export async function newPatient(
  input: {
    given: string;
    family: string;
    birthDate: string;
    gender: string;
    mrn: string;
    phone?: string;
    language?: string;
  },
  options: { allowDuplicate: boolean },
): Promise<NewPatientResult> {
  const patient = {
    given: input.given.trim(),
    family: input.family.trim(),
    birthDate: input.birthDate,
    gender: input.gender as AdministrativeGender,
    mrn: input.mrn.trim(),
    ...(input.phone?.trim() ? { phone: input.phone.trim() } : {}),
    ...(input.language?.trim() ? { language: input.language.trim() } : {}),
  };
  const duplicates = practice.possibleDuplicates(patient);
  if (duplicates.length > 0 && !options.allowDuplicate) {
    return { ok: false, message: 'Possible duplicate', issues: [], duplicates };
  }
  if (practice.patients.some((p) => p.mrn === patient.mrn)) {
    return {
      ok: false,
      message: 'That MRN is already in use.',
      issues: [{ field: 'mrn', message: 'That MRN is already in use.' }],
      duplicates: [],
    };
  }
  try {
    return { ok: true, chartId: await practice.createPatient(patient) };
  } catch (error) {
    if (error instanceof ValidationError) {
      return { ok: false, message: error.message, issues: error.issues, duplicates: [] };
    }
    return {
      ok: false,
      message: 'The patient could not be created. Nothing was stored.',
      issues: [],
      duplicates: [],
    };
  }
}

/**
 * The chart's entries as the safety checks read them: active medications and active, confirmed
 * allergies (`isActiveAllergy`, also the rule of the allergy banner and summary), and the checks
 * a medication or allergy form runs against them.
 */
import type { Allergy, Entry, Medication } from '../types';
import {
  checkNewAllergy,
  checkNewMedication,
  reviewChart,
  type SafetyAllergy,
  type SafetyMedication,
  type SafetyReport,
} from './check';

/** What the checks need from a chart (the model's lists, or the UI's view of them). */
export interface SafetyContext {
  medications: readonly Entry<Medication>[];
  allergies: readonly Entry<Allergy>[];
}

export function safetyMedications(context: SafetyContext): SafetyMedication[] {
  return context.medications
    .filter((m) => m.data.status === 'active')
    .map((m) => ({
      id: m.id,
      drug: m.data.drug,
      ...(m.data.code ? { code: m.data.code } : {}),
      ...(m.data.ingredients ? { ingredients: m.data.ingredients } : {}),
      ...(m.data.overrides ? { overrides: m.data.overrides } : {}),
    }));
}

/** Active, confirmed allergies (what the banner, the summary and the safety checks read). */
export const isActiveAllergy = (a: Entry<Allergy>) =>
  a.data.clinicalStatus === 'active' && a.data.verificationStatus === 'confirmed';

export function safetyAllergies(context: SafetyContext): SafetyAllergy[] {
  return context.allergies.filter(isActiveAllergy).map((a) => ({
    id: a.id,
    substance: a.data.substance,
    ...(a.data.category ? { category: a.data.category } : {}),
    ...(a.data.criticality ? { criticality: a.data.criticality } : {}),
    ...(a.data.reaction ? { reaction: a.data.reaction } : {}),
    ...(a.data.noKnownAllergies ? { noKnownAllergies: true } : {}),
  }));
}

/** A new medication against the chart. */
export function medicationSafety(
  candidate: Pick<Medication, 'drug' | 'code' | 'ingredients'>,
  context: SafetyContext,
): SafetyReport {
  return checkNewMedication({
    candidate: {
      drug: candidate.drug,
      ...(candidate.code ? { code: candidate.code } : {}),
      ...(candidate.ingredients ? { ingredients: candidate.ingredients } : {}),
    },
    medications: safetyMedications(context),
    allergies: safetyAllergies(context),
  });
}

/** A new allergy against the chart's active medications. */
export function allergySafety(
  candidate: Pick<Allergy, 'substance' | 'category' | 'criticality' | 'reaction'>,
  context: SafetyContext,
): SafetyReport {
  return checkNewAllergy({
    candidate: {
      substance: candidate.substance,
      ...(candidate.category ? { category: candidate.category } : {}),
      ...(candidate.criticality ? { criticality: candidate.criticality } : {}),
      ...(candidate.reaction ? { reaction: candidate.reaction } : {}),
    },
    medications: safetyMedications(context),
  });
}

/** Every conflict among the chart's active medications and allergies. */
export function chartSafety(context: SafetyContext): SafetyReport {
  return reviewChart({
    medications: safetyMedications(context),
    allergies: safetyAllergies(context),
  });
}

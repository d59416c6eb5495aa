/**
 * Prescriptions for the UI: the form's vocabularies, what a form would prescribe (issues,
 * warnings and the sig in words, read by the same module the sign command checks with), the
 * safety report signing will check, the printed prescription on the practice's letterhead,
 * and the e-prescribing boundary (no network partner: nothing is sent).
 */
import {
  FREQUENCIES,
  ROUTES,
  UNITS,
  frequencyLabel,
  notConfigured,
  prescriptionSafety,
  printedPrescription,
  quantityText,
  readPrescriptionForm,
  refillsText,
  sigText,
  type FrequencyKey,
  type Issue,
  type PrintedPrescription,
} from '$lib/chart';
import type { SafetyReport } from '$lib/chart/safety/check';
import type { ChartView, Entry, Prescription } from './chart.svelte';
import { session } from './session.svelte';

export type { PrintedPrescription };

export const UNIT_OPTIONS = Object.entries(UNITS).map(([value, u]) => ({ value, label: u.label }));
export const ROUTE_OPTIONS = Object.entries(ROUTES).map(([value, r]) => ({
  value,
  label: r.label,
}));
export const FREQUENCY_OPTIONS = Object.keys(FREQUENCIES).map((value) => ({
  value,
  label: frequencyLabel(value as FrequencyKey),
}));

/** A new form's values. */
export function blankPrescription(): Record<string, string> {
  return {
    search: '',
    drug: '',
    code: '',
    rxnormTty: '',
    ingredients: '',
    doseValue: '',
    doseUnit: 'tablet',
    route: 'oral',
    frequency: 'QD',
    durationDays: '',
    quantityValue: '',
    quantityUnit: 'tablet',
    refills: '0',
    substitutionAllowed: 'yes',
    controlled: 'no',
    note: '',
    credentials: '',
    npi: '',
    dea: '',
    practiceAddress: '',
    practicePhone: '',
  };
}

export interface RxPreview {
  issues: Issue[];
  warnings: Issue[];
  /** The sig, quantity and refills in words (when the form is complete). */
  sig?: string;
  quantity?: string;
  refills?: string;
  /** Against the chart, as signing will check it. */
  safety: SafetyReport;
}

/** What the form would prescribe, as the model reads it. */
export function previewPrescription(
  view: ChartView | null,
  values: Record<string, string>,
): RxPreview {
  const { input, issues, warnings } = readPrescriptionForm(values);
  const drug = (values.drug ?? '').trim();
  const safety =
    view && drug
      ? prescriptionSafety(input ?? { drug }, {
          medications: view.medications,
          allergies: view.allergies,
        })
      : { alerts: [], unchecked: [] };
  if (!input) return { issues, warnings, safety };
  return {
    issues,
    warnings,
    sig: sigText(input),
    quantity: quantityText(input),
    refills: refillsText(input.refills),
    safety,
  };
}

/** The safety report of a stored draft (what signing will check). */
export function draftSafety(view: ChartView | null, rx: Entry<Prescription>): SafetyReport {
  if (!view) return { alerts: [], unchecked: [] };
  return prescriptionSafety(rx.data, { medications: view.medications, allergies: view.allergies });
}

/** The sig of a stored prescription in words. */
export const storedSig = (rx: Entry<Prescription>): string => sigText(rx.data);
export const storedQuantity = (rx: Entry<Prescription>): string => quantityText(rx.data);
export const storedRefills = (rx: Entry<Prescription>): string => refillsText(rx.data.refills);

/** The printed prescription on this practice's letterhead, or null unless signed. */
export function printView(
  view: ChartView | null,
  rx: Entry<Prescription>,
): PrintedPrescription | null {
  if (!view) return null;
  return printedPrescription(rx, view.patient, session.session?.practiceName ?? '');
}

/** Electronic transmission: no network partner is configured (lib/chart/rx/transmit.ts). */
export const transmitter = notConfigured;

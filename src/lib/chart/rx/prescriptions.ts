/**
 * Prescriptions: a FHIR MedicationRequest with intent `order`, kept as chart entries of the
 * `prescription` section. A prescription is a draft until signed; signing re-runs the
 * medication-safety checks (the same check and override rule as adding a medication,
 * sections/medications.ts `safetyOverrides`), records when, and puts the drug on the active
 * medication list (or renews the active entry of the same drug). Who signed is the verified
 * author of the signing change (the entry's history), never a stored name. A signed
 * prescription is never edited: it can only be cancelled, with a reason. Nothing is deleted.
 *
 * Electronic transmission is not here: see transmit.ts (no network partner yet).
 */
import { ChartError } from '../errors';
import { checkReason } from '../destructive';
import { medicationCommands, safetyOverrides } from '../sections/medications';
import type { EntryStore, SubmitOptions } from '../sections/section';
import { encodeIngredients, rxnormFromForm } from '../terminology/picker';
import { medicationSafety, type SafetyContext } from '../safety/chart-items';
import type { SafetyReport } from '../safety/check';
import type { Actor, Entry, Medication, MedicationOverride } from '../types';
import { type Issue, ValidationError } from '../validate';
import { letterheadIssues, MAX_TEXT } from './identifiers';
import { FREQUENCIES, ROUTES, UNITS, readOrder, type RxOrder } from './sig';

export interface Prescription extends RxOrder {
  drug: string;
  code?: Medication['code'];
  rxnormTty?: Medication['rxnormTty'];
  ingredients?: Medication['ingredients'];
  /** A controlled substance (US schedules II–V): the prescriber's DEA number is required. */
  controlled: boolean;
  /** The prescriber's details printed and exported; the name comes from the signature. */
  prescriber: { credentials: string; npi: string; dea?: string };
  /** The practice's letterhead details (its name is the practice's own). */
  practice: { address: string; phone: string };
  status: 'draft' | 'active' | 'cancelled' | 'entered-in-error';
  /** When it was signed (ISO time). */
  signedAt?: string;
  /** Safety alerts overridden when signing, each with the prescriber's reason. */
  overrides?: MedicationOverride[];
  /** The medication-list entry it started or renewed. */
  medicationId?: string;
  /** Why it was cancelled. */
  cancelReason?: string;
  /** The visit it was written in (`Encounter/<id>`; lib/chart/visit). */
  encounter?: string;
}

/** The prescription a form describes, before it is stored. */
export type PrescriptionInput = Omit<
  Prescription,
  'status' | 'signedAt' | 'overrides' | 'medicationId' | 'cancelReason' | 'encounter'
>;

/**
 * Reads a prescription form (all strings). `issues` block saving; `warnings` (e.g. a quantity
 * that does not cover the duration) are shown and never block.
 */
export function readPrescriptionForm(v: Record<string, string | undefined>): {
  input: PrescriptionInput | null;
  issues: Issue[];
  warnings: Issue[];
} {
  const issues: Issue[] = [];
  const drug = (v.drug ?? '').trim();
  if (drug === '') issues.push({ field: 'drug', message: 'Medication is required.' });
  else if (drug.length > MAX_TEXT)
    issues.push({
      field: 'drug',
      message: `Medication is too long (${MAX_TEXT} characters at most).`,
    });
  let coded: ReturnType<typeof rxnormFromForm> = {};
  try {
    coded = rxnormFromForm(v as Record<string, string>);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    issues.push(...error.issues);
  }
  if (drug !== '' && !coded.code && !issues.some((i) => i.field === 'code'))
    issues.push({
      field: 'code',
      message:
        'A prescription needs an RxNorm drug: pick it from "Search codes (RxNorm)" or type its RxCUI.',
    });
  const { order, issues: orderIssues, warnings } = readOrder(v);
  issues.push(...orderIssues);

  const controlled = v.controlled === 'yes';
  issues.push(...letterheadIssues(v, { controlled }));
  const credentials = (v.credentials ?? '').trim();
  const npi = (v.npi ?? '').trim();
  const dea = (v.dea ?? '').trim().toUpperCase();
  const address = (v.practiceAddress ?? '').trim();
  const phone = (v.practicePhone ?? '').trim();

  if (issues.length > 0 || !order) return { input: null, issues, warnings };
  return {
    input: {
      drug,
      ...coded,
      ...order,
      controlled,
      prescriber: { credentials, npi, ...(dea ? { dea } : {}) },
      practice: { address, phone },
    },
    issues,
    warnings,
  };
}

/** The form values that describe a stored prescription (to check it again when signing). */
export function formValuesOf(p: PrescriptionInput): Record<string, string> {
  return {
    drug: p.drug,
    code: p.code?.code ?? '',
    rxnormTty: p.rxnormTty ?? '',
    ingredients: encodeIngredients(p.ingredients ?? []),
    doseValue: String(p.doseValue),
    doseUnit: p.doseUnit,
    route: p.route,
    frequency: p.frequency,
    durationDays: String(p.durationDays),
    quantityValue: String(p.quantityValue),
    quantityUnit: p.quantityUnit,
    refills: String(p.refills),
    substitutionAllowed: p.substitutionAllowed ? 'yes' : 'no',
    note: p.note ?? '',
    controlled: p.controlled ? 'yes' : 'no',
    credentials: p.prescriber.credentials,
    npi: p.prescriber.npi,
    dea: p.prescriber.dea ?? '',
    practiceAddress: p.practice.address,
    practicePhone: p.practice.phone,
  };
}

/** @throws ValidationError listing every problem */
function checked(v: Record<string, string | undefined>): PrescriptionInput {
  const { input, issues } = readPrescriptionForm(v);
  if (!input) throw new ValidationError(issues);
  return input;
}

/** Who signed: the verified author of the change that made it active. */
export function signerOf(e: Entry<Prescription>): Actor | undefined {
  return e.history.find((h) => h.changes.status === 'active')?.by;
}

/** The medication-list entry a prescription of this drug renews: the active one of the same drug. */
function sameDrug(store: EntryStore, p: PrescriptionInput): Entry<Medication> | undefined {
  return renewedIn(medicationCommands.list(store), p);
}

function renewedIn(
  medications: readonly Entry<Medication>[],
  p: Pick<PrescriptionInput, 'drug' | 'code'>,
): Entry<Medication> | undefined {
  const name = p.drug.trim().toLowerCase();
  return medications.find(
    (m) =>
      m.data.status === 'active' &&
      (p.code && m.data.code
        ? m.data.code.system === p.code.system && m.data.code.code === p.code.code
        : m.data.drug.trim().toLowerCase() === name),
  );
}

/**
 * The safety report signing will check (the UI shows it before signing): the drug against the
 * chart's active medications — leaving out the entry a renewal replaces — and allergies.
 */
export function prescriptionSafety(
  p: Pick<PrescriptionInput, 'drug' | 'code' | 'ingredients'>,
  context: SafetyContext,
): SafetyReport {
  const renews = renewedIn(context.medications, p);
  return medicationSafety(p, {
    medications: context.medications.filter((m) => m.id !== renews?.id),
    allergies: context.allergies,
  });
}

/** What the medication list says about a prescription. */
const medicationFields = (p: PrescriptionInput) => ({
  dose: `${p.doseValue} ${UNITS[p.doseUnit].label}`,
  route: ROUTES[p.route].label,
  frequency: FREQUENCIES[p.frequency].words,
});

export const prescriptionCommands = {
  list: (store: EntryStore) => store.list<Prescription>('prescription', 'createdAt'),
  /** Saves a draft. @throws ValidationError */
  draft(store: EntryStore, values: Record<string, string>): string {
    const encounter = values.encounter?.trim();
    return store.add('prescription', {
      ...checked(values),
      ...(encounter ? { encounter } : {}),
      status: 'draft',
    });
  },
  /**
   * Signs a draft: checks it again, runs the medication-safety checks (every high-severity
   * alert needs an override with a reason), then records the signature time and adds the drug
   * to the active medication list — or renews the active entry of the same drug.
   * @throws ValidationError, ChartError('not-draft' | 'safety-override-needed')
   */
  sign(store: EntryStore, id: string, options: SubmitOptions = {}): string {
    const rx = store.entry(id, 'prescription');
    if (rx.fields.status !== 'draft')
      throw new ChartError('not-draft', 'Only a draft prescription can be signed.');
    const input = checked(formValuesOf(rx.fields as unknown as PrescriptionInput));
    const renews = sameDrug(store, input);
    const overrides = safetyOverrides(store, input, options, renews?.id);
    const at = store.now();
    let medicationId: string;
    if (renews) {
      medicationId = renews.id;
      store.update(renews.id, { ...medicationFields(input), prescriptionId: id });
    } else {
      medicationId = medicationCommands.add(
        store,
        {
          drug: input.drug,
          ...(input.code ? { code: input.code } : {}),
          ...(input.rxnormTty ? { rxnormTty: input.rxnormTty } : {}),
          ...(input.ingredients ? { ingredients: input.ingredients } : {}),
          ...medicationFields(input),
          startDate: at.slice(0, 10),
          prescriptionId: id,
          // Started in the visit the prescription was written in.
          ...(typeof rx.fields.encounter === 'string' ? { encounter: rx.fields.encounter } : {}),
        },
        options,
      );
    }
    store.update(id, {
      status: 'active',
      signedAt: at,
      medicationId,
      ...(overrides.length > 0 ? { overrides } : {}),
    });
    return medicationId;
  },
  /**
   * Cancels a draft or signed prescription with a reason. The medication it started stays on
   * the list (it may have been dispensed): stopping it is the clinician's separate step.
   * @throws ValidationError without a reason, ChartError('not-cancellable')
   */
  cancel(store: EntryStore, id: string, reason: string): void {
    const why = checkReason(reason, 'Reason for cancelling');
    const rx = store.entry(id, 'prescription');
    if (rx.fields.status !== 'draft' && rx.fields.status !== 'active')
      throw new ChartError('not-cancellable', 'This prescription is already cancelled.');
    store.update(id, { status: 'cancelled', cancelReason: why });
  },
};

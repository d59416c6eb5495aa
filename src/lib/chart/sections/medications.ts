/** Medications (FHIR MedicationRequest; MedicationStatement on import): validation, commands, FHIR. */
import { checkReason } from '../destructive';
import { ChartError } from '../errors';
import type { FhirResource } from '../fhir-codes';
import { medicationSafety } from '../safety/chart-items';
import { unacknowledged } from '../safety/check';
import { SYSTEMS, type Entry, type Medication, type MedicationOverride } from '../types';
import { rxnormFromForm, rxnormIssues } from '../terminology/picker';
import { Checker, ValidationError } from '../validate';
import { arr, codingOf, conceptText, dateOf, obj, str } from './fhir-read';
import { compact, concept } from './fhir-write';
import {
  defineSection,
  oneToOne,
  type EntryStore,
  type ExportContext,
  type SubmitOptions,
} from './section';

/** @throws ValidationError */
export function checkMedication(input: Partial<Medication>): void {
  const c = new Checker()
    .required('drug', input.drug, 'Medication')
    .maxLength('drug', input.drug, 200, 'Medication')
    .date('startDate', input.startDate, 'Start date', { past: false })
    .date('endDate', input.endDate, 'End date', { past: false });
  c.issues.push(...rxnormIssues(input));
  c.done();
  new Checker()
    .order('endDate', input.startDate, input.endDate, 'End date is before the start date.')
    .done();
}

const MAX_REASON = 500;

/**
 * The safety check of a new medication against the chart's active medications and allergies:
 * every high-severity alert needs an override with a reason, or nothing is stored. Returns the
 * overrides to record, with the alert as the model sees it (never the caller's wording).
 * Prescriptions (rx/prescriptions.ts) run the same check when signed.
 * @throws ValidationError (reason too long), ChartError('safety-override-needed')
 */
export function safetyOverrides(
  store: EntryStore,
  input: Pick<Medication, 'drug' | 'code' | 'ingredients'>,
  options: SubmitOptions,
  /** An active medication left out of the check (the one a renewal replaces). */
  exclude?: string,
): MedicationOverride[] {
  const given = (Array.isArray(options.overrides) ? options.overrides : []).filter(
    (o) => typeof o?.alert === 'string' && typeof o.reason === 'string',
  );
  if (given.some((o) => o.reason.trim().length > MAX_REASON))
    throw new ValidationError([
      { field: 'overrides', message: `The reason is longer than ${MAX_REASON} characters.` },
    ]);
  const report = medicationSafety(input, {
    medications: medicationCommands.list(store).filter((m) => m.id !== exclude),
    allergies: store.list('allergy', 'createdAt'),
  });
  const missing = unacknowledged(report, given);
  if (missing.length > 0)
    throw new ChartError(
      'safety-override-needed',
      `${input.drug.trim()} raises a high-severity alert that needs a reason to override: ${missing.map((a) => a.title).join('; ')}.`,
    );
  const at = store.now();
  return report.alerts.flatMap((a) => {
    const o = given.find((g) => g.alert === a.key && g.reason.trim() !== '');
    if (!o) return [];
    const { kind, severity, title, why } = a;
    return [{ alert: a.key, kind, severity, title, why, reason: o.reason.trim(), at }];
  });
}

export const medicationCommands = {
  list: (store: EntryStore) => store.list<Medication>('medication', 'startDate'),
  /**
   * Adds an active medication after the safety checks (lib/chart/safety).
   * @throws ValidationError, ChartError('safety-override-needed')
   */
  add(store: EntryStore, input: Omit<Medication, 'status'>, options: SubmitOptions = {}): string {
    checkMedication(input);
    const overrides = safetyOverrides(store, input, options);
    return store.add('medication', {
      ...input,
      ...(overrides.length > 0 ? { overrides } : {}),
      status: 'active',
    });
  },
  /** Stops an active medication with the date and the clinician's reason (FHIR statusReason). */
  stop(store: EntryStore, id: string, endDate: string, reason: string): void {
    new Checker().date('endDate', endDate, 'Stop date', { required: true, past: false }).done();
    const statusReason = checkReason(reason, 'Reason for stopping');
    const med = store.entry(id, 'medication');
    if (med.fields.status !== 'active')
      throw new ChartError('not-active', 'Only an active medication can be stopped.');
    new Checker()
      .order('endDate', med.fields.startDate, endDate, 'Stop date is before the start date.')
      .done();
    store.update(id, { status: 'stopped', endDate, statusReason });
  },
};

const ALERT_KIND: Record<MedicationOverride['kind'], string> = {
  allergy: 'Drug-allergy alert',
  interaction: 'Drug-drug interaction alert',
  duplicate: 'Duplicate therapy alert',
  record: 'Conflicting record alert',
};

/**
 * Each safety alert overridden when prescribing, as a FHIR DetectedIssue that implicates the
 * MedicationRequest; the prescriber's reason is its mitigation.
 */
export function overridesToFhir(e: Entry<Medication>, { subject }: ExportContext): FhirResource[] {
  return (e.data.overrides ?? []).map((o, i) => ({
    resourceType: 'DetectedIssue',
    id: `${e.id}-alert-${i + 1}`,
    status: 'final',
    code: { text: ALERT_KIND[o.kind] ?? 'Medication safety alert' },
    severity: o.severity,
    patient: subject,
    identifiedDateTime: o.at,
    implicated: [{ reference: `MedicationRequest/${e.id}` }],
    detail: `${o.title}. ${o.why}`,
    mitigation: [{ action: { text: `Overridden by the prescriber: ${o.reason}` }, date: o.at }],
  }));
}

export function medicationToFhir(e: Entry<Medication>, { subject }: ExportContext): FhirResource {
  const d = e.data;
  return compact({
    resourceType: 'MedicationRequest',
    id: e.id,
    status: d.status,
    statusReason: d.statusReason ? { text: d.statusReason } : undefined,
    intent: 'order',
    medicationCodeableConcept: concept(d.drug, d.code),
    subject,
    encounter: d.encounter ? { reference: d.encounter } : undefined,
    authoredOn: e.createdAt,
    basedOn: d.prescriptionId
      ? [{ reference: `MedicationRequest/${d.prescriptionId}` }]
      : undefined,
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
  });
}

const ROUTES = [
  'oral',
  'sublingual',
  'topical',
  'inhaled',
  'intramuscular',
  'intravenous',
  'subcutaneous',
  'rectal',
  'other',
];

const MED_STATUS: Record<string, Medication['status']> = {
  active: 'active',
  'on-hold': 'active',
  intended: 'active',
  completed: 'completed',
  stopped: 'stopped',
  cancelled: 'stopped',
  'not-taken': 'stopped',
  'entered-in-error': 'entered-in-error',
};

/** An imported MedicationRequest or MedicationStatement (null without a drug or known status). */
export function medicationOf(r: FhirResource): Medication | null {
  // A Folio prescription (rx/fhir.ts) is kept verbatim: its medication-list entry comes beside it.
  if (arr(r.identifier).some((i) => obj(i).system === 'urn:folio:prescription')) return null;
  const drug = conceptText(r.medicationCodeableConcept) || str(obj(r.medicationReference).display);
  const status = MED_STATUS[str(r.status)];
  if (!drug || !status) return null;
  const dosage = obj(arr(r.dosageInstruction ?? r.dosage)[0]);
  const bounds = obj(obj(obj(dosage.timing).repeat).boundsPeriod);
  const period = obj(r.effectivePeriod);
  const start = dateOf(bounds.start ?? period.start ?? r.authoredOn ?? r.effectiveDateTime);
  const end = dateOf(bounds.end ?? period.end);
  const code = codingOf(r.medicationCodeableConcept, [SYSTEMS.rxnorm]);
  const statusReason = conceptText(r.statusReason);
  return {
    drug,
    ...(code ? { code } : {}),
    dose: str(dosage.text),
    route: conceptText(dosage.route),
    frequency: conceptText(obj(dosage.timing).code),
    ...(start ? { startDate: start } : {}),
    ...(end ? { endDate: end } : {}),
    status,
    ...(statusReason ? { statusReason } : {}),
  };
}

/**
 * The form's medication for the safety check while it is being filled in: a field the add
 * command will refuse (e.g. a damaged RxNorm pick) leaves the check to the drug's name.
 */
function checkedInput(
  v: Record<string, string>,
): Pick<Medication, 'drug' | 'code' | 'ingredients'> {
  try {
    return formInput(v);
  } catch (error) {
    if (error instanceof ValidationError) return { drug: v.drug ?? '' };
    throw error;
  }
}

/** The medication the add form describes. */
const formInput = (v: Record<string, string>): Omit<Medication, 'status'> => ({
  drug: v.drug ?? '',
  ...rxnormFromForm(v),
  dose: v.dose ?? '',
  route: v.route ?? '',
  frequency: v.frequency ?? '',
  startDate: v.startDate || undefined,
  encounter: v.encounter || undefined,
});

export const medications = defineSection<Medication>({
  name: 'medication',
  label: 'Medications',
  tab: 'Medications',
  viewKey: 'medications',
  sortBy: 'startDate',
  errorField: 'status',
  summaryLine: (e) => `${e.data.drug} ${e.data.dose} ${e.data.frequency}`,
  summary: {
    title: 'Active medications',
    empty: 'None',
    as: 'list',
    pick: (entries) => entries.filter((m) => m.data.status === 'active'),
  },
  form: {
    title: 'New medication',
    addLabel: 'Add medication',
    fields: [
      {
        key: 'search',
        label: 'Search codes (RxNorm)',
        kind: 'code',
        code: {
          system: 'rxnorm',
          codeKey: 'code',
          textKey: 'drug',
          fill: { tty: 'rxnormTty', ingredients: 'ingredients' },
        },
      },
      { key: 'drug', label: 'Medication', errors: true },
      { key: 'code', label: 'RxNorm code (RxCUI)', placeholder: 'e.g. 197884', errors: true },
      { key: 'dose', label: 'Dose', placeholder: 'e.g. 10 mg' },
      {
        key: 'route',
        label: 'Route',
        kind: 'select',
        initial: 'oral',
        keep: true,
        options: ROUTES.map((r) => ({ value: r, label: r })),
      },
      { key: 'frequency', label: 'Frequency', placeholder: 'e.g. once daily' },
      {
        key: 'startDate',
        label: 'Start date',
        kind: 'date',
        initial: 'today',
        keep: true,
        errors: true,
      },
    ],
    submit: (store, v, options) => medicationCommands.add(store, formInput(v), options),
    safety: {
      interruptive: true,
      check: (v, chart) =>
        (v.drug ?? '').trim() === ''
          ? { alerts: [], unchecked: [] }
          : medicationSafety(checkedInput(v), chart),
    },
  },
  fhirOut: {
    types: ['MedicationRequest', 'DetectedIssue'],
    render: (e, context) => [medicationToFhir(e, context), ...overridesToFhir(e, context)],
  },
  fhirIn: {
    types: ['MedicationRequest', 'MedicationStatement'],
    importer: oneToOne(medicationOf),
  },
});

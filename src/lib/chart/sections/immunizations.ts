/** Immunizations (FHIR Immunization, CVX codes): validation, commands, FHIR out and in. */
import { VACCINES, vaccineByCode } from '../cvx';
import type { FhirResource } from '../fhir-codes';
import { SYSTEMS, type Entry, type Immunization } from '../types';
import { codeFormatProblem } from '../terminology/codes';
import { Checker } from '../validate';
import { codings, conceptText, dateOf, str } from './fhir-read';
import { compact, concept } from './fhir-write';
import { defineSection, oneToOne, type EntryStore, type ExportContext } from './section';

export interface ImmunizationInput {
  cvx: string;
  occurrenceDate: string;
  lotNumber?: string;
}

/** Checks an immunization; answers the vaccine of its CVX code. @throws ValidationError */
export function checkImmunization(input: ImmunizationInput): { name: string } {
  const c = new Checker().date('occurrenceDate', input.occurrenceDate, 'Date given', {
    required: true,
  });
  const vaccine = vaccineByCode(input.cvx);
  if (!vaccine)
    c.issues.push({
      field: 'cvx',
      message:
        (input.cvx?.trim() && codeFormatProblem('cvx', input.cvx)) ||
        'Choose a vaccine from the CVX list.',
    });
  c.maxLength('lotNumber', input.lotNumber, 40, 'Lot number').done();
  return vaccine!;
}

export const immunizationCommands = {
  list: (store: EntryStore) => store.list<Immunization>('immunization', 'occurrenceDate'),
  add(store: EntryStore, input: ImmunizationInput): string {
    const vaccine = checkImmunization(input);
    return store.add('immunization', { ...input, vaccine: vaccine.name, status: 'completed' });
  },
};

export function immunizationToFhir(
  e: Entry<Immunization>,
  { subject }: ExportContext,
): FhirResource {
  const d = e.data;
  return compact({
    resourceType: 'Immunization',
    id: e.id,
    status: d.status,
    vaccineCode: concept(d.vaccine, { system: SYSTEMS.cvx, code: d.cvx, display: d.vaccine }),
    patient: subject,
    occurrenceDateTime: d.occurrenceDate,
    recorded: e.createdAt,
    lotNumber: d.lotNumber,
  });
}

/** An imported Immunization (null without a CVX code, a date or a status Folio models). */
export function immunizationOf(r: FhirResource): Immunization | null {
  const cvx = codings(r.vaccineCode).find((c) => str(c.system) === SYSTEMS.cvx);
  const date = dateOf(r.occurrenceDateTime);
  const status = str(r.status);
  if (!cvx || !date || (status !== 'completed' && status !== 'entered-in-error')) return null;
  const code = str(cvx.code);
  return {
    cvx: code,
    vaccine: str(cvx.display) || vaccineByCode(code)?.name || conceptText(r.vaccineCode) || code,
    occurrenceDate: date,
    ...(str(r.lotNumber) ? { lotNumber: str(r.lotNumber) } : {}),
    status,
  };
}

export const immunizations = defineSection<Immunization>({
  name: 'immunization',
  label: 'Immunizations',
  tab: 'Immunizations',
  viewKey: 'immunizations',
  sortBy: 'occurrenceDate',
  errorField: 'status',
  summaryLine: (e) => `${e.data.vaccine} (${e.data.occurrenceDate})`,
  form: {
    title: 'New immunization',
    addLabel: 'Add immunization',
    fields: [
      {
        key: 'search',
        label: 'Search codes (CVX)',
        kind: 'code',
        code: { system: 'cvx', codeKey: 'cvx' },
      },
      {
        key: 'cvx',
        label: 'Vaccine (CVX)',
        kind: 'select',
        prompt: 'Choose…',
        options: VACCINES.map((v) => ({ value: v.code, label: `${v.code} — ${v.name}` })),
        errors: true,
      },
      {
        key: 'occurrenceDate',
        label: 'Date given',
        kind: 'date',
        initial: 'today',
        past: true,
        keep: true,
        errors: true,
      },
      { key: 'lotNumber', label: 'Lot number' },
    ],
    submit: (store, v) =>
      immunizationCommands.add(store, {
        cvx: v.cvx ?? '',
        occurrenceDate: v.occurrenceDate ?? '',
        lotNumber: v.lotNumber || undefined,
      }),
  },
  fhirOut: {
    types: ['Immunization'],
    render: (e, context) => [immunizationToFhir(e, context)],
  },
  fhirIn: { types: ['Immunization'], importer: oneToOne(immunizationOf) },
});

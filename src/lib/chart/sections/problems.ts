/** Problems (FHIR Condition, problem-list item): validation, commands, FHIR out and in. */
import { ChartError } from '../errors';
import type { FhirResource } from '../fhir-codes';
import { SYSTEMS, type Entry, type Problem } from '../types';
import { codingIssue, normalizeCode } from '../terminology/codes';
import { Checker } from '../validate';
import { codingOf, conceptText, dateOf, firstCode, obj } from './fhir-read';
import { compact, concept, dateTime, status, TERMINOLOGY } from './fhir-write';
import { defineSection, oneToOne, type EntryStore, type ExportContext } from './section';

export type ProblemInput = Omit<Problem, 'clinicalStatus' | 'verificationStatus'> &
  Partial<Problem>;

/** @throws ValidationError */
export function checkProblem(input: Partial<Problem>): void {
  const c = new Checker()
    .required('text', input.text, 'Problem')
    .maxLength('text', input.text, 300, 'Problem')
    .date('onsetDate', input.onsetDate, 'Onset date');
  // SNOMED CT codes arrive by import; the picker records ICD-10-CM.
  const code = codingIssue('code', input.code, ['icd10cm', 'snomed'], 'Problem');
  if (code) c.issues.push(code);
  c.done();
}

export const problemCommands = {
  list: (store: EntryStore) => store.list<Problem>('problem', 'onsetDate'),
  add(store: EntryStore, input: ProblemInput): string {
    checkProblem(input);
    return store.add('problem', {
      clinicalStatus: 'active',
      verificationStatus: 'confirmed',
      ...input,
    });
  },
  resolve(store: EntryStore, id: string, abatementDate?: string): void {
    const problem = store.entry(id, 'problem');
    const onset = problem.fields.onsetDate;
    new Checker()
      .date('abatementDate', abatementDate, 'Resolved date', {
        notBefore: typeof onset === 'string' ? onset : undefined,
      })
      .done();
    if (
      problem.fields.clinicalStatus === 'resolved' ||
      problem.fields.verificationStatus === 'entered-in-error'
    )
      throw new ChartError('not-active', 'This problem is already resolved or entered in error.');
    store.update(id, { clinicalStatus: 'resolved', abatementDate });
  },
};

export function problemToFhir(e: Entry<Problem>, { subject }: ExportContext): FhirResource {
  const d = e.data;
  const inError = d.verificationStatus === 'entered-in-error';
  return compact({
    resourceType: 'Condition',
    id: e.id,
    // con-5: no clinical status on an entered-in-error condition.
    clinicalStatus: inError ? undefined : status('condition-clinical', d.clinicalStatus),
    verificationStatus: status('condition-ver-status', d.verificationStatus),
    category: [
      {
        coding: [{ system: `${TERMINOLOGY}/condition-category`, code: 'problem-list-item' }],
      },
    ],
    code: concept(d.text, d.code),
    subject,
    onsetDateTime: dateTime(d.onsetDate),
    abatementDateTime: dateTime(d.abatementDate),
    recordedDate: e.createdAt,
    encounter: d.encounter ? { reference: d.encounter } : undefined,
  });
}

/** An imported Condition as a problem (null when it has no text to show). */
export function problemOf(r: FhirResource): Problem | null {
  const text = conceptText(r.code);
  if (!text) return null;
  const clinical = firstCode(r.clinicalStatus);
  const verification = firstCode(r.verificationStatus);
  return {
    text,
    ...(codingOf(r.code, [SYSTEMS.icd10cm, SYSTEMS.snomed])
      ? { code: codingOf(r.code, [SYSTEMS.icd10cm, SYSTEMS.snomed]) }
      : {}),
    ...(dateOf(r.onsetDateTime ?? obj(r.onsetPeriod).start)
      ? { onsetDate: dateOf(r.onsetDateTime ?? obj(r.onsetPeriod).start) }
      : {}),
    ...(dateOf(r.abatementDateTime) ? { abatementDate: dateOf(r.abatementDateTime) } : {}),
    clinicalStatus:
      clinical === 'resolved'
        ? 'resolved'
        : clinical === 'inactive' || clinical === 'remission'
          ? 'inactive'
          : 'active',
    verificationStatus: verification === 'entered-in-error' ? 'entered-in-error' : 'confirmed',
  };
}

export const problems = defineSection<Problem>({
  name: 'problem',
  label: 'Problems',
  tab: 'Problems',
  viewKey: 'problems',
  sortBy: 'onsetDate',
  errorField: 'verificationStatus',
  summaryLine: (e) => e.data.text,
  summary: {
    title: 'Active problems',
    empty: 'None',
    as: 'list',
    pick: (entries) =>
      entries.filter(
        (p) => p.data.clinicalStatus === 'active' && p.data.verificationStatus === 'confirmed',
      ),
  },
  form: {
    title: 'New problem',
    addLabel: 'Add problem',
    fields: [
      {
        key: 'search',
        label: 'Search codes (ICD-10-CM)',
        kind: 'code',
        code: { system: 'icd10cm', codeKey: 'code', textKey: 'text' },
      },
      { key: 'text', label: 'Problem', errors: true },
      { key: 'code', label: 'ICD-10-CM code', placeholder: 'e.g. I10', errors: true },
      { key: 'onsetDate', label: 'Onset date', kind: 'date', past: true, errors: true },
    ],
    submit(store, v) {
      const icd = v.code ?? '';
      const code = icd.trim()
        ? {
            system: SYSTEMS.icd10cm,
            code: normalizeCode('icd10cm', icd),
            display: (v.text ?? '').trim(),
          }
        : undefined;
      return problemCommands.add(store, {
        text: v.text ?? '',
        onsetDate: v.onsetDate || undefined,
        code,
        encounter: v.encounter || undefined,
      });
    },
  },
  fhirOut: {
    types: ['Condition'],
    render: (e, context) => [problemToFhir(e, context)],
  },
  fhirIn: { types: ['Condition'], importer: oneToOne(problemOf) },
});

/** Lab results (FHIR Observation, category laboratory): validation, commands, FHIR out and in. */
import type { FhirResource } from '../fhir-codes';
import { SYSTEMS, type Entry, type LabResult } from '../types';
import { labEntryIssues } from '../lab-entry';
import { loadedUnits } from '../units';
import { codeFormatProblem } from '../terminology/codes';
import { Checker, ValidationError, type Issue } from '../validate';
import { arr, codingOf, conceptText, dateOf, firstCode, isCategory, obj, str } from './fhir-read';
import { compact, loinc, OBSERVATION_CATEGORY, quantity, TERMINOLOGY } from './fhir-write';
import { defineSection, oneToOne, type EntryStore, type ExportContext } from './section';

export type LabInput = Omit<LabResult, 'status' | 'interpretation'>;

/** @throws ValidationError */
export function checkLab(input: LabInput): void {
  // A test outside the shipped LOINC list may be recorded uncoded, by its name.
  const c = new Checker()
    .required('name', input.name, 'Test')
    .date('effectiveDate', input.effectiveDate, 'Date', { required: true });
  const loincProblem = input.loinc ? codeFormatProblem('loinc', input.loinc) : null;
  if (loincProblem) c.issues.push({ field: 'loinc', message: loincProblem });
  if (input.low !== undefined && input.high !== undefined && input.low > input.high) {
    c.issues.push({ field: 'low', message: 'The reference range is reversed.' });
  }
  c.done();
}

/** H, L or N from a numeric value and its reference range (undefined without either). */
export function interpret(input: LabInput): LabResult['interpretation'] {
  const v = typeof input.value === 'number' ? input.value : Number.NaN;
  return Number.isFinite(v) && (input.low !== undefined || input.high !== undefined)
    ? input.high !== undefined && v > input.high
      ? 'H'
      : input.low !== undefined && v < input.low
        ? 'L'
        : 'N'
    : undefined;
}

/** A typed number ('' is none; a decimal comma is accepted). */
const num = (s: string) => (s.trim() === '' ? undefined : Number(s.replace(',', '.')));

export const labCommands = {
  list: (store: EntryStore) => store.list<LabResult>('lab', 'effectiveDate'),
  add(store: EntryStore, input: LabInput): string {
    checkLab(input);
    return store.add('lab', { ...input, interpretation: interpret(input), status: 'final' });
  },
};

export function labToFhir(e: Entry<LabResult>, { subject }: ExportContext): FhirResource {
  const d = e.data;
  const numeric = typeof d.value === 'number';
  return compact({
    resourceType: 'Observation',
    id: e.id,
    status: d.status === 'entered-in-error' ? 'entered-in-error' : 'final',
    category: [
      {
        coding: [{ system: OBSERVATION_CATEGORY, code: 'laboratory', display: 'Laboratory' }],
      },
    ],
    code: d.loinc ? loinc(d.loinc, d.name) : { text: d.name },
    subject,
    effectiveDateTime: d.effectiveDate,
    valueQuantity: numeric
      ? compact({ ...quantity(d.value as number, d.unit ?? ''), unit: d.unit, code: d.unit })
      : undefined,
    valueString: numeric ? undefined : String(d.value),
    interpretation: d.interpretation
      ? [
          {
            coding: [
              {
                system: `${TERMINOLOGY}/v3-ObservationInterpretation`,
                code: d.interpretation,
              },
            ],
          },
        ]
      : undefined,
    referenceRange:
      d.low !== undefined || d.high !== undefined
        ? [
            compact({
              low: d.low !== undefined ? quantity(d.low, d.unit) : undefined,
              high: d.high !== undefined ? quantity(d.high, d.unit) : undefined,
            }),
          ]
        : undefined,
  });
}

/** An imported laboratory Observation (null without a LOINC code, a date or a value). */
export function labOf(r: FhirResource): LabResult | null {
  const code = codingOf(r.code, [SYSTEMS.loinc]);
  const date = dateOf(r.effectiveDateTime ?? obj(r.effectivePeriod).start);
  const loincCode = code && str(code.system) === SYSTEMS.loinc ? code.code : '';
  // A test without a LOINC code is kept by its name (uncoded), as Folio records one.
  const name = conceptText(r.code) || (code ? str(code.display) : '');
  if (!date || (!loincCode && !name)) return null;
  const q = obj(r.valueQuantity);
  const value =
    typeof q.value === 'number'
      ? q.value
      : str(r.valueString) || conceptText(r.valueCodeableConcept);
  if (value === '') return null;
  const range = obj(arr(r.referenceRange)[0]);
  const low = obj(range.low).value;
  const high = obj(range.high).value;
  const flag = firstCode(arr(r.interpretation)[0]);
  return {
    loinc: loincCode,
    name: name || loincCode,
    value,
    ...(str(q.unit) || str(q.code) ? { unit: str(q.unit) || str(q.code) } : {}),
    ...(typeof low === 'number' ? { low } : {}),
    ...(typeof high === 'number' ? { high } : {}),
    ...(flag === 'H' || flag === 'L' || flag === 'N' ? { interpretation: flag } : {}),
    effectiveDate: date,
    status: str(r.status) === 'entered-in-error' ? 'entered-in-error' : 'final',
  };
}

export const labs = defineSection<LabResult>({
  name: 'lab',
  label: 'Labs',
  tab: 'Labs',
  viewKey: 'labs',
  sortBy: 'effectiveDate',
  errorField: 'status',
  summaryLine: (e) =>
    `${e.data.name} ${e.data.value}${e.data.unit ? ` ${e.data.unit}` : ''} (${e.data.effectiveDate})`,
  form: {
    title: 'New lab result',
    addLabel: 'Add lab result',
    fields: [
      {
        key: 'search',
        label: 'Search codes (LOINC)',
        kind: 'code',
        code: { system: 'loinc', codeKey: 'loinc', textKey: 'name', fill: { unit: 'unit' } },
      },
      { key: 'loinc', label: 'LOINC code', placeholder: 'e.g. 2345-7', errors: true },
      { key: 'name', label: 'Test', errors: true },
      { key: 'value', label: 'Value', errors: true },
      { key: 'unit', label: 'Unit', placeholder: 'UCUM, e.g. mg/dL', errors: true },
      { key: 'low', label: 'Reference low', kind: 'decimal', errors: true },
      { key: 'high', label: 'Reference high', kind: 'decimal' },
      {
        key: 'effectiveDate',
        label: 'Date',
        kind: 'date',
        initial: 'today',
        past: true,
        keep: true,
        errors: true,
      },
    ],
    submit(store, v) {
      const value = v.value ?? '';
      const numeric = num(value);
      const input: LabInput = {
        loinc: (v.loinc ?? '').trim(),
        name: v.name ?? '',
        value: numeric !== undefined && Number.isFinite(numeric) ? numeric : value.trim(),
        unit: v.unit?.trim() || undefined,
        low: num(v.low ?? ''),
        high: num(v.high ?? ''),
        effectiveDate: v.effectiveDate ?? '',
      };
      // Typed results also get their value and unit checked (lab-entry.ts); imports do not.
      const previousUnit = labCommands
        .list(store)
        .find((l) => l.data.loinc === input.loinc && l.data.unit)?.data.unit;
      const entryIssues = labEntryIssues(input, { units: loadedUnits(), previousUnit });
      if (entryIssues.length > 0) {
        let others: Issue[] = [];
        try {
          checkLab(input);
        } catch (error) {
          if (!(error instanceof ValidationError)) throw error;
          others = error.issues;
        }
        throw new ValidationError([...others, ...entryIssues]);
      }
      return labCommands.add(store, input);
    },
  },
  fhirOut: {
    types: ['Observation'],
    render: (e, context) => [labToFhir(e, context)],
  },
  fhirIn: {
    types: ['Observation'],
    matches: (r) => isCategory(r, 'laboratory'),
    importer: oneToOne(labOf),
  },
});

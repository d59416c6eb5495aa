/**
 * Insurance (FHIR Coverage): validation, commands, FHIR out and in. Its entries are shown on the
 * chart's Demographics tab, beside the patient's own details.
 */
import { today } from '../dates';
import type { FhirResource } from '../fhir-codes';
import type { Entry } from '../types';
import { Checker, endBeforeStart } from '../validate';
import { arr, conceptText, dateOf, obj, str } from './fhir-read';
import { compact, TERMINOLOGY } from './fhir-write';
import { defineSection, oneToOne, type EntryStore, type ExportContext } from './section';

export const COVERAGE_RELATIONSHIPS = ['self', 'spouse', 'child', 'parent', 'other'] as const;
export type CoverageRelationship = (typeof COVERAGE_RELATIONSHIPS)[number];

/** An insurance policy of the patient (FHIR Coverage). */
export interface Coverage {
  /** Who pays (Coverage.payor display). */
  payor: string;
  /** Plan name (Coverage.class of type plan). */
  plan?: string;
  /** Group (Coverage.class of type group). */
  group?: string;
  /** The member id on the insurance card (Coverage.subscriberId). */
  subscriberId?: string;
  /** The patient's relationship to the subscriber (Coverage.relationship). */
  relationship?: CoverageRelationship | string;
  /** Kind of coverage (Coverage.type text, e.g. PPO). */
  type?: string;
  start?: string;
  end?: string;
  status: 'active' | 'cancelled' | 'draft' | 'entered-in-error';
  /** What did not add up in an imported coverage (shown beside it; the source is kept). */
  conflicts?: string[];
}

export type CoverageInput = Omit<Coverage, 'status' | 'conflicts'>;

const END_BEFORE_START = 'Coverage end is before coverage start.';

const MEMBER_ID = /^[A-Za-z0-9][A-Za-z0-9 .\-/]*$/;

/** @throws ValidationError */
export function checkCoverage(input: Partial<CoverageInput>): void {
  const c = new Checker()
    .required('payor', input.payor, 'Insurer')
    .maxLength('payor', input.payor, 200, 'Insurer')
    .maxLength('plan', input.plan, 200, 'Plan')
    .maxLength('group', input.group, 100, 'Group')
    .maxLength('subscriberId', input.subscriberId, 60, 'Member ID')
    .date('start', input.start, 'Coverage start', { past: false, notBefore: '1900-01-01' })
    .date('end', input.end, 'Coverage end', { past: false, notBefore: '1900-01-01' });
  if (input.subscriberId && !MEMBER_ID.test(input.subscriberId.trim()))
    c.issues.push({
      field: 'subscriberId',
      message: 'Member ID may contain letters, digits, spaces, dots, dashes and slashes only.',
    });
  if (
    input.relationship &&
    !(COVERAGE_RELATIONSHIPS as readonly string[]).includes(input.relationship)
  )
    c.issues.push({ field: 'relationship', message: 'Choose a relationship from the list.' });
  c.done();
  new Checker().order('end', input.start, input.end, END_BEFORE_START).done();
}

export const coverageCommands = {
  list: (store: EntryStore) => store.list<Coverage>('coverage', 'start'),
  add(store: EntryStore, input: CoverageInput): string {
    checkCoverage(input);
    return store.add('coverage', { ...input, status: 'active' });
  },
  /** Ends a coverage on `end` (its period's end). @throws ValidationError */
  end(store: EntryStore, id: string, end: string): void {
    const current = store.entry(id, 'coverage').fields as unknown as Coverage;
    const c = new Checker().date('end', end, 'Coverage end', { required: true, past: false });
    c.done();
    new Checker().order('end', current.start, end, END_BEFORE_START).done();
    store.update(id, { end });
  },
};

/** True while the coverage is in force on `on` (active, started, not ended). */
export function inForce(c: Coverage, on: string = today()): boolean {
  return (
    c.status === 'active' && (!c.start || c.start.slice(0, 10) <= on) && (!c.end || c.end >= on)
  );
}

const CLASS_SYSTEM = `${TERMINOLOGY}/coverage-class`;

export function coverageToFhir(e: Entry<Coverage>, { subject }: ExportContext): FhirResource {
  const d = e.data;
  const classes = [
    ...(d.group ? [{ code: 'group', value: d.group, name: d.group }] : []),
    ...(d.plan ? [{ code: 'plan', value: d.plan, name: d.plan }] : []),
  ].map(({ code, value, name }) => ({
    type: { coding: [{ system: CLASS_SYSTEM, code }] },
    value,
    name,
  }));
  return compact({
    resourceType: 'Coverage',
    id: e.id,
    status: d.status,
    type: d.type ? { text: d.type } : undefined,
    subscriberId: d.subscriberId,
    beneficiary: subject,
    relationship: d.relationship
      ? {
          coding: [{ system: `${TERMINOLOGY}/subscriber-relationship`, code: d.relationship }],
        }
      : undefined,
    period: d.start || d.end ? compact({ start: d.start, end: d.end }) : undefined,
    payor: [{ display: d.payor }],
    class: classes.length ? classes : undefined,
  });
}

const STATUSES = ['active', 'cancelled', 'draft', 'entered-in-error'] as const;

/** An imported Coverage (null without a payor, a kind or a member id to show). */
export function coverageOf(r: FhirResource): Coverage | null {
  const payor = arr(r.payor)
    .map((p) => str(obj(p).display))
    .filter(Boolean)
    .join(', ');
  const type = conceptText(r.type);
  const subscriberId = str(r.subscriberId);
  if (!payor && !type && !subscriberId) return null;
  const classes = arr(r.class).map(obj);
  const classOf = (code: string) => {
    const c = classes.find((k) => arr(obj(k.type).coding).some((x) => str(obj(x).code) === code));
    return c ? str(c.name) || str(c.value) : '';
  };
  const period = obj(r.period);
  const start = dateOf(period.start);
  const end = dateOf(period.end);
  const conflicts: string[] = [];
  if (endBeforeStart(start, end))
    conflicts.push(`Its coverage ends (${end}) before it starts (${start}).`);
  if (!payor) conflicts.push('The insurer is not named.');
  const status = str(r.status);
  const relationship = str(obj(arr(obj(r.relationship).coding)[0]).code);
  return {
    payor: payor || type || 'Insurer not named',
    ...(classOf('plan') ? { plan: classOf('plan') } : {}),
    ...(classOf('group') ? { group: classOf('group') } : {}),
    ...(subscriberId ? { subscriberId } : {}),
    ...(relationship ? { relationship } : {}),
    ...(type ? { type } : {}),
    ...(start ? { start } : {}),
    ...(end ? { end } : {}),
    status: (STATUSES as readonly string[]).includes(status)
      ? (status as Coverage['status'])
      : 'active',
    ...(conflicts.length ? { conflicts } : {}),
  };
}

export const coverage = defineSection<Coverage>({
  name: 'coverage',
  label: 'Insurance',
  tab: 'Demographics',
  viewKey: 'coverage',
  sortBy: 'start',
  errorField: 'status',
  summaryLine: (e) =>
    [e.data.payor, e.data.plan, e.data.subscriberId && `member ${e.data.subscriberId}`]
      .filter(Boolean)
      .join(' · '),
  form: {
    title: 'New insurance',
    addLabel: 'Add insurance',
    fields: [
      { key: 'payor', label: 'Insurer', errors: true },
      { key: 'plan', label: 'Plan', errors: true },
      { key: 'subscriberId', label: 'Member ID', errors: true },
      { key: 'group', label: 'Group', errors: true },
      {
        key: 'relationship',
        label: 'Relationship to subscriber',
        kind: 'select',
        initial: 'self',
        options: [
          { value: 'self', label: 'self (own policy)' },
          { value: 'spouse', label: 'spouse' },
          { value: 'child', label: 'child' },
          { value: 'parent', label: 'parent' },
          { value: 'other', label: 'other' },
        ],
      },
      { key: 'start', label: 'Coverage start', kind: 'date', errors: true },
      { key: 'end', label: 'Coverage end', kind: 'date', errors: true },
    ],
    submit: (store, v) =>
      coverageCommands.add(store, {
        payor: v.payor ?? '',
        plan: v.plan || undefined,
        subscriberId: v.subscriberId || undefined,
        group: v.group || undefined,
        relationship: v.relationship || undefined,
        start: v.start || undefined,
        end: v.end || undefined,
      }),
  },
  fhirOut: {
    types: ['Coverage'],
    render: (e, context) => [coverageToFhir(e, context)],
  },
  fhirIn: { types: ['Coverage'], importer: oneToOne(coverageOf) },
});

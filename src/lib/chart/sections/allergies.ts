/** Allergies (FHIR AllergyIntolerance): validation, commands, FHIR out and in. */
import { ChartError } from '../errors';
import type { FhirResource } from '../fhir-codes';
import { allergySafety, isActiveAllergy } from '../safety/chart-items';
import { SYSTEMS, type Allergy, type Entry } from '../types';
import { Checker } from '../validate';
import { arr, codings, conceptText, firstCode, obj, str } from './fhir-read';
import { compact, concept, status } from './fhir-write';
import { defineSection, oneToOne, type EntryStore, type ExportContext } from './section';

export type AllergyInput = Omit<
  Allergy,
  'clinicalStatus' | 'verificationStatus' | 'noKnownAllergies'
>;

/** @throws ValidationError */
export function checkAllergy(input: Partial<AllergyInput>): void {
  new Checker()
    .required('substance', input.substance, 'Substance')
    .maxLength('substance', input.substance, 200, 'Substance')
    .oneOf(
      'criticality',
      input.criticality ?? 'unable-to-assess',
      ['low', 'high', 'unable-to-assess'],
      'Criticality',
    )
    .done();
}

export { isActiveAllergy };

export const allergyCommands = {
  list: (store: EntryStore) => store.list<Allergy>('allergy', 'createdAt'),
  active: (store: EntryStore) => allergyCommands.list(store).filter(isActiveAllergy),
  add(store: EntryStore, input: AllergyInput): string {
    checkAllergy(input);
    // A real allergy refutes an earlier "no known allergies".
    for (const nka of allergyCommands.active(store).filter((a) => a.data.noKnownAllergies)) {
      store.update(nka.id, { clinicalStatus: 'inactive', verificationStatus: 'refuted' });
    }
    return store.add('allergy', {
      ...input,
      clinicalStatus: 'active',
      verificationStatus: 'confirmed',
    });
  },
  /** Records "no known allergies" explicitly. @throws ChartError('has-active-allergies') */
  recordNoKnownAllergies(store: EntryStore): string {
    if (allergyCommands.active(store).some((a) => !a.data.noKnownAllergies)) {
      throw new ChartError('has-active-allergies', 'This patient has active allergies recorded.');
    }
    return store.add('allergy', {
      substance: 'No known allergies',
      noKnownAllergies: true,
      clinicalStatus: 'active',
      verificationStatus: 'confirmed',
    });
  },
};

export function allergyToFhir(e: Entry<Allergy>, { subject }: ExportContext): FhirResource {
  const d = e.data;
  const inError = d.verificationStatus === 'entered-in-error';
  return compact({
    resourceType: 'AllergyIntolerance',
    id: e.id,
    clinicalStatus: inError ? undefined : status('allergyintolerance-clinical', d.clinicalStatus),
    verificationStatus: status('allergyintolerance-verification', d.verificationStatus),
    category: d.category ? [d.category] : undefined,
    criticality: d.criticality,
    code: d.noKnownAllergies
      ? concept('No known allergy', {
          system: SYSTEMS.snomed,
          code: '716186003',
          display: 'No known allergy',
        })
      : { text: d.substance },
    patient: subject,
    recordedDate: e.createdAt,
    reaction: d.reaction ? [{ manifestation: [{ text: d.reaction }] }] : undefined,
  });
}

/** An imported AllergyIntolerance (null when it names no substance). */
export function allergyOf(r: FhirResource): Allergy | null {
  const isNka = codings(r.code).some((c) => str(c.code) === '716186003');
  const substance = conceptText(r.code);
  if (!substance) return null;
  const category = str(arr(r.category)[0]);
  const criticality = str(r.criticality);
  const clinical = firstCode(r.clinicalStatus);
  const verification = firstCode(r.verificationStatus);
  const reaction = arr(r.reaction)
    .flatMap((x) => arr(obj(x).manifestation).map(conceptText))
    .filter(Boolean)
    .join(', ');
  return {
    substance,
    ...(isNka ? { noKnownAllergies: true } : {}),
    ...(['food', 'medication', 'environment', 'biologic'].includes(category)
      ? { category: category as Allergy['category'] }
      : {}),
    ...(['low', 'high', 'unable-to-assess'].includes(criticality)
      ? { criticality: criticality as Allergy['criticality'] }
      : {}),
    ...(reaction ? { reaction } : {}),
    clinicalStatus:
      clinical === 'resolved' ? 'resolved' : clinical === 'inactive' ? 'inactive' : 'active',
    verificationStatus:
      verification === 'entered-in-error'
        ? 'entered-in-error'
        : verification === 'refuted'
          ? 'refuted'
          : 'confirmed',
  };
}

/** The allergy the add form describes. */
const allergyInput = (v: Record<string, string>): AllergyInput => ({
  substance: v.substance ?? '',
  category: v.category as Allergy['category'],
  criticality: v.criticality as Allergy['criticality'],
  reaction: v.reaction || undefined,
});

export const allergies = defineSection<Allergy>({
  name: 'allergy',
  label: 'Allergies',
  tab: 'Allergies',
  viewKey: 'allergies',
  sortBy: 'createdAt',
  errorField: 'verificationStatus',
  summaryLine: (e) => e.data.substance,
  summary: {
    title: 'Allergies',
    empty: 'Not recorded',
    as: 'list',
    tone: 'alert',
    pick: (entries) => entries.filter(isActiveAllergy),
  },
  form: {
    title: 'New allergy',
    addLabel: 'Add allergy',
    fields: [
      { key: 'substance', label: 'Substance', errors: true },
      {
        key: 'category',
        label: 'Category',
        kind: 'select',
        initial: 'medication',
        keep: true,
        options: [
          { value: 'medication', label: 'Medication' },
          { value: 'food', label: 'Food' },
          { value: 'environment', label: 'Environment' },
          { value: 'biologic', label: 'Biologic' },
        ],
      },
      {
        key: 'criticality',
        label: 'Criticality',
        kind: 'select',
        initial: 'unable-to-assess',
        keep: true,
        options: [
          { value: 'unable-to-assess', label: 'Unable to assess' },
          { value: 'low', label: 'Low' },
          { value: 'high', label: 'High' },
        ],
      },
      { key: 'reaction', label: 'Reaction' },
    ],
    submit: (store, v) => allergyCommands.add(store, allergyInput(v)),
    // Recording an allergy is never stopped: conflicts with active medications only inform.
    safety: {
      interruptive: false,
      check: (v, chart) =>
        (v.substance ?? '').trim() === ''
          ? { alerts: [], unchecked: [] }
          : allergySafety(allergyInput(v), chart),
    },
  },
  fhirOut: {
    types: ['AllergyIntolerance'],
    render: (e, context) => [allergyToFhir(e, context)],
  },
  fhirIn: { types: ['AllergyIntolerance'], importer: oneToOne(allergyOf) },
});

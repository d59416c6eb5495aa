/**
 * The demographics form (chart → Demographics): its values from the patient, and the edit it
 * makes. Only what the user changed is sent, so an imported value the form cannot show exactly
 * (a language coded `en-US`, a gender identity outside the list) stays as it came unless the
 * user changes that very field. Coded choices (language, gender identity, pronouns) are a list
 * plus "other" with text; an imported value that is not on the list is offered as it was recorded.
 */
import { GENDER_IDENTITIES, LANGUAGES, PRONOUNS, type Choice, type Patient } from '$lib/chart';

/** The choice value of a value kept as it was recorded (not on the list). */
export const AS_RECORDED = 'as-recorded';
export const OTHER = 'other';

export const DEMOGRAPHIC_TEXT_FIELDS = [
  'given',
  'family',
  'birthDate',
  'gender',
  'phone',
  'email',
  'addressLine',
  'city',
  'state',
  'postalCode',
  'country',
  'contactName',
  'contactRelationship',
  'contactPhone',
  'deceasedDate',
] as const;

export type DemographicsForm = Record<(typeof DEMOGRAPHIC_TEXT_FIELDS)[number], string> & {
  language: string;
  languageOther: string;
  genderIdentity: string;
  genderIdentityOther: string;
  pronouns: string;
  pronounsOther: string;
  deceased: boolean;
};

function choiceOf(
  choices: readonly Choice[],
  code: string | undefined,
  text: string | undefined,
  otherCode?: string,
): [string, string] {
  if (code && code === otherCode) return [code, text && text !== 'Other' ? text : ''];
  if (code && choices.some((c) => c.code === code)) return [code, ''];
  const byLabel = choices.find((c) => text && c.label.toLowerCase() === text.toLowerCase());
  if (byLabel && !code) return [byLabel.code, ''];
  return text ? [AS_RECORDED, ''] : ['', ''];
}

export function demographicsForm(p: Partial<Patient>): DemographicsForm {
  const [language, languageOther] = choiceOf(LANGUAGES, p.languageCode, p.language);
  const [genderIdentity, genderIdentityOther] = choiceOf(
    GENDER_IDENTITIES,
    p.genderIdentityCode,
    p.genderIdentity,
    'OTH',
  );
  const [pronouns, pronounsOther] = choiceOf(PRONOUNS, p.pronounsCode, p.pronouns);
  const text = Object.fromEntries(
    DEMOGRAPHIC_TEXT_FIELDS.map((k) => [k, String((p as Record<string, unknown>)[k] ?? '')]),
  ) as Record<(typeof DEMOGRAPHIC_TEXT_FIELDS)[number], string>;
  return {
    ...text,
    language,
    languageOther,
    genderIdentity,
    genderIdentityOther,
    pronouns,
    pronounsOther,
    deceased: Boolean(p.deceased || p.deceasedDate),
  };
}

/** A coded choice as Patient fields ([text, code]); null when it is left as recorded. */
function coded(
  choices: readonly Choice[],
  choice: string,
  other: string,
  otherCode = '',
): [string, string] | null {
  if (choice === AS_RECORDED) return null;
  if (choice === '') return ['', ''];
  if (choice === OTHER) return [other.trim(), ''];
  const label = choices.find((c) => c.code === choice)?.label ?? '';
  if (choice === otherCode && other.trim()) return [other.trim(), choice];
  return [label, choice];
}

/** The edit the form makes: only the fields the user changed (an emptied field clears it). */
export function demographicsEdit(
  before: DemographicsForm,
  after: DemographicsForm,
): Partial<Record<keyof Patient, string | boolean>> {
  const edit: Partial<Record<keyof Patient, string | boolean>> = {};
  for (const k of DEMOGRAPHIC_TEXT_FIELDS)
    if (k !== 'deceasedDate' && after[k] !== before[k]) edit[k] = after[k];
  const groups = [
    ['language', 'languageCode', LANGUAGES, after.language, after.languageOther, ''],
    [
      'genderIdentity',
      'genderIdentityCode',
      GENDER_IDENTITIES,
      after.genderIdentity,
      after.genderIdentityOther,
      'OTH',
    ],
    ['pronouns', 'pronounsCode', PRONOUNS, after.pronouns, after.pronounsOther, ''],
  ] as const;
  for (const [textKey, codeKey, choices, choice, other, otherCode] of groups) {
    const changed =
      choice !== before[textKey] ||
      other !==
        before[`${textKey}Other` as 'languageOther' | 'genderIdentityOther' | 'pronounsOther'];
    if (!changed) continue;
    const value = coded(choices, choice, other, otherCode);
    if (!value) continue;
    edit[textKey] = value[0];
    edit[codeKey] = value[1];
  }
  // Unticking "has died" clears the date too (whatever the hidden date field still holds).
  if (!after.deceased) {
    if (before.deceased) Object.assign(edit, { deceased: false, deceasedDate: '' });
  } else {
    if (!before.deceased) edit.deceased = true;
    if (after.deceasedDate !== before.deceasedDate) edit.deceasedDate = after.deceasedDate;
  }
  return edit;
}

import { expect, it } from 'vitest';
import {
  AS_RECORDED,
  OTHER,
  demographicsEdit,
  demographicsForm,
} from '../../../src/lib/state/demographics-form.ts';

const IMPORTED = {
  given: 'Lucien',
  family: 'Bosco',
  birthDate: '1940-03-29',
  gender: 'male' as const,
  mrn: 'M1',
  language: 'English (United States)',
  languageCode: 'en-US',
  genderIdentity: 'asked but unknown',
  genderIdentityCode: 'ASKU',
  deceasedDate: '1977-07-14',
};

it('starts from the patient; values not on a list are offered as recorded', () => {
  const form = demographicsForm(IMPORTED);
  expect(form).toMatchObject({
    given: 'Lucien',
    phone: '',
    language: AS_RECORDED,
    genderIdentity: 'ASKU',
    pronouns: '',
    deceased: true,
    deceasedDate: '1977-07-14',
  });
});

it('sends only what the user changed, so an imported coded value stays as it came', () => {
  const before = demographicsForm(IMPORTED);
  expect(demographicsEdit(before, { ...before })).toEqual({});
  expect(demographicsEdit(before, { ...before, email: 'l@example.org', city: 'Lowell' })).toEqual({
    email: 'l@example.org',
    city: 'Lowell',
  });
  expect(demographicsEdit(before, { ...before, language: 'es' })).toEqual({
    language: 'Spanish',
    languageCode: 'es',
  });
  expect(
    demographicsEdit(before, { ...before, language: OTHER, languageOther: ' Yoruba ' }),
  ).toEqual({ language: 'Yoruba', languageCode: '' });
  expect(demographicsEdit(before, { ...before, pronouns: OTHER, pronounsOther: 'ze/zir' })).toEqual(
    {
      pronouns: 'ze/zir',
      pronounsCode: '',
    },
  );
  expect(demographicsEdit(before, { ...before, pronouns: 'LA29520-6' })).toEqual({
    pronouns: 'they/them/their/theirs/themselves',
    pronounsCode: 'LA29520-6',
  });
  expect(
    demographicsEdit(before, {
      ...before,
      genderIdentity: 'OTH',
      genderIdentityOther: 'Two-spirit',
    }),
  ).toEqual({ genderIdentity: 'Two-spirit', genderIdentityCode: 'OTH' });
  expect(demographicsEdit(before, { ...before, genderIdentity: '' })).toEqual({
    genderIdentity: '',
    genderIdentityCode: '',
  });
});

it('unticking "has died" clears the date; a date of death says the patient died', () => {
  const dead = demographicsForm(IMPORTED);
  expect(demographicsEdit(dead, { ...dead, deceased: false })).toEqual({
    deceased: false,
    deceasedDate: '',
  });
  const alive = demographicsForm({ ...IMPORTED, deceasedDate: undefined });
  // A date typed, then "has died" unticked again: nothing about death is sent.
  expect(
    demographicsEdit(alive, { ...alive, deceased: false, deceasedDate: '1950-01-01' }),
  ).toEqual({});
  expect(alive.deceased).toBe(false);
  expect(demographicsEdit(alive, { ...alive, deceased: true, deceasedDate: '2001-01-01' })).toEqual(
    {
      deceased: true,
      deceasedDate: '2001-01-01',
    },
  );
});

/**
 * What the About page says about the code systems the app ships: where each comes from, its
 * licence, and the notice the LOINC licence requires to be shown (licence §10, as quoted in
 * static/terminology/loinc/LICENSE.txt).
 */
import { EDITION, type PickerSystem } from './codes';

export const LOINC_NOTICE =
  'This material contains content from LOINC (http://loinc.org). LOINC is copyright (c) ' +
  '1995-2024, Regenstrief Institute, Inc. and the Logical Observation Identifiers Names and ' +
  'Codes (LOINC) Committee and is available at no cost under the license at ' +
  'http://loinc.org/license. LOINC(R) is a registered United States trademark of Regenstrief ' +
  'Institute, Inc.';

export interface TerminologySource {
  system: PickerSystem;
  edition: string;
  /** What ships, with counts (checked against the packs by a test). */
  contents: string;
  publisher: string;
  licence: string;
  /** Files served beside the data: SOURCE, licence. */
  files: { label: string; href: string }[];
}

const files = (system: string, extra: { label: string; href: string }[] = []) => [
  { label: 'Source', href: `/terminology/${system}/SOURCE.txt` },
  { label: 'Licence', href: `/terminology/${system}/LICENSE.txt` },
  ...extra,
];

export const TERMINOLOGY_SOURCES: readonly TerminologySource[] = [
  {
    system: 'icd10cm',
    edition: EDITION.icd10cm,
    contents: '98,186 codes (74,719 billable) with their long descriptions',
    publisher: 'CDC National Center for Health Statistics / CMS',
    licence: 'U.S. public domain',
    files: files('icd10cm'),
  },
  {
    system: 'rxnorm',
    edition: EDITION.rxnorm,
    contents:
      '22,204 ingredients, clinical and branded drugs and packs, with their ingredients. ' +
      'Single-ingredient drugs of ingredients starting with A are missing from the source ' +
      'extract: those can be picked as their ingredient.',
    publisher: 'RxNorm, U.S. National Library of Medicine',
    licence: 'RxNorm current prescribable content, usable without a UMLS licence',
    files: files('rxnorm'),
  },
  {
    system: 'loinc',
    edition: EDITION.loinc,
    contents: '2,193 common laboratory codes, 68 of them with the UCUM unit usually reported',
    publisher: 'Regenstrief Institute (LOINC); ranking by the U.S. National Library of Medicine',
    licence: 'LOINC licence (notice below)',
    files: files('loinc', [
      { label: 'LOINC licence (full text)', href: '/terminology/loinc/LoincLicense_5.5.txt' },
    ]),
  },
  {
    system: 'cvx',
    edition: EDITION.cvx,
    contents: '287 vaccine codes, active and inactive',
    publisher: 'CDC National Center of Immunization and Respiratory Diseases',
    licence: 'U.S. public domain',
    files: [{ label: 'Source', href: '/terminology/cvx/SOURCE.txt' }],
  },
];

/**
 * The patient's demographics as FHIR R4 Patient elements, both ways: `patientOf` reads an imported
 * Patient (untrusted: odd shapes read as absent, nothing throws), `patientResource` writes Folio's
 * own Patient, and `mergePatient` lays the demographics edited in Folio over an imported Patient,
 * element by element, keeping everything else of the source (other telecoms, other addresses,
 * other contacts, other extensions such as US Core race and ethnicity).
 *
 * Gender identity and pronouns use the standard extensions
 * http://hl7.org/fhir/StructureDefinition/individual-genderIdentity and individual-pronouns
 * (a complex extension whose `value` holds the concept); US Core's us-core-genderIdentity is read
 * too.
 */
import type { FhirResource } from './fhir-codes';
import {
  arr,
  codings,
  conceptText,
  dateOf,
  humanName,
  obj,
  officialName,
  str,
  type Json,
} from './sections/fhir-read';
import { compact, TERMINOLOGY } from './sections/fhir-write';
import { SYSTEMS, type AdministrativeGender, type Patient } from './types';

export const EXT_GENDER_IDENTITY =
  'http://hl7.org/fhir/StructureDefinition/individual-genderIdentity';
export const EXT_PRONOUNS = 'http://hl7.org/fhir/StructureDefinition/individual-pronouns';
const US_CORE_GENDER_IDENTITY =
  'http://hl7.org/fhir/us/core/StructureDefinition/us-core-genderIdentity';
const BCP47 = 'urn:ietf:bcp:47';
const CONTACT_ROLE = `${TERMINOLOGY}/v2-0131`;
const NULL_FLAVOR = `${TERMINOLOGY}/v3-NullFlavor`;
const FOLIO_MRN = 'urn:folio:mrn';

/** The concept a standard extension holds (its `value` sub-extension, or its own value). */
function extensionConcept(r: Json, urls: string[]): Json | null {
  const ext = arr(r.extension)
    .map(obj)
    .find((e) => urls.includes(str(e.url)));
  if (!ext) return null;
  const inner = arr(ext.extension)
    .map(obj)
    .find((e) => str(e.url) === 'value');
  const concept = obj((inner ?? ext).valueCodeableConcept);
  return Object.keys(concept).length ? concept : null;
}

/** The Patient's current address: not `old`, not ended; else the first. */
function currentAddress(r: Json): Json {
  const all = arr(r.address).map(obj);
  return all.find((a) => str(a.use) !== 'old' && !str(obj(a.period).end)) ?? all[0] ?? {};
}

/** Index of the emergency contact among Patient.contact (relationship C), else the first (0). */
function emergencyContactIndex(r: Json): number {
  const i = arr(r.contact).findIndex((c) =>
    arr(obj(c).relationship).some((rel) => codings(rel).some((x) => str(x.code) === 'C')),
  );
  return Math.max(i, 0);
}

const isEmergencyRole = (rel: unknown) => codings(rel).some((x) => str(x.code) === 'C');

const pick = <K extends string>(key: K, value: string) =>
  (value ? { [key]: value } : {}) as Partial<Record<K, string>>;

/** A FHIR Patient's demographics as Folio keeps them. */
export function patientOf(r: Json): Patient {
  const name = obj(officialName(r.name));
  const identifiers = arr(r.identifier).map(obj);
  // Folio's own MRN (a Folio export), else the record number the source marks as MR.
  const mrn =
    identifiers.find((i) => str(i.system) === FOLIO_MRN) ??
    identifiers.find((i) => codings(i.type).some((c) => str(c.code) === 'MR')) ??
    identifiers[0];
  const telecom = arr(r.telecom).map(obj);
  const address = currentAddress(r);
  const gender = str(r.gender);
  const communication = arr(r.communication).map(obj);
  const language = obj(
    (communication.find((c) => c.preferred === true) ?? communication[0])?.language,
  );
  const contact = obj(arr(r.contact)[emergencyContactIndex(r)]);
  const identity = extensionConcept(r, [EXT_GENDER_IDENTITY, US_CORE_GENDER_IDENTITY]);
  const pronouns = extensionConcept(r, [EXT_PRONOUNS]);
  const deceasedDate = dateOf(r.deceasedDateTime);
  return {
    given: arr(name.given).map(str).join(' ') || str(name.text),
    family: str(name.family),
    birthDate: dateOf(r.birthDate),
    gender: (['female', 'male', 'other', 'unknown'].includes(gender)
      ? gender
      : 'unknown') as AdministrativeGender,
    mrn: str(mrn?.value),
    ...pick('phone', str(telecom.find((t) => t.system === 'phone')?.value)),
    ...pick('email', str(telecom.find((t) => t.system === 'email')?.value)),
    ...pick('addressLine', arr(address.line).map(str).filter(Boolean).join(', ')),
    ...pick('city', str(address.city)),
    ...pick('state', str(address.state)),
    ...pick('postalCode', str(address.postalCode)),
    ...pick('country', str(address.country)),
    ...pick('language', conceptText(language)),
    ...pick('languageCode', str(codings(language).find((c) => str(c.system) === BCP47)?.code)),
    ...pick('contactName', humanName(obj(contact.name))),
    ...pick(
      'contactPhone',
      str(
        arr(contact.telecom)
          .map(obj)
          .find((t) => t.system === 'phone')?.value,
      ),
    ),
    ...pick(
      'contactRelationship',
      arr(contact.relationship)
        .filter((rel) => !isEmergencyRole(rel))
        .map(conceptText)
        .find(Boolean) ?? '',
    ),
    ...pick('genderIdentity', identity ? conceptText(identity) : ''),
    ...pick('genderIdentityCode', identity ? str(codings(identity)[0]?.code) : ''),
    ...pick('pronouns', pronouns ? conceptText(pronouns) : ''),
    ...pick('pronounsCode', pronouns ? str(codings(pronouns)[0]?.code) : ''),
    ...pick('deceasedDate', deceasedDate),
    ...(r.deceasedBoolean === true ? { deceased: true } : {}),
  };
}

/** The coding system of a gender identity code (SNOMED CT, or v3 NullFlavor for UNK/ASKU/OTH). */
const identitySystem = (code: string) => (/^\d+$/.test(code) ? SYSTEMS.snomed : NULL_FLAVOR);

function conceptExtension(url: string, text: string, coding?: Json): Json {
  return {
    url,
    extension: [
      { url: 'value', valueCodeableConcept: coding ? { coding: [coding], text } : { text } },
    ],
  };
}

/** Folio's own FHIR elements for the patient's demographics (the Patient resource). */
export function patientResource(p: Patient, id: string): FhirResource {
  const address = compact({
    line: p.addressLine ? [p.addressLine] : undefined,
    city: p.city,
    state: p.state,
    postalCode: p.postalCode,
    country: p.country,
  });
  const extension = [
    ...(p.genderIdentity
      ? [
          conceptExtension(
            EXT_GENDER_IDENTITY,
            p.genderIdentity,
            p.genderIdentityCode
              ? {
                  system: identitySystem(p.genderIdentityCode),
                  code: p.genderIdentityCode,
                  display: p.genderIdentity,
                }
              : undefined,
          ),
        ]
      : []),
    ...(p.pronouns
      ? [
          conceptExtension(
            EXT_PRONOUNS,
            p.pronouns,
            p.pronounsCode
              ? { system: SYSTEMS.loinc, code: p.pronounsCode, display: p.pronouns }
              : undefined,
          ),
        ]
      : []),
  ];
  return compact({
    resourceType: 'Patient',
    id,
    extension: extension.length ? extension : undefined,
    identifier: p.mrn ? [{ system: FOLIO_MRN, value: p.mrn, type: { text: 'MRN' } }] : undefined,
    name: [{ family: p.family, given: [p.given] }],
    telecom:
      p.phone || p.email
        ? [
            ...(p.phone ? [{ system: 'phone', value: p.phone }] : []),
            ...(p.email ? [{ system: 'email', value: p.email }] : []),
          ]
        : undefined,
    gender: p.gender,
    birthDate: p.birthDate,
    deceasedDateTime: p.deceasedDate || undefined,
    deceasedBoolean: !p.deceasedDate && p.deceased ? true : undefined,
    address: Object.keys(address).length ? [address] : undefined,
    contact: p.contactName || p.contactPhone ? [emergencyContact(p)] : undefined,
    communication: p.language
      ? [
          {
            language: p.languageCode
              ? {
                  coding: [{ system: BCP47, code: p.languageCode, display: p.language }],
                  text: p.language,
                }
              : { text: p.language },
            preferred: true,
          },
        ]
      : undefined,
  });
}

function emergencyContact(p: Patient): Json {
  return compact({
    relationship: [
      { coding: [{ system: CONTACT_ROLE, code: 'C', display: 'Emergency Contact' }] },
      ...(p.contactRelationship ? [{ text: p.contactRelationship }] : []),
    ],
    name: p.contactName ? { text: p.contactName } : undefined,
    telecom: p.contactPhone ? [{ system: 'phone', value: p.contactPhone }] : undefined,
  });
}

/** Patient fields → the FHIR elements they are written to (for laying edits over a source). */
const GROUPS: { fields: (keyof Patient)[]; apply(merged: Json, p: Patient, source: Json): void }[] =
  [
    {
      fields: ['given', 'family'],
      apply: (m, p) => {
        // Keep the other names (maiden, nickname); the official (or first) one is replaced.
        const names = arr(m.name).map(obj);
        const i = Math.max(
          names.findIndex((n) => str(n.use) === 'official'),
          0,
        );
        const next = [...names];
        next[i] = { ...(names[i] ?? {}), family: p.family, given: [p.given] };
        delete next[i]!.text;
        m.name = next;
      },
    },
    { fields: ['gender'], apply: (m, p) => void (m.gender = p.gender) },
    { fields: ['birthDate'], apply: (m, p) => void (m.birthDate = p.birthDate) },
    {
      fields: ['mrn'],
      apply: (m, p) => {
        // The source's identifiers stay; Folio's MRN is its own identifier.
        const ids = arr(m.identifier).map(obj);
        const i = ids.findIndex((x) => str(x.system) === FOLIO_MRN);
        const mrn = { system: FOLIO_MRN, value: p.mrn, type: { text: 'MRN' } };
        m.identifier =
          i >= 0 ? ids.map((x, j) => (j === i ? { ...x, value: p.mrn } : x)) : [...ids, mrn];
      },
    },
    {
      fields: ['phone', 'email'],
      apply: (m, p) => {
        let telecom = arr(m.telecom).map(obj);
        for (const [system, value] of [
          ['phone', p.phone],
          ['email', p.email],
        ] as const) {
          const i = telecom.findIndex((t) => t.system === system);
          if (i >= 0 && value) telecom[i] = { ...telecom[i], value };
          else if (i >= 0) telecom = telecom.filter((_, j) => j !== i);
          else if (value) telecom.push({ system, value });
        }
        if (telecom.length) m.telecom = telecom;
        else delete m.telecom;
      },
    },
    {
      fields: ['addressLine', 'city', 'state', 'postalCode', 'country'],
      apply: (m, p, source) => {
        const all = arr(m.address).map(obj);
        const current = currentAddress(source);
        const i = Math.max(all.indexOf(current), 0);
        const next = compact({
          ...(all[i] ?? {}),
          line: p.addressLine ? [p.addressLine] : undefined,
          city: p.city,
          state: p.state,
          postalCode: p.postalCode,
          country: p.country,
          text: undefined,
        });
        const list = [...all];
        list[i] = next;
        const kept = list.filter((a) =>
          Object.keys(a).some((k) => k !== 'use' && k !== 'type' && k !== 'period'),
        );
        if (kept.length) m.address = kept;
        else delete m.address;
      },
    },
    {
      fields: ['language', 'languageCode'],
      apply: (m, p) => {
        // The preferred (or first) language is replaced; other languages stay.
        const list = arr(m.communication).map(obj);
        const i = Math.max(
          list.findIndex((c) => c.preferred === true),
          0,
        );
        const generated = arr(patientResource(p, 'x').communication).map(obj)[0];
        const next = [...list];
        if (generated) next[i] = { ...(list[i] ?? {}), ...generated };
        else next.splice(i, 1);
        if (next.length) m.communication = next;
        else delete m.communication;
      },
    },
    {
      fields: ['contactName', 'contactPhone', 'contactRelationship'],
      apply: (m, p, source) => {
        const contacts = arr(m.contact).map(obj);
        const i = contacts.length ? emergencyContactIndex(source) : 0;
        const next = [...contacts];
        if (p.contactName || p.contactPhone)
          next[i] = { ...(contacts[i] ?? {}), ...emergencyContact(p) };
        else next.splice(i, 1);
        if (next.length) m.contact = next;
        else delete m.contact;
      },
    },
    {
      fields: ['genderIdentity', 'genderIdentityCode'],
      apply: (m, p) =>
        replaceExtension(m, [EXT_GENDER_IDENTITY, US_CORE_GENDER_IDENTITY], p, EXT_GENDER_IDENTITY),
    },
    {
      fields: ['pronouns', 'pronounsCode'],
      apply: (m, p) => replaceExtension(m, [EXT_PRONOUNS], p, EXT_PRONOUNS),
    },
    {
      fields: ['deceasedDate', 'deceased'],
      apply: (m, p) => {
        delete m.deceasedDateTime;
        delete m.deceasedBoolean;
        delete m._deceasedDateTime;
        delete m._deceasedBoolean;
        if (p.deceasedDate) m.deceasedDateTime = p.deceasedDate;
        else if (p.deceased) m.deceasedBoolean = true;
      },
    },
  ];

function replaceExtension(m: Json, urls: string[], p: Patient, url: string): void {
  const generated = arr(patientResource(p, 'x').extension)
    .map(obj)
    .filter((e) => e.url === url);
  const others = arr(m.extension)
    .map(obj)
    .filter((e) => !urls.includes(str(e.url)));
  const list = [...others, ...generated];
  if (list.length) m.extension = list;
  else delete m.extension;
}

/**
 * An imported Patient with the demographics edited in Folio (`edited`: the Patient fields changed
 * since the import) laid over it; every other element stays as imported.
 */
export function mergePatient(
  source: FhirResource,
  current: Patient,
  edited: ReadonlySet<string>,
): FhirResource {
  const merged: Json = { ...source };
  for (const group of GROUPS)
    if (group.fields.some((f) => edited.has(f))) group.apply(merged, current, source);
  return merged as FhirResource;
}

/**
 * A prescription's structured sig (dose, route, frequency, duration), dispense quantity, refills
 * and substitution: the vocabularies, the validation of what a form holds, and the sig and
 * quantity in words for the printed prescription. Plain data in, plain data out.
 *
 * Invariants: a prescription that passes `readPrescriptionForm` has a finite dose > 0 and at
 * most the plausible single-dose ceiling of its unit, a whole number of days (1–365), a dispense
 * quantity > 0, 0–11 refills (US federal ceiling for non-controlled drugs within a year), and a
 * frequency and route from the tables below. Implausible-but-possible values are warnings, never
 * silent changes.
 */
import type { Issue } from '../validate';

/** Dose and dispense units (UCUM codes where UCUM has one; `{tbl}`-style annotations otherwise). */
export const UNITS = {
  mg: { label: 'mg', one: 'mg', many: 'mg', ucum: 'mg', maxDose: 5000 },
  g: { label: 'g', one: 'g', many: 'g', ucum: 'g', maxDose: 10 },
  mcg: { label: 'mcg', one: 'mcg', many: 'mcg', ucum: 'ug', maxDose: 50000 },
  mL: { label: 'mL', one: 'mL', many: 'mL', ucum: 'mL', maxDose: 100 },
  tablet: { label: 'tablet', one: 'tablet', many: 'tablets', ucum: '{tbl}', maxDose: 10 },
  capsule: { label: 'capsule', one: 'capsule', many: 'capsules', ucum: '{capsule}', maxDose: 10 },
  puff: { label: 'puff', one: 'puff', many: 'puffs', ucum: '{puff}', maxDose: 12 },
  drop: { label: 'drop', one: 'drop', many: 'drops', ucum: '[drp]', maxDose: 10 },
  unit: { label: 'unit', one: 'unit', many: 'units', ucum: '[iU]', maxDose: 300 },
  patch: { label: 'patch', one: 'patch', many: 'patches', ucum: '{patch}', maxDose: 3 },
  application: {
    label: 'application',
    one: 'application',
    many: 'applications',
    ucum: '{application}',
    maxDose: 4,
  },
} as const;
export type DoseUnit = keyof typeof UNITS;

/** Routes with their SNOMED CT qualifier values and how the sig says them. */
export const ROUTES = {
  oral: {
    label: 'oral',
    snomed: '26643006',
    display: 'Oral route',
    verb: 'Take',
    words: 'by mouth',
  },
  sublingual: {
    label: 'sublingual',
    snomed: '37839007',
    display: 'Sublingual route',
    verb: 'Dissolve',
    words: 'under the tongue',
  },
  topical: {
    label: 'topical',
    snomed: '6064005',
    display: 'Topical route',
    verb: 'Apply',
    words: 'to the skin',
  },
  inhaled: {
    label: 'inhaled',
    snomed: '447694001',
    display: 'Respiratory tract route',
    verb: 'Inhale',
    words: 'by mouth',
  },
  subcutaneous: {
    label: 'subcutaneous',
    snomed: '34206005',
    display: 'Subcutaneous route',
    verb: 'Inject',
    words: 'under the skin',
  },
  intramuscular: {
    label: 'intramuscular',
    snomed: '78421000',
    display: 'Intramuscular route',
    verb: 'Inject',
    words: 'into the muscle',
  },
  ophthalmic: {
    label: 'eye',
    snomed: '54485002',
    display: 'Ophthalmic route',
    verb: 'Instill',
    words: 'in the eye',
  },
  otic: {
    label: 'ear',
    snomed: '10547007',
    display: 'Otic route',
    verb: 'Instill',
    words: 'in the ear',
  },
  nasal: {
    label: 'nasal',
    snomed: '46713006',
    display: 'Nasal route',
    verb: 'Spray',
    words: 'in the nose',
  },
  rectal: {
    label: 'rectal',
    snomed: '37161004',
    display: 'Rectal route',
    verb: 'Insert',
    words: 'rectally',
  },
} as const;
export type RouteKey = keyof typeof ROUTES;

/**
 * Frequencies: FHIR Timing.repeat (frequency per period of periodUnit), the HL7 timing
 * abbreviation where one exists (GTSAbbreviation), and the words of the sig.
 */
export const FREQUENCIES = {
  QD: { frequency: 1, period: 1, periodUnit: 'd', words: 'once a day', asNeeded: false },
  BID: { frequency: 2, period: 1, periodUnit: 'd', words: 'twice a day', asNeeded: false },
  TID: { frequency: 3, period: 1, periodUnit: 'd', words: 'three times a day', asNeeded: false },
  QID: { frequency: 4, period: 1, periodUnit: 'd', words: 'four times a day', asNeeded: false },
  Q4H: { frequency: 1, period: 4, periodUnit: 'h', words: 'every 4 hours', asNeeded: false },
  Q6H: { frequency: 1, period: 6, periodUnit: 'h', words: 'every 6 hours', asNeeded: false },
  Q8H: { frequency: 1, period: 8, periodUnit: 'h', words: 'every 8 hours', asNeeded: false },
  Q12H: { frequency: 1, period: 12, periodUnit: 'h', words: 'every 12 hours', asNeeded: false },
  QHS: { frequency: 1, period: 1, periodUnit: 'd', words: 'at bedtime', asNeeded: false },
  QWK: { frequency: 1, period: 1, periodUnit: 'wk', words: 'once a week', asNeeded: false },
  Q4H_PRN: {
    frequency: 1,
    period: 4,
    periodUnit: 'h',
    words: 'every 4 hours as needed',
    asNeeded: true,
  },
  Q6H_PRN: {
    frequency: 1,
    period: 6,
    periodUnit: 'h',
    words: 'every 6 hours as needed',
    asNeeded: true,
  },
} as const;
export type FrequencyKey = keyof typeof FREQUENCIES;

/** Labels for the frequency picker, e.g. "BID — twice a day". */
export const frequencyLabel = (key: FrequencyKey): string =>
  `${key.replace('_PRN', ' PRN')} — ${FREQUENCIES[key].words}`;

/** Most doses a frequency allows in one day (as-needed: the most if taken every interval). */
export function dosesPerDay(key: FrequencyKey): number {
  const f = FREQUENCIES[key];
  const perDayPeriod =
    f.periodUnit === 'h' ? 24 / f.period : f.periodUnit === 'd' ? 1 / f.period : 1 / (7 * f.period);
  return f.frequency * perDayPeriod;
}

export const MAX_REFILLS = 11;
export const MAX_DURATION_DAYS = 365;
export const MAX_QUANTITY = 10000;
export const MAX_NOTE = 500;

/** The structured part of a prescription (what the sig, dispense request and FHIR read). */
export interface RxOrder {
  doseValue: number;
  doseUnit: DoseUnit;
  route: RouteKey;
  frequency: FrequencyKey;
  durationDays: number;
  quantityValue: number;
  quantityUnit: DoseUnit;
  refills: number;
  substitutionAllowed: boolean;
  /** Notes to the pharmacist. */
  note?: string;
}

const isKey = <T extends object>(table: T, key: string): key is Extract<keyof T, string> =>
  Object.hasOwn(table, key);

/** A decimal as a person types it ("0.5", "10"); null when it is not one. */
function decimal(raw: string | undefined): number | null {
  const s = (raw ?? '').trim();
  if (!/^\d{1,7}(\.\d{1,4})?$|^\.\d{1,4}$/.test(s)) return null;
  return Number(s);
}

/** A whole number as typed; null when it is not one. */
function whole(raw: string | undefined): number | null {
  const s = (raw ?? '').trim();
  return /^\d{1,6}$/.test(s) ? Number(s) : null;
}

const plural = (unit: DoseUnit, n: number) => (n === 1 ? UNITS[unit].one : UNITS[unit].many);

/**
 * Reads the order part of a prescription form. Every problem is listed with its field, in words
 * a prescriber reads; `warnings` are possible but worth a second look (they never block).
 */
export function readOrder(v: Record<string, string | undefined>): {
  order: RxOrder | null;
  issues: Issue[];
  warnings: Issue[];
} {
  const issues: Issue[] = [];
  const warnings: Issue[] = [];
  const unit = v.doseUnit ?? '';
  const doseUnit = isKey(UNITS, unit) ? unit : null;
  if (!doseUnit) issues.push({ field: 'doseUnit', message: 'Choose the dose unit.' });

  const doseRaw = (v.doseValue ?? '').trim();
  const dose = decimal(doseRaw);
  if (doseRaw === '') issues.push({ field: 'doseValue', message: 'Dose is required.' });
  else if (/^-/.test(doseRaw))
    issues.push({ field: 'doseValue', message: 'Dose cannot be negative.' });
  else if (dose === null)
    issues.push({ field: 'doseValue', message: 'Dose must be a number, e.g. 500 or 0.5.' });
  else if (dose === 0) issues.push({ field: 'doseValue', message: 'Dose must be more than 0.' });
  else if (doseUnit && dose > UNITS[doseUnit].maxDose)
    issues.push({
      field: 'doseValue',
      message: `A single dose of ${dose} ${plural(doseUnit, dose)} is not plausible (at most ${UNITS[doseUnit].maxDose} ${plural(doseUnit, UNITS[doseUnit].maxDose)}). Check the dose and its unit.`,
    });

  const route = v.route ?? '';
  if (!isKey(ROUTES, route)) issues.push({ field: 'route', message: 'Choose the route.' });
  const frequency = v.frequency ?? '';
  if (!isKey(FREQUENCIES, frequency))
    issues.push({ field: 'frequency', message: 'Choose how often.' });

  const duration = whole(v.durationDays);
  if ((v.durationDays ?? '').trim() === '')
    issues.push({ field: 'durationDays', message: 'Duration (days) is required.' });
  else if (duration === null || duration < 1 || duration > MAX_DURATION_DAYS)
    issues.push({
      field: 'durationDays',
      message: `Duration must be a whole number of days from 1 to ${MAX_DURATION_DAYS}.`,
    });

  const qUnit = v.quantityUnit ?? '';
  const quantityUnit = isKey(UNITS, qUnit) ? qUnit : null;
  if (!quantityUnit) issues.push({ field: 'quantityUnit', message: 'Choose the quantity unit.' });
  const qRaw = (v.quantityValue ?? '').trim();
  const quantity = decimal(qRaw);
  if (qRaw === '') issues.push({ field: 'quantityValue', message: 'Quantity is required.' });
  else if (quantity === null || quantity <= 0)
    issues.push({ field: 'quantityValue', message: 'Quantity must be a number more than 0.' });
  else if (quantity > MAX_QUANTITY)
    issues.push({
      field: 'quantityValue',
      message: `Quantity is more than ${MAX_QUANTITY}. Check it.`,
    });

  const refills = whole(v.refills);
  if (refills === null || refills > MAX_REFILLS)
    issues.push({
      field: 'refills',
      message: `Refills must be a whole number from 0 to ${MAX_REFILLS}.`,
    });

  const note = (v.note ?? '').trim();
  if (note.length > MAX_NOTE)
    issues.push({
      field: 'note',
      message: `Notes to the pharmacist are too long (${MAX_NOTE} characters at most).`,
    });

  const sub = v.substitutionAllowed ?? 'yes';
  if (sub !== 'yes' && sub !== 'no')
    issues.push({ field: 'substitutionAllowed', message: 'Say whether substitution is allowed.' });

  if (issues.length > 0) return { order: null, issues, warnings };
  const order: RxOrder = {
    doseValue: dose!,
    doseUnit: doseUnit!,
    route: route as RouteKey,
    frequency: frequency as FrequencyKey,
    durationDays: duration!,
    quantityValue: quantity!,
    quantityUnit: quantityUnit!,
    refills: refills!,
    substitutionAllowed: sub === 'yes',
    ...(note ? { note } : {}),
  };
  warnings.push(...orderWarnings(order));
  return { order, issues, warnings };
}

/** What the sig needs over the whole duration, in the dose unit (null when it cannot say). */
export function neededQuantity(o: RxOrder): number | null {
  if (o.quantityUnit !== o.doseUnit) return null;
  return o.doseValue * dosesPerDay(o.frequency) * o.durationDays;
}

const round = (n: number) => Math.round(n * 100) / 100;

/** Checks of a well-formed order that may still be what the prescriber meant. */
export function orderWarnings(o: RxOrder): Issue[] {
  const needed = neededQuantity(o);
  if (needed === null) return [];
  const unit = (n: number) => plural(o.quantityUnit, n);
  const prn = FREQUENCIES[o.frequency].asNeeded;
  if (!prn && o.quantityValue < needed) {
    const days = round(o.quantityValue / (needed / o.durationDays));
    return [
      {
        field: 'quantityValue',
        message: `${o.quantityValue} ${unit(o.quantityValue)} lasts ${days} days at this sig, not the ${o.durationDays} days prescribed (${round(needed)} ${unit(needed)} needed).`,
      },
    ];
  }
  if (o.quantityValue > needed * 1.5 && o.quantityValue - needed >= 2)
    return [
      {
        field: 'quantityValue',
        message: `${o.quantityValue} ${unit(o.quantityValue)} is more than the ${round(needed)} ${unit(needed)} the sig uses in ${o.durationDays} days.`,
      },
    ];
  return [];
}

const ONES = [
  'zero',
  'one',
  'two',
  'three',
  'four',
  'five',
  'six',
  'seven',
  'eight',
  'nine',
  'ten',
  'eleven',
  'twelve',
  'thirteen',
  'fourteen',
  'fifteen',
  'sixteen',
  'seventeen',
  'eighteen',
  'nineteen',
];
const TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];

function under1000(n: number): string {
  const parts: string[] = [];
  if (n >= 100) {
    parts.push(`${ONES[Math.floor(n / 100)]!} hundred`);
    n %= 100;
    if (n === 0) return parts.join(' ');
  }
  if (n < 20) parts.push(ONES[n]!);
  else parts.push(TENS[Math.floor(n / 10)]! + (n % 10 ? `-${ONES[n % 10]}` : ''));
  return parts.join(' ');
}

/**
 * A number in words for a prescription (whole part in words, decimals digit by digit):
 * 30 → "thirty", 1250 → "one thousand two hundred fifty", 2.5 → "two point five".
 * @throws RangeError outside 0–999,999 or for non-finite numbers
 */
export function numberInWords(n: number): string {
  if (!Number.isFinite(n) || n < 0 || n >= 1_000_000) throw new RangeError('out of range');
  const [intPart, frac] = String(n).split('.');
  const i = Number(intPart);
  const thousands = Math.floor(i / 1000);
  const rest = i % 1000;
  let words =
    thousands > 0
      ? `${under1000(thousands)} thousand${rest ? ` ${under1000(rest)}` : ''}`
      : under1000(rest);
  if (frac) words += ` point ${[...frac].map((d) => ONES[Number(d)]).join(' ')}`;
  return words;
}

const figure = (n: number) => String(n);

/** The sig in words, e.g. "Take 1 tablet by mouth twice a day for 10 days." */
export function sigText(o: RxOrder): string {
  const r = ROUTES[o.route];
  return `${r.verb} ${figure(o.doseValue)} ${plural(o.doseUnit, o.doseValue)} ${r.words} ${FREQUENCIES[o.frequency].words} for ${o.durationDays} ${o.durationDays === 1 ? 'day' : 'days'}.`;
}

/** The quantity in words and figures, e.g. "thirty (30) tablets". */
export function quantityText(o: Pick<RxOrder, 'quantityValue' | 'quantityUnit'>): string {
  return `${numberInWords(o.quantityValue)} (${figure(o.quantityValue)}) ${plural(o.quantityUnit, o.quantityValue)}`;
}

/** Refills in words and figures, e.g. "two (2) refills", "no refills". */
export function refillsText(refills: number): string {
  if (refills === 0) return 'no refills';
  return `${numberInWords(refills)} (${refills}) ${refills === 1 ? 'refill' : 'refills'}`;
}

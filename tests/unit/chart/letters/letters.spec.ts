import fc from 'fast-check';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { beforeEach, describe, expect, it } from 'vitest';
import { chartToFhir, type FhirResource } from '../../../../src/lib/chart/fhir-out.ts';
import {
  LETTERHEAD_MISSING,
  MAX_LETTER_PDF_BYTES,
  afterVisitSummary,
  checkLetterSize,
  letterBlocks,
  letterDocument,
  medicationChanges,
  referralLetter,
  toBase64,
  writePdf,
  type Letter,
  type Letterhead,
} from '../../../../src/lib/chart/letters/index.ts';
import type { ChartModel } from '../../../../src/lib/chart/model.ts';
import type { Encounter } from '../../../../src/lib/chart/sections/encounters.ts';
import { encounterKey } from '../../../../src/lib/chart/visits.ts';
import type { Entry } from '../../../../src/lib/chart/types.ts';
import { checkResource } from '../../../../src/lib/fhir/r4/index.ts';
import { entry, issues, openChart } from '../sections/helpers.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- reading nested FHIR in assertions
type Loose = Record<string, any>;

const VISIT = '2026-11-20';
const LETTERHEAD: Letterhead = {
  practiceName: 'Zebrafinch Clinic',
  address: '14 Wrenfield Road, Springfield, IL 62704',
  phone: '+1 217 555 0142',
  clinician: 'Dr. Quillon Marsh',
  credentials: 'MD',
  npi: '1234567893',
};

let chart: ChartModel;
let visit: Entry<Encounter>;

const view = () => ({
  patient: chart.patient(),
  problems: chart.problems(),
  medications: chart.medications(),
  allergies: chart.allergies(),
  vitals: chart.vitals(),
  labs: chart.labs(),
});

beforeEach(async () => {
  chart = await openChart();
  const id = chart.addFromForm('encounter', {
    class: 'AMB',
    type: 'Follow-up',
    start: VISIT,
    reason: 'Blood pressure review',
    practitioner: 'Dr. Quillon Marsh',
  });
  visit = chart.entries<Encounter>('encounter').find((e) => e.id === id)!;
  // At the visit: vitals, a new diagnosis, one medication started, one stopped.
  chart.recordVitals({ effectiveDate: VISIT, systolic: 152, diastolic: 94, heartRate: 78 });
  chart.recordVitals({ effectiveDate: '2026-01-05', weightKg: 80 });
  chart.addProblem({ text: 'Essential hypertension', onsetDate: VISIT });
  chart.addProblem({ text: 'Asthma', onsetDate: '2001-05-01' });
  chart.addMedication({
    drug: 'Amlodipine 5 mg tablet',
    dose: '5 mg',
    route: 'oral',
    frequency: 'once daily',
    startDate: VISIT,
  });
  const old = chart.addMedication({
    drug: 'Ibuprofen 400 mg tablet',
    dose: '400 mg',
    route: 'oral',
    frequency: 'as needed',
    startDate: '2025-01-01',
  });
  chart.stopMedication(old, VISIT, 'Raises blood pressure');
  chart.addMedication({
    drug: 'Salbutamol inhaler',
    dose: '2 puffs',
    route: 'inhaled',
    frequency: 'as needed',
    startDate: '2020-01-01',
  });
  chart.addAllergy({
    substance: 'Penicillin',
    category: 'medication',
    criticality: 'high',
    reaction: 'Hives',
  });
  chart.addLab({
    loinc: '4548-4',
    name: 'HbA1c',
    value: 6.1,
    unit: '%',
    high: 5.7,
    effectiveDate: '2026-11-02',
  });
});

const lines = (letter: Letter, heading: string) =>
  letter.sections.find((s) => s.heading === heading)?.lines;

async function pdfText(bytes: Uint8Array): Promise<string> {
  const doc = await getDocument({ data: bytes.slice(), useSystemFonts: false, verbosity: 0 })
    .promise;
  const pages: string[] = [];
  for (let i = 1; i <= doc.numPages; i++) {
    const content = await (await doc.getPage(i)).getTextContent();
    pages.push(content.items.map((item) => ('str' in item ? item.str : '')).join(' '));
  }
  await doc.destroy();
  return pages.join('\n').replace(/\s+/g, ' ');
}

describe('after-visit summary', () => {
  it('says what happened at the visit in plain words, with units and dates', () => {
    const letter = afterVisitSummary({
      chart: view(),
      encounter: visit,
      letterhead: LETTERHEAD,
      input: {
        instructions: 'Take amlodipine every morning.\nCheck your blood pressure at home.',
        followUp: 'Come back in 4 weeks.',
      },
      today: '2026-11-20',
    });
    expect(letter.title).toBe('After-visit summary, 2026-11-20');
    expect(letter.encounter).toBe(encounterKey(visit));
    expect(letter.patient).toEqual({ name: 'Ines Okafor', birthDate: '1961-04-12' });
    expect(lines(letter, 'Your visit')).toEqual([
      'Date: 2026-11-20',
      'You saw: Dr. Quillon Marsh',
      'Type of visit: Follow-up',
      'Why you came: Blood pressure review',
    ]);
    // Only the vitals of the visit day (the January weight is not from this visit).
    expect(lines(letter, 'What we measured')).toEqual([
      'Blood pressure 152/94 mmHg (2026-11-20)',
      'Heart rate 78 /min (2026-11-20)',
    ]);
    expect(lines(letter, 'What we talked about')).toEqual([
      'Essential hypertension (new, 2026-11-20)',
    ]);
    expect(lines(letter, 'Changes to your medicines today')?.sort()).toEqual([
      'Started: Amlodipine 5 mg tablet 5 mg oral once daily',
      'Stopped: Ibuprofen 400 mg tablet (reason: Raises blood pressure)',
    ]);
    expect(lines(letter, 'Your medicines now')?.sort()).toEqual([
      'Amlodipine 5 mg tablet 5 mg oral once daily (since 2026-11-20)',
      'Salbutamol inhaler 2 puffs inhaled as needed (since 2020-01-01)',
    ]);
    expect(lines(letter, 'Your allergies')).toEqual([
      'Penicillin (medication): reaction: Hives; criticality: high',
    ]);
    expect(lines(letter, 'What to do next')).toEqual([
      'Take amlodipine every morning.',
      'Check your blood pressure at home.',
    ]);
    expect(lines(letter, 'Follow-up')).toEqual(['Come back in 4 weeks.']);
    expect(letter.signature).toEqual([
      'Dr. Quillon Marsh, MD',
      'NPI 1234567893',
      'Zebrafinch Clinic',
    ]);
  });

  it('says so when nothing was measured or changed, and leaves out entries in error', () => {
    const vitals = chart.vitals().find((v) => v.data.effectiveDate === VISIT)!;
    chart.markEnteredInError(vitals.id, 'Wrong patient');
    const letter = afterVisitSummary({
      chart: { ...view(), medications: [], problems: [] },
      encounter: visit,
      letterhead: LETTERHEAD,
      input: {},
      today: VISIT,
    });
    expect(lines(letter, 'What we measured')).toEqual([
      'No measurements were taken at this visit.',
    ]);
    expect(lines(letter, 'Changes to your medicines today')).toEqual([
      'No changes to your medicines at this visit.',
    ]);
    expect(lines(letter, 'What to do next')).toEqual(['No further instructions were given.']);
    expect(lines(letter, 'Follow-up')).toBeUndefined();
  });

  it('names a problem resolved at the visit as resolved, and one carried on with its onset', () => {
    const otitis = chart.addProblem({ text: 'Otitis media', onsetDate: '2026-11-01' });
    chart.resolveProblem(otitis, VISIT);
    const letter = afterVisitSummary({
      chart: view(),
      encounter: visit,
      letterhead: LETTERHEAD,
      input: {},
      today: VISIT,
    });
    expect(lines(letter, 'What we talked about')?.sort()).toEqual([
      'Essential hypertension (new, 2026-11-20)',
      'Otitis media (resolved 2026-11-20)',
    ]);
  });

  it('names a medication whose dose was changed that day', () => {
    const med = entry(
      {
        drug: 'Metformin',
        dose: '1000 mg',
        route: 'oral',
        frequency: 'twice daily',
        startDate: '2024-01-01',
        status: 'active' as const,
      },
      'm1',
    );
    med.history = [{ at: `${VISIT}T10:00:00.000Z`, changes: { dose: '1000 mg' } }];
    expect(medicationChanges([med], { key: 'Encounter/x', date: VISIT })).toEqual([
      'Changed: Metformin 1000 mg oral twice daily (as of 2026-11-20)',
    ]);
    expect(medicationChanges([med], { key: 'Encounter/x', date: '2026-11-21' })).toEqual([]);
  });

  it('refuses without a letterhead and says how to fix it; refuses a visit in error', () => {
    const write =
      (letterhead: Letterhead, encounter = visit) =>
      () =>
        afterVisitSummary({ chart: view(), encounter, letterhead, input: {}, today: VISIT });
    expect(issues(write({ ...LETTERHEAD, address: '', phone: ' ' }))).toEqual([
      `letterhead: ${LETTERHEAD_MISSING}`,
    ]);
    expect(LETTERHEAD_MISSING).toContain('Settings → Prescription letterhead');
    expect(
      issues(write(LETTERHEAD, { ...visit, data: { ...visit.data, status: 'entered-in-error' } })),
    ).toEqual(['encounter: This visit was marked entered in error: no letter is written from it.']);
    expect(
      issues(() =>
        afterVisitSummary({
          chart: view(),
          encounter: visit,
          letterhead: LETTERHEAD,
          input: { instructions: 'x'.repeat(5001) },
          today: VISIT,
        }),
      ),
    ).toEqual(['instructions: Instructions is too long (5000 characters at most).']);
  });
});

describe('referral letter', () => {
  const input = {
    recipientName: 'Dr. Ana Villanueva',
    recipientSpecialty: 'Cardiology',
    recipientAddress: '200 Heart Lane\nSpringfield, IL 62701',
    reason: 'Resistant hypertension despite two agents.',
    text: 'Echo requested.',
  };

  it('addresses the recipient and gives the history with units and dates', () => {
    const letter = referralLetter({
      chart: view(),
      encounter: visit,
      letterhead: LETTERHEAD,
      input,
      today: VISIT,
    });
    expect(letter.to).toEqual([
      'Dr. Ana Villanueva',
      'Cardiology',
      '200 Heart Lane',
      'Springfield, IL 62701',
    ]);
    expect(letter.title).toBe('Referral letter, Ines Okafor, to Dr. Ana Villanueva');
    expect(letter.sections[0]!.lines).toEqual([
      'Dear Dr. Ana Villanueva,',
      'I am referring Ines Okafor (date of birth 1961-04-12), whom I saw on 2026-11-20 for Blood pressure review.',
    ]);
    expect(lines(letter, 'Reason for referral')).toEqual([
      'Resistant hypertension despite two agents.',
    ]);
    expect(lines(letter, 'Active problems')?.sort()).toEqual([
      'Asthma (no code), since 2001-05-01',
      'Essential hypertension (no code), since 2026-11-20',
    ]);
    expect(lines(letter, 'Allergies')).toEqual([
      'Penicillin (medication): reaction: Hives; criticality: high',
    ]);
    expect(lines(letter, 'Recent results')).toEqual(['HbA1c 6.1 % [H, above range] (2026-11-02)']);
    expect(lines(letter, 'Vital signs (latest)')).toContain('Weight 80.0 kg (2026-01-05)');
    expect(lines(letter, 'Further information')).toEqual(['Echo requested.']);
  });

  it('requires a recipient and a reason, with every problem at once', () => {
    expect(
      issues(() =>
        referralLetter({
          chart: view(),
          encounter: visit,
          letterhead: { ...LETTERHEAD, phone: '' },
          input: { recipientName: ' ', reason: '' },
          today: VISIT,
        }),
      ),
    ).toEqual([
      'recipientName: Recipient name is required.',
      'reason: Reason for referral is required.',
      `letterhead: ${LETTERHEAD_MISSING}`,
    ]);
  });

  it('writes a PDF whose text has the letterhead, the patient and the recipient', async () => {
    const letter = referralLetter({
      chart: view(),
      encounter: visit,
      letterhead: LETTERHEAD,
      input,
      today: VISIT,
    });
    const { bytes, replaced, pages } = writePdf(letterDocument(letter, `${VISIT}T12:00:00Z`));
    expect(replaced).toEqual([]);
    const text = await pdfText(bytes);
    for (const expected of [
      'Zebrafinch Clinic',
      'Phone +1 217 555 0142',
      'Patient Ines Okafor',
      'Dr. Ana Villanueva',
      'Reason for referral',
      'Resistant hypertension despite two agents.',
      'HbA1c 6.1 % [H, above range] (2026-11-02)',
      'Dr. Quillon Marsh, MD',
    ])
      expect(text).toContain(expected);
    // Every page names the patient at its foot.
    const footer =
      'Ines Okafor, date of birth 1961-04-12 · Referral letter, Ines Okafor, to Dr. Ana Villanueva Page';
    expect(text.split(footer).length - 1).toBe(pages);
    expect(text).toContain(`Page ${pages} of ${pages}`);
  });
});

describe('letters kept in the chart', () => {
  it('exports a saved letter as a DocumentReference with the PDF, the visit and the author', async () => {
    const letter = afterVisitSummary({
      chart: view(),
      encounter: visit,
      letterhead: LETTERHEAD,
      input: {},
      today: VISIT,
    });
    const pdf = writePdf({
      title: letter.title,
      blocks: letterBlocks(letter),
      createdAt: `${VISIT}T12:00:00Z`,
    });
    const id = chart.saveLetter({
      kind: 'after-visit-summary',
      title: letter.title,
      encounterId: visit.id,
      encounter: letter.encounter,
      pdf: pdf.bytes,
      pages: pdf.pages,
    });
    expect(chart.letters().map((l) => l.id)).toEqual([id]);
    const resources = chartToFhir(chart, 'p1');
    const doc = resources.find((r) => r.resourceType === 'DocumentReference') as Loose;
    expect(doc).toMatchObject({
      id,
      status: 'current',
      docStatus: 'final',
      type: { coding: [{ system: 'http://loinc.org', code: '34133-9' }] },
      subject: { reference: 'Patient/p1' },
      description: 'After-visit summary, 2026-11-20',
      context: { encounter: [{ reference: `Encounter/${visit.id}` }] },
      content: [{ attachment: { contentType: 'application/pdf', size: pdf.bytes.length } }],
    });
    expect(doc.author[0].display).toBeTruthy();
    const bytes = Uint8Array.from(atob(doc.content[0].attachment.data), (c) => c.charCodeAt(0));
    expect(bytes).toEqual(pdf.bytes);
    expect(await pdfText(bytes)).toContain('Ines Okafor');
    // The visit it names is in the same export.
    expect(
      resources.some((r) => `${r.resourceType}/${r.id}` === doc.context.encounter[0].reference),
    ).toBe(true);
    expect(
      await checkResource({ resource: doc as FhirResource, where: `DocumentReference/${id}` }),
    ).toEqual([]);
    // Letters go only with the whole chart, not with a share of some sections.
    expect(
      chartToFhir(chart, 'p1', [], { sections: ['problem', 'encounter'] }).some(
        (r) => r.resourceType === 'DocumentReference',
      ),
    ).toBe(false);
    // The first check loads the generated FHIR validators (slow on a busy machine).
  }, 120_000);

  it('exports a letter marked entered in error with that status, never drops it', () => {
    const pdf = writePdf({ title: 't', blocks: [{ text: 'x' }], createdAt: `${VISIT}T12:00:00Z` });
    const id = chart.saveLetter({
      kind: 'referral',
      title: 'Referral letter',
      encounterId: visit.id,
      encounter: encounterKey(visit),
      pdf: pdf.bytes,
      pages: 1,
    });
    chart.markEnteredInError(id, 'Wrong patient');
    const doc = chartToFhir(chart, 'p1').find((r) => r.id === id) as Loose;
    expect(doc.status).toBe('entered-in-error');
    expect(chart.letters()[0]!.data.status).toBe('entered-in-error');
  });

  it('refuses a PDF over the size limit with its size, a non-PDF, and an unknown visit; keeps nothing', () => {
    const big = new Uint8Array(MAX_LETTER_PDF_BYTES + 1).fill(0x20);
    big.set([0x25, 0x50, 0x44, 0x46, 0x2d]);
    const add =
      (pdf: Uint8Array, encounterId = visit.id) =>
      () =>
        chart.saveLetter({
          kind: 'referral',
          title: 't',
          encounterId,
          encounter: 'Encounter/x',
          pdf,
          pages: 1,
        });
    expect(issues(add(big))).toEqual([
      "pdf: This letter's PDF is 257 KB; letters kept in the chart are limited to 256 KB. Shorten the free text and save again.",
    ]);
    expect(issues(add(new TextEncoder().encode('hello')))).toEqual([
      'pdf: The letter is not a PDF.',
    ]);
    expect(add(new TextEncoder().encode('%PDF-1.4'), 'nope')).toThrow();
    expect(chart.letters()).toEqual([]);
    expect(() => checkLetterSize(MAX_LETTER_PDF_BYTES)).not.toThrow();
  });

  it('encodes base64 like the platform for any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 70_000 }), (bytes) => {
        expect(toBase64(bytes)).toBe(Buffer.from(bytes).toString('base64'));
      }),
      { numRuns: 30 },
    );
  });
});

/**
 * Note templates and smart phrases (issue 16 item 3): a template is checked as typed (name,
 * lengths, at least one section, unknown phrases named), and its phrases expand against the chart
 * at insertion with units, precision and dates as the chart shows them. The expanded text goes
 * into the note's shared rich text.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { ChartModel } from '../../../src/lib/chart/model.ts';
import { today } from '../../../src/lib/chart/dates.ts';
import { ChartError } from '../../../src/lib/chart/errors.ts';
import { ValidationError } from '../../../src/lib/chart/validate.ts';
import {
  checkTemplate,
  expandTemplate,
  expandText,
  phrasesIn,
  SMART_PHRASES,
  templateIssues,
  type TemplateChart,
  allergyLines,
} from '../../../src/lib/chart/templates/index.ts';
import { openChart } from './sections/helpers.ts';

let chart: ChartModel;
beforeEach(async () => {
  chart = await openChart();
});

const view = (): TemplateChart => ({
  vitals: chart.vitals(),
  medications: chart.medications(),
  allergies: chart.allergies(),
  problems: chart.problems(),
  labs: chart.labs(),
});

const EMPTY = { subjective: '', objective: '', assessment: '', plan: '' };
const messages = (input: unknown, others: { name: string }[] = []) =>
  templateIssues(input, others).map((i) => `${i.field}: ${i.message}`);

describe('checking a template', () => {
  it('accepts a named template with text and known phrases, trimming the name', () => {
    expect(
      checkTemplate({
        name: '  Diabetes review ',
        sections: { ...EMPTY, objective: '.vitals\n.labs' },
      }),
    ).toEqual({ name: 'Diabetes review', sections: { ...EMPTY, objective: '.vitals\n.labs' } });
  });

  it('needs a name, at most 80 characters, unique ignoring case', () => {
    const sections = { ...EMPTY, plan: 'Review' };
    expect(messages({ name: ' ', sections })).toEqual(['name: Name is required.']);
    expect(messages({ name: 'x'.repeat(81), sections })).toEqual([
      'name: Name is too long (80 characters at most).',
    ]);
    expect(messages({ name: 'x'.repeat(80), sections })).toEqual([]);
    expect(messages({ name: ' diabetes REVIEW', sections }, [{ name: 'Diabetes review' }])).toEqual(
      ['name: A template named “diabetes REVIEW” already exists.'],
    );
  });

  it('needs text in a section, each at most 10,000 characters', () => {
    expect(messages({ name: 'A', sections: { ...EMPTY, plan: '  \n' } })).toEqual([
      'subjective: Write the text of at least one section.',
    ]);
    expect(messages({ name: 'A', sections: { ...EMPTY, plan: 'x'.repeat(10_001) } })).toEqual([
      'plan: Plan is too long (10000 characters at most).',
    ]);
  });

  it('names each unknown smart phrase in its section and lists the known ones', () => {
    expect(
      messages({
        name: 'A',
        sections: { ...EMPTY, objective: 'BP .vital and .vitals', plan: '(.medz) .medz' },
      }),
    ).toEqual([
      'objective: Unknown smart phrase “.vital” in Objective. Known phrases: .vitals, .meds, .allergies, .problems, .labs.',
      'plan: Unknown smart phrase “.medz” in Plan. Known phrases: .vitals, .meds, .allergies, .problems, .labs.',
    ]);
  });

  it('does not take dots inside words, numbers or ellipses for phrases', () => {
    expect(phrasesIn('e.g. 3.5 mg... see notes.txt, then .meds.')).toEqual(['.meds']);
    expect(
      messages({ name: 'A', sections: { ...EMPTY, plan: 'e.g. 3.5 mg... notes.txt' } }),
    ).toEqual([]);
  });

  it('reports malformed input as issues and never throws anything else (fast-check)', () => {
    const section = fc.oneof(fc.string(), fc.anything());
    fc.assert(
      fc.property(
        fc.oneof(
          fc.anything(),
          fc.record(
            {
              name: fc.oneof(fc.string(), fc.anything()),
              sections: fc.oneof(
                fc.anything(),
                fc.record(
                  { subjective: section, objective: section, assessment: section, plan: section },
                  { requiredKeys: [] },
                ),
              ),
            },
            { requiredKeys: [] },
          ),
        ),
        (input) => {
          const found = templateIssues(input);
          try {
            const t = checkTemplate(input);
            expect(found).toEqual([]);
            expect(t.name.trim()).toBe(t.name);
            expect(t.name.length).toBeGreaterThan(0);
          } catch (error) {
            expect(error).toBeInstanceOf(ValidationError);
            expect((error as ValidationError).issues).toEqual(found);
            expect(found.length).toBeGreaterThan(0);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('refuses any text holding an unknown phrase, naming it (fast-check)', () => {
    const word = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,12}$/);
    fc.assert(
      fc.property(word, fc.string(), fc.string(), (w, before, after) => {
        const phrase = `.${w}`;
        fc.pre(!(SMART_PHRASES as readonly string[]).includes(phrase));
        const plan = `${before} ${phrase} ${after}`;
        const found = messages({ name: 'T', sections: { ...EMPTY, plan } });
        expect(found.some((m) => m.startsWith('plan:') && m.includes(`“${phrase}”`))).toBe(true);
      }),
    );
  });
});

describe('expanding smart phrases', () => {
  it('says what is not recorded rather than leaving a phrase or inventing a value', () => {
    expect(expandText('.vitals\n.meds\n.allergies\n.problems\n.labs', view())).toBe(
      [
        'No vitals recorded',
        'No active medications recorded',
        'Allergies not recorded',
        'No active problems recorded',
        'No key lab results recorded',
      ].join('\n'),
    );
  });

  it('gives the latest value of each vital with unit, chart precision and its own date', () => {
    chart.recordVitals({
      effectiveDate: '2026-10-01',
      systolic: 150,
      diastolic: 95,
      heartRate: 88,
      weightKg: 82.04,
      heightCm: 170,
    });
    chart.recordVitals({
      effectiveDate: '2026-11-20',
      systolic: 128,
      diastolic: 82,
      temperatureC: 37,
    });
    const stale = chart.recordVitals({ effectiveDate: '2026-11-25', heartRate: 140 });
    chart.markEnteredInError(stale, 'Wrong patient');
    expect(expandText('Vitals:\n  .vitals', view()).split('\n')).toEqual([
      'Vitals:',
      '  Blood pressure 128/82 mmHg (2026-11-20)',
      '  Heart rate 88 /min (2026-10-01)',
      '  Temperature 37.0 °C (2026-11-20)',
      '  Weight 82.0 kg (2026-10-01)',
      '  Height 170.0 cm (2026-10-01)',
      '  BMI 28.4 kg/m² (2026-10-01)',
    ]);
  });

  it('lists active medications with dose, route and frequency; stopped ones are left out', () => {
    chart.addMedication({
      drug: 'Metformin 500 mg tablet',
      dose: '500 mg',
      route: 'oral',
      frequency: 'twice daily',
      startDate: '2025-03-01',
    });
    const stopped = chart.addMedication({
      drug: 'Lisinopril 10 mg tablet',
      dose: '10 mg',
      route: 'oral',
      frequency: 'once daily',
      startDate: '2025-01-01',
    });
    chart.stopMedication(stopped, '2025-06-01', 'Cough');
    expect(expandText('Meds: .meds', view())).toBe(
      'Meds: Metformin 500 mg tablet 500 mg oral twice daily (since 2025-03-01)',
    );
  });

  it('lists active allergies with reaction and criticality, or no known allergies only when recorded', () => {
    chart.recordNoKnownAllergies();
    expect(expandText('.allergies', view())).toBe(`No known allergies (recorded ${today()})`);
    chart.addAllergy({
      substance: 'Penicillin',
      category: 'medication',
      criticality: 'high',
      reaction: 'Hives',
    });
    chart.addAllergy({
      substance: 'Latex',
      category: 'environment',
      criticality: 'unable-to-assess',
    });
    // High risk first, whatever order the entries come in (recorded in the same millisecond,
    // their order in the chart is not fixed).
    expect(expandText('.allergies', view()).split('\n')).toEqual([
      'Penicillin (medication): reaction: Hives; criticality: high',
      'Latex (environment): reaction not recorded; criticality not assessed',
    ]);
  });

  it('orders allergies high risk first, then by substance, whatever order they arrive in', () => {
    const entry = (substance: string, criticality?: 'low' | 'high' | 'unable-to-assess') =>
      ({
        id: substance,
        createdAt: '2026-12-01T10:00:00.000Z',
        status: 'active',
        data: {
          substance,
          category: 'medication',
          clinicalStatus: 'active',
          verificationStatus: 'confirmed',
          ...(criticality ? { criticality } : {}),
        },
      }) as unknown as Parameters<typeof allergyLines>[0][number];
    const all = [
      entry('Sulfa', 'low'),
      entry('Latex'),
      entry('Penicillin', 'high'),
      entry('Aspirin', 'low'),
      entry('Codeine', 'high'),
    ];
    fc.assert(
      fc.property(fc.shuffledSubarray(all, { minLength: all.length }), (shuffled) => {
        expect(allergyLines(shuffled).map((l) => l.split(' ')[0])).toEqual([
          'Codeine',
          'Penicillin',
          'Aspirin',
          'Sulfa',
          'Latex',
        ]);
      }),
    );
  });

  it('lists active problems with their codes; resolved ones are left out', () => {
    chart.addProblem({
      text: 'Type 2 diabetes mellitus',
      code: {
        system: 'http://hl7.org/fhir/sid/icd-10-cm',
        code: 'E11.9',
        display: 'Type 2 diabetes',
      },
      onsetDate: '2020-02-01',
    });
    chart.addProblem({ text: 'Back pain' });
    const resolved = chart.addProblem({ text: 'Otitis media' });
    chart.resolveProblem(resolved);
    expect(expandText('.problems', view()).split('\n').sort()).toEqual([
      'Back pain (no code)',
      'Type 2 diabetes mellitus (ICD-10-CM E11.9), since 2020-02-01',
    ]);
  });

  it('gives the latest key lab results with unit, flag and date', () => {
    chart.addLab({
      loinc: '4548-4',
      name: 'HbA1c',
      value: 6.1,
      unit: '%',
      high: 5.7,
      effectiveDate: '2026-01-10',
    });
    chart.addLab({
      loinc: '4548-4',
      name: 'HbA1c',
      value: 7.24,
      unit: '%',
      low: 4,
      high: 5.7,
      effectiveDate: '2026-11-02',
    });
    chart.addLab({
      loinc: '2823-3',
      name: 'Potassium',
      value: 4.2,
      unit: 'mmol/L',
      low: 3.5,
      high: 5.1,
      effectiveDate: '2026-11-02',
    });
    expect(expandText('Labs: .labs', view())).toBe(
      'Labs: HbA1c 7.2 % [H, above range] (2026-11-02); Potassium 4.2 mmol/L (2026-11-02)',
    );
  });

  it('refuses to expand a template with an unknown phrase, naming it', () => {
    expect(() =>
      expandTemplate({ name: 'T', sections: { plan: '.vitals .allergy' } }, view()),
    ).toThrow('Unknown smart phrase “.allergy” in Plan.');
  });

  it('is a snapshot: later chart changes do not change inserted text', () => {
    const note = chart.newNote({ date: today(), title: 'Visit' });
    chart.noteText(note, 'objective').set('Seen today.');
    chart.recordVitals({ effectiveDate: '2026-11-20', heartRate: 72 });
    chart.insertIntoNote(
      note,
      expandTemplate({ name: 'T', sections: { objective: '.vitals', plan: 'Follow up' } }, view()),
    );
    chart.recordVitals({ effectiveDate: '2026-11-21', heartRate: 99 });
    expect(chart.noteText(note, 'objective').value()).toBe(
      'Seen today.\nHeart rate 72 /min (2026-11-20)',
    );
    expect(chart.noteText(note, 'plan').value()).toBe('Follow up');
    expect(chart.noteText(note, 'subjective').value()).toBe('');
  });

  it('is refused on a signed note, which changes only by addendum', () => {
    const note = chart.newNote({ date: today(), title: 'Visit' });
    chart.noteText(note, 'plan').set('Done');
    chart.signNote(note);
    expect(() => chart.insertIntoNote(note, { plan: 'More' })).toThrow(ChartError);
  });
});

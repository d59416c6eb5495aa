import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  checkNewAllergy,
  checkNewMedication,
  medicationIngredients,
  reviewChart,
  unacknowledged,
  type SafetyAllergy,
  type SafetyMedication,
} from '../../../../src/lib/chart/safety/index.ts';
import { safetyTable } from '../../../../src/lib/chart/safety/table.ts';
import { SYSTEMS } from '../../../../src/lib/chart/types.ts';

const med = (
  id: string,
  drug: string,
  extra: Partial<SafetyMedication> = {},
): SafetyMedication => ({
  id,
  drug,
  ...extra,
});
const allergy = (id: string, substance: string, extra: Partial<SafetyAllergy> = {}) => ({
  id,
  substance,
  ...extra,
});
const names = (drug: string) =>
  medicationIngredients({ drug }).map((r) => safetyTable().ingredientName.get(r));

describe('resolving ingredients', () => {
  it('reads Synthea and RxNorm drug names, salt forms and brands by whole words', () => {
    expect(names('Simvastatin 20 MG Oral Tablet')).toEqual(['simvastatin']);
    expect(names('verapamil hydrochloride 80 MG Oral Tablet')).toEqual(['verapamil']);
    expect(names('Verapamil Hydrochloride 40 MG')).toEqual(['verapamil']);
    // The salt is not a second ingredient (potassium is also an ingredient of its own).
    expect(names('Penicillin V Potassium 500 MG Oral Tablet')).toEqual(['penicillin V']);
    expect(names('Warfarin Sodium 5 MG Oral Tablet')).toEqual(['warfarin']);
    expect(names('Potassium Chloride 20 MEQ Extended Release Oral Tablet')).toEqual([
      'potassium chloride',
    ]);
    // A* ingredients (missing from the RxNorm extract) come from RxClass / the class table.
    expect(names('Amoxicillin 500 MG Oral Capsule')).toEqual(['amoxicillin']);
    expect(names('Amiodarone 200 MG Oral Tablet')).toEqual(['amiodarone']);
    expect(names('amoxicillin 875 MG / clavulanate 125 MG Oral Tablet').sort()).toEqual([
      'amoxicillin',
      'clavulanate',
    ]);
    expect(names('Zocor 40 mg')).toEqual(['simvastatin']);
    expect(names('Advil 200mg')).toEqual(['ibuprofen']);
    // No ingredient inside another word.
    expect(names('Oral Tablet 10 MG')).toEqual([]);
    // Real Synthea names: a brand written with its dose, a vitamin written apart from its number.
    expect(names('Lasix 40mg')).toEqual(['furosemide']);
    expect(names('Vitamin B 12 5 MG/ML Injectable Solution')).toEqual(['vitamin B12']);
    // A misspelt name is not guessed at (it is reported as not checked).
    expect(names('Simvistatin 10 MG')).toEqual([]);
  });

  it('prefers the picker’s ingredients, then an RxNorm ingredient code, then the text', () => {
    expect(
      medicationIngredients({
        drug: 'something typed',
        ingredients: [{ rxcui: '36567', name: 'simvastatin' }],
      }),
    ).toEqual(['36567']);
    expect(
      medicationIngredients({
        drug: 'verapamil',
        code: { system: SYSTEMS.rxnorm, code: '11289' },
      }),
    ).toEqual(['11289']);
    // An SCD code is not in the table: the text decides.
    expect(
      medicationIngredients({
        drug: 'Simvastatin 20 MG Oral Tablet',
        code: { system: SYSTEMS.rxnorm, code: '312961' },
      }),
    ).toEqual(['36567']);
  });
});

describe('drug–allergy', () => {
  it('penicillin allergy + amoxicillin: high, naming the drug, the ingredient and the class', () => {
    const r = checkNewMedication({
      candidate: { drug: 'Amoxicillin 500 MG Oral Capsule' },
      medications: [],
      allergies: [allergy('a1', 'Penicillin', { criticality: 'high', reaction: 'hives' })],
    });
    expect(r.alerts).toHaveLength(1);
    expect(r.alerts[0]).toMatchObject({
      kind: 'allergy',
      severity: 'high',
      title: 'Allergy to Penicillin: Amoxicillin 500 MG Oral Capsule',
      key: 'allergy:a1:723',
      items: ['new', 'a1'],
    });
    expect(r.alerts[0]!.why).toBe(
      'Amoxicillin 500 MG Oral Capsule contains amoxicillin, of the Penicillins class, the class of the allergy. The patient has a recorded allergy to Penicillin (reaction: hives, criticality high). Source: FDA pharmacologic class (NLM RxClass).',
    );
  });

  it('an allergy to an ingredient names it; to one member extends to its class', () => {
    const direct = checkNewMedication({
      candidate: { drug: 'Penicillin V Potassium 250 MG Oral Tablet' },
      medications: [],
      allergies: [allergy('a1', 'Penicillin V')],
    });
    expect(direct.alerts.map((a) => [a.severity, a.why])).toEqual([
      [
        'high',
        'Penicillin V Potassium 250 MG Oral Tablet contains penicillin V. The patient has a recorded allergy to Penicillin V.',
      ],
    ]);
    const aspirin = checkNewMedication({
      candidate: { drug: 'Ibuprofen 400 MG Oral Tablet' },
      medications: [],
      allergies: [allergy('a2', 'Aspirin')],
    });
    expect(aspirin.alerts.map((a) => a.severity)).toEqual(['high']);
    expect(aspirin.alerts[0]!.why).toContain('of the Nonsteroidal anti-inflammatory drugs class');
  });

  it('class words: sulfa drugs, NSAIDs; a cephalosporin with a penicillin allergy is lower risk', () => {
    const check = (drug: string, substance: string) =>
      checkNewMedication({
        candidate: { drug },
        medications: [],
        allergies: [allergy('a', substance)],
      }).alerts.map((a) => a.severity);
    expect(
      check('sulfamethoxazole 800 MG / trimethoprim 160 MG Oral Tablet', 'Sulfa drugs'),
    ).toEqual(['high']);
    expect(check('Naproxen sodium 220 MG Oral Tablet', 'NSAIDs')).toEqual(['high']);
    expect(check('Cephalexin 500 MG Oral Capsule', 'Allergy to penicillin')).toEqual(['moderate']);
    expect(check('Meropenem 1000 MG Injection', 'penicillin')).toEqual(['low']);
    // Not a sulfonamide antibiotic: no alert (Strom 2003).
    expect(check('Furosemide 40 MG Oral Tablet', 'Sulfa drugs')).toEqual([]);
    // A food allergy is not checked against drugs, and is not "not checked" either.
    expect(
      checkNewAllergy({
        candidate: { substance: 'Peanuts', category: 'food' },
        medications: [med('m1', 'Amoxicillin 500 MG Oral Capsule')],
      }),
    ).toEqual({ alerts: [], unchecked: [] });
    const cross = checkNewMedication({
      candidate: { drug: 'Cefuroxime 250 MG Oral Tablet' },
      medications: [],
      allergies: [allergy('a', 'Penicillin')],
    }).alerts[0]!;
    expect(cross.title).toBe(
      'Possible cross-reactivity with Penicillin allergy: Cefuroxime 250 MG Oral Tablet',
    );
    expect(cross.why).toMatch(
      /uncommon \(about 1-2%.*Source: Drug allergy practice parameter 2022/,
    );
  });

  it('recording an allergy checks the active medications (keys name the medication)', () => {
    const r = checkNewAllergy({
      candidate: { substance: 'penicillin', category: 'medication' },
      medications: [med('m1', 'Amoxicillin 250 MG Oral Capsule'), med('m2', 'Lisinopril 10 MG')],
    });
    expect(r.alerts.map((a) => [a.severity, a.key])).toEqual([['high', 'allergy:new:m1:723']]);
    const unknown = checkNewAllergy({
      candidate: { substance: 'Zorbex', category: 'medication' },
      medications: [],
    });
    expect(unknown.unchecked.map((u) => u.message)).toEqual([
      'Not checked: the allergy "Zorbex" names no drug or drug class in Folio\'s table.',
    ]);
  });
});

describe('drug–drug and duplicates', () => {
  it('verapamil + simvastatin is a high ONC interaction; warfarin + ibuprofen is high (FDA label)', () => {
    const r = checkNewMedication({
      candidate: { drug: 'Simvastatin 20 MG Oral Tablet' },
      medications: [med('m1', 'Verapamil Hydrochloride 40 MG')],
      allergies: [],
    });
    expect(r.alerts).toEqual([
      {
        kind: 'interaction',
        severity: 'high',
        title: 'Interaction: simvastatin + verapamil',
        why: 'Simvastatin 20 MG Oral Tablet (simvastatin) with Verapamil Hydrochloride 40 MG (verapamil): listed in the ONC high-priority interaction list (Phansalkar et al. 2012).',
        key: 'interaction:m1:11170+36567',
        items: ['m1', 'new'],
      },
    ]);
    const w = checkNewMedication({
      candidate: { drug: 'Ibuprofen 600 MG Oral Tablet' },
      medications: [med('m2', 'Warfarin Sodium 5 MG Oral Tablet')],
      allergies: [],
    });
    expect(w.alerts.map((a) => [a.kind, a.severity, a.title])).toEqual([
      ['interaction', 'high', 'Interaction: ibuprofen + warfarin'],
    ]);
    expect(w.alerts[0]!.why).toContain('FDA warfarin label, section 7.2');
  });

  it('non-interruptive list pairs are moderate and name the list’s group', () => {
    const r = checkNewMedication({
      candidate: { drug: 'Atenolol 50 MG Oral Tablet' },
      medications: [med('m1', 'Naproxen 500 MG Oral Tablet')],
      allergies: [],
    });
    expect(r.alerts.map((a) => [a.severity, a.why])).toEqual([
      [
        'moderate',
        'Atenolol 50 MG Oral Tablet (atenolol) with Naproxen 500 MG Oral Tablet (naproxen): listed in the ONC non-interruptive interaction list (Phansalkar et al. 2013) (NSAIDS + ß-Adrenergic blockers).',
      ],
    ]);
  });

  it('duplicate therapy: same ingredient moderate, same class low', () => {
    const same = checkNewMedication({
      candidate: { drug: 'Simvastatin 40 MG Oral Tablet' },
      medications: [med('m1', 'Simvastatin 20 MG Oral Tablet')],
      allergies: [],
    });
    expect(same.alerts.map((a) => [a.kind, a.severity, a.title])).toEqual([
      ['duplicate', 'moderate', 'Duplicate therapy: simvastatin'],
    ]);
    const cls = checkNewMedication({
      candidate: { drug: 'Pravastatin 40 MG Oral Tablet' },
      medications: [med('m1', 'Simvastatin 20 MG Oral Tablet')],
      allergies: [],
    });
    expect(cls.alerts.map((a) => [a.kind, a.severity, a.title])).toEqual([
      [
        'duplicate',
        'low',
        'Duplicate therapy: two drugs of the HMG-CoA reductase inhibitors (statins) class',
      ],
    ]);
    // A combination that contains the same ingredient: the ingredient, not also the class.
    const combo = checkNewMedication({
      candidate: { drug: 'ezetimibe 10 MG / simvastatin 20 MG Oral Tablet' },
      medications: [med('m1', 'Simvastatin 20 MG Oral Tablet')],
      allergies: [],
    });
    expect(combo.alerts.map((a) => a.key)).toEqual(['duplicate:m1:ingredient:36567']);
  });

  it('a drug the table cannot read is reported as not checked', () => {
    const r = checkNewMedication({
      candidate: { drug: 'Grandma’s tonic' },
      medications: [],
      allergies: [],
    });
    expect(r).toEqual({
      alerts: [],
      unchecked: [
        {
          id: 'new',
          text: 'Grandma’s tonic',
          message: 'Not checked: "Grandma’s tonic" names no ingredient in Folio\'s drug table.',
        },
      ],
    });
  });
});

describe('overrides', () => {
  it('a high alert is unacknowledged until an override with a reason names its key', () => {
    const report = checkNewMedication({
      candidate: { drug: 'Amoxicillin 500 MG' },
      medications: [],
      allergies: [allergy('a1', 'penicillin')],
    });
    expect(unacknowledged(report, []).map((a) => a.key)).toEqual(['allergy:a1:723']);
    expect(unacknowledged(report, [{ alert: 'allergy:a1:723', reason: '  ' }])).toHaveLength(1);
    expect(unacknowledged(report, [{ alert: 'allergy:a9:723', reason: 'x' }])).toHaveLength(1);
    expect(
      unacknowledged(report, [{ alert: 'allergy:a1:723', reason: 'Tolerated before' }]),
    ).toEqual([]);
  });
});

describe('chart review (imported charts)', () => {
  /** The active medications of the Synthea patient Trey Berge (tests/fixtures). */
  function treyBerge(): SafetyMedication[] {
    const bundle = JSON.parse(
      readFileSync(
        new URL('../../../fixtures/fhir/synthea-r4/Trey_Berge_med-safety.json', import.meta.url),
        'utf8',
      ),
    ) as {
      entry: {
        resource: {
          resourceType: string;
          id: string;
          status: string;
          medicationCodeableConcept?: { text: string };
        };
      }[];
    };
    return bundle.entry
      .map((e) => e.resource)
      .filter((r) => r.resourceType === 'MedicationRequest' && r.status === 'active')
      .map((r) => med(r.id, r.medicationCodeableConcept!.text));
  }

  it('finds verapamil + simvastatin and warfarin + clopidogrel among a real patient’s active medications', () => {
    const r = reviewChart({ medications: treyBerge(), allergies: [] });
    const titles = r.alerts.map((a) => `${a.severity} ${a.title}`);
    expect(titles).toContain('high Interaction: simvastatin + verapamil');
    expect(titles).toContain('high Interaction: clopidogrel + warfarin');
    expect(r.unchecked).toEqual([]);
  });

  it('marks an alert overridden when either medication’s prescriber gave a reason', () => {
    const meds = [
      med('m1', 'Verapamil 40 MG'),
      med('m2', 'Simvastatin 20 MG', {
        overrides: [{ alert: 'interaction:m1:11170+36567', reason: 'Dose capped at 10 mg' }],
      }),
    ];
    const r = reviewChart({ medications: meds, allergies: [] });
    expect(r.alerts[0]).toMatchObject({
      key: 'interaction:m1+m2:11170+36567',
      overridden: { reason: 'Dose capped at 10 mg' },
    });
  });

  it('flags conflicting allergy data: "no known allergies" beside an allergy', () => {
    const r = reviewChart({
      medications: [],
      allergies: [
        allergy('n1', 'No known allergies', { noKnownAllergies: true }),
        allergy('a1', 'Penicillin'),
      ],
    });
    expect(r.alerts.map((a) => [a.kind, a.title])).toEqual([
      ['record', 'Allergy list contradicts itself'],
    ]);
  });
});

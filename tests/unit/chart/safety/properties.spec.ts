import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkNewMedication,
  reviewChart,
  type SafetyAlert,
  type SafetyAllergy,
  type SafetyMedication,
} from '../../../../src/lib/chart/safety/index.ts';
import { safetyTable } from '../../../../src/lib/chart/safety/table.ts';

/** Real drug names that meet each other in the table (interactions, classes, duplicates). */
const DRUGS = [
  'Simvastatin 20 MG Oral Tablet',
  'Verapamil Hydrochloride 40 MG',
  'Warfarin Sodium 5 MG Oral Tablet',
  'Ibuprofen 400 MG Oral Tablet',
  'Naproxen sodium 220 MG Oral Tablet',
  'Aspirin 81 MG Oral Tablet',
  'Clopidogrel 75 MG Oral Tablet',
  'Amoxicillin 500 MG Oral Capsule',
  'Cephalexin 500 MG Oral Capsule',
  'Meropenem 1000 MG Injection',
  'Atenolol 50 MG Oral Tablet',
  'Lisinopril 10 MG Oral Tablet',
  'Hydrochlorothiazide 25 MG Oral Tablet',
  'Clarithromycin 500 MG Oral Tablet',
  'Amiodarone 200 MG Oral Tablet',
  'Citalopram 20 MG Oral Tablet',
  'ezetimibe 10 MG / simvastatin 20 MG Oral Tablet',
  'Pravastatin 40 MG Oral Tablet',
  'Omeprazole 20 MG Delayed Release Oral Capsule',
  'Levothyroxine Sodium 0.075 MG Oral Tablet',
  'Tramadol Hydrochloride 50 MG Oral Tablet',
  'Sertraline 50 MG Oral Tablet',
  'Grandma’s tonic',
];
const SUBSTANCES = [
  'Penicillin',
  'Penicillin V',
  'Sulfa drugs',
  'NSAIDs',
  'Aspirin',
  'Cephalosporins',
  'Codeine',
  'Peanuts',
  'Latex',
];

/** Up to 7 medications; the same drug may appear twice (duplicate therapy). */
const medsArb = fc
  .array(fc.constantFrom(...DRUGS.keys()), { maxLength: 7 })
  .map((idx) => idx.map((i, n): SafetyMedication => ({ id: `m${n}`, drug: DRUGS[i]! })));
const allergiesArb = fc
  .uniqueArray(fc.constantFrom(...SUBSTANCES.keys()), { maxLength: 3 })
  .map((idx) =>
    idx.map((i): SafetyAllergy => ({
      id: `a${i}`,
      substance: SUBSTANCES[i]!,
      category: SUBSTANCES[i] === 'Peanuts' ? 'food' : 'medication',
    })),
  );

/** What an alert says, without the key (which names the items' ids). */
const said = (a: SafetyAlert) => `${a.kind}|${a.severity}|${a.title}|${a.why}`;
const keys = (alerts: SafetyAlert[]) => alerts.map((a) => a.key).sort();

describe('safety check properties', () => {
  it('a pair of medications gives the same alerts whichever is the new one', () => {
    fc.assert(
      fc.property(fc.constantFrom(...DRUGS), fc.constantFrom(...DRUGS), (a, b) => {
        const ab = checkNewMedication({
          candidate: { drug: a },
          medications: [{ id: 'x', drug: b }],
          allergies: [],
        });
        const ba = checkNewMedication({
          candidate: { drug: b },
          medications: [{ id: 'x', drug: a }],
          allergies: [],
        });
        expect(ab.alerts.map(said).sort()).toEqual(ba.alerts.map(said).sort());
      }),
      { numRuns: 300 },
    );
  });

  it('every listed interaction is symmetric in the table', () => {
    const t = safetyTable();
    const pairs = t.pairs();
    expect(pairs.length).toBe(3213);
    fc.assert(
      fc.property(fc.constantFrom(...pairs), (pair) => {
        const [a = '', b = ''] = pair.split('+');
        expect(t.interaction(a, b)).toEqual(t.interaction(b, a));
        expect(t.interaction(a, b)).toBeDefined();
      }),
      { numRuns: 500 },
    );
  });

  it('the chart review does not depend on the order of medications or allergies', () => {
    fc.assert(
      fc.property(medsArb, allergiesArb, fc.integer(), (meds, allergies, seed) => {
        const shuffle = <T>(xs: T[]) =>
          xs
            .map((x, i) => ({ x, k: Math.sin(seed + i) }))
            .sort((p, q) => p.k - q.k)
            .map((p) => p.x);
        const one = reviewChart({ medications: meds, allergies });
        const two = reviewChart({ medications: shuffle(meds), allergies: shuffle(allergies) });
        expect(two.alerts).toEqual(one.alerts);
        expect(two.unchecked.map((u) => u.id).sort()).toEqual(
          one.unchecked.map((u) => u.id).sort(),
        );
      }),
      { numRuns: 200 },
    );
  });

  it('adding a medication or an allergy never removes an alert', () => {
    fc.assert(
      fc.property(
        medsArb,
        allergiesArb,
        fc.constantFrom(...DRUGS),
        fc.constantFrom(...DRUGS),
        fc.constantFrom(...SUBSTANCES),
        (meds, allergies, candidate, extraDrug, extraSubstance) => {
          const more = [...meds, { id: 'extra', drug: extraDrug }];
          const moreAllergies = [...allergies, { id: 'extra-a', substance: extraSubstance }];
          const before = reviewChart({ medications: meds, allergies });
          const after = reviewChart({ medications: more, allergies: moreAllergies });
          expect(keys(after.alerts)).toEqual(expect.arrayContaining(keys(before.alerts)));
          const newBefore = checkNewMedication({
            candidate: { drug: candidate },
            medications: meds,
            allergies,
          });
          const newAfter = checkNewMedication({
            candidate: { drug: candidate },
            medications: more,
            allergies: moreAllergies,
          });
          expect(keys(newAfter.alerts)).toEqual(expect.arrayContaining(keys(newBefore.alerts)));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('every alert names its items and says why; keys are unique within a report', () => {
    fc.assert(
      fc.property(medsArb, allergiesArb, (meds, allergies) => {
        const r = reviewChart({ medications: meds, allergies });
        expect(new Set(keys(r.alerts)).size).toBe(r.alerts.length);
        for (const a of r.alerts) {
          const items = [...meds, ...allergies].filter((x) => a.items.includes(x.id));
          expect(items.length).toBe(a.items.length);
          for (const item of items)
            expect(a.why).toContain('drug' in item ? item.drug : item.substance);
        }
      }),
      { numRuns: 200 },
    );
  });
});

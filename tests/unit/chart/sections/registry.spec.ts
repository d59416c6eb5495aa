import { expect, it } from 'vitest';
import { SHAREABLE_SECTIONS } from '../../../../src/lib/chart/types.ts';
import { SECTIONS, sectionNamed } from '../../../../src/lib/chart/sections/index.ts';
import { planImport } from '../../../../src/lib/chart/fhir-in.ts';

it('gives every section a tab, a label, a summary line and the FHIR types it exports', () => {
  for (const s of SECTIONS) {
    expect(s.tab, s.name).toMatch(/^[A-Z]/);
    expect(s.label, s.name).toMatch(/^[A-Z]/);
    expect(typeof s.summaryLine, s.name).toBe('function');
    expect(s.fhirOut.types.length, s.name).toBeGreaterThan(0);
    expect(sectionNamed(s.name)).toBe(s);
  }
  expect(new Set(SECTIONS.map((s) => s.tab)).size).toBe(SECTIONS.length);
  expect(sectionNamed('consent')).toBeUndefined();
});

it('lists the shareable sections, in tab order', () => {
  expect(SECTIONS.map((s) => s.name)).toEqual([...SHAREABLE_SECTIONS]);
});

it('dispatches imported resources by type to the section that reads them, keeping the rest', () => {
  const plan = planImport([
    { resourceType: 'Patient', id: 'p', name: [{ family: 'Okafor', given: ['Ines'] }] },
    { resourceType: 'Condition', id: 'c', code: { text: 'Asthma' } },
    {
      resourceType: 'MedicationStatement',
      id: 'm',
      status: 'active',
      medicationCodeableConcept: { text: 'Salbutamol' },
    },
    { resourceType: 'Condition', id: 'empty' },
    { resourceType: 'CarePlan', id: 'k' },
  ]);
  expect(plan.entries.map((e) => [e.section, (e.fields.fhir as { id: string }).id])).toEqual([
    ['problem', 'c'],
    ['medication', 'm'],
  ]);
  expect(plan.kept.map((r) => r.id)).toEqual(['empty', 'k']);
  expect(plan.counts).toEqual({
    Condition: { mapped: 1, kept: 1 },
    MedicationStatement: { mapped: 1, kept: 0 },
    CarePlan: { mapped: 0, kept: 1 },
  });
  const readers = SECTIONS.filter((s) => s.fhirIn).map((s) => s.name);
  expect(readers).toEqual([
    'problem',
    'medication',
    'allergy',
    'immunization',
    'vitals',
    'lab',
    'encounter',
    'coverage',
  ]);
});

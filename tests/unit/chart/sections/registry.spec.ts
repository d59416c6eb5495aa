import { expect, it } from 'vitest';
import { SHAREABLE_SECTIONS } from '../../../../src/lib/chart/types.ts';
import { SECTIONS, sectionNamed } from '../../../../src/lib/chart/sections/index.ts';

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

import { expect, it } from 'vitest';
import {
  codingOf,
  conceptLabel,
  conceptText,
  dateOf,
  firstCode,
  firstCodeText,
  isCategory,
  text,
} from '../../../../src/lib/chart/sections/fhir-read.ts';
import { readSharedBundle } from '../../../../src/lib/state/shared-record.ts';

it('reads untrusted FHIR values as plain strings, never throwing on odd shapes', () => {
  for (const odd of [null, undefined, 5, 'x', [], [{}], { coding: 'no' }, { coding: [null] }]) {
    expect(() => [
      conceptText(odd),
      conceptLabel(odd),
      firstCode(odd),
      codingOf(odd),
    ]).not.toThrow();
  }
  expect(dateOf('2024-02-30')).toBe('');
  expect(dateOf('2024-02-29T10:00:00Z')).toBe('2024-02-29');
  // Import reads strings only; the viewer also shows numbers as they are.
  expect(firstCode({ coding: [{ code: 42 }] })).toBe('');
  expect(firstCodeText({ coding: [{ code: 42 }] })).toBe('42');
  expect(text(1.5)).toBe('1.5');
  expect(text({})).toBe('');
  // The viewer's label skips codings with neither display nor code.
  expect(conceptLabel({ coding: [{}, { code: 'I10' }] })).toBe('I10');
  expect(conceptText({ coding: [{}, { code: 'I10' }] })).toBe('');
  expect(isCategory({ category: [{ coding: [{ code: 'laboratory' }] }] }, 'laboratory')).toBe(true);
});

it('the shared-record viewer reads with the same readers', () => {
  const record = readSharedBundle({
    resourceType: 'Bundle',
    entry: [
      { resource: { resourceType: 'Condition', code: { coding: [{}, { code: 'I10' }] } } },
      {
        resource: {
          resourceType: 'Observation',
          category: [{ coding: [{ code: 'vital-signs' }] }],
          code: { text: 'Heart rate' },
          effectiveDateTime: '2024-01-01',
          valueQuantity: { value: 70, unit: '/min' },
        },
      },
      { resource: { id: 'no type' } },
    ],
  });
  expect(record.problems).toEqual([{ text: 'I10', code: '', status: '', onset: '' }]);
  expect(record.vitals).toEqual([
    { name: 'Heart rate', unit: '/min', points: [{ date: '2024-01-01', value: 70 }] },
  ]);
  expect(record.skipped).toBe(1);
});

import { expect, it } from 'vitest';
import { proposedAction } from '../../../src/lib/state/fhir-import-preview.ts';

it('preselects the update of an exactly matching chart, a new chart otherwise, and skips refused patients', () => {
  expect(proposedAction(true, { chartId: 'c1' })).toBe('update');
  expect(proposedAction(true, null)).toBe('new');
  expect(proposedAction(false, { chartId: 'c1' })).toBe('skip');
  expect(proposedAction(false, null)).toBe('skip');
});

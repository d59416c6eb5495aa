import { ValidationError } from '../../../../src/lib/chart/validate.ts';
import type { Entry } from '../../../../src/lib/chart/types.ts';
import type { ExportContext } from '../../../../src/lib/chart/sections/index.ts';

/** The validation issues (and outliers) a call raises, as `field: message`. */
export function issues(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof ValidationError)
      return [...error.issues, ...error.outliers].map((i) => `${i.field}: ${i.message}`);
    throw error;
  }
  return [];
}

export function entry<T>(data: T, id = 'e1'): Entry<T> {
  return {
    id,
    data,
    createdAt: '2024-01-02T03:04:05.000Z',
    updatedAt: '2024-01-02T03:04:05.000Z',
    history: [],
  };
}

export const context: ExportContext = {
  subject: { reference: 'Patient/p1' },
  addenda: () => [],
};

import 'fake-indexeddb/auto';
import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  ChartModel,
  formatAge,
  isCalendarDate,
  PatientSearch,
  today,
  ValidationError,
} from '../../../src/lib/chart/index.ts';
import { ChartDoc } from '../../../src/lib/crdt/chart-doc.ts';
import { openEnvelopeStore } from '../../../src/lib/crdt/envelope-store.ts';
import { SealedDoc } from '../../../src/lib/crdt/sealed-doc.ts';
import { ADA, fakePort } from '../crdt/fake-port.ts';

let chart: ChartModel;
let n = 0;
beforeEach(async () => {
  const sealed = await SealedDoc.open({
    docId: new Uint8Array(16),
    port: fakePort(ADA),
    store: await openEnvelopeStore(`chart-model-${++n}`),
    self: ADA,
  });
  chart = new ChartModel(new ChartDoc(sealed));
  chart.create({
    given: 'Ines',
    family: 'Okafor',
    birthDate: '1961-04-12',
    gender: 'female',
    mrn: 'MRN-1',
  });
});

function issues(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof ValidationError)
      return [...error.issues, ...error.outliers].map((i) => `${i.field}: ${i.message}`);
    throw error;
  }
  return [];
}

describe('dates', () => {
  it('accepts only real calendar dates', () => {
    expect(isCalendarDate('2024-02-29')).toBe(true);
    for (const bad of [
      '2023-02-29',
      '2023-02-30',
      '2023-13-01',
      '2023-00-10',
      '2023-04-31',
      '23-01-01',
      '2023-1-1',
      '',
    ]) {
      expect(isCalendarDate(bad), bad).toBe(false);
    }
    fc.assert(
      fc.property(
        fc.date({ min: new Date('1900-01-01'), max: new Date('2100-12-31'), noInvalidDate: true }),
        (d) => {
          expect(isCalendarDate(d.toISOString().slice(0, 10))).toBe(true);
        },
      ),
    );
  });

  it('formats ages for adults and infants', () => {
    expect(formatAge('1961-04-12', '2026-11-22')).toBe('65 y');
    expect(formatAge('2026-11-01', '2026-11-22')).toBe('21 d');
    expect(formatAge('2026-01-15', '2026-11-22')).toBe('10 mo');
  });
});

describe('patients', () => {
  it('refuse impossible or future birth dates and missing names, all reported together', () => {
    expect(issues(() => chart.updatePatient({ birthDate: '2023-02-30', given: ' ' }))).toEqual([
      'given: Given name is required.',
      'birthDate: Date of birth is not a real date (use YYYY-MM-DD).',
    ]);
    expect(issues(() => chart.updatePatient({ birthDate: '2999-01-01' }))).toEqual([
      'birthDate: Date of birth cannot be in the future.',
    ]);
    expect(chart.patient().birthDate).toBe('1961-04-12');
  });
});

describe('entries', () => {
  it('are never deleted: entered-in-error keeps the entry and its history', () => {
    const id = chart.addProblem({ text: 'Asthma', onsetDate: '2001-05-01' });
    chart.markEnteredInError(id, 'Wrong patient');
    const [problem] = chart.problems();
    expect(problem!.data.verificationStatus).toBe('entered-in-error');
    expect(problem!.history.map((h) => h.changes)).toEqual([
      {
        text: 'Asthma',
        onsetDate: '2001-05-01',
        clinicalStatus: 'active',
        verificationStatus: 'confirmed',
      },
      { verificationStatus: 'entered-in-error', enteredInErrorReason: 'Wrong patient' },
    ]);
    expect(problem!.history.every((h) => h.by === ADA || h.by?.member === ADA.member)).toBe(true);
  });
});

describe('patient search', () => {
  const people = Array.from({ length: 20_000 }, (_, i) => ({
    chartId: `c${i}`,
    given: ['Ana', 'Bea', 'José', 'Li'][i % 4]!,
    family: `Family${i}`,
    birthDate: `19${String(10 + (i % 90)).padStart(2, '0')}-0${1 + (i % 9)}-1${i % 10}`,
    mrn: `MRN${i}`,
  }));
  const search = new PatientSearch(people);

  it('finds by name prefix in any order, accents ignored, by DOB and by MRN', () => {
    expect(search.search('jose family123', 100).map((p) => p.chartId)).toContain('c1230');
    expect(search.search('family1234 JOSÉ')[0]?.chartId).toBe('c1234'.replace('1234', '1234'));
    expect(search.search('MRN19999').map((p) => p.chartId)).toEqual(['c19999']);
    expect(
      search
        .search(people[42]!.birthDate, 1000)
        .every((p) => p.birthDate === people[42]!.birthDate),
    ).toBe(true);
    expect(search.search('nobody-here')).toEqual([]);
    expect(search.search('', 10)).toHaveLength(10);
  });
});

describe('change notifications', () => {
  it('tell text-only edits (typing in a note) from changes to entries', () => {
    const seen: boolean[] = [];
    chart.onChange(({ textOnly }) => seen.push(textOnly));
    const id = chart.newNote({ date: today(), title: 'Visit' });
    chart.noteText(id, 'plan').set('Rest.');
    chart.addProblem({ text: 'Sprain' });
    expect(seen).toEqual([false, true, false]);
    // Signing reads the live text, not a cached copy.
    chart.signNote(id);
    expect(chart.notes()[0]!.data.signedText?.plan).toBe('Rest.');
  });
});

describe('ages of charts not yet synced', () => {
  it('format as empty rather than failing', () => {
    expect(formatAge(undefined as unknown as string)).toBe('');
    expect(formatAge('2023-02-30')).toBe('');
  });
});

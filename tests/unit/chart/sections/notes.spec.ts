import { beforeEach, describe, expect, it } from 'vitest';
import type { ChartModel } from '../../../../src/lib/chart/model.ts';
import { today } from '../../../../src/lib/chart/dates.ts';
import { ChartError } from '../../../../src/lib/chart/errors.ts';
import { checkNote, notes } from '../../../../src/lib/chart/sections/notes.ts';
import { ADA } from '../../crdt/fake-port.ts';
import { context, issues, openChart } from './helpers.ts';

let chart: ChartModel;
beforeEach(async () => {
  chart = await openChart();
});

describe('notes', () => {
  it('are edited as drafts, signed, then changed only by addendum', () => {
    const id = chart.newNote({ date: today(), title: 'Follow-up' });
    chart.noteText(id, 'subjective').set('Feels well.');
    chart.noteText(id, 'plan').set('Continue.');
    chart.signNote(id);
    const [note] = chart.notes();
    expect(note!.data).toMatchObject({
      status: 'signed',
      signedText: { subjective: 'Feels well.', plan: 'Continue.' },
    });
    expect(() => chart.noteText(id, 'plan')).toThrow('A signed note changes only by addendum.');
    expect(() => chart.signNote(id)).toThrow(ChartError);
    chart.addAddendum(id, 'Lab results reviewed.');
    expect(chart.addenda(id).map((a) => a.data.text)).toEqual(['Lab results reviewed.']);
    expect(chart.addenda(id)[0]!.createdBy).toEqual(ADA);
  });
});

describe('notes', () => {
  it('need a visit date and a title', () => {
    expect(issues(() => checkNote({ date: '', title: '' }))).toEqual([
      'date: Visit date is required.',
      'title: Title is required.',
    ]);
  });

  it('export as an Encounter and a DocumentReference holding the signed text and addenda', () => {
    const id = chart.newNote({ date: '2024-01-01', title: 'Visit' });
    chart.noteText(id, 'subjective').set('Feels well — ça va.');
    chart.signNote(id);
    chart.addAddendum(id, 'Reviewed.');
    const note = chart.notes()[0]!;
    const [encounter, doc] = notes.fhirOut.render(note, {
      ...context,
      addenda: (noteId) => chart.addenda(noteId),
    });
    expect(encounter).toMatchObject({
      resourceType: 'Encounter',
      id: `${id}-enc`,
      status: 'finished',
      period: { start: '2024-01-01' },
    });
    expect(doc).toMatchObject({
      resourceType: 'DocumentReference',
      id,
      docStatus: 'final',
      context: { encounter: [{ reference: `Encounter/${id}-enc` }] },
    });
    const data = (doc!.content as { attachment: { data: string } }[])[0]!.attachment.data;
    const text = new TextDecoder().decode(Uint8Array.from(atob(data), (c) => c.charCodeAt(0)));
    expect(text).toBe(
      'Subjective:\nFeels well — ça va.\n\nObjective:\n\n\nAssessment:\n\n\nPlan:\n\n\n' +
        `Addendum (${chart.addenda(id)[0]!.createdAt}): Reviewed.`,
    );
    expect(notes.fhirIn).toBeUndefined();
  });
});

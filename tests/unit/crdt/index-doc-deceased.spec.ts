import { expect, it } from 'vitest';
import { decodeIndexEntry, encodeIndexEntry, IndexDoc } from '../../../src/lib/crdt/index-doc.ts';
import { SealedDoc } from '../../../src/lib/crdt/sealed-doc.ts';
import { ADA, fakePort } from './fake-port.ts';
import { envelopeStores } from './stores.ts';

const newStore = envelopeStores('index-doc-deceased');
const CHART = Buffer.from(new Uint8Array(16).fill(7)).toString('base64url');
const KEY = { epoch: 0, wrappedKey: Buffer.from('k').toString('base64url') };
async function openIndex(fill: number) {
  const sealed = await SealedDoc.open({
    docId: new Uint8Array(16).fill(fill),
    port: fakePort(ADA),
    store: await newStore(),
    self: ADA,
    coalesceMs: 1,
  });
  return { sealed, index: new IndexDoc(sealed) };
}

const DEMO = {
  given: 'Fletcher',
  family: 'Hyatt',
  birthDate: '1915-07-03',
  gender: 'male',
  mrn: 'M1',
};

it('lists a death date (so the patient list never ages the dead), and writes nothing when unchanged', async () => {
  const { sealed, index } = await openIndex(5);
  index.addEntry(CHART, DEMO, KEY);
  expect(index.entry(CHART)).not.toHaveProperty('deceasedDate');
  expect(index.updateDemographics(CHART, DEMO)).toBe(false);
  expect(index.updateDemographics(CHART, { ...DEMO, deceasedDate: '1996-01-21' })).toBe(true);
  expect(index.entry(CHART)).toMatchObject({ deceasedDate: '1996-01-21' });
  expect(index.updateDemographics(CHART, { ...DEMO, deceasedDate: '1996-01-21' })).toBe(false);
  // Died, date unknown.
  expect(index.updateDemographics(CHART, { ...DEMO, deceasedDate: '' })).toBe(true);
  expect(index.entry(CHART)!.deceasedDate).toBe('');
  // Recorded in error and taken back: the field goes.
  expect(index.updateDemographics(CHART, DEMO)).toBe(true);
  expect(index.get(CHART)).toEqual(encodeIndexEntry(DEMO, KEY));
  expect(encodeIndexEntry({ ...DEMO, deceasedDate: '1996-01-21' }, KEY)).toMatchObject({
    deceasedDate: '1996-01-21',
  });
  // Untrusted: a non-string death date is not read.
  expect(decodeIndexEntry(CHART, { ...DEMO, deceasedDate: 5 })).not.toHaveProperty('deceasedDate');
  await sealed.close();
});

it('never blanks a listed patient from a chart whose contents have not arrived (opened on a second device before sync)', async () => {
  const { sealed, index } = await openIndex(6);
  index.addEntry(CHART, DEMO, KEY);
  const before = index.get(CHART);
  const empty = {
    given: undefined,
    family: undefined,
    birthDate: undefined,
  } as unknown as typeof DEMO;
  expect(index.updateDemographics(CHART, empty)).toBe(false);
  expect(index.updateDemographics(CHART, { ...DEMO, family: '', birthDate: '' })).toBe(false);
  expect(index.get(CHART)).toEqual(before);
  expect(index.entry(CHART)).toMatchObject({ given: 'Fletcher', family: 'Hyatt' });
  await sealed.close();
});

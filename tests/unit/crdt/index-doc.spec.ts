import { describe, expect, it } from 'vitest';
import { CryptoError } from '../../../src/lib/crypto/errors.ts';
import {
  chartKeyWraps,
  decodeIndexEntry,
  encodeIndexEntry,
  IndexDoc,
} from '../../../src/lib/crdt/index-doc.ts';
import { SealedDoc } from '../../../src/lib/crdt/sealed-doc.ts';
import { ADA, BOB, fakePort } from './fake-port.ts';
import { envelopeStores } from './stores.ts';

const newStore = envelopeStores('index-doc');
const CHART = Buffer.from(new Uint8Array(16).fill(9)).toString('base64url');
const KEY_A = Buffer.from('wrapped-key-a').toString('base64url');
const KEY_B = Buffer.from('wrapped-key-b').toString('base64url');
const DEMO = {
  given: 'Ada',
  family: 'Lovelace',
  birthDate: '1815-12-10',
  gender: 'female',
  mrn: 'F123456',
};

async function openIndex(store?: Awaited<ReturnType<typeof newStore>>, self = ADA, seq = 0) {
  const s = store ?? (await newStore());
  const sealed = await SealedDoc.open({
    docId: new Uint8Array(16).fill(4),
    port: fakePort(self, seq),
    store: s,
    self,
    coalesceMs: 1,
  });
  return { index: new IndexDoc(sealed), sealed, store: s };
}

describe('index entries', () => {
  it('stores a new chart in the format every version wrote, and reads it back after reopening', async () => {
    const { index, sealed, store } = await openIndex();
    index.addEntry(CHART, DEMO, { epoch: 2, wrappedKey: KEY_A });
    expect(JSON.stringify(index.get(CHART))).toBe(
      JSON.stringify({
        given: 'Ada',
        family: 'Lovelace',
        birthDate: '1815-12-10',
        gender: 'female',
        mrn: 'F123456',
        keyEpoch: 2,
        wrappedKey: KEY_A,
      }),
    );
    await sealed.close();
    const again = await openIndex(store);
    expect(again.index.entries()).toEqual([
      { chartId: CHART, ...DEMO, key: { epoch: 2, wrappedKey: KEY_A }, olderKeys: [] },
    ]);
    await again.sealed.close();
  });

  it('updates demographics and rotates keys keeping every other field', async () => {
    const { index, sealed } = await openIndex();
    expect(index.updateDemographics(CHART, DEMO)).toBe(false);
    expect(index.rotateKey(CHART, { epoch: 1, wrappedKey: KEY_A }, [])).toBe(false);
    expect(index.get(CHART)).toBeUndefined();
    // An entry from a later version with a field this one does not know.
    index.put(CHART, { ...encodeIndexEntry(DEMO, { epoch: 0, wrappedKey: KEY_A }), later: 'x' });
    expect(index.updateDemographics(CHART, { ...DEMO, family: 'King', mrn: 'F999999' })).toBe(true);
    expect(index.get(CHART)).toEqual({
      ...encodeIndexEntry(
        { ...DEMO, family: 'King', mrn: 'F999999' },
        { epoch: 0, wrappedKey: KEY_A },
      ),
      later: 'x',
    });
    index.rotateKey(CHART, { epoch: 1, wrappedKey: KEY_B }, [{ epoch: 0, wrappedKey: KEY_A }]);
    expect(index.get(CHART)).toEqual({
      ...encodeIndexEntry(
        { ...DEMO, family: 'King', mrn: 'F999999' },
        { epoch: 1, wrappedKey: KEY_B },
      ),
      later: 'x',
      olderKeys: [{ epoch: 0, wrappedKey: KEY_A }],
    });
    expect(index.entry(CHART)).toMatchObject({
      family: 'King',
      key: { epoch: 1, wrappedKey: KEY_B },
      olderKeys: [{ epoch: 0, wrappedKey: KEY_A }],
    });
    await sealed.close();
  });

  it('decodes untrusted entries without throwing, keeping only well-formed keys', () => {
    expect(decodeIndexEntry(CHART, null)).toBeNull();
    expect(decodeIndexEntry(CHART, 'junk')).toBeNull();
    expect(decodeIndexEntry(CHART, [1, 2])).toBeNull();
    expect(decodeIndexEntry(CHART, {})).toEqual({
      chartId: CHART,
      given: '',
      family: '',
      birthDate: '',
      gender: 'unknown',
      mrn: '',
      key: null,
      olderKeys: [],
    });
    const entry = decodeIndexEntry(CHART, {
      given: 7,
      gender: 3,
      mrn: null,
      wrappedKey: KEY_B,
      olderKeys: [
        { epoch: 0, wrappedKey: KEY_A },
        { epoch: 1.5, wrappedKey: KEY_A },
        { epoch: 1 },
        null,
        'x',
      ],
    });
    expect(entry).toMatchObject({
      given: '7',
      gender: 'unknown',
      mrn: '',
      key: { epoch: 0, wrappedKey: KEY_B }, // no keyEpoch: epoch 0
      olderKeys: [{ epoch: 0, wrappedKey: KEY_A }],
    });
  });

  it('lists every wrapped key of a chart for the vault, older keys first', () => {
    const entry = decodeIndexEntry(CHART, {
      keyEpoch: 1,
      wrappedKey: KEY_B,
      olderKeys: [{ epoch: 0, wrappedKey: KEY_A }],
    })!;
    const wraps = chartKeyWraps(entry);
    expect(wraps.map((w) => [w.epoch, Buffer.from(w.wrappedKey).toString()])).toEqual([
      [0, 'wrapped-key-a'],
      [1, 'wrapped-key-b'],
    ]);
    expect(Buffer.from(wraps[0]!.docId).toString('base64url')).toBe(CHART);
    expect(chartKeyWraps({ ...entry, key: null, olderKeys: [] })).toEqual([]);
    expect(() => chartKeyWraps({ ...entry, key: { epoch: 1, wrappedKey: 'not base64!' } })).toThrow(
      CryptoError,
    );
  });
});

describe('letterhead settings', () => {
  it('keeps the practice details and a prescriber’s own details across reopening', async () => {
    const { index, sealed, store } = await openIndex();
    expect(index.practiceDetails(() => true)).toBeUndefined();
    index.setPracticeDetails(
      ADA.member,
      { address: '14 Wrenfield Road', phone: '+1 217 555 0142' },
      '2026-12-01T10:00:00.000Z',
    );
    index.setPrescriberDetails(ADA.member, { credentials: 'MD', npi: '1234567893', dea: '' });
    await sealed.close();
    const again = await openIndex(store);
    expect(again.index.practiceDetails((m) => m === ADA.member)).toEqual({
      address: '14 Wrenfield Road',
      phone: '+1 217 555 0142',
    });
    expect(again.index.prescriberDetails(ADA.member)).toEqual({
      credentials: 'MD',
      npi: '1234567893',
      dea: '',
    });
    await again.sealed.close();
  });

  it('ignores prescriber details written by another member', async () => {
    const { index, sealed } = await openIndex();
    // Ada writes under Bob's key: Bob's details are not what Ada says they are.
    index.setPrescriberDetails(BOB.member, { credentials: 'MD', npi: '1234567893' });
    expect(index.prescriberDetails(BOB.member)).toBeUndefined();
    expect(index.prescriberDetails(ADA.member)).toBeUndefined();
    await sealed.close();
  });
});

describe('practice letterhead: admins only', () => {
  const ADDRESS = { address: '14 Wrenfield Road', phone: '+1 217 555 0142' };
  const adaIsAdmin = (member: string) => member === ADA.member;

  it('ignores a non-admin member’s rewrite of the practice address and phone (attack)', async () => {
    const { index, sealed, store } = await openIndex();
    index.setPracticeDetails(ADA.member, ADDRESS, '2026-12-01T10:00:00.000Z');
    await sealed.close();
    // Bob, a clinician, rewrites the shared letterhead that every prescription starts with:
    // under his own key, under Ada's key, and under the first version's single key.
    const bob = await openIndex(store, BOB);
    const forged = { address: '1 Forged Lane', phone: '+1 000 555 0000' };
    bob.index.setPracticeDetails(BOB.member, forged, '2026-12-02T10:00:00.000Z');
    bob.index.setPracticeDetails(ADA.member, forged, '2026-12-02T10:00:00.000Z');
    (bob.sealed.ydoc.getMap('settings') as { set(k: string, v: unknown): void }).set(
      'practice',
      forged,
    );
    await bob.sealed.close();
    const again = await openIndex(store, ADA, 1);
    // Ada's own write under her key was overwritten by Bob's re-signed copy, so nothing counts:
    // the letterhead is missing (prescriptions say so) rather than forged.
    expect(again.index.practiceDetails(adaIsAdmin)).toBeUndefined();
    expect(again.index.practiceDetails((m) => m === BOB.member)).toEqual(forged);
    await again.sealed.close();
  });

  it('takes the newest details among admins, and none from a member who is no longer admin', async () => {
    const { index, sealed, store } = await openIndex();
    index.setPracticeDetails(ADA.member, ADDRESS, '2026-12-01T10:00:00.000Z');
    await sealed.close();
    const bob = await openIndex(store, BOB);
    const moved = { address: '2 New Street', phone: '+1 217 555 0199' };
    bob.index.setPracticeDetails(BOB.member, moved, '2026-12-02T10:00:00.000Z');
    await bob.sealed.close();
    const again = await openIndex(store, ADA, 1);
    expect(again.index.practiceDetails(() => true)).toEqual(moved);
    expect(again.index.practiceDetails(adaIsAdmin)).toEqual(ADDRESS);
    expect(again.index.practiceDetails(() => false)).toBeUndefined();
    await again.sealed.close();
  });

  it('reads the first version’s single key only when an admin wrote it', async () => {
    const { sealed, store } = await openIndex();
    (sealed.ydoc.getMap('settings') as { set(k: string, v: unknown): void }).set(
      'practice',
      ADDRESS,
    );
    await sealed.close();
    const again = await openIndex(store, ADA, 1);
    expect(again.index.practiceDetails(adaIsAdmin)).toEqual(ADDRESS);
    expect(again.index.practiceDetails(() => false)).toBeUndefined();
    await again.sealed.close();
  });
});

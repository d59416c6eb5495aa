import { expect, it } from 'vitest';
import { utf8 } from '../../../src/lib/crypto/index.ts';
import { MAX_CATCH_UP_STATE } from '../../../src/lib/vault/catch-up-state.ts';
import { VAULT_STORES } from '../../../src/lib/vault/store.ts';
import { errorCode, PASS, vault } from './helpers.ts';

const STATE = utf8(JSON.stringify({ room: '0f'.repeat(16), cursor: 42 }));

async function practice() {
  const { v, store } = await vault();
  const { session } = await v.createPractice({
    practiceName: 'Harbour Clinic',
    memberName: 'Dr. Ada',
    deviceName: 'Laptop',
    passphrase: PASS,
  });
  return { v, store, slotId: session.slotId };
}

it('keeps catch-up state across a lock, sealed: nothing of it is stored in clear', async () => {
  const { v, store, slotId } = await practice();
  expect(await v.catchUpState()).toEqual({ state: null });
  await v.saveCatchUpState({ state: STATE });
  expect(await v.catchUpState()).toEqual({ state: STATE });

  const record = await store.getCatchUp(slotId);
  expect(Object.keys(record!).sort()).toEqual([...VAULT_STORES.catchup.fields]);
  const stored = Buffer.from(record!.box.ciphertext).toString('latin1');
  expect(stored).not.toContain('0f0f0f');
  expect(stored).not.toContain('cursor');

  v.lock();
  expect(await errorCode(v.catchUpState())).toBe('locked');
  expect(await errorCode(v.saveCatchUpState({ state: STATE }))).toBe('locked');
  await v.unlock({ slotId, passphrase: PASS });
  expect(await v.catchUpState()).toEqual({ state: STATE });
});

it('a record that does not open under this member is no record; bad input is refused', async () => {
  const { v, store, slotId } = await practice();
  await v.saveCatchUpState({ state: STATE });
  const record = (await store.getCatchUp(slotId))!;
  // Another slot's record copied under this slot id (the purpose binds the slot), or tampered.
  const tampered = record.box.ciphertext.slice();
  tampered[0]! ^= 1;
  await store.putCatchUp({ ...record, box: { ...record.box, ciphertext: tampered } });
  expect(await v.catchUpState()).toEqual({ state: null });

  expect(await errorCode(v.saveCatchUpState({ state: 'text' as unknown as Uint8Array }))).toBe(
    'bad-input',
  );
  expect(
    await errorCode(v.saveCatchUpState({ state: new Uint8Array(MAX_CATCH_UP_STATE + 1) })),
  ).toBe('bad-input');
  expect(await errorCode(v.saveCatchUpState(undefined as never))).toBe('bad-input');
});

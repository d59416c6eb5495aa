import 'fake-indexeddb/auto';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  CryptoError,
  loadSodium,
  MIN_ARGON2,
  sodium,
  utf8,
} from '../../../src/lib/crypto/index.ts';
import {
  SEQ_BLOCK,
  VaultError,
  VaultService,
  type OpenResult,
} from '../../../src/lib/vault/service.ts';
import { openVaultStore, type VaultStore } from '../../../src/lib/vault/store.ts';

beforeAll(loadSodium);

const FAST = MIN_ARGON2;
const PASS = 'correct horse battery staple';
let dbCount = 0;
const stores: VaultStore[] = [];

async function newStore(name = `vault-test-${++dbCount}`) {
  const store = await openVaultStore(name);
  stores.push(store);
  return { store, name };
}

afterEach(() => {
  for (const s of stores.splice(0)) s.close();
});

async function setUp() {
  const { store, name } = await newStore();
  const sleeps: number[] = [];
  const service = new VaultService({
    store,
    params: FAST,
    sleep: async (ms) => void sleeps.push(ms),
  });
  const created = await service.createPractice({
    practiceName: 'Riverside Family Practice',
    memberName: 'Dr. Ada Byron',
    deviceName: 'Front desk PC',
    passphrase: PASS,
  });
  return { store, name, service, sleeps, ...created };
}

async function errorCode(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof CryptoError || error instanceof VaultError) return error.code;
    throw error;
  }
  return 'no-error';
}

describe('vault service', () => {
  it('creates a practice, locks, and unlocks with the passphrase', async () => {
    const { service, session, recoveryKey, store } = await setUp();
    expect(session).toMatchObject({
      memberName: 'Dr. Ada Byron',
      role: 'admin',
      practiceName: 'Riverside Family Practice',
    });
    expect(recoveryKey).toMatch(/^([A-Z2-7]{4}-){13}[A-Z2-7]{4}$/);
    service.lock();
    expect((await service.status()).session).toBeNull();
    const fresh = new VaultService({ store, params: FAST });
    const [slot] = (await fresh.status()).slots;
    expect(slot!.label).toBe('Dr. Ada Byron');
    const again = await fresh.unlock({ slotId: slot!.slotId, passphrase: PASS });
    expect(again.memberFingerprint).toBe(session.memberFingerprint);
  });

  it('refuses a wrong passphrase with a clear code, keeps the data, and slows repeated failures', async () => {
    const { service, session, sleeps } = await setUp();
    service.lock();
    for (let i = 0; i < 5; i++) {
      expect(
        await errorCode(
          service.unlock({ slotId: session.slotId, passphrase: 'not the passphrase' }),
        ),
      ).toBe('wrong-passphrase');
    }
    expect(sleeps).toEqual([1000, 2000]);
    expect(service.retryDelayMs).toBe(4000);
    await service.unlock({ slotId: session.slotId, passphrase: PASS });
    expect(service.retryDelayMs).toBe(0);
  });

  it('unlocks with the recovery key, then a new passphrase can be set', async () => {
    const { service, session, recoveryKey } = await setUp();
    service.lock();
    expect(
      await errorCode(
        service.unlockWithRecovery({ slotId: session.slotId, recoveryKey: 'AAAA-BBBB' }),
      ),
    ).toBe('bad-recovery-key');
    const unlocked = await service.unlockWithRecovery({
      slotId: session.slotId,
      recoveryKey: recoveryKey.toLowerCase(),
    });
    expect(unlocked.memberName).toBe('Dr. Ada Byron');
    await service.resetPassphrase({ recoveryKey, next: 'a brand new passphrase' });
    service.lock();
    expect(await errorCode(service.unlock({ slotId: session.slotId, passphrase: PASS }))).toBe(
      'wrong-passphrase',
    );
    await service.unlock({ slotId: session.slotId, passphrase: 'a brand new passphrase' });
  });

  it('changes the passphrase without touching the keyring ciphertext', async () => {
    const { service, session, store } = await setUp();
    const before = await store.getSlot(session.slotId);
    expect(
      await errorCode(
        service.changePassphrase({ current: 'wrong wrong wrong', next: 'another long passphrase' }),
      ),
    ).toBe('wrong-passphrase');
    expect(await errorCode(service.changePassphrase({ current: PASS, next: 'short' }))).toBe(
      'weak-passphrase',
    );
    await service.changePassphrase({ current: PASS, next: 'another long passphrase' });
    const after = await store.getSlot(session.slotId);
    expect(sodium().compare(after!.keyring.ciphertext, before!.keyring.ciphertext)).toBe(0);
    expect(sodium().compare(after!.passphrase.ciphertext, before!.passphrase.ciphertext)).not.toBe(
      0,
    );
    service.lock();
    expect(await errorCode(service.unlock({ slotId: session.slotId, passphrase: PASS }))).toBe(
      'wrong-passphrase',
    );
    await service.unlock({ slotId: session.slotId, passphrase: 'another long passphrase' });
  });

  it('upgrades weaker Argon2id parameters on unlock without locking anyone out', async () => {
    const { session, store } = await setUp();
    const stronger = { opslimit: FAST.opslimit + 1, memlimit: FAST.memlimit };
    const upgraded = new VaultService({ store, params: stronger });
    await upgraded.unlock({ slotId: session.slotId, passphrase: PASS });
    expect((await store.getSlot(session.slotId))!.passphrase).toMatchObject(stronger);
    const later = new VaultService({ store, params: stronger });
    await later.unlock({ slotId: session.slotId, passphrase: PASS });
  });

  it('validates input with readable messages and refuses a second setup', async () => {
    const { store } = await newStore();
    const service = new VaultService({ store, params: FAST });
    const base = { practiceName: 'P', memberName: 'M', deviceName: 'D', passphrase: PASS };
    expect(await errorCode(service.createPractice({ ...base, practiceName: '  ' }))).toBe(
      'bad-input',
    );
    expect(await errorCode(service.createPractice({ ...base, passphrase: 'short' }))).toBe(
      'weak-passphrase',
    );
    await service.createPractice(base);
    expect(await errorCode(service.createPractice(base))).toBe('already-set-up');
    service.lock();
    expect(
      await errorCode(
        service.seal({
          docId: new Uint8Array(16),
          kind: 'update',
          generation: 0,
          payload: utf8('x'),
        }),
      ),
    ).toBe('locked');
  });

  it('persists sequence blocks before use, so a restart never reuses a seq', async () => {
    const { service, session, store } = await setUp();
    const first = [await service.nextSeq(), await service.nextSeq()];
    expect(first).toEqual([0, 1]);
    // A "crash": a new service instance on the same storage continues after the reserved block.
    const restarted = new VaultService({ store, params: FAST });
    await restarted.unlock({ slotId: session.slotId, passphrase: PASS });
    expect(await restarted.nextSeq()).toBe(SEQ_BLOCK);
    // Two services (two tabs) reserving concurrently get disjoint blocks.
    const tabA = new VaultService({ store, params: FAST });
    await tabA.unlock({ slotId: session.slotId, passphrase: PASS });
    const seqs = await Promise.all([tabA.nextSeq(), service.nextSeq(), restarted.nextSeq()]);
    expect(new Set(seqs).size).toBe(3);
  });

  it('two members on one device unlock with their own passphrases and sign with their own keys', async () => {
    const { service, session: ada, store } = await setUp();
    const { recoveryKey, session } = await service.addMember({
      name: 'Nurse Grace',
      role: 'clinician',
      passphrase: 'grace own passphrase',
    });
    expect(recoveryKey).toMatch(/^[A-Z2-7-]+$/);
    expect(session.members.map((m) => m.name)).toEqual(['Dr. Ada Byron', 'Nurse Grace']);
    const index = service.practiceIndex().docId;
    const { envelope: fromAda } = await service.seal({
      docId: index,
      kind: 'update',
      generation: 0,
      payload: utf8('ada wrote'),
    });
    service.lock();

    const device = new VaultService({ store, params: FAST });
    const slots = (await device.status()).slots;
    expect(slots.map((s) => s.label).sort()).toEqual(['Dr. Ada Byron', 'Nurse Grace']);
    const graceSlot = slots.find((s) => s.label === 'Nurse Grace')!;
    expect(await errorCode(device.unlock({ slotId: graceSlot.slotId, passphrase: PASS }))).toBe(
      'wrong-passphrase',
    );
    const grace = await device.unlock({
      slotId: graceSlot.slotId,
      passphrase: 'grace own passphrase',
    });
    expect(grace.memberFingerprint).not.toBe(ada.memberFingerprint);
    expect(grace.deviceFingerprint).toBe(ada.deviceFingerprint);

    const { envelope: fromGrace } = await device.seal({
      docId: index,
      kind: 'update',
      generation: 0,
      payload: utf8('grace wrote'),
    });
    const [openedAda, openedGrace] = device.openMany({ envelopes: [fromAda, fromGrace] }) as [
      OpenResult,
      OpenResult,
    ];
    expect(openedAda).toMatchObject({ ok: true, author: { memberName: 'Dr. Ada Byron' } });
    expect(openedGrace).toMatchObject({ ok: true, author: { memberName: 'Nurse Grace' } });
    if (!openedAda.ok || !openedGrace.ok) throw new Error('not opened');
    expect(openedAda.author.member).not.toBe(openedGrace.author.member);
    expect(openedAda.author.device).toBe(openedGrace.author.device);
    expect(sodium().to_string(openedGrace.payload)).toBe('grace wrote');
    expect(
      await errorCode(device.addMember({ name: 'X', role: 'clinician', passphrase: PASS })),
    ).toBe('not-admin');
  });

  it('a front-desk member holds the practice keys but no clinical key', async () => {
    const { service, store } = await setUp();
    await service.addMember({
      name: 'Desk',
      role: 'front-desk',
      passphrase: 'front desk passphrase',
    });
    service.lock();
    const device = new VaultService({ store, params: FAST });
    const desk = (await device.status()).slots.find((s) => s.label === 'Desk')!;
    const session = await device.unlock({
      slotId: desk.slotId,
      passphrase: 'front desk passphrase',
    });
    expect(session).toMatchObject({ role: 'front-desk', canOpenCharts: false });
    // The practice index still works for this member; charts do not.
    const { envelope: sealed } = await device.seal({
      docId: device.practiceIndex().docId,
      kind: 'update',
      generation: 0,
      payload: utf8('desk'),
    });
    expect(device.openMany({ envelopes: [sealed] })[0]).toMatchObject({
      ok: true,
      author: { memberName: 'Desk' },
    });
    expect(() => device.createChartKey()).toThrow(/may not open charts/);
  });

  it('stores nothing readable: no names, passphrase or recovery key in any stored byte except the slot label', async () => {
    const { store, recoveryKey } = await setUp();
    const dump = JSON.stringify(
      {
        slots: await store.listSlots(),
        counters: await store.getCounter((await store.listSlots())[0]!.slotId),
      },
      (_k, v) => (v instanceof Uint8Array ? Buffer.from(v).toString('latin1') : v),
    );
    for (const secret of [
      'Riverside',
      'Front desk PC',
      PASS,
      recoveryKey,
      recoveryKey.replace(/-/g, ''),
    ]) {
      expect(dump).not.toContain(secret);
    }
  });
});

describe('chart keys', () => {
  it('are created wrapped under the clinical key, reload after unlock, and seal/open charts', async () => {
    const { service, session, store } = await setUp();
    const chart = service.createChartKey();
    const { envelope: sealed } = await service.seal({
      docId: chart.docId,
      kind: 'update',
      generation: 0,
      payload: utf8('chart'),
    });
    service.lock();
    const again = new VaultService({ store, params: FAST });
    await again.unlock({ slotId: session.slotId, passphrase: PASS });
    expect(again.openMany({ envelopes: [sealed] })[0]).toEqual({ ok: false, code: 'unknown-key' });
    const tampered = chart.wrappedKey.slice();
    tampered[40]! ^= 1;
    const otherDoc = new Uint8Array(16);
    expect(
      again.loadChartKeys({
        charts: [
          chart,
          { ...chart, wrappedKey: tampered },
          { ...chart, docId: otherDoc },
          { ...chart, wrappedKey: new Uint8Array(3) },
        ],
      }),
    ).toMatchObject({
      loaded: 1,
      failed: [{ code: 'decrypt-failure' }, { code: 'decrypt-failure' }, { code: 'bad-length' }],
    });
    const opened = again.openMany({ envelopes: [sealed, new Uint8Array(10)] });
    expect(opened[0]).toMatchObject({ ok: true, kind: 'update', generation: 0 });
    expect(opened[1]).toEqual({ ok: false, code: 'bad-length' });
  });
});

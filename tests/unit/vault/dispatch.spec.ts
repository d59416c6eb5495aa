import 'fake-indexeddb/auto';
import fc from 'fast-check';
import { beforeAll, expect, it } from 'vitest';
import { loadSodium, MIN_ARGON2 } from '../../../src/lib/crypto/index.ts';
import {
  dispatch,
  VAULT_HANDLERS,
  VAULT_METHODS,
  type VaultHandlers,
} from '../../../src/lib/vault/dispatch.ts';
import type { VaultMethod, VaultRequest } from '../../../src/lib/vault/protocol.ts';
import { VaultService } from '../../../src/lib/vault/service.ts';
import { openVaultStore } from '../../../src/lib/vault/store.ts';

let service: VaultService;
beforeAll(async () => {
  await loadSodium();
  service = new VaultService({ store: await openVaultStore('dispatch-test'), params: MIN_ARGON2 });
});

it('answers a known method with its result', async () => {
  expect(await dispatch(service, { id: 1, method: 'status', params: undefined })).toEqual({
    id: 1,
    ok: true,
    result: { slots: [], session: null, retryDelayMs: 0 },
  });
});

it('turns unknown methods and malformed params into coded errors, never stack traces', async () => {
  const cases: [unknown, string][] = [
    [{ id: 2, method: 'exportKeys', params: {} }, 'bad-input'],
    [{ id: 3, method: 'unlock', params: { slotId: 'nope', passphrase: 'x' } }, 'no-slot'],
    [{ id: 4, method: 'unlock', params: null }, 'bad-input'],
    [{ id: 5, method: 'seal', params: {} }, 'locked'],
    [{ id: 6, method: 'openMany', params: { envelopes: 'not bytes' } }, 'locked'],
    [{ id: 7, method: 'createPractice', params: { practiceName: 5 } }, 'bad-input'],
    [{ id: 8, method: 'setAutoLock', params: {} }, 'locked'],
  ];
  for (const [request, code] of cases) {
    const response = await dispatch(service, request as VaultRequest);
    expect(response, JSON.stringify(request)).toMatchObject({ ok: false, error: { code } });
  }
});

it('never rejects, whatever arrives', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.record({
        id: fc.oneof(fc.integer(), fc.string()),
        method: fc.oneof(
          fc.constantFrom('status', 'unlock', 'unlockWithRecovery', 'createPractice', 'addMember'),
          fc.string(),
        ),
        params: fc.anything(),
      }),
      async (request) => {
        const response = await dispatch(service, request as unknown as VaultRequest);
        expect(typeof response.ok).toBe('boolean');
        if (!response.ok) expect(response.error.code).toMatch(/^[a-z-]+$/);
      },
    ),
    { numRuns: 150 },
  );
});

/** The wire contract: every method the page may call (changing it changes the protocol). */
const WIRE_METHODS: VaultMethod[] = [
  'status',
  'createPractice',
  'addMember',
  'unlock',
  'unlockWithRecovery',
  'changePassphrase',
  'resetPassphrase',
  'setAutoLock',
  'setRelayUrl',
  'practiceIndex',
  'createChartKey',
  'loadChartKeys',
  'seal',
  'openMany',
  'exportBackup',
  'memberLists',
  'updateMemberLists',
  'relayProof',
  'roomFor',
  'roomsFor',
  'catchUpState',
  'saveCatchUpState',
  'startPairing',
  'openPairingRequest',
  'answerPairing',
  'beginJoin',
  'completeJoin',
  'restoreBackup',
  'removeMember',
  'activateRemoval',
  'acceptRotation',
  'rotateChartKey',
  'rotateChartKeyIfStale',
];

it('has a handler for every method of the protocol, and no other', async () => {
  expect([...VAULT_METHODS].sort()).toEqual([...WIRE_METHODS].sort());
  // Each one reaches the service (a locked, empty one here): none is answered as unknown.
  const fresh = new VaultService({
    store: await openVaultStore('dispatch-methods-test'),
    params: MIN_ARGON2,
  });
  for (const [i, method] of WIRE_METHODS.entries()) {
    const response = await dispatch(fresh, { id: i, method, params: {} });
    expect(response, method).not.toMatchObject({ error: { message: 'Unknown request' } });
  }
});

it('every public method of VaultService is on the protocol, except the Worker-internal ones', () => {
  const proto = VaultService.prototype as unknown as Record<string, unknown>;
  const methods = Object.getOwnPropertyNames(proto).filter(
    (name) =>
      name !== 'constructor' &&
      typeof Object.getOwnPropertyDescriptor(proto, name)?.value === 'function',
  );
  expect(methods.filter((m) => !(WIRE_METHODS as string[]).includes(m)).sort()).toEqual([
    'lock',
    'nextSeq',
  ]);
});

it('refuses names that are not handlers: Worker-internal methods and Object.prototype keys', async () => {
  const names = ['lock', 'nextSeq', 'toString', 'constructor', '__proto__', 'hasOwnProperty', ''];
  for (const [i, method] of names.entries()) {
    const request = { id: i, method, params: {} } as unknown as VaultRequest;
    expect(await dispatch(service, request), method).toEqual({
      id: i,
      ok: false,
      error: { code: 'bad-input', message: 'Unknown request' },
    });
  }
  expect(
    await dispatch(service, { id: 9, method: 42, params: {} } as unknown as VaultRequest),
  ).toMatchObject({ ok: false, error: { code: 'bad-input' } });
});

it('tsc refuses a handler map with a method missing or one too many', () => {
  const { seal, ...withoutSeal } = VAULT_HANDLERS;
  // @ts-expect-error — 'seal' is missing.
  const missing: VaultHandlers = withoutSeal;
  const extra = {
    ...VAULT_HANDLERS,
    // @ts-expect-error — VaultApi declares no 'exportKeys'.
    exportKeys: () => null,
  } satisfies VaultHandlers;
  expect(Object.keys(missing)).not.toContain('seal');
  expect(Object.keys(extra)).toContain('exportKeys');
  expect(typeof seal).toBe('function');
});

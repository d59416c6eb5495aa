import 'fake-indexeddb/auto';
import fc from 'fast-check';
import { beforeAll, expect, it } from 'vitest';
import { loadSodium, MIN_ARGON2 } from '../../../src/lib/crypto/index.ts';
import { dispatch } from '../../../src/lib/vault/dispatch.ts';
import type { VaultRequest } from '../../../src/lib/vault/protocol.ts';
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

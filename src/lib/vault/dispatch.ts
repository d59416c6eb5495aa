/**
 * Maps protocol requests onto a VaultService and errors onto wire errors. Unknown methods and
 * unexpected exceptions become coded errors; stack traces and key material never cross over.
 *
 * VAULT_HANDLERS is the one place a method of VaultApi (protocol.ts) meets the service: each
 * entry takes the request's params and the service. It `satisfies` VaultHandlers, so a method
 * of VaultApi without an entry, an entry VaultApi does not declare, or an entry of the wrong
 * shape fails `tsc`; VAULT_METHODS is read off it.
 */
import { CryptoError } from '$lib/crypto';
import type { VaultApi, VaultMethod, VaultParams, VaultRequest, VaultResponse } from './protocol';
import { VaultError, type VaultService } from './service';

/**
 * One handler per VaultApi method. `params` is what the page sent, typed as VaultApi declares
 * it but not checked here: the service checks shapes itself (typed errors for bad input).
 */
export type VaultHandlers = {
  readonly [M in VaultMethod]: (
    params: VaultParams<M>,
    service: VaultService,
  ) => ReturnType<VaultApi[M]> | Promise<ReturnType<VaultApi[M]>>;
};

export const VAULT_HANDLERS = {
  status: async (_, s) => ({ ...(await s.status()), retryDelayMs: s.retryDelayMs }),
  createPractice: (p, s) => s.createPractice(p),
  addMember: (p, s) => s.addMember(p),
  unlock: (p, s) => s.unlock(p),
  unlockWithRecovery: (p, s) => s.unlockWithRecovery(p),
  changePassphrase: (p, s) => s.changePassphrase(p),
  resetPassphrase: (p, s) => s.resetPassphrase(p),
  // Unchecked params: `minutes`/`url` may be missing whatever the type says.
  setAutoLock: (p, s) => s.setAutoLock((p as Partial<typeof p>).minutes ?? NaN),
  setRelayUrl: (p, s) => s.setRelayUrl((p as Partial<typeof p>).url ?? null),
  practiceIndex: (_, s) => s.practiceIndex(),
  createChartKey: (_, s) => s.createChartKey(),
  loadChartKeys: (p, s) => s.loadChartKeys(p),
  seal: (p, s) => s.seal(p),
  openMany: (p, s) => s.openMany(p),
  exportBackup: (p, s) => s.exportBackup(p),
  memberLists: (_, s) => s.memberLists(),
  updateMemberLists: (p, s) => s.updateMemberLists(p),
  relayProof: (_, s) => s.relayProof(),
  roomFor: (p, s) => s.roomFor(p),
  roomsFor: (p, s) => s.roomsFor(p),
  catchUpState: (_, s) => s.catchUpState(),
  saveCatchUpState: (p, s) => s.saveCatchUpState(p),
  startPairing: (_, s) => s.startPairing(),
  openPairingRequest: (p, s) => s.openPairingRequest(p),
  answerPairing: (p, s) => s.answerPairing(p),
  beginJoin: (p, s) => s.beginJoin(p),
  completeJoin: (p, s) => s.completeJoin(p),
  restoreBackup: (p, s) => s.restoreBackup(p),
  removeMember: (p, s) => s.removeMember(p),
  activateRemoval: (_, s) => s.activateRemoval(),
  acceptRotation: (p, s) => s.acceptRotation(p),
  rotateChartKey: (p, s) => s.rotateChartKey(p),
  rotateChartKeyIfStale: (p, s) => s.rotateChartKeyIfStale(p),
} satisfies VaultHandlers;

/** Every method the Worker answers (the keys of VAULT_HANDLERS). */
export const VAULT_METHODS: readonly VaultMethod[] = Object.keys(VAULT_HANDLERS) as VaultMethod[];

/** Whether `method` names a handler (own keys only: 'toString', '__proto__' are unknown). */
function isVaultMethod(method: unknown): method is VaultMethod {
  return typeof method === 'string' && Object.hasOwn(VAULT_HANDLERS, method);
}

export async function dispatch(
  service: VaultService,
  request: VaultRequest,
): Promise<VaultResponse> {
  const id = typeof request?.id === 'number' ? request.id : -1;
  try {
    const method: unknown = request.method;
    if (!isVaultMethod(method)) throw new VaultError('bad-input', 'Unknown request');
    const handler = VAULT_HANDLERS[method] as (
      params: unknown,
      service: VaultService,
    ) => unknown | Promise<unknown>;
    const result = await handler(request.params ?? {}, service);
    return { id, ok: true, result };
  } catch (error) {
    // RotationError is a VaultError.
    if (error instanceof CryptoError || error instanceof VaultError) {
      return { id, ok: false, error: { code: error.code, message: error.message } };
    }
    return { id, ok: false, error: { code: 'internal-error', message: 'internal-error' } };
  }
}

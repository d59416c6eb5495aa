/**
 * Maps protocol requests onto a VaultService and errors onto wire errors. Unknown methods and
 * unexpected exceptions become coded errors; stack traces and key material never cross over.
 */
import { CryptoError } from '$lib/crypto';
import { VAULT_METHODS, type VaultRequest, type VaultResponse } from './protocol';
import { VaultError, type VaultService } from './service';

export async function dispatch(
  service: VaultService,
  request: VaultRequest,
): Promise<VaultResponse> {
  const id = typeof request?.id === 'number' ? request.id : -1;
  try {
    if (!VAULT_METHODS.includes(request.method))
      throw new VaultError('bad-input', 'Unknown request');
    // Shapes are checked by the service itself (typed errors for bad input).
    const p = (request.params ?? {}) as never;
    let result: unknown;
    switch (request.method) {
      case 'status':
        result = { ...(await service.status()), retryDelayMs: service.retryDelayMs };
        break;
      case 'createPractice':
        result = await service.createPractice(p);
        break;
      case 'addMember':
        result = await service.addMember(p);
        break;
      case 'unlock':
        result = await service.unlock(p);
        break;
      case 'unlockWithRecovery':
        result = await service.unlockWithRecovery(p);
        break;
      case 'changePassphrase':
        result = await service.changePassphrase(p);
        break;
      case 'resetPassphrase':
        result = await service.resetPassphrase(p);
        break;
      case 'setAutoLock':
        result = await service.setAutoLock((p as { minutes: number } | undefined)?.minutes ?? NaN);
        break;
      case 'setRelayUrl':
        result = await service.setRelayUrl((p as { url: string | null } | undefined)?.url ?? null);
        break;
      case 'practiceIndex':
        result = service.practiceIndex();
        break;
      case 'createChartKey':
        result = service.createChartKey();
        break;
      case 'loadChartKeys':
        result = service.loadChartKeys(p);
        break;
      case 'seal':
        result = await service.seal(p);
        break;
      case 'openMany':
        result = service.openMany(p);
        break;
      case 'startPairing':
        result = service.startPairing();
        break;
      case 'openPairingRequest':
        result = service.openPairingRequest(p);
        break;
      case 'answerPairing':
        result = await service.answerPairing(p);
        break;
      case 'beginJoin':
        result = await service.beginJoin(p);
        break;
      case 'completeJoin':
        result = await service.completeJoin(p);
        break;
      case 'relayProof':
        result = service.relayProof();
        break;
      case 'roomFor':
        result = service.roomFor(p);
        break;
      case 'memberLists':
        result = service.memberLists();
        break;
      case 'updateMemberLists':
        result = await service.updateMemberLists(p);
        break;
      case 'exportBackup':
        result = await service.exportBackup(p);
        break;
      case 'restoreBackup':
        result = await service.restoreBackup(p);
        break;
      case 'removeMember':
        result = await service.removeMember(p);
        break;
      case 'activateRemoval':
        result = await service.activateRemoval();
        break;
      case 'acceptRotation':
        result = await service.acceptRotation(p);
        break;
      case 'rotateChartKey':
        result = service.rotateChartKey(p);
        break;
      case 'rotateChartKeyIfStale':
        result = service.rotateChartKeyIfStale(p);
        break;
    }
    return { id, ok: true, result };
  } catch (error) {
    // RotationError is a VaultError.
    if (error instanceof CryptoError || error instanceof VaultError) {
      return { id, ok: false, error: { code: error.code, message: error.message } };
    }
    return { id, ok: false, error: { code: 'internal-error', message: 'internal-error' } };
  }
}

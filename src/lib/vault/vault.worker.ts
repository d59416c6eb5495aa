/// <reference lib="webworker" />
/**
 * The vault Worker: hosts the VaultService, so keys live only in this Worker's memory. The page
 * locks by terminating the Worker (and reloading itself), which discards every key at once.
 * A page loaded as /view names its Worker so, and that Worker never unlocks (viewer-guard.ts).
 */
import { dispatch } from './dispatch';
import type { VaultRequest } from './protocol';
import { localLock, VaultService, type LockFn } from './service';
import { openVaultStore } from './store';
import { viewerRefusal } from './viewer-guard';

const scope = self as unknown as DedicatedWorkerGlobalScope;

const lock: LockFn =
  'locks' in navigator
    ? (name, fn) => navigator.locks.request(name, fn) as ReturnType<typeof fn>
    : localLock();

const ready = openVaultStore().then((store) => new VaultService({ store, lock }));

scope.onmessage = async (event: MessageEvent<VaultRequest>) => {
  // A Worker of a page loaded as /view answers `status` only (viewer-guard.ts).
  const refused = viewerRefusal(scope.name, event.data);
  if (refused) return scope.postMessage(refused);
  const service = await ready;
  scope.postMessage(await dispatch(service, event.data));
};

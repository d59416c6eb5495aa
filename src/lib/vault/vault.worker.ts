/// <reference lib="webworker" />
/**
 * The vault Worker: hosts the VaultService, so keys live only in this Worker's memory. The page
 * locks by terminating the Worker (and reloading itself), which discards every key at once.
 */
import { dispatch } from './dispatch';
import type { VaultRequest } from './protocol';
import { localLock, VaultService, type LockFn } from './service';
import { openVaultStore } from './store';

const scope = self as unknown as DedicatedWorkerGlobalScope;

const lock: LockFn =
  'locks' in navigator
    ? (name, fn) => navigator.locks.request(name, fn) as ReturnType<typeof fn>
    : localLock();

const ready = openVaultStore().then((store) => new VaultService({ store, lock }));

scope.onmessage = async (event: MessageEvent<VaultRequest>) => {
  const service = await ready;
  scope.postMessage(await dispatch(service, event.data));
};

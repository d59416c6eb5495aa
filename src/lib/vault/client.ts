/**
 * Page-side client of the vault Worker. Calls are typed by VaultApi; failures reject with a
 * VaultCallError carrying the Worker's code. `terminate()` discards the Worker and every key in it.
 */
import type { VaultApi, VaultMethod, VaultParams, VaultRequest, VaultResponse } from './protocol';
import { VAULT_WORKER_NAME } from './viewer-guard';
import { CodedError } from '../coded-error';

/** A failed call: the Worker's code (VaultError, CryptoError or 'internal-error') or the page's own. */
export class VaultCallError extends CodedError {
  constructor(code: string, message: string) {
    super(code, message);
    this.name = 'VaultCallError';
  }
}

export class VaultClient {
  #worker: Worker | null = null;
  /** The Worker's name: where the page was loaded (viewer-guard.ts workerNameFor). */
  readonly #name: string;

  constructor(options: { workerName?: string } = {}) {
    this.#name = options.workerName ?? VAULT_WORKER_NAME;
  }

  #nextId = 1;
  readonly #pending = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: Error) => void }
  >();

  #ensure(): Worker {
    if (this.#worker) return this.#worker;
    const worker = new Worker(new URL('./vault.worker.ts', import.meta.url), {
      type: 'module',
      name: this.#name,
    });
    worker.onmessage = (event: MessageEvent<VaultResponse>) => {
      const response = event.data;
      const pending = this.#pending.get(response.id);
      if (!pending) return;
      this.#pending.delete(response.id);
      if (response.ok) pending.resolve(response.result);
      else pending.reject(new VaultCallError(response.error.code, response.error.message));
    };
    worker.onerror = (event) => {
      event.preventDefault();
      this.#failAll('worker-failed');
    };
    this.#worker = worker;
    return worker;
  }

  call<M extends VaultMethod>(
    method: M,
    params?: VaultParams<M>,
  ): Promise<ReturnType<VaultApi[M]>> {
    const id = this.#nextId++;
    const request: VaultRequest = { id, method, params };
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.#ensure().postMessage(request);
    });
  }

  /** Ends the Worker: all keys it held are gone. Pending calls fail with 'locked'. */
  terminate(): void {
    this.#worker?.terminate();
    this.#worker = null;
    this.#failAll('locked');
  }

  #failAll(code: string): void {
    for (const { reject } of this.#pending.values()) reject(new VaultCallError(code, code));
    this.#pending.clear();
  }
}

/**
 * Page-side client of the terminology worker (search.worker.ts). The worker starts on the first
 * call, so nothing of the code lists is loaded before a picker is used.
 */
import type { PickerSystem } from './codes';
import type { PackInfo } from './pack';
import {
  TerminologyError,
  type TerminologyCall,
  type TerminologyErrorCode,
  type TerminologyResponse,
} from './protocol';
import type { Concept } from './terminology';

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void };

export class TerminologyClient {
  #worker: Worker | null = null;
  #nextId = 1;
  readonly #pending = new Map<number, Pending>();

  constructor(
    private readonly create: () => Worker = () =>
      new Worker(new URL('./search.worker.ts', import.meta.url), {
        type: 'module',
        name: 'folio-terminology',
      }),
  ) {}

  #ensure(): Worker {
    if (this.#worker) return this.#worker;
    const worker = this.create();
    worker.onmessage = (event: MessageEvent<TerminologyResponse>) => {
      const response = event.data;
      const pending = this.#pending.get(response.id);
      if (!pending) return;
      this.#pending.delete(response.id);
      if (response.ok) pending.resolve(response.result);
      else
        pending.reject(
          new TerminologyError(response.error.code as TerminologyErrorCode, response.error.message),
        );
    };
    worker.onerror = (event) => {
      event.preventDefault();
      this.#worker?.terminate();
      this.#worker = null;
      for (const { reject } of this.#pending.values())
        reject(new TerminologyError('worker-failed', 'The code search stopped.'));
      this.#pending.clear();
    };
    this.#worker = worker;
    return worker;
  }

  #call<T>(request: TerminologyCall): Promise<T> {
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.#ensure().postMessage({ ...request, id });
    });
  }

  search(system: PickerSystem, query: string, limit?: number): Promise<Concept[]> {
    return this.#call({ op: 'search', system, query, limit });
  }

  lookup(system: PickerSystem, codes: string[]): Promise<(Concept | null)[]> {
    return this.#call({ op: 'lookup', system, codes });
  }

  info(system: PickerSystem): Promise<PackInfo & { size: number }> {
    return this.#call({ op: 'info', system });
  }

  terminate(): void {
    this.#worker?.terminate();
    this.#worker = null;
    for (const { reject } of this.#pending.values())
      reject(new TerminologyError('worker-failed', 'The code search was stopped.'));
    this.#pending.clear();
  }
}

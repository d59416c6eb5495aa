/**
 * The terminology worker's work, apart from the Worker glue (search.worker.ts): loads each
 * system's terminology once, on first use, through an injected loader (fetch + gunzip in the
 * worker, the file system in tests), and answers searches and code lookups.
 */
import { PICKER_SYSTEMS, type PickerSystem } from './codes';
import type { PackInfo } from './pack';
import { TerminologyError, type TerminologyRequest } from './protocol';
import type { Concept, Terminology } from './terminology';

export { TerminologyError };

const MAX_QUERY = 200;
const MAX_CODES = 500;
const MAX_LIMIT = 50;

export class TerminologyService {
  readonly #loaded = new Map<PickerSystem, Promise<Terminology>>();

  constructor(private readonly load: (system: PickerSystem) => Promise<Terminology>) {}

  #get(system: PickerSystem): Promise<Terminology> {
    if (!PICKER_SYSTEMS.includes(system))
      return Promise.reject(new TerminologyError('bad-request', `no terminology ${system}`));
    let loading = this.#loaded.get(system);
    if (!loading) {
      loading = this.load(system).catch((error: unknown) => {
        // A failed load (offline before it was cached, a damaged file) is tried again next time.
        this.#loaded.delete(system);
        throw new TerminologyError(
          'unavailable',
          `The ${system} code list could not be loaded (${(error as Error).message}).`,
        );
      });
      this.#loaded.set(system, loading);
    }
    return loading;
  }

  async search(system: PickerSystem, query: string, limit = 20): Promise<Concept[]> {
    if (typeof query !== 'string') throw new TerminologyError('bad-request', 'query');
    const terminology = await this.#get(system);
    return terminology.search(query.slice(0, MAX_QUERY), Math.max(1, Math.min(limit, MAX_LIMIT)));
  }

  /** Each code's concept, or null when the shipped terminology does not hold it. */
  async lookup(system: PickerSystem, codes: string[]): Promise<(Concept | null)[]> {
    if (!Array.isArray(codes) || codes.length > MAX_CODES)
      throw new TerminologyError('bad-request', 'codes');
    const terminology = await this.#get(system);
    return codes.map((c) => (typeof c === 'string' ? terminology.lookup(c) : null));
  }

  async info(system: PickerSystem): Promise<PackInfo & { size: number }> {
    const terminology = await this.#get(system);
    return { ...terminology.info, size: terminology.size };
  }

  /** Answers one worker request. @throws TerminologyError */
  handle(request: TerminologyRequest): Promise<unknown> {
    switch (request?.op) {
      case 'search':
        return this.search(request.system, request.query, request.limit);
      case 'lookup':
        return this.lookup(request.system, request.codes);
      case 'info':
        return this.info(request.system);
      default:
        return Promise.reject(new TerminologyError('bad-request', 'unknown request'));
    }
  }
}

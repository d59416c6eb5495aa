/** Messages between the page (client.ts) and the terminology worker (search.worker.ts). */
import { CodedError } from '../../coded-error';
import type { PickerSystem } from './codes';

export type TerminologyRequest =
  | { id: number; op: 'search'; system: PickerSystem; query: string; limit?: number }
  | { id: number; op: 'lookup'; system: PickerSystem; codes: string[] }
  | { id: number; op: 'info'; system: PickerSystem };

type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;
export type TerminologyCall = WithoutId<TerminologyRequest>;

export type TerminologyResponse =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: { code: string; message: string } };

/** What went wrong: the terminology could not be loaded, or the request was malformed. */
export type TerminologyErrorCode = 'unavailable' | 'bad-request' | 'worker-failed';

export class TerminologyError extends CodedError<TerminologyErrorCode> {
  constructor(code: TerminologyErrorCode, message: string) {
    super(code, message);
    this.name = 'TerminologyError';
  }
}

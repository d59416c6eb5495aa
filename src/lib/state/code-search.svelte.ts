/**
 * The code pickers' state: thin Svelte adapters over lib/chart/terminology (picker.ts rules, the
 * terminology worker's client). One worker serves every picker; it is started by the first
 * search or lookup, so nothing of the code lists loads before a picker is used.
 */
import { SvelteMap } from 'svelte/reactivity';
import { TerminologyClient } from '$lib/chart/terminology/client';
import {
  codeFormatProblem,
  systemOfUri,
  type CodeSystemId,
  type PickerSystem,
} from '$lib/chart/terminology/codes';
import {
  clearedValues,
  codeTag,
  localStatus,
  lookedUpStatus,
  moveActive,
  optionLabel,
  optionNote,
  statusLine,
  valuesFor,
  type CodeFieldSpec,
  type CodeStatus,
} from '$lib/chart/terminology/picker';
import type { Concept } from '$lib/chart/terminology/terminology';

export type { CodeFieldSpec, CodeStatus, Concept, PickerSystem };
export { optionLabel, optionNote, statusLine };

/** How a stored code reads in a list, with a warning when it is malformed or not shipped. */
export function codeTagOf(coding: { system: string; code: string }): {
  label: string;
  warning?: string;
} {
  const system = systemOfUri(coding.system);
  return codeTag(coding, system ? codeMembership.known(system, coding.code) : undefined);
}

let shared: TerminologyClient | null = null;
/** The one terminology worker client of this page. */
export const terminology = (): TerminologyClient => (shared ??= new TerminologyClient());

/** A search-as-you-type listbox over one terminology. */
export class CodeSearch {
  /** The query whose results are shown (results lag the typed text by one worker round trip). */
  shownQuery = $state('');
  results = $state<Concept[]>([]);
  active = $state(-1);
  open = $state(false);
  /** Set when the terminology could not be loaded (the form still works uncoded). */
  error = $state('');
  #seq = 0;
  #latest: Promise<void> = Promise.resolve();

  constructor(readonly system: PickerSystem) {}

  /** Searches for `query` (results of older queries that arrive later are dropped). */
  search(query: string): Promise<void> {
    return (this.#latest = this.#search(query));
  }

  /** Resolves once the results of the last query typed are shown (Enter picks from those). */
  settled(): Promise<void> {
    return this.#latest;
  }

  async #search(query: string): Promise<void> {
    const seq = ++this.#seq;
    if (query.trim() === '') {
      this.results = [];
      this.shownQuery = query;
      this.active = -1;
      this.open = false;
      return;
    }
    try {
      const results = await terminology().search(this.system, query);
      if (seq !== this.#seq) return;
      this.results = results;
      this.shownQuery = query;
      this.active = results.length > 0 ? 0 : -1;
      this.open = true;
      this.error = '';
    } catch (error) {
      if (seq !== this.#seq) return;
      this.results = [];
      this.shownQuery = query;
      this.open = false;
      this.error = `Code search is not available: ${(error as Error).message}`;
    }
  }

  move(delta: 1 | -1): void {
    if (!this.open && this.results.length > 0) this.open = true;
    this.active = moveActive(this.active, delta, this.results.length);
  }

  close(): void {
    this.open = false;
    this.#seq++;
  }
}

/**
 * What the code in a form's code field is, kept up to date as it changes: format checked here,
 * membership asked of the worker. A code found fills the other values (valuesFor); a code that is
 * cleared or not found clears the picked concept's hidden values.
 */
export class CodeCheck {
  status = $state<CodeStatus>({ kind: 'uncoded' });
  #seq = 0;
  #value = '';
  #pending: Promise<void> = Promise.resolve();
  /** The text the last found concept put in the form (replaced only while unchanged). */
  #filledText = '';

  constructor(
    readonly spec: CodeFieldSpec,
    private readonly values: () => Record<string, string>,
    private readonly set: (updates: Record<string, string>) => void,
  ) {}

  /** Checks the field's current value (no-op when it did not change). */
  run(value: string): void {
    if (value === this.#value) return;
    this.#value = value;
    const seq = ++this.#seq;
    const local = localStatus(this.spec.system, value);
    this.status = local;
    if (local.kind !== 'checking') {
      this.set(clearedValues(this.spec));
      this.#pending = Promise.resolve();
      return;
    }
    this.#pending = (async () => {
      let found: Concept | null | 'unavailable';
      try {
        [found = null] = await terminology().lookup(this.spec.system, [local.code]);
      } catch {
        found = 'unavailable';
      }
      if (seq !== this.#seq) return;
      this.status = lookedUpStatus(this.spec.system, local.code, found);
      if (found && found !== 'unavailable') this.fill(found);
      else this.set(clearedValues(this.spec));
    })();
  }

  /** Fills the form from a concept; the entry's text only while it is empty or still ours. */
  fill(concept: Concept): void {
    const updates = valuesFor(concept, this.spec);
    const textKey = this.spec.textKey;
    if (textKey) {
      const text = this.values()[textKey] ?? '';
      if (text.trim() !== '' && text !== this.#filledText) delete updates[textKey];
      else this.#filledText = concept.display;
    }
    delete updates[this.spec.codeKey];
    this.set(updates);
  }

  /** A concept picked from the search: its code goes into the field, the rest is filled. */
  pick(concept: Concept): void {
    const textKey = this.spec.textKey;
    // A pick replaces the text, even one the user typed.
    if (textKey) this.#filledText = this.values()[textKey] ?? '';
    this.set({ [this.spec.codeKey]: concept.code });
    this.#value = concept.code;
    this.#seq++;
    this.status = { kind: 'coded', concept };
    this.fill(concept);
    this.#pending = Promise.resolve();
  }

  /** Text typed into the search and not picked becomes the entry's text, if it has none. */
  keepAsText(query: string): void {
    const textKey = this.spec.textKey;
    if (!textKey || query.trim() === '') return;
    if ((this.values()[textKey] ?? '').trim() === '') this.set({ [textKey]: query.trim() });
  }

  /** Resolves once the current value has been looked up. */
  settled(): Promise<void> {
    return this.#pending;
  }
}

const SHIPPED = new Set<string>(['icd10cm', 'rxnorm', 'loinc', 'cvx']);

/**
 * Whether codes shown in the chart's lists are in the shipped terminology (imported codes may
 * not be). Lookups are batched and cached; `known` answers undefined until the answer arrives.
 */
class CodeMembership {
  readonly #known = new SvelteMap<string, boolean>();
  readonly #asked = new Set<string>();
  #queue = new Map<PickerSystem, Set<string>>();
  #scheduled = false;

  known(system: CodeSystemId, code: string): boolean | undefined {
    if (!SHIPPED.has(system) || codeFormatProblem(system, code)) return undefined;
    const key = `${system}|${code}`;
    if (!this.#asked.has(key)) {
      this.#asked.add(key);
      // eslint-disable-next-line svelte/prefer-svelte-reactivity -- a request queue, never rendered
      const queue = this.#queue.get(system as PickerSystem) ?? new Set<string>();
      queue.add(code);
      this.#queue.set(system as PickerSystem, queue);
      if (!this.#scheduled) {
        this.#scheduled = true;
        queueMicrotask(() => void this.#flush());
      }
    }
    return this.#known.get(key);
  }

  async #flush(): Promise<void> {
    this.#scheduled = false;
    const queue = this.#queue;
    this.#queue = new Map();
    for (const [system, set] of queue) {
      const codes = [...set];
      try {
        const found = await terminology().lookup(system, codes);
        codes.forEach((code, i) => this.#known.set(`${system}|${code}`, found[i] !== null));
      } catch {
        // Not loadable now (e.g. offline before it was cached): ask again next time.
        for (const code of codes) this.#asked.delete(`${system}|${code}`);
      }
    }
  }
}

export const codeMembership = new CodeMembership();

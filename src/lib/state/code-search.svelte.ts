/**
 * The code pickers' state: thin Svelte adapters over lib/chart/terminology (session.ts, picker.ts)
 * and the terminology worker's client. One worker serves every picker; it is started by the first
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
  codeTag,
  optionLabel,
  optionNote,
  statusLine,
  type CodeFieldSpec,
  type CodeStatus,
} from '$lib/chart/terminology/picker';
import { CodeFieldCheck, SearchSession } from '$lib/chart/terminology/session';
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

/** A search-as-you-type listbox over one terminology (SearchSession in runes). */
export class CodeSearch {
  shownQuery = $state('');
  results = $state<Concept[]>([]);
  active = $state(-1);
  open = $state(false);
  error = $state('');
  readonly #session: SearchSession;

  constructor(readonly system: PickerSystem) {
    this.#session = new SearchSession(
      (query) => terminology().search(system, query),
      (view) => Object.assign(this, view),
    );
  }

  search(query: string): Promise<void> {
    return this.#session.search(query);
  }
  settled(): Promise<void> {
    return this.#session.settled();
  }
  move(delta: 1 | -1): void {
    this.#session.move(delta);
  }
  close(): void {
    this.#session.close();
  }
}

/** The check of a form's code field (CodeFieldCheck in runes), asking the worker. */
export class CodeCheck {
  status = $state<CodeStatus>({ kind: 'uncoded' });
  readonly #check: CodeFieldCheck;

  constructor(
    readonly spec: CodeFieldSpec,
    values: () => Record<string, string>,
    set: (updates: Record<string, string>) => void,
    editing?: (key: string) => boolean,
  ) {
    this.#check = new CodeFieldCheck(
      spec,
      { values, set, editing },
      async (code) => (await terminology().lookup(spec.system, [code]))[0] ?? null,
      (status) => (this.status = status),
    );
  }

  run(value: string): void {
    this.#check.run(value);
  }
  pick(concept: Concept): void {
    this.#check.pick(concept);
  }
  keepAsText(query: string): void {
    this.#check.keepAsText(query);
  }
  settled(): Promise<void> {
    return this.#check.settled();
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

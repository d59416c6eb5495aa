/**
 * The code picker's two live parts, apart from Svelte and the worker (both injected), so they are
 * tested in Node: a search session (results of the latest query only, the active option) and the
 * check of a form's code field (format here, membership by lookup; what a found or picked concept
 * fills in). lib/state/code-search.svelte.ts mirrors their state into runes.
 */
import {
  clearedValues,
  localStatus,
  lookedUpStatus,
  moveActive,
  valuesFor,
  type CodeFieldSpec,
  type CodeStatus,
} from './picker';
import type { Concept } from './terminology';

export interface SearchView {
  /** The query whose results are shown (they lag the typed text by one worker round trip). */
  shownQuery: string;
  results: Concept[];
  /** The active option (-1: none). */
  active: number;
  open: boolean;
  /** Set when the terminology could not be searched (the form still works uncoded). */
  error: string;
}

export class SearchSession {
  view: SearchView = { shownQuery: '', results: [], active: -1, open: false, error: '' };
  #seq = 0;
  #latest: Promise<void> = Promise.resolve();

  constructor(
    private readonly find: (query: string) => Promise<Concept[]>,
    private readonly changed: (view: SearchView) => void = () => {},
  ) {}

  #set(changes: Partial<SearchView>): void {
    this.view = { ...this.view, ...changes };
    this.changed(this.view);
  }

  /** Searches for `query`; results of an older query that arrive later are dropped. */
  search(query: string): Promise<void> {
    return (this.#latest = this.#search(query));
  }

  /** Resolves once the last query's results are shown (Enter picks from those). */
  settled(): Promise<void> {
    return this.#latest;
  }

  async #search(query: string): Promise<void> {
    const seq = ++this.#seq;
    if (query.trim() === '') {
      this.#set({ results: [], shownQuery: query, active: -1, open: false });
      return;
    }
    try {
      const results = await this.find(query);
      if (seq !== this.#seq) return;
      this.#set({
        results,
        shownQuery: query,
        active: results.length > 0 ? 0 : -1,
        open: true,
        error: '',
      });
    } catch (error) {
      if (seq !== this.#seq) return;
      this.#set({
        results: [],
        shownQuery: query,
        active: -1,
        open: false,
        error: `Code search is not available: ${(error as Error).message}`,
      });
    }
  }

  move(delta: 1 | -1): void {
    const { results, active, open } = this.view;
    this.#set({
      open: open || results.length > 0,
      active: moveActive(active, delta, results.length),
    });
  }

  /** Closes the list; a search still on its way is dropped. */
  close(): void {
    this.#seq++;
    this.#set({ open: false });
  }
}

/** The form a code field belongs to: its values, and a way to change some of them. */
export interface FormValues {
  values(): Record<string, string>;
  set(updates: Record<string, string>): void;
  /** Whether the user is in that field now (a lookup does not write into it then). */
  editing?(key: string): boolean;
}

/**
 * What the code in a form's code field is, kept up to date as it changes. A code found fills the
 * other values (valuesFor) — the entry's text only while it is empty or still what the last
 * concept put there; a code cleared, malformed or not found clears the concept's hidden values.
 */
export class CodeFieldCheck {
  status: CodeStatus = { kind: 'uncoded' };
  #seq = 0;
  #value = '';
  #pending: Promise<void> = Promise.resolve();
  /** What the last concept put in each visible field (text, unit): only those may be replaced. */
  #filled = new Map<string, string>();

  constructor(
    readonly spec: CodeFieldSpec,
    private readonly form: FormValues,
    private readonly lookup: (code: string) => Promise<Concept | null>,
    private readonly changed: (status: CodeStatus) => void = () => {},
  ) {}

  #setStatus(status: CodeStatus): void {
    this.status = status;
    this.changed(status);
  }

  /** Checks the field's current value (nothing to do when it did not change). */
  run(value: string): void {
    if (value === this.#value) return;
    this.#value = value;
    const seq = ++this.#seq;
    const local = localStatus(this.spec.system, value);
    this.#setStatus(local);
    if (local.kind !== 'checking') {
      this.form.set(clearedValues(this.spec));
      this.#pending = Promise.resolve();
      return;
    }
    this.#pending = (async () => {
      let found: Concept | null | 'unavailable';
      try {
        found = await this.lookup(local.code);
      } catch {
        found = 'unavailable';
      }
      if (seq !== this.#seq) return;
      this.#setStatus(lookedUpStatus(this.spec.system, local.code, found));
      if (found && found !== 'unavailable') this.#fill(found);
      else this.form.set(clearedValues(this.spec));
    })();
  }

  /** `picked`: chosen in the search (focus is there); else found for a code typed by hand. */
  #fill(concept: Concept, picked = false): void {
    const updates = valuesFor(concept, this.spec);
    delete updates[this.spec.codeKey];
    const values = this.form.values();
    for (const key of [this.spec.textKey, this.spec.fill?.unit]) {
      if (!key || !(key in updates)) continue;
      // A visible field the user is typing into is never written under their cursor, and what
      // the user typed there (a name, a unit: mg/dL is not g/dL) is never replaced — only an
      // empty field or what the last concept filled.
      const current = values[key] ?? '';
      const typed = current.trim() !== '' && current !== this.#filled.get(key);
      if (typed || (!picked && this.form.editing?.(key))) delete updates[key];
      else this.#filled.set(key, updates[key] ?? '');
    }
    this.form.set(updates);
  }

  /** A concept picked from the search: its code, and its name even over text typed before. */
  pick(concept: Concept): void {
    // Picked on purpose: its name replaces text typed before (the search text); a typed unit stays.
    const textKey = this.spec.textKey;
    if (textKey) this.#filled.set(textKey, this.form.values()[textKey] ?? '');
    this.form.set({ [this.spec.codeKey]: concept.code });
    this.#value = concept.code;
    this.#seq++;
    this.#pending = Promise.resolve();
    this.#setStatus({ kind: 'coded', concept });
    this.#fill(concept, true);
  }

  /** Text typed into the search and not picked becomes the entry's text, if it has none. */
  keepAsText(query: string): void {
    const textKey = this.spec.textKey;
    if (!textKey || query.trim() === '') return;
    if ((this.form.values()[textKey] ?? '').trim() === '')
      this.form.set({ [textKey]: query.trim() });
  }

  /** Resolves once the current value has been looked up. */
  settled(): Promise<void> {
    return this.#pending;
  }
}

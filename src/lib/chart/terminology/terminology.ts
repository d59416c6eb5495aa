/**
 * One shipped terminology, searchable: rows of a pack (pack.ts) read as concepts, searched with
 * the prebuilt index (text-index.ts), looked up by code. Runs in the terminology worker
 * (search.worker.ts); plain and synchronous, so it is tested in Node.
 *
 * Row columns per system (scripts/build-terminology.ts writes them):
 *   icd10cm  code (no dot), billable (1/0), long description
 *   rxnorm   rxcui, tty (IN/SCD/SBD/GPCK/BPCK), name, ingredient RxCUIs (';'-joined INs)
 *   loinc    code, long common name, short name, class, usual UCUM unit ('' when unknown)
 *   cvx      code, name, synonyms ('|'-joined)   (built here from the app's CVX table)
 */
import type { RxNormTty } from '../types';
import { codeKeyIn, EDITION, normalizeCode, type PickerSystem } from './codes';
import { buildPack, rowKey, type Pack, type PackInfo } from './pack';
import { SearchIndex } from './text-index';

/** A code of a shipped terminology, as the picker shows and fills it. */
export interface Concept {
  system: PickerSystem;
  /** As stored (ICD-10-CM with its dot, LOINC with its dash). */
  code: string;
  display: string;
  /** ICD-10-CM: valid for billing; false for a category header. */
  billable?: boolean;
  /** RxNorm term type. */
  tty?: RxNormTty;
  /** RxNorm ingredients (IN) of the concept. */
  ingredients?: { rxcui: string; name: string }[];
  /** LOINC: the usual UCUM unit, when known. */
  unit?: string;
  /** A short extra description (LOINC short name and class, CVX short names). */
  detail?: string;
}

/** Whether a query's code key may be (the start of) a code of the system. */
const CODE_LIKE: Record<PickerSystem, RegExp> = {
  icd10cm: /^[A-Z](\d[0-9A-Z]{0,5}|[A-Z]\d[0-9A-Z]{0,4})$/,
  rxnorm: /^\d{1,9}$/,
  loinc: /^\d{1,8}$/,
  cvx: /^\d{1,3}$/,
};

const TTYS = new Set<string>(['IN', 'SCD', 'SBD', 'GPCK', 'BPCK']);

export class Terminology {
  readonly info: PackInfo;
  readonly #rows: readonly string[];
  readonly #index: SearchIndex;

  /** @throws RangeError when the pack's rows are not in code order */
  constructor(pack: Pack) {
    this.info = pack.info;
    this.#rows = pack.rows;
    const keys = pack.rows.map((r) => rowKey(pack.info.system, r));
    this.#index = new SearchIndex(pack.index, keys, pack.byRank);
  }

  get size(): number {
    return this.#rows.length;
  }

  /** At most `limit` concepts for a query typed into the picker (see SearchIndex.search). */
  search(query: string, limit = 20): Concept[] {
    const system = this.info.system;
    return this.#index
      .search(query, {
        limit,
        key: (q) => codeKeyIn(system, q),
        codeLike: (key) => CODE_LIKE[system].test(key),
      })
      .map((doc) => this.concept(doc));
  }

  /** The concept with exactly this code (any accepted spelling, e.g. "e119"), or null. */
  lookup(code: string): Concept | null {
    const system = this.info.system;
    const doc = this.#index.byCode(codeKeyIn(system, normalizeCode(system, code)));
    return doc < 0 ? null : this.concept(doc);
  }

  /** Document `doc` (its rank) as a concept. */
  concept(doc: number): Concept {
    const system = this.info.system;
    const cols = this.#rows[doc]!.split('\t');
    switch (system) {
      case 'icd10cm':
        return {
          system,
          code: normalizeCode(system, cols[0]!),
          display: cols[2]!,
          billable: cols[1] === '1',
        };
      case 'rxnorm': {
        const tty = cols[1]!;
        return {
          system,
          code: cols[0]!,
          display: cols[2]!,
          ...(TTYS.has(tty) ? { tty: tty as RxNormTty } : {}),
          ingredients: (cols[3] ?? '')
            .split(';')
            .filter((r) => r !== '')
            .map((rxcui) => ({ rxcui, name: this.#nameOf(rxcui) })),
        };
      }
      case 'loinc':
        return {
          system,
          code: cols[0]!,
          display: cols[1]!,
          ...(cols[4] ? { unit: cols[4] } : {}),
          detail: [cols[2], cols[3]].filter(Boolean).join(' · '),
        };
      case 'cvx':
        return {
          system,
          code: cols[0]!,
          display: cols[1]!,
          ...(cols[2] ? { detail: cols[2].split('|').join(', ') } : {}),
        };
    }
  }

  #nameOf(rxcui: string): string {
    const doc = this.#index.byCode(rxcui);
    return doc < 0 ? rxcui : this.#rows[doc]!.split('\t')[2]!;
  }
}

/** The CVX terminology from the app's CVX table (lib/chart/cvx.ts): shorter names first. */
export function cvxTerminology(
  vaccines: readonly { code: string; name: string; synonyms: readonly string[] }[],
): Terminology {
  const sorted = [...vaccines].sort(
    (a, b) => a.name.length - b.name.length || a.code.localeCompare(b.code),
  );
  const clean = (s: string) => s.replace(/[\t\n|]/g, ' ');
  return new Terminology(
    buildPack(
      { system: 'cvx', edition: EDITION.cvx, columns: ['code', 'name', 'synonyms'] },
      sorted.map((v) => ({
        row: [v.code, clean(v.name), v.synonyms.map(clean).join('|')].join('\t'),
        text: [v.name, ...v.synonyms].join(' '),
      })),
    ),
  );
}

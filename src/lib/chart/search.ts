/**
 * Patient search over the practice index: by name (any order, prefixes), date of birth
 * (YYYY-MM-DD, or DD/MM/YYYY and MM/DD/YYYY typed as digits) or MRN. Built once per index change,
 * then each query is a linear scan over pre-normalised strings — ~20,000 patients in a few ms.
 */
import { foldText } from './fold';

export interface SearchablePatient {
  chartId: string;
  given: string;
  family: string;
  birthDate: string;
  mrn: string;
}

interface Row<T> {
  item: T;
  names: string[];
  birthDate: string;
  mrn: string;
}

/** Lower case, accents removed, trimmed. */
export function normalise(text: string): string {
  return foldText(text).trim();
}

export class PatientSearch<T extends SearchablePatient> {
  readonly #rows: Row<T>[];

  constructor(items: T[]) {
    const sorted = [...items].sort(
      (a, b) => a.family.localeCompare(b.family) || a.given.localeCompare(b.given),
    );
    this.#rows = sorted.map((item) => ({
      item,
      names: normalise(`${item.given} ${item.family}`)
        .split(/[\s'-]+/)
        .filter(Boolean),
      birthDate: item.birthDate,
      mrn: normalise(item.mrn),
    }));
  }

  get size(): number {
    return this.#rows.length;
  }

  /** Matches in family-then-given order; at most `limit`. */
  search(query: string, limit = 50): T[] {
    const q = normalise(query);
    const out: T[] = [];
    if (q === '') {
      for (const row of this.#rows) {
        out.push(row.item);
        if (out.length >= limit) break;
      }
    } else {
      const iso = /^\d{4}-\d{2}-\d{2}$/.test(q) ? q : null;
      const tokens = q.split(/\s+/).filter(Boolean);
      for (const row of this.#rows) {
        if (
          iso
            ? row.birthDate === iso
            : row.mrn === q ||
              tokens.every((t) => row.names.some((n) => n.startsWith(t)) || row.mrn.startsWith(t))
        ) {
          out.push(row.item);
          if (out.length >= limit) break;
        }
      }
    }
    return out;
  }
}

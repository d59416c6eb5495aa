/**
 * The practice index document: one small record per patient, so the patient list opens without
 * opening any chart. Each record holds the chart's id and its chart key wrapped under the
 * clinical key (a front-desk member can read the list but cannot open a chart).
 *   patients: Y.Map  chartId → { given, family, birthDate, sex, mrn, keyEpoch, wrappedKey, … }
 */
import type { Json } from './chart-doc';
import type { SealedDoc } from './sealed-doc';

export interface IndexRecord {
  chartId: string;
  fields: Record<string, Json>;
}

export class IndexDoc {
  readonly #sealed: SealedDoc;

  constructor(sealed: SealedDoc) {
    this.#sealed = sealed;
  }

  get #patients() {
    return this.#sealed.ydoc.getMap<Record<string, Json>>('patients');
  }

  list(): IndexRecord[] {
    const out: IndexRecord[] = [];
    for (const [chartId, fields] of this.#patients) {
      if (fields && typeof fields === 'object') out.push({ chartId, fields });
    }
    return out;
  }

  get(chartId: string): Record<string, Json> | undefined {
    return this.#patients.get(chartId);
  }

  put(chartId: string, fields: Record<string, Json>): void {
    this.#patients.set(chartId, fields);
  }

  /** Member lists published in the index (JSON, keyed by version; verified by the vault). */
  memberLists(): Json[] {
    return [...this.#sealed.ydoc.getMap<Json>('memberLists').values()];
  }

  /** Publishes member lists the index does not have yet. */
  publishMemberLists(lists: { version: number }[]): void {
    const map = this.#sealed.ydoc.getMap<Json>('memberLists');
    this.#sealed.ydoc.transact(() => {
      for (const list of lists) {
        const key = String(list.version);
        if (!map.has(key)) map.set(key, list as unknown as Json);
      }
    });
  }

  /**
   * Key grants of a rotation (sealed to single devices and signed; opaque to everyone else),
   * published before the new epoch is used so remaining devices can take the new keys.
   */
  grants(): Json[] {
    return [...this.#sealed.ydoc.getMap<Json>('grants').values()];
  }

  publishGrants(
    grants: { kind: string; epoch: number; recipient: string; signature: string }[],
  ): void {
    const map = this.#sealed.ydoc.getMap<Json>('grants');
    this.#sealed.ydoc.transact(() => {
      for (const g of grants) {
        // Keyed by signature too: any member can write the index, so a junk grant for the same
        // device and epoch must not hide the real one (the vault keeps the one that verifies).
        const key = `${g.kind}:${g.epoch}:${g.recipient}:${g.signature}`;
        if (!map.has(key)) map.set(key, g as unknown as Json);
      }
    });
  }

  onChange(listener: () => void): () => void {
    const handler = () => listener();
    this.#sealed.ydoc.on('afterTransaction', handler);
    return () => this.#sealed.ydoc.off('afterTransaction', handler);
  }
}

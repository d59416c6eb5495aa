/**
 * The practice index document: one small record per patient, so the patient list opens without
 * opening any chart. Each record holds the chart's id and its chart key wrapped under the
 * clinical key (a front-desk member can read the list but cannot open a chart).
 *   patients: Y.Map  chartId → { given, family, birthDate, sex, mrn, keyEpoch, wrappedKey, … }
 */
import type { MemberList } from '$lib/crypto/member-list';
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

  /**
   * Every candidate member list published in the index (untrusted JSON; the vault chooses the
   * chain that verifies). Lists are keyed by their signature (`memberListsBySignature`; Ed25519
   * is deterministic, so it names the list), never by version, so junk written at some key hides
   * nothing. The version-keyed map of older releases is still read.
   */
  memberLists(): Json[] {
    return [
      ...this.#sealed.ydoc.getMap<Json>('memberLists').values(),
      ...this.#sealed.ydoc.getMap<Json>('memberListsBySignature').values(),
    ];
  }

  /**
   * Publishes lists under their signature — again if the value there is not that very list
   * (someone overwrote it), so any device holding the chain restores it.
   */
  publishMemberLists(lists: MemberList[]): void {
    const map = this.#sealed.ydoc.getMap<Json>('memberListsBySignature');
    const missing = lists.filter(
      (list) => typeof list?.signature === 'string' && !sameJson(map.get(list.signature), list),
    );
    if (missing.length === 0) return;
    this.#sealed.ydoc.transact(() => {
      for (const list of missing) map.set(list.signature, list as unknown as Json);
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

/** Deep equality of JSON values (key order ignored). */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  return (
    ka.length === kb.length &&
    ka.every((k) => sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
  );
}

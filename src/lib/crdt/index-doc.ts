/**
 * The practice index document: one small record per patient, so the patient list opens without
 * opening any chart. Each record holds the chart's id and its chart key wrapped under the
 * clinical key (a front-desk member can read the list but cannot open a chart).
 *   patients: Y.Map  chartId → { given, family, birthDate, sex, mrn, keyEpoch, wrappedKey, … }
 *   templates: Y.Map  the practice's note templates, versioned (templates.ts)
 */
import { fromBase64Url } from '$lib/crypto/bytes';
import type { MemberList } from '$lib/crypto/member-list';
import type { Json } from './chart-doc';
import type { SealedDoc } from './sealed-doc';
import { TemplateStore } from './templates';

export interface IndexRecord {
  chartId: string;
  fields: Record<string, Json>;
}

/** A patient's demographics as the index lists them. */
export interface IndexDemographics {
  given: string;
  family: string;
  birthDate: string;
  /** An AdministrativeGender code as written ('unknown' when the entry has none). */
  gender: string;
  mrn: string;
  /** The date of death, when the patient died (absent otherwise; '' when not known). */
  deceasedDate?: string;
}

/** One wrapped chart key of an entry: its epoch and the key wrapped under the clinical key. */
export interface ChartKeyWrap {
  epoch: number;
  /** base64url */
  wrappedKey: string;
}

/**
 * A patient entry of the practice index, decoded and checked. Stored as one JSON record per chart:
 * `{ given, family, birthDate, gender, mrn, keyEpoch, wrappedKey, olderKeys? }` (wrappedKey
 * base64url; olderKeys `[{ epoch, wrappedKey }]`, written by a key rotation); fields this version
 * does not know are kept when an entry is rewritten.
 */
export interface IndexEntry extends IndexDemographics {
  chartId: string;
  /** The current chart key, or null when the entry holds none (it cannot be opened with it). */
  key: ChartKeyWrap | null;
  /** Keys of the chart before a rotation (only the well-formed ones). */
  olderKeys: ChartKeyWrap[];
}

/** Decodes a stored entry; null when it is not a record at all. Untrusted input: never throws. */
export function decodeIndexEntry(chartId: string, fields: unknown): IndexEntry | null {
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) return null;
  const f = fields as Record<string, unknown>;
  const text = (value: unknown) => (value === undefined || value === null ? '' : String(value));
  const older = Array.isArray(f.olderKeys) ? f.olderKeys : [];
  return {
    chartId,
    given: text(f.given),
    family: text(f.family),
    birthDate: text(f.birthDate),
    gender: typeof f.gender === 'string' ? f.gender : 'unknown',
    mrn: text(f.mrn),
    ...(typeof f.deceasedDate === 'string' ? { deceasedDate: f.deceasedDate } : {}),
    key:
      typeof f.wrappedKey === 'string'
        ? { epoch: Number(f.keyEpoch ?? 0), wrappedKey: f.wrappedKey }
        : null,
    olderKeys: older.flatMap((k) => {
      const o = k as { epoch?: unknown; wrappedKey?: unknown } | null;
      return typeof o?.wrappedKey === 'string' && Number.isSafeInteger(o.epoch)
        ? [{ epoch: o.epoch as number, wrappedKey: o.wrappedKey }]
        : [];
    }),
  };
}

/** The stored form of a new chart's entry (key order as every version has written it). */
export function encodeIndexEntry(
  demographics: IndexDemographics,
  key: ChartKeyWrap,
): Record<string, Json> {
  return {
    given: demographics.given,
    family: demographics.family,
    birthDate: demographics.birthDate,
    gender: demographics.gender,
    mrn: demographics.mrn,
    ...(demographics.deceasedDate !== undefined ? { deceasedDate: demographics.deceasedDate } : {}),
    keyEpoch: key.epoch,
    wrappedKey: key.wrappedKey,
  };
}

/**
 * Every wrapped key of an entry's chart, older ones first, as the vault loads them.
 * @throws CryptoError('bad-record') when a wrapped key is not base64url
 */
export function chartKeyWraps(
  entry: IndexEntry,
): { docId: Uint8Array; epoch: number; wrappedKey: Uint8Array }[] {
  const docId = fromBase64Url(entry.chartId);
  return [...entry.olderKeys, ...(entry.key ? [entry.key] : [])].map((k) => ({
    docId,
    epoch: k.epoch,
    wrappedKey: fromBase64Url(k.wrappedKey),
  }));
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

  /** Every patient entry, decoded. */
  entries(): IndexEntry[] {
    return this.list().flatMap(({ chartId, fields }) => decodeIndexEntry(chartId, fields) ?? []);
  }

  /** One patient entry, decoded (undefined when the index has none). */
  entry(chartId: string): IndexEntry | undefined {
    return decodeIndexEntry(chartId, this.get(chartId)) ?? undefined;
  }

  /** Lists a new chart with its current wrapped key. */
  addEntry(chartId: string, demographics: IndexDemographics, key: ChartKeyWrap): void {
    this.put(chartId, encodeIndexEntry(demographics, key));
  }

  /**
   * Rewrites an entry's demographics, keeping every other field; false when there is no entry,
   * nothing changed, or the demographics lack a name or a birth date (nothing is written).
   */
  updateDemographics(chartId: string, demographics: IndexDemographics): boolean {
    const current = this.get(chartId);
    if (!current) return false;
    // A chart opened before its contents arrived has no patient yet: it never blanks the list.
    const named = Boolean(demographics.family || demographics.given);
    if (!named || typeof demographics.birthDate !== 'string' || !demographics.birthDate)
      return false;
    const next: Record<string, Json> = {
      ...current,
      given: demographics.given,
      family: demographics.family,
      birthDate: demographics.birthDate,
      gender: demographics.gender,
      mrn: demographics.mrn,
    };
    if (demographics.deceasedDate !== undefined) next.deceasedDate = demographics.deceasedDate;
    else delete next.deceasedDate;
    const keys = new Set([...Object.keys(current), ...Object.keys(next)]);
    if ([...keys].every((k) => JSON.stringify(current[k]) === JSON.stringify(next[k])))
      return false;
    this.put(chartId, next);
    return true;
  }

  /**
   * A chart was given a new key (lazy rotation after a removal): it becomes the current key and
   * `older` (every key the chart had) is kept for reading earlier envelopes; other fields stay.
   */
  rotateKey(chartId: string, key: ChartKeyWrap, older: ChartKeyWrap[]): boolean {
    const current = this.get(chartId);
    if (!current) return false;
    this.put(chartId, {
      ...current,
      keyEpoch: key.epoch,
      wrappedKey: key.wrappedKey,
      olderKeys: older.map((k) => ({ epoch: k.epoch, wrappedKey: k.wrappedKey })),
    });
    return true;
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

  get #settings() {
    return this.#sealed.ydoc.getMap<Json>('settings');
  }

  /** The verified member who wrote a settings key's current value. */
  #writerOf(key: string): string | undefined {
    // Yjs keeps the item (and so its writer's client id) only in the map's internal table.
    const item = (
      this.#settings as unknown as { _map: Map<string, { id: { client: number } }> }
    )._map.get(key);
    return item ? this.#sealed.signerOf(item.id.client)?.member : undefined;
  }

  /**
   * The value of a settings key when `member` wrote it (the verified signer of the current
   * value), else undefined: another member cannot put words in that member's mouth.
   */
  #writtenBy(key: string, member: string): Record<string, Json> | undefined {
    if (this.#writerOf(key) !== member) return undefined;
    const value = this.#settings.get(key);
    return value && typeof value === 'object' && !Array.isArray(value) ? value : undefined;
  }

  /**
   * The practice's letterhead details (address, phone): the newest written by a member who is an
   * admin now (`isAdmin`, from the verified member list). Each admin writes under their own key
   * and only that admin's writes count there, so a clinician or front-desk member (or anyone
   * re-signing another's key) cannot change what every prescription starts with. The single
   * key of the first version counts only when an admin wrote it.
   */
  practiceDetails(isAdmin: (member: string) => boolean): Record<string, Json> | undefined {
    const writers: [member: string, key: string][] = [];
    for (const key of this.#settings.keys()) {
      if (key.startsWith(PRACTICE_PREFIX)) writers.push([key.slice(PRACTICE_PREFIX.length), key]);
    }
    const legacyWriter = this.#writerOf('practice');
    if (legacyWriter) writers.push([legacyWriter, 'practice']);
    let best: { at: string; value: Record<string, Json> } | undefined;
    for (const [member, key] of writers) {
      const value = isAdmin(member) ? this.#writtenBy(key, member) : undefined;
      if (!value) continue;
      const at = typeof value.updatedAt === 'string' ? value.updatedAt : '';
      if (!best || at > best.at) best = { at, value };
    }
    if (!best) return undefined;
    const details = { ...best.value };
    delete details.updatedAt;
    return details;
  }

  /** Writes the practice details as `member` (read back only while that member is an admin). */
  setPracticeDetails(member: string, details: Record<string, Json>, updatedAt: string): void {
    this.#settings.set(`${PRACTICE_PREFIX}${member}`, { ...details, updatedAt });
  }

  /**
   * A member's prescriber details (credentials, NPI, DEA), only when that member wrote them (the
   * verified signer of the value): another member cannot put words in a prescriber's mouth.
   */
  prescriberDetails(member: string): Record<string, Json> | undefined {
    return this.#writtenBy(`prescriber:${member}`, member);
  }

  /** Writes a member's own prescriber details (read back only if that member wrote them). */
  setPrescriberDetails(member: string, details: Record<string, Json>): void {
    this.#settings.set(`prescriber:${member}`, details);
  }

  /**
   * The practice's note templates (templates.ts): list, add, update, retire. Only versions
   * written by a signer whose verified role may edit templates are read.
   */
  get templates(): TemplateStore {
    return (this.#templates ??= new TemplateStore(this.#sealed));
  }
  #templates: TemplateStore | undefined;

  onChange(listener: () => void): () => void {
    const handler = () => listener();
    this.#sealed.ydoc.on('afterTransaction', handler);
    return () => this.#sealed.ydoc.off('afterTransaction', handler);
  }
}

/** Settings key prefix of an admin's practice details (`practice:<member key>`). */
const PRACTICE_PREFIX = 'practice:';

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

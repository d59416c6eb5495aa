/**
 * Sealed documents (docs/design.md §5; docs/spec/envelope.md §2, §4, §8): sealing and opening
 * envelopes, chart keys (created, unwrapped from the practice index, rotated lazily) and the
 * peer-sync room of a document.
 *
 * Invariants: the key is chosen by (docId, epoch), never by trial decryption; seal() uses the
 * newest epoch this session holds for the document; roomFor() uses the lowest, so rotating keys
 * never moves a room (docs/adr/0006); openMany() returns nothing unverified and never throws for
 * a bad envelope.
 */
import {
  authorize as authorizeMember,
  chartWrapEpoch,
  CryptoError,
  deriveSubkey,
  fromBase64Url,
  generateKey,
  openEnvelope,
  roomId,
  rotatedChartKey,
  sealLinked,
  sodium,
  toBase64Url,
  unwrapChartKey,
  wrapChartKey,
  type Author,
  type ChainItem,
  type EnvelopeKind,
  type MemberEntry,
} from '$lib/crypto';
import { chains, noteOwn, noteSeen, ownPrev, prevOf } from './chains';
import { keyName, type Unlocked, type VaultContext } from './context';
import { VaultError } from './errors';
import { currentList, type EpochKey } from './keyring';
import type { SeenMarks } from './marks';
import { nextSeq } from './sequence';

/** The result of opening one envelope: verified content, or why it was rejected. */
export type OpenResult =
  | {
      ok: true;
      kind: EnvelopeKind;
      generation: number;
      seq: number;
      payload: Uint8Array;
      payloadHash: string;
      author: { member: string; device: string; memberName: string };
    }
  | { ok: false; code: string };

export interface ChartWrap {
  docId: Uint8Array;
  epoch: number;
  wrappedKey: Uint8Array;
}

export class Documents {
  readonly #ctx: VaultContext;
  readonly #marks: SeenMarks;

  constructor(ctx: VaultContext, marks: SeenMarks) {
    this.#ctx = ctx;
    this.#marks = marks;
  }

  /** The practice index document's id (its key never leaves the vault). */
  practiceIndex(): { docId: Uint8Array } {
    return { docId: this.#ctx.require().keyring.practice.indexDocId.slice() };
  }

  /**
   * Creates a chart: a random document id and chart key (epoch 0), the key wrapped under the
   * current clinical key for storage in the practice index. The key stays loaded.
   * @throws VaultError('no-clinical-key') for roles that may not open charts.
   */
  createChartKey(): ChartWrap {
    const session = this.#ctx.require();
    const docId = sodium().randombytes_buf(16);
    const { wrappedKey } = loadNewChartKey(session, docId, 0, generateKey());
    return { docId, epoch: 0, wrappedKey };
  }

  /** Unwraps chart keys from the practice index; reports the ones that cannot be opened. */
  loadChartKeys(input: { charts: ChartWrap[] }): {
    loaded: number;
    failed: { docId: Uint8Array; code: string }[];
  } {
    const session = this.#ctx.require();
    const failed: { docId: Uint8Array; code: string }[] = [];
    let loaded = 0;
    for (const chart of input?.charts ?? []) {
      try {
        loadChartKey(session, chart);
        loaded++;
      } catch (error) {
        const code =
          error instanceof CryptoError || error instanceof VaultError ? error.code : 'bad-input';
        failed.push({ docId: chart?.docId, code });
      }
    }
    return { loaded, failed };
  }

  /**
   * Seals a payload for a document whose key this session holds (the practice index, or a
   * loaded chart) under its newest epoch, signed by the unlocked member and naming this device.
   * @throws CryptoError('unknown-key'), VaultError('locked' | 'bad-input')
   */
  async seal(input: {
    docId: Uint8Array;
    generation: number;
    kind: EnvelopeKind;
    payload: Uint8Array;
  }): Promise<{ envelope: Uint8Array; seq: number }> {
    const session = this.#ctx.require();
    if (!(input?.docId instanceof Uint8Array) || !(input.payload instanceof Uint8Array)) {
      throw new VaultError('bad-input', 'seal needs bytes');
    }
    const current = documentKey(session, input.docId, 'newest');
    const seq = await nextSeq(this.#ctx, session);
    const doc = toBase64Url(input.docId);
    // Each envelope names this device's previous one in the document (docs/spec/envelope.md §2).
    const { envelope, link } = sealLinked({
      kind: input.kind,
      docId: input.docId,
      generation: input.generation,
      epoch: current.epoch,
      documentKey: current.key,
      member: session.keyring.member.identity.sign,
      device: session.keyring.device.identity.sign.publicKey,
      seq,
      payload: input.payload,
      prev: ownPrev(session, doc),
    });
    // Presence is never stored, so it never becomes a link of the chain.
    if (input.kind !== 'presence') noteOwn(session, doc, seq, link);
    return { envelope, seq };
  }

  /**
   * Opens many envelopes; each result is either the verified content or a rejection code.
   * Membership is checked at the envelope's seq against the newest member list held
   * (docs/spec/envelope.md §10): a removed device's envelopes after its last accepted seq are
   * `revoked`; where its removal recorded chain heads, only envelopes on its chain up to a head
   * are accepted (§10.3) — one not on it yet is `unchained` (it may be once its successor
   * arrives), one in a document without a head, or presence, is `revoked`. Every verified
   * (author, seq) raises that author's high-water mark (marks.ts) and is remembered for the heads
   * of a later removal. Never throws for a bad envelope.
   */
  openMany(input: { envelopes: Uint8Array[] }): OpenResult[] {
    const session = this.#ctx.require();
    const me = `${toBase64Url(session.keyring.member.identity.sign.publicKey)}:${toBase64Url(
      session.keyring.device.identity.sign.publicKey,
    )}`;
    const opened = (input?.envelopes ?? []).map((envelope) => openOne(session, envelope, me));
    const results = applyRemovalChains(session, opened);
    this.#marks.note(
      session,
      results.flatMap((r) => (r.ok ? [{ ...r.author, seq: r.seq }] : [])),
    );
    return results;
  }

  /**
   * Rotates a chart key: the chart's next epoch — the newest clinical epoch, or one past the
   * chart's newest loaded epoch if that is not lower — gets the key derived from the newest
   * clinical key (rotatedChartKey), wrapped under it and loaded, so the next seal uses it and
   * devices without that clinical key (removed ones) cannot read what follows. The caller stores
   * the wrap next to the older ones. Two devices rotating the same chart from the same view make
   * the same key.
   * @throws VaultError('no-clinical-key' | 'bad-input' | 'locked'), CryptoError('unknown-key')
   *   when no key of the chart is loaded.
   */
  rotateChartKey(input: { docId: Uint8Array }): { epoch: number; wrappedKey: Uint8Array } {
    const session = this.#ctx.require();
    if (!(input?.docId instanceof Uint8Array)) throw new VaultError('bad-input', 'docId bytes');
    const clinical = newestClinical(session);
    const current = documentKey(session, input.docId, 'newest');
    const epoch = Math.max(clinical.epoch, current.epoch + 1);
    const key = rotatedChartKey({
      clinicalKey: clinical.key,
      docId: input.docId,
      chartEpoch: epoch,
    });
    return loadNewChartKey(session, input.docId, epoch, key);
  }

  /**
   * Lazy chart rotation: rotates (rotateChartKey) only when the newest loaded key of the chart
   * was wrapped under an older clinical key than the newest one — after a removal. Returns the
   * wrap to store in the practice index, or null when the chart is current or not loaded.
   */
  rotateChartKeyIfStale(input: {
    docId: Uint8Array;
  }): { epoch: number; wrappedKey: Uint8Array } | null {
    const session = this.#ctx.require();
    const clinical = session.keyring.clinical.at(-1);
    if (!clinical || !(input?.docId instanceof Uint8Array)) return null;
    const current = documentKey(session, input.docId, 'newest');
    const wrappedUnder = session.chartWraps.get(keyName(input.docId, current.epoch));
    if (wrappedUnder === undefined || wrappedUnder >= clinical.epoch) return null;
    return this.rotateChartKey({ docId: input.docId });
  }

  /**
   * The peer-sync room of a document generation: an opaque room id and the y-webrtc password
   * (a derived subkey; it protects signaling only — envelopes stay sealed under the content key).
   * @throws CryptoError('unknown-key')
   */
  roomFor(input: { docId: Uint8Array; generation: number }): {
    room: string;
    password: string;
    capability: string;
  } {
    const session = this.#ctx.require();
    // The lowest epoch: rotating keys never moves a document's room (docs/adr/0006).
    const { key } = documentKey(session, input?.docId, 'lowest');
    return {
      room: roomId(key, input.docId, input.generation),
      password: sodium().to_hex(deriveSubkey(key, 'webrtc')),
      capability: sodium().to_hex(deriveSubkey(key, 'capability')),
    };
  }

  /** roomFor for many documents at once; null where this session holds no key. */
  roomsFor(input: { docIds: Uint8Array[]; generation: number }): ({
    room: string;
    password: string;
    capability: string;
  } | null)[] {
    this.#ctx.require();
    if (!Array.isArray(input?.docIds)) throw new VaultError('bad-input', 'docIds must be a list');
    return input.docIds.map((docId) => {
      try {
        return this.roomFor({ docId, generation: input.generation });
      } catch (error) {
        if (error instanceof CryptoError && error.code === 'unknown-key') return null;
        throw error;
      }
    });
  }
}

/** @throws VaultError('no-clinical-key') for roles that may not open charts. */
function newestClinical(session: Unlocked): EpochKey {
  const clinical = session.keyring.clinical.at(-1);
  if (!clinical) throw new VaultError('no-clinical-key', 'This member may not open charts');
  return clinical;
}

/**
 * Loads `chartKey` as the chart's key at `epoch`, wrapped under the newest clinical key.
 * @throws VaultError('no-clinical-key')
 */
function loadNewChartKey(
  session: Unlocked,
  docId: Uint8Array,
  epoch: number,
  chartKey: Uint8Array,
): { epoch: number; wrappedKey: Uint8Array } {
  const clinical = newestClinical(session);
  const wrappedKey = wrapChartKey({
    clinicalKey: clinical.key,
    clinicalEpoch: clinical.epoch,
    docId,
    chartEpoch: epoch,
    chartKey,
  });
  putChartKey(session, docId, epoch, chartKey);
  session.chartWraps.set(keyName(docId, epoch), clinical.epoch);
  return { epoch, wrappedKey };
}

/** @throws CryptoError('bad-length' | 'decrypt-failure'), VaultError('no-clinical-key') */
function loadChartKey(session: Unlocked, chart: ChartWrap): void {
  const epoch = chartWrapEpoch(chart.wrappedKey);
  const clinical = session.keyring.clinical.find((k) => k.epoch === epoch);
  if (!clinical) throw new VaultError('no-clinical-key');
  const key = unwrapChartKey({
    clinicalKey: clinical.key,
    docId: chart.docId,
    chartEpoch: chart.epoch,
    wrapped: chart.wrappedKey,
  });
  putChartKey(session, chart.docId, chart.epoch, key);
  session.chartWraps.set(keyName(chart.docId, chart.epoch), epoch);
}

/** The key of (docId, epoch) this session holds, or null. */
function keyFor(session: Unlocked, docId: Uint8Array, epoch: number): Uint8Array | null {
  const { practice } = session.keyring;
  if (sodium().compare(docId, practice.indexDocId) === 0) {
    return practice.keys.find((k) => k.epoch === epoch)?.key ?? null;
  }
  return session.chartKeys.get(sodium().to_hex(docId))?.get(epoch) ?? null;
}

function putChartKey(session: Unlocked, docId: Uint8Array, epoch: number, key: Uint8Array): void {
  const hex = sodium().to_hex(docId);
  let epochs = session.chartKeys.get(hex);
  if (!epochs) session.chartKeys.set(hex, (epochs = new Map()));
  epochs.set(epoch, key);
}

/**
 * The newest (for sealing) or lowest (for rooms) epoch key this session holds for a document.
 * @throws CryptoError('unknown-key')
 */
function documentKey(session: Unlocked, docId: Uint8Array, which: 'newest' | 'lowest'): EpochKey {
  const { practice } = session.keyring;
  const better = (epoch: number, than: number) =>
    which === 'newest' ? epoch > than : epoch < than;
  if (sodium().compare(docId, practice.indexDocId) === 0) {
    return practice.keys.reduce((a, b) => (better(b.epoch, a.epoch) ? b : a));
  }
  let best: EpochKey | null = null;
  for (const [epoch, key] of session.chartKeys.get(sodium().to_hex(docId)) ?? []) {
    if (!best || better(epoch, best.epoch)) best = { epoch, key };
  }
  if (!best) throw new CryptoError('unknown-key', 'chart key not loaded');
  return best;
}

/** A verified envelope's place in its author's chain, for the removal rule. */
interface Linked {
  result: OpenResult;
  chain?: ChainItem & { removed: MemberEntry['removed']; kind: EnvelopeKind; self: boolean };
}

function openOne(session: Unlocked, envelope: Uint8Array, me: string): Linked {
  const list = currentList(session.keyring);
  let entry: MemberEntry | null = null;
  try {
    if (!(envelope instanceof Uint8Array)) throw new CryptoError('bad-length', 'not bytes');
    const opened = openEnvelope(envelope, {
      keyFor: (docId, epoch) => keyFor(session, docId, epoch),
      authorize: (author: Author, seq: number) => {
        entry = authorizeMember(
          list,
          { member: toBase64Url(author.member), device: toBase64Url(author.device) },
          seq,
        );
      },
    });
    const { name, removed } = entry! as MemberEntry;
    const author = {
      member: toBase64Url(opened.author.member),
      device: toBase64Url(opened.author.device),
    };
    return {
      result: {
        ok: true,
        kind: opened.header.kind,
        generation: opened.header.generation,
        seq: opened.seq,
        payload: opened.payload.slice(),
        payloadHash: toBase64Url(opened.payloadHash),
        author: { ...author, memberName: name },
      },
      chain: {
        author: `${author.member}:${author.device}`,
        self: `${author.member}:${author.device}` === me,
        doc: toBase64Url(opened.header.docId),
        seq: opened.seq,
        link: toBase64Url(opened.link),
        prev: prevOf(opened),
        removed,
        kind: opened.header.kind,
      },
    };
  } catch (error) {
    return {
      result: { ok: false, code: error instanceof CryptoError ? error.code : 'bad-envelope' },
    };
  }
}

/**
 * The removal rule on chains (docs/spec/envelope.md §10.3): envelopes of a device whose removal
 * recorded heads are kept only if on its chain up to a head. Then every kept envelope is
 * remembered (own tips; links seen per author, for the heads of a later removal).
 */
function applyRemovalChains(session: Unlocked, opened: Linked[]): OpenResult[] {
  const results = opened.map((o) => o.result);
  const judged: number[] = [];
  opened.forEach((o, i) => {
    const removal = o.chain?.removed;
    if (!removal?.heads) return; // Active, or removed under the seq rule of a version-1 list.
    if (o.chain!.kind === 'presence') results[i] = { ok: false, code: 'revoked' };
    else judged.push(i);
  });
  if (judged.length > 0) {
    const verdicts = chains(session).removed.decide(
      judged.map((i) => opened[i]!.chain!),
      (author) => heads(session, author),
    );
    judged.forEach((i, k) => {
      if (verdicts[k] !== 'ok') results[i] = { ok: false, code: verdicts[k]! };
    });
  }
  opened.forEach((o, i) => {
    const c = o.chain;
    if (!c || !results[i]!.ok || c.kind === 'presence') return;
    noteSeen(session, c.author, c.doc, c.link, c.prev);
    if (c.self) noteOwn(session, c.doc, c.seq, fromBase64Url(c.link));
  });
  return results;
}

/** The chain heads recorded for a removed author device in the newest list held. */
function heads(session: Unlocked, author: string) {
  const entry = currentList(session.keyring).entries.find(
    (e) => `${e.member}:${e.device}` === author,
  );
  return entry?.removed?.heads ?? {};
}

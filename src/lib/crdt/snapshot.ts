/**
 * Snapshot payloads (docs/spec/envelope.md §8): the first envelope of a generation carries
 *   u32(1) ‖ lp(metaJson) ‖ yjsState
 * where meta = { clients: [clientId, member, device, memberName][], covers: [authorKey, seq][] }
 * names which signer owns each Yjs clientID (so provenance survives compaction) and the highest
 * seq per author applied to the state (a record for audit; envelopes are never skipped by it,
 * since re-applying an update is a no-op).
 *
 * The rule for snapshots that are not this device's own base (§8.1) is `planSnapshot`: a
 * snapshot adds items only under its own signer's clientIDs (as an update it signs would);
 * anyone else's items must already be verified here, under the owners recorded here.
 */
import * as Y from 'yjs';
import { CrdtError } from './errors';

export interface Signer {
  /** Member public key (base64url). */
  member: string;
  /** Device public key (base64url). */
  device: string;
  memberName: string;
}

export interface SnapshotMeta {
  clients: [number, string, string, string][];
  covers: [string, number][];
}

export interface DecodedSnapshot {
  meta: SnapshotMeta;
  /** A Yjs update (v1) of the whole document. */
  state: Uint8Array;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export function encodeSnapshot(meta: SnapshotMeta, state: Uint8Array): Uint8Array {
  const json = encoder.encode(JSON.stringify(meta));
  const out = new Uint8Array(8 + json.length + state.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, 1);
  view.setUint32(4, json.length);
  out.set(json, 8);
  out.set(state, 8 + json.length);
  return out;
}

const isClientId = (v: unknown): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < 2 ** 32;
const isSeq = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= -1;

function isMeta(meta: unknown): meta is SnapshotMeta {
  if (typeof meta !== 'object' || meta === null) return false;
  const { clients, covers } = meta as Record<string, unknown>;
  return (
    Array.isArray(clients) &&
    Array.isArray(covers) &&
    clients.every(
      (c) =>
        Array.isArray(c) &&
        c.length === 4 &&
        isClientId(c[0]) &&
        c.slice(1).every((s) => typeof s === 'string'),
    ) &&
    covers.every(
      (c) => Array.isArray(c) && c.length === 2 && typeof c[0] === 'string' && isSeq(c[1]),
    )
  );
}

/** @throws CrdtError('bad-snapshot') — and nothing else — for any malformed payload. */
export function decodeSnapshot(payload: Uint8Array): DecodedSnapshot {
  if (payload.length < 8) throw new CrdtError('bad-snapshot', 'too short');
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  if (view.getUint32(0) !== 1) throw new CrdtError('bad-snapshot', 'version');
  const length = view.getUint32(4);
  if (8 + length > payload.length) throw new CrdtError('bad-snapshot', 'length');
  let meta: unknown;
  try {
    meta = JSON.parse(decoder.decode(payload.subarray(8, 8 + length)));
  } catch {
    throw new CrdtError('bad-snapshot', 'meta');
  }
  if (!isMeta(meta)) throw new CrdtError('bad-snapshot', 'meta shape');
  return { meta, state: payload.subarray(8 + length) };
}

/**
 * For each clientID with items in a snapshot's state: the clock just after its last item (over
 * every struct, so a clientID listed twice cannot hide a range).
 * @throws CrdtError('bad-snapshot') — and nothing else — for a malformed state.
 */
export function snapshotEnds(state: Uint8Array): Map<number, number> {
  const ends = new Map<number, number>();
  try {
    for (const struct of Y.decodeUpdate(state).structs) {
      const end = struct.id.clock + struct.length;
      if (end > (ends.get(struct.id.client) ?? 0)) ends.set(struct.id.client, end);
    }
  } catch {
    throw new CrdtError('bad-snapshot', 'state');
  }
  return ends;
}

/** What to do with a snapshot that is not this device's own base (§8.1). */
export interface SnapshotPlan {
  /** Final refusal: its meta contradicts the owners recorded here, or names none. */
  refusal: 'snapshot-owner-mismatch' | null;
  /**
   * ClientIDs whose items it holds beyond what this device verified, owned (or claimed) by
   * someone other than its signer: those items are withheld, and the snapshot waits.
   */
  withheld: number[];
  /** ClientIDs with no owner here that its signer names as its own: bound to the signer. */
  claimed: number[];
}

/**
 * The snapshot rule (§8.1), for every snapshot except this device's own base. For each clientID
 * its state holds items of:
 * - the owner recorded here, if any, must be the one its meta names, and its meta must name one
 *   (else 'snapshot-owner-mismatch', final);
 * - items of the signer's own clientIDs are the signer's own claim, as in an update it signs
 *   (a clientID with no owner here is bound to the signer);
 * - items of anyone else's clientID must already be integrated here from verified envelopes (the
 *   clock just after its last item ≤ `held`); otherwise that clientID is withheld.
 * @throws CrdtError('bad-snapshot') for a malformed state.
 */
export function planSnapshot(
  snapshot: DecodedSnapshot,
  signer: string,
  ownerOf: (clientId: number) => string | undefined,
  held: (clientId: number) => number,
): SnapshotPlan {
  const plan: SnapshotPlan = { refusal: null, withheld: [], claimed: [] };
  const named = new Map<number, string>();
  for (const [id, member, device] of snapshot.meta.clients) {
    const claim = `${member}:${device}`;
    const owner = ownerOf(id);
    if ((owner !== undefined && owner !== claim) || (named.get(id) ?? claim) !== claim) {
      return { ...plan, refusal: 'snapshot-owner-mismatch' };
    }
    named.set(id, claim);
  }
  for (const [id, end] of snapshotEnds(snapshot.state)) {
    const claim = named.get(id);
    if (claim === undefined) return { ...plan, refusal: 'snapshot-owner-mismatch' };
    if (claim === signer) {
      if (ownerOf(id) === undefined) plan.claimed.push(id);
    } else if (ownerOf(id) === undefined || end > held(id)) {
      plan.withheld.push(id);
    }
  }
  return plan;
}

/**
 * A snapshot's state without the items of `withheld` clientIDs (its delete set is kept: Yjs
 * deletions carry no author). @throws CrdtError('bad-snapshot') for a malformed state.
 */
export function withoutClients(state: Uint8Array, withheld: readonly number[]): Uint8Array {
  if (withheld.length === 0) return state;
  const ends = snapshotEnds(state);
  const skip = new Map(withheld.map((id) => [id, ends.get(id) ?? 0]));
  try {
    return Y.diffUpdate(state, Y.encodeStateVector(skip));
  } catch {
    throw new CrdtError('bad-snapshot', 'state');
  }
}

/**
 * Snapshot payloads (docs/spec/envelope.md §8): the first envelope of a generation carries
 *   u32(1) ‖ lp(metaJson) ‖ yjsState
 * where meta = { clients: [clientId, member, device, memberName][], covers: [authorKey, seq][] }
 * names which signer owns each Yjs clientID (so provenance survives compaction) and the highest
 * seq per author applied to the state (a record for audit; envelopes are never skipped by it,
 * since re-applying an update is a no-op).
 *
 * The rule for snapshots that are not this device's own base (§8.1) is `checkSnapshot`: a
 * snapshot may only hold items this device has already integrated from verified envelopes, under
 * the owners it recorded, so it can never add an item or bind a clientID.
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

/** Why a snapshot that is not this device's own base was refused (§8.1). */
export type SnapshotRefusal = 'snapshot-owner-mismatch' | 'snapshot-unverified';

/**
 * The snapshot rule (§8.1), for every snapshot except this device's own base:
 * - 'snapshot-owner-mismatch' (final): its meta names, for a clientID this device has recorded,
 *   a different owner, or does not name the owner of a clientID its state holds items of;
 * - 'snapshot-unverified' (may pass later): its state holds items of a clientID with no
 *   recorded owner, or beyond the clock this device has integrated for it from verified
 *   envelopes — so it would add items no owner signed here;
 * - null: every item in it is already held, under the owner its meta names.
 * @throws CrdtError('bad-snapshot') for a malformed state.
 */
export function checkSnapshot(
  snapshot: DecodedSnapshot,
  ownerOf: (clientId: number) => string | undefined,
  held: (clientId: number) => number,
): SnapshotRefusal | null {
  const named = new Map<number, string>();
  for (const [id, member, device] of snapshot.meta.clients) {
    const claim = `${member}:${device}`;
    const owner = ownerOf(id);
    if (owner !== undefined && owner !== claim) return 'snapshot-owner-mismatch';
    if (named.has(id) && named.get(id) !== claim) return 'snapshot-owner-mismatch';
    named.set(id, claim);
  }
  let unverified = false;
  for (const [id, end] of snapshotEnds(snapshot.state)) {
    const owner = ownerOf(id);
    if (owner !== undefined && named.get(id) !== owner) return 'snapshot-owner-mismatch';
    if (owner === undefined || end > held(id)) unverified = true;
  }
  return unverified ? 'snapshot-unverified' : null;
}

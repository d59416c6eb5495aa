/**
 * Snapshot payloads (docs/spec/envelope.md §8): the first envelope of a generation carries
 *   u32(1) ‖ lp(metaJson) ‖ yjsState
 * where meta = { clients: [clientId, member, device, memberName][], covers: [authorKey, seq][] }
 * names which signer owns each Yjs clientID (so provenance survives compaction) and the highest
 * seq per author applied to the state (a record for audit; envelopes are never skipped by it,
 * since re-applying an update is a no-op).
 */
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

/** @throws CrdtError('bad-snapshot') */
export function decodeSnapshot(payload: Uint8Array): { meta: SnapshotMeta; state: Uint8Array } {
  if (payload.length < 8) throw new CrdtError('bad-snapshot', 'too short');
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  if (view.getUint32(0) !== 1) throw new CrdtError('bad-snapshot', 'version');
  const length = view.getUint32(4);
  if (8 + length > payload.length) throw new CrdtError('bad-snapshot', 'length');
  let meta: SnapshotMeta;
  try {
    meta = JSON.parse(decoder.decode(payload.subarray(8, 8 + length))) as SnapshotMeta;
  } catch {
    throw new CrdtError('bad-snapshot', 'meta');
  }
  if (!Array.isArray(meta?.clients) || !Array.isArray(meta?.covers)) {
    throw new CrdtError('bad-snapshot', 'meta shape');
  }
  return { meta, state: payload.subarray(8 + length) };
}

/**
 * Keeps the relay's transport documents append-only and envelope-only (docs/design.md §5 "sealed logs
 * only grow"). Every Hocuspocus message is checked before Hocuspocus handles it; a refused one
 * closes the sender's room (and is logged by reason only). Message types are an allow-list, taken
 * from Hocuspocus 3.4's MessageReceiver (node_modules/@hocuspocus/server/src/MessageReceiver.ts):
 * - Sync (0) and SyncReply (4) are handled alike: sync step 1 (a state vector; applies nothing)
 *   passes; step 2 and update apply a Yjs update to the document and are inspected. An update is
 *   refused when it
 *   - carries a delete set or GC structs (devices never delete envelopes), or
 *   - inserts anything but envelopes into the root `envelopes` array: every inserted item must be
 *     binary content that is long enough to be an envelope and starts with a known version byte
 *     (docs/spec/envelope.md §2). The relay cannot verify an envelope — it has no keys — but it
 *     keeps maps, text, nested types and stray values out of what it stores and forwards.
 *   Any other sync sub-type is refused (Hocuspocus would throw on it).
 * - Awareness (1) and QueryAwareness (3): presence, never stored (the device's sealed presence);
 *   Auth (2) (a token for an already open room is ignored) and Close (7) apply no state.
 * - Stateless (5), BroadcastStateless (6: relayed to every device in the room), SyncStatus (8)
 *   and every unknown type are refused: devices never send them.
 * Only a misbehaving or malicious client is affected.
 */
import * as decoding from 'lib0/decoding';
import * as Y from 'yjs';

export const MESSAGE = {
  sync: 0,
  awareness: 1,
  auth: 2,
  queryAwareness: 3,
  syncReply: 4,
  close: 7,
} as const;
const SYNC_STEP_1 = 0;
const SYNC_STEP_2 = 1;
const SYNC_UPDATE = 2;
/** Message types that apply no document state and that devices send. */
const STATELESS_ALLOWED = new Set<number>([
  MESSAGE.awareness,
  MESSAGE.auth,
  MESSAGE.queryAwareness,
  MESSAGE.close,
]);

/** Header (26) + nonce (24) + tag (16): the shortest possible envelope (spec §2). */
export const MIN_ENVELOPE_BYTES = 66;
/** Version bytes of the envelope formats (spec §2–3): 1 (stored data), 2 (chained, written now). */
export const ENVELOPE_VERSIONS = new Set([1, 2]);

export type Refusal = 'delete' | 'not-envelope' | 'not-allowed' | 'malformed';

function refuseUpdate(update: Uint8Array): Refusal | null {
  const decoded = Y.decodeUpdate(update);
  if (decoded.ds.clients.size > 0) return 'delete';
  for (const struct of decoded.structs) {
    if (struct instanceof Y.GC) return 'delete';
    if (!(struct instanceof Y.Item)) continue; // Skip structs carry no content
    const { content, parent } = struct;
    if (typeof parent === 'string' && parent !== 'envelopes') return 'not-envelope';
    if (parent !== null && typeof parent !== 'string') return 'not-envelope';
    if (struct.parentSub !== null) return 'not-envelope';
    if (!(content instanceof Y.ContentBinary)) return 'not-envelope';
    const bytes = content.content;
    if (bytes.length < MIN_ENVELOPE_BYTES || !ENVELOPE_VERSIONS.has(bytes[0]!)) {
      return 'not-envelope';
    }
  }
  return null;
}

/** The message type of a frame, or null when even its header does not decode. */
export function messageType(message: Uint8Array): number | null {
  try {
    const decoder = decoding.createDecoder(message);
    decoding.readVarString(decoder);
    return decoding.readVarUint(decoder);
  } catch {
    return null;
  }
}

/**
 * Why a Hocuspocus message must be refused, or null when it may pass. Total: a frame that does
 * not decode is 'malformed', never an exception.
 */
export function refusal(message: Uint8Array): Refusal | null {
  try {
    const decoder = decoding.createDecoder(message);
    decoding.readVarString(decoder); // document name
    const type = decoding.readVarUint(decoder);
    if (STATELESS_ALLOWED.has(type)) return null;
    if (type !== MESSAGE.sync && type !== MESSAGE.syncReply) return 'not-allowed';
    const syncType = decoding.readVarUint(decoder);
    if (syncType === SYNC_STEP_1) return null;
    if (syncType !== SYNC_STEP_2 && syncType !== SYNC_UPDATE) return 'not-allowed';
    return refuseUpdate(decoding.readVarUint8Array(decoder));
  } catch {
    return 'malformed';
  }
}

/**
 * Keeps the relay's transport documents append-only and envelope-only (DESIGN.md §5 "sealed logs
 * only grow"). A Yjs sync message is refused before Hocuspocus applies it, and its sender is
 * disconnected, when its update
 * - carries a delete set (devices never delete envelopes), or
 * - inserts anything but envelopes into the root `envelopes` array: every inserted item must be
 *   binary content that is long enough to be an envelope and starts with a known version byte
 *   (docs/spec/envelope.md §2). The relay cannot verify an envelope — it has no keys — but it
 *   keeps maps, text, nested types and stray values out of what it stores and forwards.
 * Only a misbehaving or malicious client is affected.
 */
import * as decoding from 'lib0/decoding';
import * as Y from 'yjs';

const MESSAGE_SYNC = 0;
const SYNC_STEP_2 = 1;
const SYNC_UPDATE = 2;

/** Header (26) + nonce (24) + tag (16): the shortest possible envelope (spec §2). */
export const MIN_ENVELOPE_BYTES = 66;
/** Version byte of the only envelope format (spec §2). */
export const ENVELOPE_VERSIONS = new Set([1]);

export type Refusal = 'delete' | 'not-envelope';

function refuseUpdate(update: Uint8Array): Refusal | null {
  const decoded = Y.decodeUpdate(update);
  if (decoded.ds.clients.size > 0) return 'delete';
  for (const struct of decoded.structs) {
    if (!(struct instanceof Y.Item)) continue; // GC and Skip structs carry no content
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

/**
 * Why a Hocuspocus message must be refused, or null when it may pass (non-sync messages such
 * as awareness and sync step 1 carry no document content). Throws on malformed sync messages.
 */
export function refusal(message: Uint8Array): Refusal | null {
  const decoder = decoding.createDecoder(message);
  decoding.readVarString(decoder); // document name
  if (decoding.readVarUint(decoder) !== MESSAGE_SYNC) return null;
  const syncType = decoding.readVarUint(decoder);
  if (syncType !== SYNC_STEP_2 && syncType !== SYNC_UPDATE) return null;
  return refuseUpdate(decoding.readVarUint8Array(decoder));
}

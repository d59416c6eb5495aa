/**
 * Keeps the relay's transport documents append-only (DESIGN.md §5 "sealed logs only grow"): a
 * Yjs sync message whose update carries a delete set is refused before Hocuspocus applies it,
 * and its sender is disconnected. Devices never delete envelopes, so only a misbehaving or
 * malicious client is affected.
 */
import * as decoding from 'lib0/decoding';
import * as Y from 'yjs';

const MESSAGE_SYNC = 0;
const SYNC_STEP_2 = 1;
const SYNC_UPDATE = 2;

/** True when a Hocuspocus message would delete anything; throws on malformed sync messages. */
export function deletesSomething(message: Uint8Array): boolean {
  const decoder = decoding.createDecoder(message);
  decoding.readVarString(decoder); // document name
  if (decoding.readVarUint(decoder) !== MESSAGE_SYNC) return false;
  const syncType = decoding.readVarUint(decoder);
  if (syncType !== SYNC_STEP_2 && syncType !== SYNC_UPDATE) return false;
  const update = decoding.readVarUint8Array(decoder);
  return Y.decodeUpdate(update).ds.clients.size > 0;
}

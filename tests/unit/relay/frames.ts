/** Raw Hocuspocus frames for relay attack tests (what a hostile client can put on the wire). */
import * as encoding from 'lib0/encoding';
import * as decoding from 'lib0/decoding';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { until } from './helpers.ts';

export const TYPE = {
  sync: 0,
  awareness: 1,
  auth: 2,
  queryAwareness: 3,
  syncReply: 4,
  stateless: 5,
  broadcastStateless: 6,
  close: 7,
  syncStatus: 8,
} as const;
export const SYNC = { step1: 0, step2: 1, update: 2 } as const;

/** Envelope-shaped bytes (version 1, long enough); the relay cannot tell them from real ones. */
export function env(tag: number): Uint8Array {
  const bytes = new Uint8Array(96).fill(tag);
  bytes[0] = 1;
  return bytes;
}

export function frame(room: string, build: (e: encoding.Encoder) => void): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarString(e, room);
  build(e);
  return encoding.toUint8Array(e);
}

export const authFrame = (room: string, token: string) =>
  frame(room, (e) => {
    encoding.writeVarUint(e, TYPE.auth);
    encoding.writeVarUint(e, 0);
    encoding.writeVarString(e, token);
  });

/** A sync frame (outer type Sync or SyncReply) carrying `update` as step 2 or update. */
export const syncFrame = (room: string, outer: number, sub: number, update: Uint8Array) =>
  frame(room, (e) => {
    encoding.writeVarUint(e, outer);
    encoding.writeVarUint(e, sub);
    encoding.writeVarUint8Array(e, update);
  });

/** A stateless-type frame with a string payload. */
export const stringFrame = (room: string, type: number, payload: string) =>
  frame(room, (e) => {
    encoding.writeVarUint(e, type);
    encoding.writeVarString(e, payload);
  });

/** Two envelopes, as an update and as the doc that holds them. */
export function twoEnvelopes(): { doc: Y.Doc; update: Uint8Array } {
  const doc = new Y.Doc();
  doc.getArray<Uint8Array>('envelopes').push([env(1), env(2)]);
  return { doc, update: Y.encodeStateAsUpdate(doc) };
}

/** The attacks: each an update a device never sends, built on top of `base`. */
export function hostileUpdates(base: Y.Doc): Record<string, Uint8Array> {
  const derived = (change: (doc: Y.Doc) => void) => {
    const doc = new Y.Doc();
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(base));
    const before = Y.encodeStateVector(doc);
    change(doc);
    return Y.encodeStateAsUpdate(doc, before);
  };
  return {
    'delete every envelope': derived((d) => d.getArray('envelopes').delete(0, 2)),
    'string in envelopes': derived((d) => d.getArray('envelopes').push(['junk'])),
    'map entry': derived((d) => d.getMap('other').set('k', env(3))),
    'text insert': derived((d) => d.getText('text').insert(0, 'junk')),
    'short binary': derived((d) => d.getArray('envelopes').push([new Uint8Array(10).fill(1)])),
    'unknown version': derived((d) => d.getArray('envelopes').push([new Uint8Array(96).fill(9)])),
    'nested map': derived((d) => d.getArray('envelopes').push([new Y.Map()])),
  };
}

/** A raw socket that speaks just enough Hocuspocus to authenticate and send frames. */
export class RawClient {
  readonly ws: WebSocket;
  readonly received: Uint8Array[] = [];
  closed: { code: number; reason: string } | null = null;
  readonly opened: Promise<void>;

  constructor(url: string) {
    this.ws = new WebSocket(url.replace(/^http/, 'ws') + '/sync');
    this.ws.on('message', (data: Buffer) => this.received.push(new Uint8Array(data)));
    this.ws.on('close', (code, reason) => (this.closed = { code, reason: reason.toString() }));
    this.ws.on('error', () => {});
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
  }

  send(data: Uint8Array): void {
    this.ws.send(data);
  }

  /** Auth messages received for `room`: 'authenticated' or 'denied'. */
  authOutcome(room: string): 'authenticated' | 'denied' | null {
    for (const m of this.received) {
      const d = decoding.createDecoder(m);
      if (decoding.readVarString(d) !== room || decoding.readVarUint(d) !== TYPE.auth) continue;
      const sub = decoding.readVarUint(d);
      if (sub === 2) return 'authenticated';
      if (sub === 1) return 'denied';
    }
    return null;
  }

  async authenticate(room: string, token: string): Promise<void> {
    await this.opened;
    this.send(authFrame(room, token));
    await until(() => this.authOutcome(room) !== null);
    if (this.authOutcome(room) !== 'authenticated') throw new Error('not authenticated');
  }

  /** Count of SyncStatus acknowledgements (the relay applied a step 2 or update). */
  acks(room: string): number {
    let n = 0;
    for (const m of this.received) {
      const d = decoding.createDecoder(m);
      if (decoding.readVarString(d) === room && decoding.readVarUint(d) === TYPE.syncStatus) n++;
    }
    return n;
  }

  terminate(): void {
    this.ws.terminate();
  }
}

/** Asks the relay for the room's whole state (sync step 1 with an empty state vector). */
export async function roomState(client: RawClient, room: string): Promise<Y.Doc> {
  const from = client.received.length;
  client.send(
    frame(room, (e) => {
      encoding.writeVarUint(e, TYPE.sync);
      encoding.writeVarUint(e, SYNC.step1);
      encoding.writeVarUint8Array(e, Y.encodeStateVector(new Y.Doc()));
    }),
  );
  let update: Uint8Array | null = null;
  await until(() => {
    for (const m of client.received.slice(from)) {
      const d = decoding.createDecoder(m);
      if (decoding.readVarString(d) !== room) continue;
      const type = decoding.readVarUint(d);
      if (type !== TYPE.sync && type !== TYPE.syncReply) continue;
      if (decoding.readVarUint(d) !== SYNC.step2) continue;
      update = decoding.readVarUint8Array(d);
      return true;
    }
    return false;
  });
  const doc = new Y.Doc();
  Y.applyUpdate(doc, update!);
  return doc;
}

/** True once the relay closed `room` on this socket (a Close message for it). */
export function roomClosed(client: RawClient, room: string): boolean {
  if (client.closed) return true;
  return client.received.some((m) => {
    const d = decoding.createDecoder(m);
    return decoding.readVarString(d) === room && decoding.readVarUint(d) === TYPE.close;
  });
}

/** The reason of the Close message the relay sent for `room`, or null before one arrived. */
export function closeReason(client: RawClient, room: string): string | null {
  for (const m of client.received) {
    const d = decoding.createDecoder(m);
    if (decoding.readVarString(d) === room && decoding.readVarUint(d) === TYPE.close) {
      return decoding.readVarString(d);
    }
  }
  return null;
}

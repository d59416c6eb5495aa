import { randomBytes } from 'node:crypto';
import * as Y from 'yjs';
import { expect, it } from 'vitest';
import { TransportDoc } from '../../../src/lib/crdt/transport-doc.ts';

const envelope = () => {
  const bytes = new Uint8Array(96);
  bytes.set(randomBytes(96));
  bytes[0] = 1;
  return bytes;
};

it('offers only envelopes the room lacks, so re-attaching never stores one twice', () => {
  const [e1, e2, e3] = [envelope(), envelope(), envelope()];
  const relay = new TransportDoc();
  expect(relay.offer([e1, e2])).toBe(2);
  expect(relay.offer([e1, e2])).toBe(0);

  // A device re-attaches with a fresh transport document: after the relay's copy arrives, only
  // the envelope the relay lacks is added.
  const device = new TransportDoc();
  Y.applyUpdate(device.ydoc, Y.encodeStateAsUpdate(relay.ydoc));
  expect(device.offer([e1, e2, e3])).toBe(1);
  Y.applyUpdate(relay.ydoc, Y.encodeStateAsUpdate(device.ydoc));
  expect(relay.envelopes()).toHaveLength(3);
  expect(new Set(relay.envelopes().map((e) => Buffer.from(e).toString('hex'))).size).toBe(3);
  // Too short to be an envelope: never offered.
  expect(device.offer([new Uint8Array(10)])).toBe(0);
});

it('reports what peers add, not what this device offers', () => {
  const a = new TransportDoc();
  const b = new TransportDoc();
  const arrived: Uint8Array[] = [];
  b.onArrival((envelopes) => arrived.push(...envelopes));
  const e = envelope();
  a.offer([e]);
  b.offer([envelope()]);
  expect(arrived).toHaveLength(0);
  Y.applyUpdate(b.ydoc, Y.encodeStateAsUpdate(a.ydoc));
  expect(arrived).toEqual([e]);
});

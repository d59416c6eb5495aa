/**
 * Item 1 of issue 11: the relay stays append-only and envelope-only whatever message type carries
 * an update (Sync, SyncReply, step 2 or update), and refuses message types a device never sends.
 */
import fc from 'fast-check';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { MIN_ENVELOPE_BYTES, refusal } from '../../../relay/append-only.ts';
import { openRoomStore } from '../../../relay/store.ts';
import {
  SYNC,
  TYPE,
  RawClient,
  env,
  frame,
  hostileUpdates,
  roomClosed,
  roomState,
  stringFrame,
  syncFrame,
  twoEnvelopes,
} from './frames.ts';
import { startTestRelay, until, type TestRelay } from './helpers.ts';
import { PRACTICE } from '../../kit/practice.ts';

const ROOM = 'a'.repeat(32);
/** A room token: the capability and a practice proof. */
const CAP = PRACTICE.token('b'.repeat(64));
const CARRIERS = [
  ['Sync/step2', TYPE.sync, SYNC.step2],
  ['Sync/update', TYPE.sync, SYNC.update],
  ['SyncReply/step2', TYPE.syncReply, SYNC.step2],
  ['SyncReply/update', TYPE.syncReply, SYNC.update],
] as const;

/**
 * The invariant, checked independently of refusal(): every struct of the doc is a live
 * envelope-shaped binary in the root `envelopes` array, nothing is pending deletion, and every
 * envelope of `base` is still there.
 */
function appendOnlyHolds(doc: Y.Doc, base: Y.Doc): boolean {
  const envelopes = doc.getArray<Uint8Array>('envelopes');
  for (const structs of doc.store.clients.values()) {
    for (const s of structs) {
      if (!(s instanceof Y.Item)) return false;
      if (s.deleted || s.parent !== envelopes || s.parentSub !== null) return false;
      if (!(s.content instanceof Y.ContentBinary)) return false;
      const bytes = s.content.content;
      if (bytes.length < MIN_ENVELOPE_BYTES || bytes[0] !== 1) return false;
    }
  }
  if (doc.store.pendingDs !== null) return false;
  const pending = doc.store.pendingStructs;
  if (pending) {
    const decoded = Y.decodeUpdate(pending.update);
    if (decoded.ds.clients.size > 0) return false;
    for (const s of decoded.structs) {
      if (s instanceof Y.GC) return false;
      if (s instanceof Y.Item && !(s.content instanceof Y.ContentBinary)) return false;
    }
  }
  const kept = new Set(envelopes.toArray().map((b) => Buffer.from(b).toString('hex')));
  return base
    .getArray<Uint8Array>('envelopes')
    .toArray()
    .every((b) => kept.has(Buffer.from(b).toString('hex')));
}

/** What Hocuspocus 3.4 does with a frame it accepts (MessageReceiver.apply), on a copy of `base`. */
function applyLikeHocuspocus(base: Y.Doc, message: Uint8Array): Y.Doc {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, Y.encodeStateAsUpdate(base));
  try {
    const decoder = decoding.createDecoder(message);
    decoding.readVarString(decoder);
    const type = decoding.readVarUint(decoder);
    if (type === TYPE.sync || type === TYPE.syncReply) {
      const sub = decoding.readVarUint(decoder);
      if (sub === SYNC.step2 || sub === SYNC.update) {
        Y.applyUpdate(doc, decoding.readVarUint8Array(decoder));
      }
    }
  } catch {
    // Hocuspocus closes the connection; whatever applied before the throw stays.
  }
  return doc;
}
describe('refusal() of every message type', () => {
  const { doc: base } = twoEnvelopes();
  const attacks = hostileUpdates(base);

  for (const [carrier, outer, sub] of CARRIERS) {
    for (const [name, update] of Object.entries(attacks)) {
      it(`refuses ${name} sent as ${carrier}`, () => {
        expect(refusal(syncFrame(ROOM, outer, sub, update))).not.toBeNull();
      });
    }
  }

  it('refuses message types a device never sends, and unknown ones', () => {
    for (const type of [TYPE.stateless, TYPE.broadcastStateless, TYPE.syncStatus, 9, 42, 1000]) {
      expect(refusal(stringFrame(ROOM, type, 'x'))).toBe('not-allowed');
    }
    expect(refusal(syncFrame(ROOM, TYPE.sync, 3, new Uint8Array()))).toBe('not-allowed');
  });

  it('lets through what a device sends: envelopes, step 1, awareness, auth, close', () => {
    const next = new Y.Doc();
    Y.applyUpdate(next, Y.encodeStateAsUpdate(base));
    const sv = Y.encodeStateVector(next);
    next.getArray<Uint8Array>('envelopes').push([env(9)]);
    const append = Y.encodeStateAsUpdate(next, sv);
    for (const [, outer, sub] of CARRIERS) {
      expect(refusal(syncFrame(ROOM, outer, sub, append))).toBeNull();
    }
    expect(refusal(syncFrame(ROOM, TYPE.sync, SYNC.step1, Y.encodeStateVector(base)))).toBeNull();
    const awareness = frame(ROOM, (e) => {
      encoding.writeVarUint(e, TYPE.awareness);
      encoding.writeVarUint8Array(e, new Uint8Array([0]));
    });
    expect(refusal(awareness)).toBeNull();
    expect(refusal(frame(ROOM, (e) => encoding.writeVarUint(e, TYPE.queryAwareness)))).toBeNull();
    expect(refusal(stringFrame(ROOM, TYPE.close, 'bye'))).toBeNull();
    const auth = frame(ROOM, (e) => {
      encoding.writeVarUint(e, TYPE.auth);
      encoding.writeVarUint(e, 0);
      encoding.writeVarString(e, CAP);
    });
    expect(refusal(auth)).toBeNull();
  });

  it('never throws and never lets a frame break the invariant (fast-check, 10,000 frames)', () => {
    const op = fc.oneof(
      fc.record({ k: fc.constant('env' as const), tag: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ k: fc.constant('bin' as const), bytes: fc.uint8Array({ maxLength: 120 }) }),
      fc.record({
        k: fc.constant('del' as const),
        at: fc.nat(4),
        n: fc.integer({ min: 1, max: 3 }),
      }),
      fc.record({ k: fc.constant('str' as const), s: fc.string({ maxLength: 8 }) }),
      fc.record({ k: fc.constant('map' as const), key: fc.string({ maxLength: 4 }) }),
      fc.record({ k: fc.constant('text' as const), s: fc.string({ maxLength: 8 }) }),
      fc.record({ k: fc.constant('nested' as const) }),
    );
    type Op = typeof op extends fc.Arbitrary<infer T> ? T : never;
    const updateFrom = (ops: Op[]) => {
      const doc = new Y.Doc();
      Y.applyUpdate(doc, Y.encodeStateAsUpdate(base));
      const sv = Y.encodeStateVector(doc);
      const list = doc.getArray<unknown>('envelopes');
      for (const o of ops) {
        if (o.k === 'env') list.push([env(o.tag)]);
        else if (o.k === 'bin') list.push([o.bytes]);
        else if (o.k === 'del')
          list.delete(
            Math.min(o.at, list.length),
            Math.min(o.n, list.length - Math.min(o.at, list.length)),
          );
        else if (o.k === 'str') list.push([o.s]);
        else if (o.k === 'map') doc.getMap('m').set(o.key, env(1));
        else if (o.k === 'text') doc.getText('t').insert(0, o.s || 'x');
        else list.push([new Y.Array()]);
      }
      return Y.encodeStateAsUpdate(doc, sv);
    };
    const structured = fc
      .tuple(fc.constantFrom(...CARRIERS), fc.array(op, { minLength: 1, maxLength: 4 }))
      .map(([[, outer, sub], ops]) => syncFrame(ROOM, outer, sub, updateFrom(ops)));
    const mutated = fc
      .tuple(structured, fc.nat(), fc.integer({ min: 0, max: 255 }))
      .map(([f, at, byte]) => {
        const copy = f.slice();
        copy[at % copy.length] = byte;
        return copy;
      });
    const anyType = fc
      .tuple(fc.nat(300), fc.nat(4), fc.uint8Array({ maxLength: 64 }))
      .map(([type, sub, bytes]) =>
        frame(ROOM, (e) => {
          encoding.writeVarUint(e, type);
          encoding.writeVarUint(e, sub);
          encoding.writeVarUint8Array(e, bytes);
        }),
      );
    const frames = fc.oneof(structured, mutated, anyType, fc.uint8Array({ maxLength: 64 }));
    fc.assert(
      fc.property(frames, (message) => {
        const why = refusal(message); // must not throw
        if (why === null)
          expect(appendOnlyHolds(applyLikeHocuspocus(base, message), base)).toBe(true);
      }),
      { numRuns: 10_000 },
    );
  });
});

describe('the relay over the wire', () => {
  let server: TestRelay | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  async function seeded(): Promise<{ base: Y.Doc }> {
    server = await startTestRelay();
    const { doc, update } = twoEnvelopes();
    const writer = new RawClient(server.relay.url);
    await writer.authenticate(ROOM, CAP);
    writer.send(syncFrame(ROOM, TYPE.sync, SYNC.update, update));
    await until(() => writer.acks(ROOM) > 0);
    writer.terminate();
    return { base: doc };
  }

  /** The relay's copy: what a fresh device receives, and what is on disk after a clean stop. */
  async function relayCopy(): Promise<{ live: Y.Doc; stored: Y.Doc }> {
    const reader = new RawClient(server!.relay.url);
    await reader.authenticate(ROOM, CAP);
    const live = await roomState(reader, ROOM);
    reader.terminate();
    await server!.relay.close();
    const store = openRoomStore(server!.dataDir);
    const stored = new Y.Doc();
    const bytes = store.fetch(ROOM);
    if (bytes) Y.applyUpdate(stored, bytes);
    store.close();
    return { live, stored };
  }

  it('refuses the same deletion and junk sent as every message type; the stored copy is unchanged', async () => {
    const { base } = await seeded();
    const attacks = Object.entries(hostileUpdates(base));
    for (const [carrier, outer, sub] of CARRIERS) {
      for (const [name, update] of attacks) {
        const attacker = new RawClient(server!.relay.url);
        await attacker.authenticate(ROOM, CAP);
        attacker.send(syncFrame(ROOM, outer, sub, update));
        await until(() => roomClosed(attacker, ROOM) || attacker.acks(ROOM) > 0);
        expect({ carrier, name, applied: attacker.acks(ROOM) }).toEqual({
          carrier,
          name,
          applied: 0,
        });
        attacker.terminate();
      }
    }
    for (const type of [TYPE.stateless, TYPE.broadcastStateless, TYPE.syncStatus, 77]) {
      const attacker = new RawClient(server!.relay.url);
      await attacker.authenticate(ROOM, CAP);
      attacker.send(stringFrame(ROOM, type, 'junk'));
      await until(() => roomClosed(attacker, ROOM));
      attacker.terminate();
    }
    const { live, stored } = await relayCopy();
    for (const doc of [live, stored]) {
      expect(appendOnlyHolds(doc, base)).toBe(true);
      expect(doc.getArray('envelopes').toArray()).toEqual(base.getArray('envelopes').toArray());
    }
  });

  it('survives generated frames end to end (fast-check sample) and keeps the invariant', async () => {
    const { base } = await seeded();
    const frames = fc.sample(
      fc.oneof(
        fc
          .tuple(fc.constantFrom(...CARRIERS), fc.uint8Array({ maxLength: 80 }))
          .map(([[, o, s], b]) => syncFrame(ROOM, o, s, b)),
        fc.tuple(fc.nat(20), fc.uint8Array({ maxLength: 40 })).map(([type, b]) =>
          frame(ROOM, (e) => {
            encoding.writeVarUint(e, type);
            encoding.writeUint8Array(e, b);
          }),
        ),
        fc
          .constantFrom(...Object.values(hostileUpdates(base)))
          .map((u) => syncFrame(ROOM, TYPE.syncReply, SYNC.step2, u)),
      ),
      { numRuns: 150, seed: 11 },
    );
    let client: RawClient | null = null;
    for (const message of frames) {
      if (!client || roomClosed(client, ROOM)) {
        client?.terminate();
        client = new RawClient(server!.relay.url);
        await client.authenticate(ROOM, CAP);
      }
      const seen = client.received.length;
      client.send(message);
      // Sync step 1 is answered while the room stays open: a marker that the frame was handled.
      client.send(
        frame(ROOM, (e) => {
          encoding.writeVarUint(e, TYPE.sync);
          encoding.writeVarUint(e, SYNC.step1);
          encoding.writeVarUint8Array(e, new Uint8Array([0]));
        }),
      );
      const c = client;
      await until(() => roomClosed(c, ROOM) || c.received.length > seen);
    }
    client?.terminate();
    const health = await fetch(server!.relay.url + '/healthz');
    expect(health.status).toBe(200);
    const { live, stored } = await relayCopy();
    expect(appendOnlyHolds(live, base)).toBe(true);
    expect(appendOnlyHolds(stored, base)).toBe(true);
  });
});

import { randomBytes } from 'node:crypto';
import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { TransportDoc } from '../../../src/lib/crdt/transport-doc.ts';
import type { NetworkSnapshot } from '../../../src/lib/sync/reachability.ts';
import type { RelayRoom } from '../../../src/lib/sync/relay-client.ts';
import { RELAY_REFUSALS } from '../../../src/lib/sync/relay-refusals.ts';
import {
  DocumentRooms,
  networkEdges,
  type RoomDoc,
  type RoomKeys,
} from '../../../src/lib/sync/rooms.ts';
import type { RoomConnection } from '../../../src/lib/sync/webrtc.ts';

const envelope = () => {
  const bytes = new Uint8Array(96);
  bytes.set(randomBytes(96));
  bytes[0] = 1;
  return bytes;
};
const hex = (e: Uint8Array) => Buffer.from(e).toString('hex');

/** A sealed document as the rooms see it. */
function fakeDoc(held: Uint8Array[] = []) {
  const sealed = new Set<(envelopes: Uint8Array[]) => void>();
  const changed = new Set<() => void>();
  const doc = {
    docId: randomBytes(16),
    envelopes: held,
    unsavedChanges: 0,
    rejections: [] as { code: string; count: number }[],
    received: [] as Uint8Array[],
    onSealed(listener: (envelopes: Uint8Array[]) => void) {
      sealed.add(listener);
      return () => sealed.delete(listener);
    },
    onChange(listener: () => void) {
      changed.add(listener);
      return () => changed.delete(listener);
    },
    async receive(envelopes: Uint8Array[]) {
      doc.received.push(...envelopes);
      return envelopes.length;
    },
    seal(e: Uint8Array) {
      held.push(e);
      sealed.forEach((l) => l([e]));
    },
    change() {
      changed.forEach((l) => l());
    },
    listeners: () => sealed.size + changed.size,
  };
  return doc satisfies RoomDoc;
}

function presenceOf() {
  const listeners = new Set<() => void>();
  return {
    mine: null as string | null,
    others: [] as string[],
    listeners,
    setPresence(sealed: string | null) {
      this.mine = sealed;
    },
    presence() {
      return this.others;
    },
    onPresence(listener: () => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

function fakeRelay(transport: TransportDoc) {
  const listeners = new Set<() => void>();
  const relay = {
    ...presenceOf(),
    transport,
    isSynced: false,
    refused: null as string | null,
    destroyed: false,
    synced: () => relay.isSynced,
    refusal: () => relay.refused,
    onChange(listener: () => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    destroy() {
      relay.destroyed = true;
    },
    /** The relay's copy arrives (its transport state), then the room reports synced. */
    arrive(server: TransportDoc) {
      Y.applyUpdate(transport.ydoc, Y.encodeStateAsUpdate(server.ydoc));
      relay.isSynced = true;
      listeners.forEach((l) => l());
    },
    notify() {
      listeners.forEach((l) => l());
    },
  };
  return relay satisfies RelayRoom;
}

function fakePeers() {
  const listeners = new Set<() => void>();
  const peers = {
    ...presenceOf(),
    counts: { direct: 0, sameBrowser: 0, signaling: false },
    paused: false,
    destroyed: false,
    peers: () => peers.counts,
    onChange(listener: () => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    pause() {
      peers.paused = true;
    },
    resume() {
      peers.paused = false;
    },
    destroy() {
      peers.destroyed = true;
    },
    notify() {
      listeners.forEach((l) => l());
    },
  };
  return peers satisfies RoomConnection;
}

function setup(options: { noKey?: boolean; now?: () => Date } = {}) {
  const relays: ReturnType<typeof fakeRelay>[] = [];
  const peers: ReturnType<typeof fakePeers>[] = [];
  const keysAsked: RoomKeys[] = [];
  const rooms = new DocumentRooms({
    keys: async (docId) => {
      if (options.noKey) throw new Error('no-key');
      const keys = { room: hex(docId), password: 'pw', capability: 'cap' };
      keysAsked.push(keys);
      return keys;
    },
    connectPeers: (_keys, transport) => {
      const p = fakePeers();
      peers.push(p);
      void transport;
      return p;
    },
    connectRelay: async (_keys, transport) => {
      const r = fakeRelay(transport);
      relays.push(r);
      return r;
    },
    now: options.now,
  });
  return { rooms, relays, peers, keysAsked };
}

describe('DocumentRooms', () => {
  it("offers what the document held only after the relay's copy arrived (nothing twice)", async () => {
    const [e1, e2] = [envelope(), envelope()];
    const doc = fakeDoc([e1, e2]);
    const { rooms, relays, keysAsked } = setup();
    await rooms.attach(doc);
    expect(keysAsked).toHaveLength(1);
    const relay = relays[0]!;
    // Not synced with the relay yet: nothing held is offered.
    expect(relay.transport.envelopes()).toHaveLength(0);
    const server = new TransportDoc();
    server.offer([e1]);
    relay.arrive(server);
    // e1 was in the room already: only e2 is added.
    expect(relay.transport.envelopes().map(hex).sort()).toEqual([hex(e1), hex(e2)].sort());
    // Later changes of the room do not offer again.
    relay.notify();
    expect(relay.transport.envelopes()).toHaveLength(2);
  });

  it('offers newly sealed envelopes at once, before the relay has synced', async () => {
    const doc = fakeDoc([envelope()]);
    const { rooms, relays } = setup();
    await rooms.attach(doc);
    const sealed = envelope();
    doc.seal(sealed);
    expect(relays[0]!.transport.envelopes().map(hex)).toEqual([hex(sealed)]);
  });

  it('keeps a document without a room key local-only (no connections, still counted)', async () => {
    const doc = fakeDoc([envelope()]);
    const { rooms, relays, peers } = setup({ noKey: true });
    const room = await rooms.attach(doc);
    expect(relays).toHaveLength(0);
    expect(peers).toHaveLength(0);
    expect(rooms.status.rooms).toBe(1);
    expect(rooms.status.relaySynced).toBe(false);
    room.setPresence('x');
    expect(room.presence()).toEqual([]);
    room.leave();
    expect(rooms.status.rooms).toBe(0);
  });

  it('hands envelopes that arrive to the document and counts them', async () => {
    const doc = fakeDoc();
    const { rooms, relays } = setup();
    const seen: number[] = [];
    rooms.onChange((s) => seen.push(s.arrived));
    await rooms.attach(doc);
    const peer = new TransportDoc();
    const [a, b] = [envelope(), envelope()];
    peer.offer([a, b]);
    Y.applyUpdate(relays[0]!.transport.ydoc, Y.encodeStateAsUpdate(peer.ydoc));
    expect(doc.received.map(hex)).toEqual([hex(a), hex(b)]);
    expect(rooms.status.arrived).toBe(2);
    expect(seen.at(-1)).toBe(2);
  });

  it('aggregates the status of every room', async () => {
    let t = 1000;
    const { rooms, relays, peers } = setup({ now: () => new Date(t) });
    expect(rooms.status).toMatchObject({ rooms: 0, relaySynced: false, channels: 0 });
    const one = fakeDoc();
    const two = fakeDoc();
    await rooms.attach(one);
    await rooms.attach(two);
    peers[0]!.counts = { direct: 1, sameBrowser: 1, signaling: false };
    peers[1]!.counts = { direct: 3, sameBrowser: 0, signaling: true };
    one.unsavedChanges = 2;
    two.unsavedChanges = 1;
    one.rejections = [{ code: 'revoked', count: 2 }];
    two.rejections = [{ code: 'equivocation', count: 1 }];
    one.change();
    expect(rooms.status).toMatchObject({
      rooms: 2,
      peers: 3,
      signaling: true,
      waiting: 3,
      refused: 3,
      refusedWhat: 'changes from a removed device (2); two different changes under one number (1)',
      relayRefusal: '',
      channels: 3,
      relaySynced: false,
      lastSynced: null,
    });
    rooms.setRelayOpen(true);
    expect(rooms.status.channels).toBe(4);
    // In step with the relay only once every room is.
    relays[0]!.arrive(new TransportDoc());
    expect(rooms.status.relaySynced).toBe(false);
    relays[1]!.arrive(new TransportDoc());
    expect(rooms.status.relaySynced).toBe(true);
    expect(rooms.status.lastSynced?.getTime()).toBe(1000);
    t = 2000;
    relays[1]!.refused = 'quota-exceeded';
    relays[1]!.isSynced = false;
    relays[1]!.notify();
    expect(rooms.status.relaySynced).toBe(false);
    expect(rooms.status.lastSynced?.getTime()).toBe(1000);
    expect(rooms.status.relayRefusal).toBe(RELAY_REFUSALS['quota-exceeded']);
    relays[1]!.refused = 'some-new-code';
    relays[1]!.notify();
    expect(rooms.status.relayRefusal).toBe('some-new-code');
  });

  it('fans presence out to both channels and leaves both', async () => {
    const doc = fakeDoc();
    const { rooms, relays, peers } = setup();
    const room = await rooms.attach(doc);
    const [relay, live] = [relays[0]!, peers[0]!];
    room.setPresence('sealed');
    expect([live.mine, relay.mine]).toEqual(['sealed', 'sealed']);
    live.others = ['a', 'b'];
    relay.others = ['b', 'c'];
    expect(room.presence().sort()).toEqual(['a', 'b', 'c']);
    let heard = 0;
    const off = room.onPresence(() => heard++);
    live.listeners.forEach((l) => l());
    relay.listeners.forEach((l) => l());
    expect(heard).toBe(2);
    off();
    expect(live.listeners.size + relay.listeners.size).toBe(0);
    room.leave();
    expect([live.mine, relay.mine]).toEqual([null, null]);
    expect([live.destroyed, relay.destroyed]).toEqual([true, true]);
    expect(doc.listeners()).toBe(0);
    expect(rooms.status.rooms).toBe(0);
    // A destroyed transport: a late seal goes nowhere and throws nothing.
    doc.seal(envelope());
  });

  it('leaves and rejoins live peers when the browser goes offline and back', async () => {
    const { rooms, peers } = setup();
    await rooms.attach(fakeDoc());
    await rooms.attach(fakeDoc());
    rooms.setPeersOnline(false);
    expect(peers.map((p) => p.paused)).toEqual([true, true]);
    rooms.setPeersOnline(true);
    expect(peers.map((p) => p.paused)).toEqual([false, false]);
  });

  it('a room joined while the device is offline does not reach its peers until it is online', async () => {
    const { rooms, peers } = setup();
    rooms.setPeersOnline(false);
    await rooms.attach(fakeDoc());
    expect(peers.map((p) => p.paused)).toEqual([true]);
    rooms.setPeersOnline(true);
    expect(peers.map((p) => p.paused)).toEqual([false]);
  });
});

describe('networkEdges', () => {
  const snap = (online: boolean, browserOnline: boolean): NetworkSnapshot => ({
    online,
    browserOnline,
    relay: online ? 'reachable' : 'unreachable',
  });

  it('reports only changes of relay reach and of the browser claim', () => {
    const calls: string[] = [];
    const follow = networkEdges({
      relay: (online) => calls.push(`relay:${online}`),
      peers: (online) => calls.push(`peers:${online}`),
    });
    follow(snap(true, true));
    expect(calls).toEqual([]);
    follow(snap(false, true)); // the relay does not answer; the browser still claims online
    follow(snap(false, true));
    expect(calls).toEqual(['relay:false']);
    follow(snap(false, false));
    follow(snap(true, true));
    expect(calls).toEqual(['relay:false', 'peers:false', 'relay:true', 'peers:true']);
  });
});

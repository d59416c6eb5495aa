import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_SIGNALING_LIMITS, parseSignal } from '../../../relay/signaling.ts';
import { Client, startTestRelay, until, type TestRelay } from './helpers.ts';

let server: TestRelay;
const clients: Client[] = [];

async function connect(options = {}): Promise<Client> {
  const client = new Client(server.relay.url, options);
  clients.push(client);
  await client.opened;
  return client;
}

async function start(limits = {}): Promise<void> {
  server = await startTestRelay(limits);
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.ws.terminate();
  await server?.stop();
});

describe('signaling protocol', () => {
  it('forwards a publish to every subscriber of the topic with the subscriber count', async () => {
    await start();
    const a = await connect();
    const b = await connect();
    const c = await connect();
    a.send({ type: 'subscribe', topics: ['room-1'] });
    b.send({ type: 'subscribe', topics: ['room-1'] });
    c.send({ type: 'subscribe', topics: ['room-2'] });
    await Promise.all([a.ping(), b.ping(), c.ping()]);

    a.send({ type: 'publish', topic: 'room-1', data: 'opaque-signal' });
    await until(() => b.received.some((m) => m.type === 'publish'));
    await c.ping();
    expect(b.received).toContainEqual({
      type: 'publish',
      topic: 'room-1',
      data: 'opaque-signal',
      clients: 2,
    });
    expect(a.received.filter((m) => m.type === 'publish')).toHaveLength(1);
    expect(c.received.filter((m) => m.type === 'publish')).toHaveLength(0);
  });

  it('stops forwarding after unsubscribe and after the subscriber disconnects', async () => {
    await start();
    const a = await connect();
    const b = await connect();
    a.send({ type: 'subscribe', topics: ['t'] });
    b.send({ type: 'subscribe', topics: ['t'] });
    await Promise.all([a.ping(), b.ping()]);
    expect(server.relay.signaling.topics).toBe(1);
    b.send({ type: 'unsubscribe', topics: ['t'] });
    await b.ping();
    a.send({ type: 'publish', topic: 't', data: 1 });
    await a.ping();
    await b.ping();
    expect(b.received.filter((m) => m.type === 'publish')).toHaveLength(0);
    a.close();
    await until(() => server.relay.signaling.topics === 0);
    expect(server.relay.signaling.connections).toBe(1);
  });

  it('answers ping with pong', async () => {
    await start();
    const a = await connect();
    a.send({ type: 'ping' });
    await until(() => a.received.length > 0);
    expect(a.received).toEqual([{ type: 'pong' }]);
  });

  it('drops a publish to a topic the sender has not joined', async () => {
    await start();
    const a = await connect();
    const b = await connect();
    b.send({ type: 'subscribe', topics: ['t'] });
    await b.ping();
    a.send({ type: 'publish', topic: 't', data: 'spray' });
    await a.ping();
    await b.ping();
    expect(b.received.filter((m) => m.type === 'publish')).toHaveLength(0);
    expect(server.logs.some((l) => l.includes('publish-without-subscribe'))).toBe(true);
  });
});

describe('signaling bad input', () => {
  it('drops malformed JSON, non-objects, binary frames and unknown types, and keeps serving', async () => {
    await start();
    const a = await connect();
    for (const frame of ['{not json', '[]', 'null', '42', '"str"']) a.send(frame);
    a.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    a.send({ type: 'shout', topics: ['x'] });
    a.send({ type: 'subscribe', topics: 'x' });
    a.send({ type: 'subscribe', topics: [1, 2] });
    a.send({ type: 'publish', topic: '' });
    await a.ping();
    expect(a.closed).toBeNull();
    const reasons = server.logs.map((l) => JSON.parse(l)).filter((l) => l.event === 'signal.drop');
    expect(reasons.map((r) => r.reason)).toEqual([
      'malformed-json',
      'not-an-object',
      'not-an-object',
      'not-an-object',
      'not-an-object',
      'binary-frame',
      'unknown-type',
      'bad-topics',
      'bad-topics',
      'bad-topic',
    ]);
  });

  it('closes a connection that keeps sending garbage, while others keep working', async () => {
    await start({ maxBadMessages: 5 });
    const bad = await connect();
    const good = await connect();
    for (let i = 0; i < 10; i++) bad.send('garbage');
    expect(await bad.waitClosed()).toEqual({ code: 1008, reason: 'too-many-bad-messages' });
    await good.ping();
    expect(good.closed).toBeNull();
  });

  it('closes a connection that sends an oversized frame (1009) and keeps serving others', async () => {
    await start({ maxMessageBytes: 1024 });
    const big = await connect();
    const good = await connect();
    big.send({ type: 'publish', topic: 't', data: 'x'.repeat(2000) });
    expect((await big.waitClosed()).code).toBe(1009);
    await good.ping();
    expect(good.closed).toBeNull();
  });

  it('closes a flooding connection (rate limit) without affecting others', async () => {
    await start({ ratePerSecond: 10, burst: 20 });
    const flood = await connect();
    const good = await connect();
    for (let i = 0; i < 100; i++) flood.send({ type: 'ping' });
    expect(await flood.waitClosed()).toEqual({ code: 1008, reason: 'rate-limited' });
    expect(flood.received.length).toBeLessThanOrEqual(20);
    await good.ping();
    expect(good.closed).toBeNull();
  });

  it('caps topics per connection', async () => {
    await start({ maxTopicsPerConnection: 3 });
    const a = await connect();
    a.send({ type: 'subscribe', topics: ['a', 'b'] });
    a.send({ type: 'subscribe', topics: ['b', 'c'] });
    await a.ping();
    expect(a.closed).toBeNull();
    a.send({ type: 'subscribe', topics: ['d'] });
    expect(await a.waitClosed()).toEqual({ code: 1008, reason: 'too-many-topics' });
  });

  it('rejects topics longer than the limit', () => {
    expect(
      parseSignal(
        Buffer.from(JSON.stringify({ type: 'subscribe', topics: ['x'.repeat(300)] })),
        false,
        {
          maxTopicLength: 256,
        },
      ),
    ).toEqual({ error: 'bad-topics' });
  });

  it('terminates a connection that stops answering pings', async () => {
    await start({ pingIntervalMs: 100 });
    const silent = await connect({ autoPong: false });
    const alive = await connect();
    const closed = await silent.waitClosed();
    expect(closed.code).toBe(1006);
    await alive.ping();
    expect(alive.closed).toBeNull();
    expect(server.logs.some((l) => l.includes('signal.ping-timeout'))).toBe(true);
  });

  it('refuses connections beyond the connection cap', async () => {
    await start({ maxConnections: 1 });
    await connect();
    const extra = new Client(server.relay.url);
    await expect(extra.opened).rejects.toThrow(/503/);
  });

  it('refuses a cross-origin browser upgrade', async () => {
    await start();
    const foreign = new Client(server.relay.url, { headers: { Origin: 'https://evil.example' } });
    await expect(foreign.opened).rejects.toThrow(/404/);
  });

  it('never logs message bodies or topics', async () => {
    await start({ maxBadMessages: 2 });
    const a = await connect();
    const b = await connect();
    a.send({ type: 'subscribe', topics: ['topic-SECRET-1'] });
    b.send({ type: 'subscribe', topics: ['topic-SECRET-1'] });
    a.send({ type: 'publish', topic: 'topic-SECRET-1', data: 'body-SECRET-2' });
    a.send('{"broken": "body-SECRET-3"');
    a.send({ type: 'nope', data: 'body-SECRET-4' });
    a.send('body-SECRET-5');
    await a.waitClosed();
    expect(server.logs.length).toBeGreaterThan(3);
    expect(server.logs.join('\n')).not.toMatch(/SECRET/);
  });
});

describe('signaling properties', () => {
  it('parseSignal never throws and returns a message or an error code for any frame', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json(),
          fc.uint8Array().map((b) => Buffer.from(b).toString('latin1')),
          fc
            .record({
              type: fc.constantFrom('subscribe', 'unsubscribe', 'publish', 'ping', 'x'),
              topics: fc.anything(),
              topic: fc.anything(),
            })
            .map((v) => JSON.stringify(v)),
        ),
        fc.boolean(),
        (text, binary) => {
          const result = parseSignal(Buffer.from(text), binary, DEFAULT_SIGNALING_LIMITS);
          if ('error' in result) expect(result.error).toMatch(/^[a-z-]+$/);
          else expect(['subscribe', 'unsubscribe', 'publish', 'ping']).toContain(result.type);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('survives any sequence of arbitrary frames from one client and keeps serving another', async () => {
    await start();
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(fc.string(), fc.json(), fc.uint8Array({ maxLength: 64 })), {
          maxLength: 30,
        }),
        async (frames) => {
          const fuzz = await connect();
          for (const frame of frames) {
            if (fuzz.ws.readyState !== fuzz.ws.OPEN) break;
            if (typeof frame === 'string') fuzz.send(frame);
            else fuzz.ws.send(frame, { binary: true });
          }
          const good = await connect();
          await good.ping();
          expect(good.received).toContainEqual({ type: 'pong' });
          fuzz.ws.terminate();
          good.ws.terminate();
        },
      ),
      { numRuns: 40 },
    );
  });
});

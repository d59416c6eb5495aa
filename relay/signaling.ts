/**
 * A y-webrtc compatible signaling endpoint (protocol of y-webrtc's bin/server.js):
 *   client → {type:'subscribe', topics:[…]} | {type:'unsubscribe', topics:[…]}
 *          | {type:'publish', topic, …} | {type:'ping'}
 *   server → the publish message, plus `clients` (subscriber count), to every subscriber of the
 *            topic | {type:'pong'}
 *
 * Topics are opaque room ids derived from keys; what is published is y-webrtc's encrypted
 * signaling data, which the relay forwards without reading. Invariants, all enforced here:
 * - one frame ≤ maxMessageBytes (ws closes the socket with 1009 above it);
 * - a connection holds ≤ maxTopicsPerConnection topics and only publishes to topics it joined;
 * - a token bucket limits messages per connection; a flood closes that connection (1008);
 * - malformed JSON and unknown message types are dropped and counted; too many close it (1008);
 * - a connection that misses a ping interval's pong is terminated;
 * - one client (remote address) holds ≤ connectionsPerClient connections (429 beyond, per-client.ts);
 * - nothing a client sends can throw out of a handler, and bodies are never logged.
 * With several relay processes (FOLIO_REDIS_URL), publishes fan out to the other processes'
 * subscribers through Redis (signal-fan-out.ts).
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { Logger } from './log.ts';
import { clientOf, PerClient, refuseUpgrade } from './per-client.ts';
import { redisFanOut } from './signal-fan-out.ts';

export interface SignalingLimits {
  /** Largest accepted frame, in bytes. */
  maxMessageBytes: number;
  /** Topics one connection may be subscribed to at once. */
  maxTopicsPerConnection: number;
  /** Longest accepted topic name, in characters. */
  maxTopicLength: number;
  /** Sustained messages per second per connection. */
  ratePerSecond: number;
  /** Burst of messages a connection may send at once. */
  burst: number;
  /** Malformed or unknown messages tolerated before the connection is closed. */
  maxBadMessages: number;
  /** Interval between server pings; a connection that has not answered the last one is dropped. */
  pingIntervalMs: number;
  /** Connections accepted at once by this endpoint. */
  maxConnections: number;
  /** Connections one client (remote address) may hold at once. */
  connectionsPerClient: number;
  /** A receiver whose send buffer exceeds this is skipped rather than buffered without bound. */
  maxBufferedBytes: number;
}

export const DEFAULT_SIGNALING_LIMITS: SignalingLimits = {
  maxMessageBytes: 64 * 1024,
  maxTopicsPerConnection: 256,
  maxTopicLength: 256,
  ratePerSecond: 50,
  burst: 200,
  maxBadMessages: 20,
  pingIntervalMs: 30_000,
  maxConnections: 5_000,
  connectionsPerClient: 64,
  maxBufferedBytes: 1024 * 1024,
};

/** WebSocket close codes used by the endpoint. */
export const CLOSE = { policy: 1008, tooBig: 1009, goingAway: 1001 } as const;

interface Peer {
  topics: Set<string>;
  tokens: number;
  lastRefill: number;
  bad: number;
  alive: boolean;
}

export interface SignalingEndpoint {
  /** Hands an HTTP upgrade request for this endpoint to the WebSocket server. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Number of open connections. */
  readonly connections: number;
  /** Number of topics with at least one subscriber. */
  readonly topics: number;
  /** Closes every connection and stops the ping timer. */
  close(): Promise<void>;
}

type Inbound =
  | { type: 'subscribe' | 'unsubscribe'; topics: string[] }
  | { type: 'publish'; topic: string; message: Record<string, unknown> }
  | { type: 'ping' };

/** Parses one frame; returns a reason code instead of throwing for anything malformed. */
export function parseSignal(
  data: RawData,
  isBinary: boolean,
  limits: Pick<SignalingLimits, 'maxTopicLength'>,
): Inbound | { error: string } {
  if (isBinary) return { error: 'binary-frame' };
  let value: unknown;
  try {
    value = JSON.parse(data.toString());
  } catch {
    return { error: 'malformed-json' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { error: 'not-an-object' };
  }
  const message = value as Record<string, unknown>;
  const validTopic = (t: unknown): t is string =>
    typeof t === 'string' && t.length > 0 && t.length <= limits.maxTopicLength;
  switch (message.type) {
    case 'subscribe':
    case 'unsubscribe': {
      const topics = message.topics;
      if (!Array.isArray(topics) || !topics.every(validTopic)) return { error: 'bad-topics' };
      return { type: message.type, topics };
    }
    case 'publish':
      if (!validTopic(message.topic)) return { error: 'bad-topic' };
      return { type: 'publish', topic: message.topic, message };
    case 'ping':
      return { type: 'ping' };
    default:
      return { error: 'unknown-type' };
  }
}

/** Creates the signaling endpoint; attach it to an HTTP server's `upgrade` event by path. */
export function createSignaling(options: {
  log: Logger;
  limits?: Partial<SignalingLimits>;
  /** Redis shared by several relay processes (FOLIO_REDIS_URL). */
  redis?: string;
}): SignalingEndpoint {
  const limits: SignalingLimits = { ...DEFAULT_SIGNALING_LIMITS, ...options.limits };
  const perClient = new PerClient(() => limits.connectionsPerClient);
  const { log } = options;
  const wss = new WebSocketServer({ noServer: true, maxPayload: limits.maxMessageBytes });
  const peers = new Map<WebSocket, Peer>();
  const subscribers = new Map<string, Set<WebSocket>>();
  /** Delivers a publish to this process's subscribers of `topic`. */
  const deliver = (topic: string, message: string) => {
    const receivers = subscribers.get(topic);
    if (!receivers) return;
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(message) as Record<string, unknown>;
    } catch {
      return; // not from a relay process of ours
    }
    const payload = JSON.stringify({ ...parsed, clients: receivers.size });
    for (const receiver of receivers) send(receiver, payload);
  };
  const fanOut = options.redis ? redisFanOut(options.redis, deliver, log) : null;

  const send = (ws: WebSocket, payload: string) => {
    if (ws.readyState !== ws.OPEN) return;
    if (ws.bufferedAmount > limits.maxBufferedBytes) {
      log('warn', 'signal.skip-slow-receiver', { buffered: ws.bufferedAmount });
      return;
    }
    ws.send(payload);
  };

  const unsubscribe = (ws: WebSocket, peer: Peer, topic: string) => {
    peer.topics.delete(topic);
    const set = subscribers.get(topic);
    if (!set) return;
    set.delete(ws);
    if (set.size === 0) {
      subscribers.delete(topic);
      fanOut?.follow(topic, false);
    }
  };

  const reject = (ws: WebSocket, peer: Peer, reason: string) => {
    peer.bad += 1;
    log('warn', 'signal.drop', { reason, bad: peer.bad });
    if (peer.bad > limits.maxBadMessages) ws.close(CLOSE.policy, 'too-many-bad-messages');
  };

  const takeToken = (peer: Peer): boolean => {
    const now = Date.now();
    peer.tokens = Math.min(
      limits.burst,
      peer.tokens + ((now - peer.lastRefill) / 1000) * limits.ratePerSecond,
    );
    peer.lastRefill = now;
    if (peer.tokens < 1) return false;
    peer.tokens -= 1;
    return true;
  };

  const onMessage = (ws: WebSocket, peer: Peer, data: RawData, isBinary: boolean) => {
    if (!takeToken(peer)) {
      log('warn', 'signal.rate-limited');
      ws.close(CLOSE.policy, 'rate-limited');
      return;
    }
    const parsed = parseSignal(data, isBinary, limits);
    if ('error' in parsed) {
      reject(ws, peer, parsed.error);
      return;
    }
    switch (parsed.type) {
      case 'subscribe': {
        const fresh = parsed.topics.filter((t) => !peer.topics.has(t));
        if (peer.topics.size + new Set(fresh).size > limits.maxTopicsPerConnection) {
          log('warn', 'signal.too-many-topics', { held: peer.topics.size, asked: fresh.length });
          ws.close(CLOSE.policy, 'too-many-topics');
          return;
        }
        for (const topic of fresh) {
          peer.topics.add(topic);
          let set = subscribers.get(topic);
          if (!set) {
            subscribers.set(topic, (set = new Set()));
            fanOut?.follow(topic, true);
          }
          set.add(ws);
        }
        return;
      }
      case 'unsubscribe':
        for (const topic of parsed.topics) unsubscribe(ws, peer, topic);
        return;
      case 'publish': {
        if (!peer.topics.has(parsed.topic)) {
          reject(ws, peer, 'publish-without-subscribe');
          return;
        }
        const text = JSON.stringify(parsed.message);
        deliver(parsed.topic, text);
        fanOut?.publish(parsed.topic, text);
        return;
      }
      case 'ping':
        send(ws, JSON.stringify({ type: 'pong' }));
        return;
    }
  };

  wss.on('connection', (ws: WebSocket) => {
    const peer: Peer = {
      topics: new Set(),
      tokens: limits.burst,
      lastRefill: Date.now(),
      bad: 0,
      alive: true,
    };
    peers.set(ws, peer);
    log('info', 'signal.open', { connections: peers.size });
    ws.on('pong', () => {
      peer.alive = true;
    });
    ws.on('message', (data, isBinary) => {
      try {
        onMessage(ws, peer, data, isBinary);
      } catch (error) {
        // A bug here must cost one connection, never the relay.
        log('error', 'signal.handler-failed', { name: (error as Error).name });
        ws.close(CLOSE.policy, 'internal-error');
      }
    });
    ws.on('error', (error) => {
      log('warn', 'signal.socket-error', {
        code: (error as NodeJS.ErrnoException).code ?? 'unknown',
      });
    });
    ws.on('close', (code) => {
      for (const topic of [...peer.topics]) unsubscribe(ws, peer, topic);
      peers.delete(ws);
      log('info', 'signal.close', { code, connections: peers.size });
    });
  });

  const pinger = setInterval(() => {
    for (const [ws, peer] of peers) {
      if (!peer.alive) {
        log('info', 'signal.ping-timeout');
        ws.terminate();
        continue;
      }
      peer.alive = false;
      ws.ping();
    }
  }, limits.pingIntervalMs);
  pinger.unref();

  return {
    handleUpgrade(req, socket, head) {
      if (peers.size >= limits.maxConnections) {
        log('warn', 'signal.full', { connections: peers.size });
        socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\n');
        return;
      }
      const release = perClient.acquire(clientOf(req));
      if (!release) {
        log('warn', 'signal.refused', { reason: 'client-sockets' });
        refuseUpgrade(socket);
        return;
      }
      socket.once('close', release);
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
    },
    get connections() {
      return peers.size;
    },
    get topics() {
      return subscribers.size;
    },
    close() {
      clearInterval(pinger);
      void fanOut?.close();
      for (const ws of peers.keys()) ws.close(CLOSE.goingAway, 'shutting-down');
      return new Promise((resolve) => {
        // Sockets that do not finish the closing handshake promptly are cut.
        const cut = setTimeout(() => {
          for (const ws of peers.keys()) ws.terminate();
        }, 1000);
        cut.unref();
        wss.close(() => {
          clearTimeout(cut);
          resolve();
        });
      });
    },
  };
}

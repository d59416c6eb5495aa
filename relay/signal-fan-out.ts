/**
 * Signaling across relay processes (issue 14 item 3): what a device publishes to a topic on one
 * process reaches that topic's subscribers on every other process, through one Redis channel per
 * topic (`folio:signal:<topic>`), subscribed while this process has a local subscriber. Payloads
 * are y-webrtc's encrypted signaling, passed on as they are; each carries the sending process's
 * id so it is not delivered twice.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Logger } from './log.ts';

export interface FanOut {
  /** Sends a local publish to the other processes. */
  publish(topic: string, payload: string): void;
  /** Starts (true) or stops (false) receiving a topic's publishes from other processes. */
  follow(topic: string, on: boolean): void;
  close(): Promise<void>;
}

const CHANNEL = 'folio:signal:';

export function redisFanOut(
  url: string,
  deliver: (topic: string, payload: string) => void,
  log: Logger,
): FanOut {
  const id = randomUUID();
  const options = { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false };
  const pub = new Redis(url, options);
  const sub = new Redis(url, options);
  // A Redis outage must not crash the relay: signaling then stays within each process.
  const down = (error: NodeJS.ErrnoException) =>
    log('warn', 'redis.unreachable', { code: error.code ?? 'error' });
  pub.on('error', down);
  sub.on('error', down);
  sub.on('message', (channel: string, text: string) => {
    if (!channel.startsWith(CHANNEL)) return;
    const at = text.indexOf(' ');
    if (at < 0 || text.slice(0, at) === id) return;
    deliver(channel.slice(CHANNEL.length), text.slice(at + 1));
  });
  return {
    publish(topic, payload) {
      pub.publish(CHANNEL + topic, `${id} ${payload}`).catch(() => undefined);
    },
    follow(topic, on) {
      (on ? sub.subscribe(CHANNEL + topic) : sub.unsubscribe(CHANNEL + topic)).catch(
        () => undefined,
      );
    },
    async close() {
      pub.disconnect(false);
      sub.disconnect(false);
    },
  };
}

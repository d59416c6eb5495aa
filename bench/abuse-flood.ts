/**
 * One abusive client for `bench/abuse.ts`, run in its own process: for `seconds` it floods the
 * relay at `url` from one address as fast as the relay lets it — /sync sockets (as many as it is
 * allowed) sending junk for rooms they never authenticated, oversized pre-auth frames and
 * authentications of new rooms with random capabilities and a valid proof of a practice of its
 * own (anyone may register one); /signal sockets publishing to many topics; change
 * feed queries of 20,000 rooms. Prints how many of each it sent.
 */
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { testPractice } from '../tests/kit/practice.ts';

const [url, secondsText] = process.argv.slice(2);
const until = Date.now() + Number(secondsText ?? '5') * 1000;
const counts = {
  syncClosed: 0,
  syncSockets: 0,
  syncFrames: 0,
  signalSockets: 0,
  signalFrames: 0,
  changes: 0,
};

function varString(text: string): Buffer {
  const bytes = Buffer.from(text);
  return Buffer.concat([Buffer.from([bytes.length]), bytes]);
}
const room = () => randomBytes(16).toString('hex');
const junk = () => Buffer.concat([varString(room()), Buffer.from([0, 2, 40]), randomBytes(40)]);
/** An unsigned LEB128 (lib0 varUint). */
function varUint(n: number): Buffer {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return Buffer.from(out);
}
const practice = testPractice();
const auth = () => {
  const token = Buffer.from(practice.token(randomBytes(32).toString('hex')));
  return Buffer.concat([varString(room()), Buffer.from([2, 0]), varUint(token.length), token]);
};
const big = () => Buffer.concat([varString(room()), Buffer.from([0, 2]), randomBytes(60 * 1024)]);

function syncSocket(): void {
  if (Date.now() > until) return;
  const ws = new WebSocket(url!.replace('http', 'ws') + '/sync');
  counts.syncSockets++;
  ws.on('error', () => undefined);
  ws.on('close', () => {
    counts.syncClosed++;
    setTimeout(syncSocket, 5);
  });
  ws.on('open', () => {
    const pump = () => {
      if (ws.readyState !== ws.OPEN || Date.now() > until) return ws.terminate();
      for (let i = 0; i < 100 && ws.bufferedAmount < 256 * 1024; i++) {
        const n = counts.syncFrames++;
        ws.send(n % 50 === 0 ? big() : n % 3 === 0 ? auth() : junk());
      }
      setImmediate(pump);
    };
    pump();
  });
}

function signalSocket(): void {
  if (Date.now() > until) return;
  const ws = new WebSocket(url!.replace('http', 'ws') + '/signal');
  counts.signalSockets++;
  ws.on('error', () => undefined);
  ws.on('close', () => setTimeout(signalSocket, 5));
  ws.on('open', () => {
    const topics = Array.from({ length: 50 }, room);
    ws.send(JSON.stringify({ type: 'subscribe', topics }));
    const pump = () => {
      if (ws.readyState !== ws.OPEN || Date.now() > until) return ws.terminate();
      for (let i = 0; i < 100 && ws.bufferedAmount < 256 * 1024; i++) {
        counts.signalFrames++;
        ws.send(
          JSON.stringify({
            type: 'publish',
            topic: topics[counts.signalFrames % 50],
            data: 'x'.repeat(500),
          }),
        );
      }
      setImmediate(pump);
    };
    pump();
  });
}

async function changes(): Promise<void> {
  // 20,000 rooms, each with a (wrong) capability: the most work one query can ask for.
  const rooms = Array.from({ length: 20_000 }, () => ({
    room: room(),
    capability: randomBytes(32).toString('hex'),
  }));
  const body = JSON.stringify({ since: 0, rooms });
  while (Date.now() < until) {
    try {
      await fetch(url + '/sync/changes', {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json' },
      });
      counts.changes++;
    } catch {
      // refused or reset: keep going
    }
  }
}

for (let i = 0; i < 70; i++) syncSocket();
for (let i = 0; i < 70; i++) signalSocket();
await Promise.all([changes(), changes()]);
await new Promise((r) => setTimeout(r, 100));
console.log(JSON.stringify(counts));
process.exit(0);

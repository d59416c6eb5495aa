import { randomBytes } from 'node:crypto';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import type { Logger } from '../../../relay/log.ts';
import { startRelay, type Relay } from '../../../relay/server.ts';
import type { PairingLimits } from '../../../relay/pairing.ts';
import type { PracticeLimits } from '../../../relay/practices.ts';
import type { SignalingLimits } from '../../../relay/signaling.ts';
import type { SyncLimits } from '../../../relay/sync.ts';

export interface TestRelay {
  relay: Relay;
  logs: string[];
  buildDir: string;
  dataDir: string;
  stop(): Promise<void>;
}

/** Starts a relay on a free loopback port over a tiny fake build; logs are captured as lines. */
export async function startTestRelay(
  limits: Partial<SignalingLimits> = {},
  pairingLimits: Partial<PairingLimits> = {},
  syncLimits: Partial<SyncLimits> = {},
  options: { now?: () => number; practiceLimits?: Partial<PracticeLimits> } = {},
): Promise<TestRelay> {
  const root = await mkdtemp(join(tmpdir(), 'folio-relay-test-'));
  const buildDir = join(root, 'build');
  const dataDir = join(root, 'data');
  await mkdir(join(buildDir, '_app', 'immutable'), { recursive: true });
  await writeFile(join(buildDir, 'index.html'), '<!doctype html><title>shell</title>');
  await writeFile(join(buildDir, '_app', 'immutable', 'a.js'), 'export {};');
  await writeFile(join(buildDir, 'manifest.webmanifest'), '{}');
  await writeFile(join(root, 'secret.txt'), 'outside the build');
  const logs: string[] = [];
  const log: Logger = (level, event, fields = {}) =>
    logs.push(JSON.stringify({ level, event, ...fields }));
  const relay = await startRelay({
    port: 0,
    host: '127.0.0.1',
    dataDir,
    buildDir,
    log,
    signalingLimits: limits,
    pairingLimits,
    syncLimits,
    ...(options.now ? { now: options.now } : {}),
    ...(options.practiceLimits ? { practiceLimits: options.practiceLimits } : {}),
  });
  return {
    relay,
    logs,
    buildDir,
    dataDir,
    async stop() {
      await relay.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** A signaling client that records what it receives and how it was closed. */
export class Client {
  readonly ws: WebSocket;
  readonly received: Record<string, unknown>[] = [];
  closed: { code: number; reason: string } | null = null;
  readonly opened: Promise<void>;

  constructor(url: string, options: WebSocket.ClientOptions = {}) {
    this.ws = new WebSocket(url.replace(/^http/, 'ws') + '/signal', options);
    this.ws.on('message', (data) => this.received.push(JSON.parse(data.toString())));
    this.ws.on('close', (code, reason) => (this.closed = { code, reason: reason.toString() }));
    this.ws.on('error', () => {});
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
  }

  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** Round trip through the server: resolves once a pong for this ping arrives. */
  async ping(): Promise<void> {
    const before = this.received.filter((m) => m.type === 'pong').length;
    this.send({ type: 'ping' });
    await until(() => this.received.filter((m) => m.type === 'pong').length > before);
  }

  async waitClosed(): Promise<{ code: number; reason: string }> {
    await until(() => this.closed !== null);
    return this.closed!;
  }

  close(): void {
    this.ws.close();
  }
}

/** Polls `condition` every 10 ms; rejects after `ms`. */
export async function until(condition: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A JWE-shaped string with the header Folio's files carry (the relay cannot decrypt it). */
export function jwe(size = 200): string {
  const header = Buffer.from(
    JSON.stringify({ alg: 'dir', enc: 'A256GCM', cty: 'application/fhir+json' }),
  ).toString('base64url');
  const part = (n: number) => randomBytes(n).toString('base64url');
  return `${header}..${part(12)}.${part(size)}.${part(16)}`;
}

/**
 * Pairing mailboxes (docs/design.md §7): a one-time, short-lived place where a new device and an
 * admin device exchange two sealed messages. The relay never reads them — both are encrypted
 * with a key derived from the one-time secret in the pairing link's fragment, which the relay
 * never sees; it only sees the mailbox id (a hash of that secret).
 *
 *   PUT  /pair/<id>            create   body {ownerHash}, header x-folio-practice: <proof>
 *                                                                  (admin)      → 201
 *   POST /pair/<id>/request    write    body: sealed request       (new device) → 204, once
 *   GET  /pair/<id>/request    read     → 200 sealed | 204 none yet             (admin)
 *   POST /pair/<id>/response   write    header x-folio-owner: <owner secret>    (admin) → 204, once
 *   GET  /pair/<id>/response   read     → 200 sealed (and the mailbox is deleted) | 204 none yet
 *
 * Opening a mailbox needs a practice proof (practices.ts): only a member of a practice the relay
 * admits can start a pairing. Limits: ids are 32 hex chars; bodies ≤ 64 KiB; at most
 * `maxMailboxes` open, `mailboxesPerClient` from one client address and `mailboxesPerPractice`
 * for one practice (429 beyond); each lives
 * `ttlMs` (10 minutes); every slot is written once; unknown or expired mailboxes are 404/410.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, reply } from './http-body.ts';
import type { Logger } from './log.ts';
import { clientOf } from './per-client.ts';
import type { MailboxStore } from './pairing-store.ts';
import { PROOF_HEADER, refusalAnswer, type Practices } from './practices.ts';

export interface PairingLimits {
  ttlMs: number;
  maxMailboxes: number;
  /** Mailboxes one client (remote address) may hold open, so no one fills them for everyone. */
  mailboxesPerClient: number;
  /** Mailboxes one practice may hold open. */
  mailboxesPerPractice: number;
  maxBodyBytes: number;
}

export const DEFAULT_PAIRING_LIMITS: PairingLimits = {
  ttlMs: 10 * 60_000,
  maxMailboxes: 1000,
  mailboxesPerClient: 16,
  mailboxesPerPractice: 16,
  maxBodyBytes: 64 * 1024,
};

const ID = /^[0-9a-f]{32}$/;

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest();

export interface PairingEndpoint {
  /** Handles /pair/... requests; returns false when the path is not a pairing path. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  readonly size: number;
  close(): void;
}

export function createPairing(options: {
  log: Logger;
  practices: Practices;
  /** Where mailboxes live (pairing-store.ts): shared by every relay process on the host. */
  store: MailboxStore;
  limits?: Partial<PairingLimits>;
  /** The clock (tests inject one, so expiry is tested without waiting). */
  now?: () => number;
}): PairingEndpoint {
  const limits = { ...DEFAULT_PAIRING_LIMITS, ...options.limits };
  const { log } = options;
  const clock = options.now ?? Date.now;
  const boxes = options.store;
  const sweep = setInterval(() => boxes.sweep(clock()), 30_000);
  sweep.unref();

  return {
    get size() {
      return boxes.count();
    },
    close() {
      clearInterval(sweep);
    },
    async handle(req, res) {
      const path = (req.url ?? '').split('?')[0]!;
      const match = /^\/pair\/([^/]+)(?:\/(request|response))?$/.exec(path);
      if (!match) return false;
      const [, id, slot] = match as unknown as [string, string, 'request' | 'response' | undefined];
      if (!ID.test(id)) {
        reply(res, 400, 'Bad mailbox id');
        return true;
      }
      const box = boxes.get(id);
      if (box && box.expires <= clock()) {
        boxes.delete(id);
        reply(res, 410, 'This pairing link has expired');
        return true;
      }

      if (!slot) {
        if (req.method !== 'PUT') {
          reply(res, 405, 'Method not allowed');
          return true;
        }
        const body = await readBody(req, 1024);
        let ownerHash: Buffer | null = null;
        try {
          const parsed = JSON.parse(body?.toString() ?? '') as { ownerHash?: unknown };
          if (typeof parsed.ownerHash === 'string' && /^[0-9a-f]{64}$/.test(parsed.ownerHash)) {
            ownerHash = Buffer.from(parsed.ownerHash, 'hex');
          }
        } catch {
          ownerHash = null;
        }
        const admitted = ownerHash
          ? await options.practices.admit(req.headers[PROOF_HEADER], clientOf(req))
          : null;
        if (!ownerHash || !admitted) {
          reply(res, 400, 'Bad request');
        } else if (!admitted.ok) {
          const { status, message } = refusalAnswer(admitted.reason);
          reply(res, status, message);
        } else if (box) {
          reply(res, 409, 'Mailbox exists');
        } else if (boxes.countFor({ client: clientOf(req) }) >= limits.mailboxesPerClient) {
          log('warn', 'pair.refused', { reason: 'client-mailboxes' });
          res.setHeader('Retry-After', String(Math.ceil(limits.ttlMs / 1000)));
          reply(res, 429, 'Too many pairings in progress from this address');
        } else if (boxes.countFor({ practice: admitted.practice }) >= limits.mailboxesPerPractice) {
          log('warn', 'pair.refused', { reason: 'practice-mailboxes' });
          res.setHeader('Retry-After', String(Math.ceil(limits.ttlMs / 1000)));
          reply(res, 429, 'Too many pairings in progress for this practice');
        } else if (boxes.count() >= limits.maxMailboxes) {
          log('warn', 'pair.full', { open: boxes.count() });
          reply(res, 503, 'Too many pairings in progress');
        } else if (
          !boxes.create(id, {
            ownerHash,
            client: clientOf(req),
            practice: admitted.practice,
            expires: clock() + limits.ttlMs,
          })
        ) {
          reply(res, 409, 'Mailbox exists'); // opened meanwhile, through another process
        } else {
          log('info', 'pair.created', { open: boxes.count() });
          reply(res, 201);
        }
        return true;
      }

      if (!box) {
        reply(res, 404, 'Unknown or used pairing link');
        return true;
      }
      if (req.method === 'GET') {
        const value = box[slot];
        if (!value) {
          reply(res, 204);
          return true;
        }
        if (slot === 'response') {
          boxes.delete(id); // one-time: the link is used up once the new device has its answer
          log('info', 'pair.completed', { open: boxes.count() });
        }
        reply(res, 200, value);
        return true;
      }
      if (req.method !== 'POST') {
        reply(res, 405, 'Method not allowed');
        return true;
      }
      if (slot === 'response') {
        const secret = req.headers['x-folio-owner'];
        const given = typeof secret === 'string' ? sha256(secret) : Buffer.alloc(32);
        if (!timingSafeEqual(given, box.ownerHash)) {
          log('warn', 'pair.not-owner');
          reply(res, 403, 'Only the device that opened this pairing may answer it');
          return true;
        }
      }
      if (box[slot]) {
        reply(res, 409, 'Already written');
        return true;
      }
      const body = await readBody(req, limits.maxBodyBytes);
      if (body === null) {
        reply(res, 413, 'Too large');
        return true;
      }
      if (body.length === 0) {
        reply(res, 400, 'Empty');
        return true;
      }
      // Write-once in storage too: a second writer through another process gets 409.
      if (!boxes.write(id, slot, body)) {
        reply(res, 409, 'Already written');
        return true;
      }
      reply(res, 204);
      return true;
    },
  };
}

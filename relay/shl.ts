/**
 * Share-link hosting: SMART Health Links (HL7 spec; docs/design.md §8). The relay is a blind host:
 * it keeps each link's encrypted file (JWE, key only in the link's fragment), enforces expiry,
 * revocation and a lifetime cap on wrong passcodes, and records each access (self-asserted
 * recipient, time) for the patient's accounting of disclosures.
 *
 * Against whoever merely holds the URL: a manifest request without a passcode is answered 401
 * without using up an attempt (only a wrong passcode counts); requests to one link share a rate
 * limit (token bucket, 429 + Retry-After); the access log keeps at most `accessLogCap` entries per
 * link; creating a link needs a practice proof (practices.ts), and one client address and one
 * practice each create at most `createBurst` links at once and `createsPerHour` after; revoking deletes the encrypted file. A manifest's `location` is built from the relay's
 * configured public URL, never from the request's Host header.
 *
 * Public, per the spec (any conformant viewer, so CORS is open):
 *   POST /shl/<id>            manifest request {recipient, passcode?, embeddedLengthMax?}
 *                             → 200 {files:[…]} | 401 {remainingAttempts} | 404
 *   GET  /shl/<id>?recipient= `U` links only: the encrypted file itself (application/jose)
 *   GET  /shl/file/<token>    a manifest's `location`: single use, valid 5 minutes
 * The sharing practice (same origin; management secret in `x-folio-manage`, the relay keeps its
 * SHA-256 only):
 *   POST   /shl                {id, manageHash, flags, expires, passcode?},
 *                              header x-folio-practice: <proof> → 201
 *   PUT    /shl/<id>/file      the JWE (`L` links: again after each chart change) → 204
 *   DELETE /shl/<id>           revoke (the next request already gets 404) → 204
 *   GET    /shl/<id>/log       status, expiry, failures and the access log → 200
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody, reply } from './http-body.ts';
import type { Logger } from './log.ts';
import { clientOf } from './per-client.ts';
import { PROOF_HEADER, refusalAnswer, type Practices } from './practices.ts';
import { limit, type SharedLimits } from './shared-limits.ts';
import { hashPasscode, verifyPasscode } from './passcode.ts';
import type { LinkRecord, LinkStore } from './shl-store.ts';

export interface ShlLimits {
  /** Wrong passcodes a link accepts in its lifetime before it is disabled. */
  maxFailures: number;
  maxFileBytes: number;
  maxManifestBody: number;
  maxLinks: number;
  /** Longest expiry the relay accepts for a new link. */
  maxLifetimeMs: number;
  locationTtlMs: number;
  /** Requests one link answers in a burst, and the sustained rate per minute after it. */
  linkBurst: number;
  linkRatePerMinute: number;
  /** Access-log entries kept per link. */
  accessLogCap: number;
  /** Links one client (remote address) may create in a burst, and per hour after it. */
  createBurst: number;
  createsPerHour: number;
}

export const DEFAULT_SHL_LIMITS: ShlLimits = {
  maxFailures: 10,
  maxFileBytes: 16 * 1024 * 1024,
  maxManifestBody: 4096,
  maxLinks: 100_000,
  maxLifetimeMs: 366 * 24 * 3600_000,
  locationTtlMs: 5 * 60_000,
  // A viewer polls a long-term link every minute (Retry-After 60); a few recipients fit.
  linkBurst: 20,
  linkRatePerMinute: 10,
  accessLogCap: 1000,
  createBurst: 50,
  createsPerHour: 60,
};

const LINK_ID = /^[A-Za-z0-9_-]{43}$/;
const SECRET = /^[A-Za-z0-9_-]{43}$/;
const HEX64 = /^[0-9a-f]{64}$/;
const FLAGS = /^L?P?U?$/;
const CONTENT_TYPES = new Set(['application/fhir+json', 'application/smart-health-card']);

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

function json(res: ServerResponse, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Content-Type', 'application/json');
  res.end(JSON.stringify(body));
}

function cors(res: ServerResponse): void {
  res.setHeader('Access-Control-Allow-Origin', '*');
  res.setHeader('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
  res.setHeader('Access-Control-Allow-Headers', 'content-type');
  res.setHeader('Access-Control-Max-Age', '600');
  // Other origins' viewers must be able to read these responses.
  res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
}

/** Why a link cannot be used now, or null when it is active. */
function inactive(link: LinkRecord | null, limits: ShlLimits, now: number): string | null {
  if (!link) return 'unknown';
  if (link.revoked) return 'revoked';
  if (link.expires !== null && link.expires <= now) return 'expired';
  if (link.failures >= limits.maxFailures) return 'disabled';
  if (!link.file) return 'no-file';
  return null;
}

/** Checks a JWE compact string's shape and header (alg dir, enc A256GCM); returns its cty. */
function jweContentType(jwe: string): string | null {
  const parts = jwe.split('.');
  if (parts.length !== 5 || parts[1] !== '' || !parts.every((p) => /^[A-Za-z0-9_-]*$/.test(p)))
    return null;
  try {
    const header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')) as Record<
      string,
      unknown
    >;
    if (header.alg !== 'dir' || header.enc !== 'A256GCM') return null;
    const cty = typeof header.cty === 'string' ? header.cty.split(';')[0]!.trim() : '';
    return CONTENT_TYPES.has(cty) ? cty : null;
  } catch {
    return null;
  }
}

export interface ShlEndpoint {
  /** Handles /shl and /shl/… requests; false when the path is not a share-link path. */
  handle(req: IncomingMessage, res: ServerResponse, sameOrigin: boolean): Promise<boolean>;
  close(): void;
}

export function createShl(options: {
  store: LinkStore;
  /** Creating a link needs a practice proof (practices.ts). */
  practices: Practices;
  log: Logger;
  /** The relay's public origin (e.g. https://folio.example.org) for manifest locations. */
  publicOrigin: () => string;
  limits?: Partial<ShlLimits>;
  now?: () => number;
  /** Several relay processes (FOLIO_REDIS_URL): rate limits counted across them. */
  shared?: SharedLimits;
}): ShlEndpoint {
  const { store, log } = options;
  const limits = { ...DEFAULT_SHL_LIMITS, ...options.limits };
  const now = options.now ?? Date.now;
  const locations = new Map<string, { link: string; expires: number }>();
  /** Requests for one link are handled one at a time (the passcode cap holds under parallel requests). */
  const queues = new Map<string, Promise<void>>();
  const serially = (id: string, work: () => Promise<void>): Promise<void> => {
    const next = (queues.get(id) ?? Promise.resolve()).then(work, work);
    const tail = next.catch(() => undefined);
    queues.set(id, tail);
    void tail.then(() => {
      if (queues.get(id) === tail) queues.delete(id);
    });
    return next;
  };
  /** Link creations per client (per hour) and requests per link (per minute): token buckets. */
  const createLimits = () => ({
    burst: limits.createBurst,
    perInterval: limits.createsPerHour,
    intervalMs: 3600_000,
  });
  const creators = limit('shl.create.client', createLimits, options.shared, now);
  const practiceCreators = limit('shl.create.practice', createLimits, options.shared, now);
  const buckets = limit(
    'shl.link',
    () => ({ burst: limits.linkBurst, perInterval: limits.linkRatePerMinute, intervalMs: 60_000 }),
    options.shared,
    now,
  );
  /** Takes one request from the link's budget; seconds to wait when it is spent, else 0. */
  const throttled = (id: string): Promise<number> => buckets.take(id);
  const tooMany = (res: ServerResponse, wait: number) => {
    log('warn', 'shl.refused', { reason: 'rate-limited' });
    res.setHeader('Retry-After', String(wait));
    json(res, 429, { error: 'Too many requests for this link; try again later' });
  };
  const sweep = setInterval(() => {
    for (const [token, l] of locations) if (l.expires <= now()) locations.delete(token);
    buckets.sweep();
    creators.sweep();
    practiceCreators.sweep();
  }, 60_000);
  sweep.unref();

  const manages = (req: IncomingMessage, link: LinkRecord | null): boolean => {
    const secret = req.headers['x-folio-manage'];
    if (!link || typeof secret !== 'string' || !SECRET.test(secret)) return false;
    return timingSafeEqual(Buffer.from(sha256(secret), 'hex'), Buffer.from(link.manageHash, 'hex'));
  };

  async function create(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const client = clientOf(req);
    const admitted = await options.practices.admit(req.headers[PROOF_HEADER], client);
    if (!admitted.ok) {
      req.resume();
      const { status, message } = refusalAnswer(admitted.reason);
      reply(res, status, message);
      return;
    }
    for (const [buckets, key, whose] of [
      [creators, client, 'this address'],
      [practiceCreators, admitted.practice, 'this practice'],
    ] as const) {
      const wait = await buckets.take(key);
      if (wait > 0) {
        req.resume();
        log('warn', 'shl.refused', { reason: 'create-rate' });
        res.setHeader('Retry-After', String(wait));
        reply(res, 429, `Too many share links created from ${whose}; try again later`);
        return;
      }
    }
    const body = await readBody(req, 4096);
    let input: Record<string, unknown>;
    try {
      input = JSON.parse(body?.toString('utf8') ?? '') as Record<string, unknown>;
    } catch {
      reply(res, body === null ? 413 : 400, 'Bad request');
      return;
    }
    const { id, manageHash, flags, expires, passcode } = input ?? {};
    const flagText = typeof flags === 'string' ? flags : '';
    const problem =
      typeof id !== 'string' || !LINK_ID.test(id)
        ? 'bad link id'
        : typeof manageHash !== 'string' || !HEX64.test(manageHash)
          ? 'bad management hash'
          : !FLAGS.test(flagText) || (flagText.includes('U') && flagText.includes('P'))
            ? 'bad flags (U is never combined with P)'
            : flagText.includes('P') !==
                (typeof passcode === 'string' && passcode.length >= 6 && passcode.length <= 64)
              ? 'a P link needs a passcode of 6 to 64 characters, other links none'
              : expires !== null &&
                  (!Number.isSafeInteger(expires) ||
                    (expires as number) <= now() ||
                    (expires as number) > now() + limits.maxLifetimeMs)
                ? 'expiry must be in the future and within a year'
                : null;
    if (problem) {
      log('warn', 'shl.refused', { reason: 'bad-create' });
      reply(res, 400, problem);
      return;
    }
    if (store.count() >= limits.maxLinks) {
      reply(res, 503, 'Too many share links');
      return;
    }
    const created = store.create({
      id: id as string,
      manageHash: manageHash as string,
      passcodeHash: flagText.includes('P') ? await hashPasscode(passcode as string) : null,
      flags: flagText,
      expires: expires as number | null,
      created: now(),
    });
    if (!created) {
      reply(res, 409, 'Link exists');
      return;
    }
    log('info', 'shl.created', { flags: flagText || 'none' });
    reply(res, 201);
  }

  async function manifest(req: IncomingMessage, res: ServerResponse, id: string): Promise<void> {
    const cap = limits.accessLogCap;
    const body = await readBody(req, limits.maxManifestBody);
    if (body === null) {
      json(res, 413, { error: 'manifest request too large' });
      return;
    }
    let input: Record<string, unknown>;
    try {
      input = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
    } catch {
      json(res, 400, { error: 'manifest request is not JSON' });
      return;
    }
    const { recipient, passcode, embeddedLengthMax } = input ?? {};
    if (typeof recipient !== 'string' || recipient.trim() === '' || recipient.length > 200) {
      json(res, 400, { error: 'recipient (1 to 200 characters) is required' });
      return;
    }
    if (embeddedLengthMax !== undefined && !Number.isSafeInteger(embeddedLengthMax)) {
      json(res, 400, { error: 'embeddedLengthMax must be an integer' });
      return;
    }
    await serially(id, async () => {
      const link = store.get(id);
      const why = inactive(link, limits, now());
      if (why || !link?.file) {
        if (link) store.logAccess(id, { at: now(), recipient, outcome: 'refused' }, cap);
        json(res, 404, { error: 'This link is not active (unknown, expired or revoked)' });
        return;
      }
      if (link.passcodeHash !== null && (passcode === undefined || passcode === '')) {
        // Asking without a passcode learns only that one is needed: no attempt is used up.
        json(res, 401, { remainingAttempts: Math.max(0, limits.maxFailures - link.failures) });
        return;
      }
      if (link.passcodeHash !== null) {
        // The attempt is counted before the check and given back if the passcode is right: other
        // relay processes share the count (one SQLite file), so guesses checked at the same time
        // in several processes cannot pass the lifetime cap between reading it and counting.
        const failures = store.reserveAttempt(id, limits.maxFailures);
        if (failures === null) {
          store.logAccess(id, { at: now(), recipient, outcome: 'refused' }, cap);
          json(res, 404, { error: 'This link is not active (unknown, expired or revoked)' });
          return;
        }
        const ok =
          typeof passcode === 'string' &&
          passcode.length <= 64 &&
          (await verifyPasscode(link.passcodeHash, passcode));
        if (!ok) {
          store.logAccess(id, { at: now(), recipient, outcome: 'wrong-passcode' }, cap);
          log('warn', 'shl.passcode', { failures });
          json(res, 401, { remainingAttempts: Math.max(0, limits.maxFailures - failures) });
          return;
        }
        store.refundAttempt(id);
      }
      store.logAccess(id, { at: now(), recipient, outcome: 'ok' }, cap);
      const { jwe, contentType, updated } = link.file;
      const max = (embeddedLengthMax as number | undefined) ?? Number.POSITIVE_INFINITY;
      let entry: Record<string, string>;
      if (jwe.length <= max) entry = { contentType, embedded: jwe };
      else {
        const token = randomBytes(32).toString('base64url');
        locations.set(token, { link: id, expires: now() + limits.locationTtlMs });
        entry = { contentType, location: `${options.publicOrigin()}/shl/file/${token}` };
      }
      if (link.flags.includes('L')) res.setHeader('Retry-After', '60');
      json(res, 200, { files: [{ ...entry, lastUpdated: new Date(updated).toISOString() }] });
    });
  }

  function sendFile(res: ServerResponse, jwe: string): void {
    res.statusCode = 200;
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Content-Type', 'application/jose');
    res.end(jwe);
  }

  return {
    close() {
      clearInterval(sweep);
      locations.clear();
    },
    async handle(req, res, sameOrigin) {
      const url = new URL(req.url ?? '/', 'http://relay');
      const path = url.pathname;
      if (path !== '/shl' && !path.startsWith('/shl/')) return false;
      const method = req.method ?? 'GET';

      if (path === '/shl') {
        if (method !== 'POST') reply(res, 405, 'Method not allowed');
        else if (!sameOrigin) reply(res, 403, 'Forbidden');
        else await create(req, res);
        return true;
      }

      const file = /^\/shl\/file\/([A-Za-z0-9_-]{43})$/.exec(path);
      if (file) {
        cors(res);
        if (method === 'OPTIONS') return (reply(res, 204), true);
        const location = locations.get(file[1]!);
        locations.delete(file[1]!); // single use
        const link = location && location.expires > now() ? store.get(location.link) : null;
        if (!link || inactive(link, limits, now()) || !link.file) reply(res, 404, 'Not found');
        else sendFile(res, link.file.jwe);
        return true;
      }

      const match = /^\/shl\/([^/]+)(?:\/(file|log))?$/.exec(path);
      const id = match?.[1] ?? '';
      if (!match || !LINK_ID.test(id)) {
        reply(res, 404, 'Not found');
        return true;
      }
      const part = match[2];
      if (!part) {
        cors(res);
        const wait =
          (method === 'POST' || method === 'GET') && store.get(id) ? await throttled(id) : 0;
        if (method === 'OPTIONS') reply(res, 204);
        else if (wait > 0) {
          req.resume();
          tooMany(res, wait);
        } else if (method === 'POST') await manifest(req, res, id);
        else if (method === 'GET') {
          // `U` links: the file itself, no manifest (the spec forbids U with P).
          const recipient = url.searchParams.get('recipient') ?? '';
          const link = store.get(id);
          if (!recipient || recipient.length > 200) reply(res, 400, 'recipient is required');
          else if (!link?.flags.includes('U') || inactive(link, limits, now()) || !link.file)
            reply(res, 404, 'Not found');
          else {
            store.logAccess(id, { at: now(), recipient, outcome: 'ok' }, limits.accessLogCap);
            sendFile(res, link.file.jwe);
          }
        } else if (method === 'DELETE') {
          const link = store.get(id);
          if (!sameOrigin || !manages(req, link)) reply(res, 403, 'Forbidden');
          else {
            store.revoke(id);
            log('info', 'shl.revoked');
            reply(res, 204);
          }
        } else reply(res, 405, 'Method not allowed');
        return true;
      }

      const link = store.get(id);
      if (!sameOrigin || !manages(req, link)) {
        reply(res, 403, 'Forbidden');
        return true;
      }
      if (part === 'file') {
        if (method !== 'PUT') return (reply(res, 405, 'Method not allowed'), true);
        const body = await readBody(req, limits.maxFileBytes);
        const jwe = body?.toString('utf8').trim() ?? null;
        const contentType = jwe === null ? null : jweContentType(jwe);
        if (jwe === null) reply(res, 413, 'File too large');
        else if (!contentType) reply(res, 400, 'Not a JWE (alg dir, enc A256GCM, cty FHIR or SHC)');
        else {
          store.setFile(id, { jwe, contentType, updated: now() });
          reply(res, 204);
        }
        return true;
      }
      // part === 'log'
      if (method !== 'GET') return (reply(res, 405, 'Method not allowed'), true);
      const status = inactive(link, limits, now()) ?? 'active';
      json(res, 200, {
        status: status === 'no-file' ? 'active' : status,
        flags: link!.flags,
        expires: link!.expires,
        failures: link!.failures,
        remainingAttempts: link!.passcodeHash
          ? Math.max(0, limits.maxFailures - link!.failures)
          : null,
        accesses: store.accesses(id),
        omitted: store.omitted(id),
      });
      return true;
    },
  };
}

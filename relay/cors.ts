/**
 * Cross-origin use of the relay by an app served from another origin (ADR 0010). Only the app
 * origins the operator configured (FOLIO_APP_ORIGINS) may open WebSockets or call the relay's
 * HTTP endpoints from a browser; the answer to them carries CORS headers naming that origin.
 * This is about which pages may talk to the relay, not authentication: a non-browser client
 * sends any Origin it likes, and every endpoint still checks its own capabilities.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** True when a browser's Origin header names this relay (or when there is none, e.g. a CLI). */
export function sameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

/** The request's Origin when it is one of `appOrigins`, else null. */
export function appOrigin(req: IncomingMessage, appOrigins: readonly string[]): string | null {
  const origin = req.headers.origin;
  return origin !== undefined && appOrigins.includes(origin) ? origin : null;
}

/** Same origin, or a configured app origin. */
export function allowedOrigin(req: IncomingMessage, appOrigins: readonly string[]): boolean {
  return sameOrigin(req) || appOrigin(req, appOrigins) !== null;
}

/**
 * Adds CORS headers for a configured app origin; answers its preflight (OPTIONS) and returns true
 * when the request is fully answered.
 */
export function applyCors(
  req: IncomingMessage,
  res: ServerResponse,
  appOrigins: readonly string[],
): boolean {
  const origin = appOrigin(req, appOrigins);
  if (origin === null) return false;
  res.setHeader('Access-Control-Allow-Origin', origin);
  res.setHeader('Vary', 'Origin');
  // The app reads relay answers cross-origin, so the relay must let it (CORP is for no-cors).
  res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
  if (req.method !== 'OPTIONS') return false;
  res.setHeader('Access-Control-Allow-Methods', 'GET, POST, PUT, DELETE');
  res.setHeader(
    'Access-Control-Allow-Headers',
    'content-type, x-folio-owner, x-folio-manage, x-folio-practice',
  );
  res.setHeader('Access-Control-Max-Age', '600');
  res.statusCode = 204;
  res.end();
  return true;
}

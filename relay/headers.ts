/**
 * Security headers sent with every HTTP response of the relay.
 *
 * script-src is exactly 'self' 'wasm-unsafe-eval': libsodium compiles WebAssembly, and the build
 * moves SvelteKit's inline boot script into /_app/boot.js (scripts/externalize-boot.js), so no
 * 'unsafe-inline' or 'unsafe-eval' is ever needed. connect-src 'self' covers same-origin ws:.
 *
 * When the app is served apart from its relay (ADR 0010), the app's host lists the relay
 * origin(s) it may talk to (FOLIO_CONNECT_SRC, relay/config.ts); `securityHeaders()` puts each in
 * connect-src with its WebSocket twin (CSP's http: source does not match ws:).
 */

/** sha256 of the style attribute of SvelteKit's #svelte-announcer (kit 2.x root component). */
export const SVELTEKIT_ANNOUNCER_STYLE_HASH = 'sha256-S8qMpvofolR8Mpjy4kQvEm7m1q8clzU4dfDH0AmvZjo=';

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  // The one inline style the app has: SvelteKit's route announcer (a visually-hidden live
  // region). 'unsafe-hashes' with its exact hash allows that style attribute and nothing else.
  `style-src 'self' 'unsafe-hashes' '${SVELTEKIT_ANNOUNCER_STYLE_HASH}'`,
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "worker-src 'self'",
  "manifest-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The share-link viewer (/view) opens SMART Health Links hosted anywhere, so its page may fetch
 * manifests and files from any https origin. Only that page gets this: it runs with the vault
 * locked (it holds no practice key) and renders what it fetches as text.
 */
export const VIEWER_CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY.replace(
  "connect-src 'self'",
  "connect-src 'self' https:",
);

/**
 * camera=(self) is kept for QR scanning during pairing (and because Chromium only exposes
 * loopback ICE candidates when media permission is granted); everything else is off.
 */
export const PERMISSIONS_POLICY = [
  'camera=(self)',
  'microphone=()',
  'geolocation=()',
  'payment=()',
  'usb=()',
  'serial=()',
  'hid=()',
  'interest-cohort=()',
].join(', ');

export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Permissions-Policy': PERMISSIONS_POLICY,
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
});

/** The connect-src sources for relay origins: each http(s) origin and its ws(s) twin. */
export function relaySources(relayOrigins: readonly string[]): string[] {
  const sources: string[] = [];
  for (const origin of relayOrigins) {
    const url = new URL(origin);
    const ws = url.protocol === 'https:' ? 'wss:' : 'ws:';
    sources.push(url.origin, `${ws}//${url.host}`);
  }
  return [...new Set(sources)];
}

/** The page policies for an app host that talks to `relayOrigins` besides its own origin. */
export function contentSecurityPolicies(relayOrigins: readonly string[]): {
  app: string;
  viewer: string;
} {
  const extra = relaySources(relayOrigins).join(' ');
  if (extra === '') return { app: CONTENT_SECURITY_POLICY, viewer: VIEWER_CONTENT_SECURITY_POLICY };
  return {
    app: CONTENT_SECURITY_POLICY.replace("connect-src 'self'", `connect-src 'self' ${extra}`),
    viewer: VIEWER_CONTENT_SECURITY_POLICY.replace(
      "connect-src 'self' https:",
      `connect-src 'self' https: ${extra}`,
    ),
  };
}

/** SECURITY_HEADERS with connect-src naming `relayOrigins` (ADR 0010). */
export function securityHeaders(relayOrigins: readonly string[]): Record<string, string> {
  return {
    ...SECURITY_HEADERS,
    'Content-Security-Policy': contentSecurityPolicies(relayOrigins).app,
  };
}

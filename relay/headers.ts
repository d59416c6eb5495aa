/**
 * Security headers sent with every HTTP response of the relay.
 *
 * script-src is exactly 'self' 'wasm-unsafe-eval': libsodium compiles WebAssembly, and the build
 * moves SvelteKit's inline boot script into /_app/boot.js (scripts/externalize-boot.js), so no
 * 'unsafe-inline' or 'unsafe-eval' is ever needed. connect-src 'self' covers same-origin ws:.
 */

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
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
  'bluetooth=()',
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

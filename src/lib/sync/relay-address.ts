/**
 * Relay addresses (ADR 0010): the app may talk to a relay on another origin. Pure helpers for the
 * state layer — an origin from text, an origin as a location for the endpoint builders in
 * signaling-url.ts, and the fragment of a pairing link (`#<secret>.<anchor>&relay=<origin>`; the
 * code before `&` is opaque here, read by the vault: spec §11.1).
 */

/** The http(s) origin of `text`, or null when it is not an http(s) URL. */
export function originOf(text: string | null | undefined): string | null {
  if (!text) return null;
  try {
    const url = new URL(text);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.origin : null;
  } catch {
    return null;
  }
}

/** An origin as `{ protocol, host }`, what signalingUrl/relayUrl/changesUrl take. */
export function locationOf(origin: string): { protocol: string; host: string } {
  const url = new URL(origin);
  return { protocol: url.protocol, host: url.host };
}

/** The secret and relay origin in a pairing link's fragment (relay null when absent or bad). */
export function readPairingFragment(hash: string): { secret: string; relay: string | null } {
  const [secret = '', ...rest] = hash.replace(/^#/, '').split('&');
  return { secret, relay: originOf(new URLSearchParams(rest.join('&')).get('relay')) };
}

/** A pairing link's fragment; the relay is named only when it is not the app's own origin. */
export function pairingFragment(secret: string, relay: string, appOrigin: string): string {
  return relay === appOrigin ? secret : `${secret}&relay=${encodeURIComponent(relay)}`;
}

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/;

/**
 * The origins a pairing link should name (issue 14 item 1): a device on the clinic network cannot
 * reach this machine's loopback address, so when this page is on loopback and the relay reports
 * the public URL it is reached at (FOLIO_PUBLIC_URL, served by the same `npm start`), the link
 * names that for the app — and for the relay when the relay is this page's own origin.
 */
export function shareableOrigins(
  appOrigin: string,
  relayOrigin: string,
  publicUrl: string | null,
): { app: string; relay: string } {
  const onLoopback = LOOPBACK.test(new URL(appOrigin).hostname);
  const reported = originOf(publicUrl);
  if (!onLoopback || reported === null) return { app: appOrigin, relay: relayOrigin };
  return { app: reported, relay: relayOrigin === appOrigin ? reported : relayOrigin };
}

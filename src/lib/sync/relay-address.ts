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

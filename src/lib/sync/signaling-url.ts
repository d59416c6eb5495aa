/** The relay's signaling endpoint for a page served by the relay (same origin, ws or wss). */
export function signalingUrl(location: { protocol: string; host: string }): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/signal`;
}

/** The relay's store-and-forward endpoint for a page served by the relay. */
export function relayUrl(location: { protocol: string; host: string }): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/sync`;
}

/** The relay's change feed (catch-up) for a page served by the relay. */
export function changesUrl(location: { protocol: string; host: string }): string {
  return `${location.protocol}//${location.host}/sync/changes`;
}

/** The relay's health endpoint, asked to tell whether the relay answers. */
export function healthUrl(location: { protocol: string; host: string }): string {
  return `${location.protocol}//${location.host}/healthz`;
}

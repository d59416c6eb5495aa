/**
 * Which relay this device talks to (ADR 0010): the origin kept sealed in the vault's preferences,
 * or — when none is set, or before unlock — this app's own origin, as when `npm start` serves
 * both. Everything that talks to the relay (sync, catch-up, pairing mailboxes, share-link hosting)
 * asks here. The app's host must list the relay in connect-src and the relay must allow this app's
 * origin; `setRelay` checks both by asking the relay's /healthz before it saves anything.
 */
import { locationOf, originOf } from '$lib/sync/relay-address';
import { relayProofs } from '$lib/sync/relay-proofs';
import { session } from './session.svelte';

export { readPairingFragment } from '$lib/sync/relay-address';

/** A relay named by a pairing link, used before this device has a vault of its own. */
let joining = $state<string | null>(null);

/** The relay origin in use, e.g. `https://relay.example` (no trailing slash). */
export function relayOrigin(): string {
  return session.session?.relayUrl ?? joining ?? location.origin;
}

/** The relay as `{ protocol, host }`, for lib/sync's endpoint builders. */
export function relayLocation(): { protocol: string; host: string } {
  return locationOf(relayOrigin());
}

/** A relay URL endpoint, e.g. `relayEndpoint('/pair/abc')`. */
export function relayEndpoint(path: string): string {
  return `${relayOrigin()}${path}`;
}

const proofs = relayProofs(async () => (await session.vault.call('relayProof')).proof);

/**
 * A current practice proof for the relay (docs/spec/envelope.md §12): sync rooms, pairing
 * mailboxes and share links need one. @throws when the vault is locked
 */
export function relayProof(): Promise<string> {
  return proofs.current();
}

/** The id the relay knows this practice by (for an operator's FOLIO_PRACTICES list). */
export async function relayPracticeId(): Promise<string> {
  return (await session.vault.call('relayProof')).practice;
}

/** Pairing on a new device: use the relay the administrator's link names until the join ends. */
export function useRelayForJoin(origin: string | null): void {
  joining = origin;
}

/** The relay a joining device was pointed at, when it is not this app's own origin. */
export function joinRelay(): string | null {
  return joining !== null && joining !== location.origin ? joining : null;
}

/** The public URL the relay says it is reached at (FOLIO_PUBLIC_URL), or null. Never throws. */
export async function relayPublicUrl(): Promise<string | null> {
  try {
    const res = await fetch(`${relayOrigin()}/healthz`, { cache: 'no-store' });
    const body = (await res.json()) as { publicUrl?: unknown };
    return typeof body.publicUrl === 'string' ? body.publicUrl : null;
  } catch {
    return null;
  }
}

async function reachable(origin: string): Promise<boolean> {
  try {
    const res = await fetch(`${origin}/healthz`, { cache: 'no-store' });
    return res.ok;
  } catch {
    return false;
  }
}

/**
 * Saves the relay this device uses (null or '' for this app's own origin) after checking that it
 * answers from this page. @throws Error with a readable message, or a vault error ('bad-input').
 */
export async function setRelay(url: string | null): Promise<void> {
  const text = url?.trim() ?? '';
  const origin = originOf(text);
  if (origin !== null) {
    if (!(await reachable(origin))) {
      throw new Error(
        `Folio could not reach the relay at ${origin} from this page. The app's host must allow it ` +
          `(FOLIO_CONNECT_SRC) and the relay must allow this app (FOLIO_APP_ORIGINS). Nothing was changed.`,
      );
    }
  }
  const summary = await session.vault.call('setRelayUrl', {
    url: text === '' || origin === location.origin ? null : text,
  });
  session.updateSummary(summary);
}

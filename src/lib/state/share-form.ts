/**
 * The share form's starting values and which links can still be acted on (issue 11 item 8).
 * Every time the form opens it starts from `blankShareForm()`: a passcode link for the whole
 * chart, 30 days, no recipient and no consent ticked, never what the previous share chose
 * (which may have been a link without a passcode). A link is dead once revoked here or at the
 * relay, past its expiry, or disabled by failed passcodes: it offers neither "Show link" nor
 * "Revoke".
 */
import { today } from '$lib/chart/dates';
import type { ShareLink, ShareableSection, SharePurpose } from '$lib/chart';
import type { LinkLog } from '$lib/fhir/shl/host';
import type { LinkKind } from './share.svelte';

export interface ShareForm {
  recipient: string;
  purpose: SharePurpose;
  /** The whole chart, or only `chosen`. */
  whole: boolean;
  chosen: ShareableSection[];
  /** Last day of the consent (and of the link), YYYY-MM-DD. */
  expires: string;
  kind: LinkKind;
  consented: boolean;
}

const DAY_MS = 24 * 3600_000;

export function blankShareForm(now: number = Date.now()): ShareForm {
  return {
    recipient: '',
    purpose: 'TREAT',
    whole: true,
    chosen: [],
    expires: today(new Date(now + 30 * DAY_MS)),
    kind: 'passcode',
    consented: false,
  };
}

/** Relay answers that mean the link no longer serves anything. */
const DEAD_AT_RELAY: ReadonlySet<LinkLog['status']> = new Set([
  'expired',
  'revoked',
  'disabled',
  'unknown',
]);

/**
 * Whether a stored link can still be shown or revoked. An unreachable relay (`'unavailable'`
 * or no answer yet) does not make a link dead: the stored status and expiry decide.
 */
export function isLive(
  link: Pick<ShareLink, 'status' | 'expiresAt'>,
  log: LinkLog | 'unavailable' | undefined,
  now: number = Date.now(),
): boolean {
  if (link.status !== 'active' || !(link.expiresAt > now)) return false;
  return !(log && log !== 'unavailable' && DEAD_AT_RELAY.has(log.status));
}

/** Measuring and describing a device clock's skew against the relay's (pure; see clock.svelte.ts). */

/** Differences smaller than this are ordinary drift and not reported. */
export const CLOCK_TOLERANCE_MS = 2 * 60_000;

/** Skew of `local` against an HTTP Date header (second resolution), or null if unreadable. */
export function clockSkew(dateHeader: string | null, local: number): number | null {
  if (!dateHeader) return null;
  const remote = Date.parse(dateHeader);
  return Number.isFinite(remote) ? local - remote : null;
}

/** "3 hours ahead", "12 minutes behind" — a rough, readable size of a skew. */
export function describeSkew(skewMs: number): string {
  const minutes = Math.round(Math.abs(skewMs) / 60_000);
  const size =
    minutes >= 2 * 24 * 60
      ? `${Math.round(minutes / (24 * 60))} days`
      : minutes >= 120
        ? `${Math.round(minutes / 60)} hours`
        : `${minutes} minutes`;
  return `${size} ${skewMs > 0 ? 'ahead of' : 'behind'}`;
}

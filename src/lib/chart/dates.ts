/**
 * Calendar dates as clinicians enter them (YYYY-MM-DD). A date is valid only if it exists on the
 * calendar (no 2023-02-30), and most clinical dates may not lie in the future.
 */

export const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True for a real calendar date written as YYYY-MM-DD. */
export function isCalendarDate(value: string): boolean {
  const m = DATE_PATTERN.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (mo < 1 || mo > 12 || d < 1) return false;
  const days = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  return d <= days;
}

/** Today's date in the device's time zone, as YYYY-MM-DD. */
export function today(now: Date = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

/** Whole years between a birth date and `on` (both YYYY-MM-DD). */
export function ageInYears(birthDate: string, on: string = today()): number {
  const [by, bm, bd] = birthDate.split('-').map(Number) as [number, number, number];
  const [oy, om, od] = on.split('-').map(Number) as [number, number, number];
  let age = oy - by;
  if (om < bm || (om === bm && od < bd)) age--;
  return age;
}

/** "54 y", or months/days for infants. */
export function formatAge(birthDate: string, on: string = today()): string {
  if (!isCalendarDate(birthDate) || !isCalendarDate(on)) return '';
  const years = ageInYears(birthDate, on);
  if (years >= 2) return `${years} y`;
  const b = new Date(`${birthDate}T00:00:00Z`).getTime();
  const o = new Date(`${on}T00:00:00Z`).getTime();
  const days = Math.floor((o - b) / 86_400_000);
  if (days < 31) return `${days} d`;
  return `${Math.floor(days / 30.4375)} mo`;
}

/** The current instant as an ISO timestamp. */
export function nowIso(): string {
  return new Date().toISOString();
}

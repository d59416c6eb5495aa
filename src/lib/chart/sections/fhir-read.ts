/**
 * Plain-value readers for untrusted FHIR JSON (fhir-in.ts and the sections' import mapping):
 * anything of an unexpected shape reads as empty, nothing throws.
 */
import { isCalendarDate } from '../dates';
import type { Coding } from '../types';

export type Json = Record<string, unknown>;

export const str = (v: unknown): string => (typeof v === 'string' ? v : '');
export const obj = (v: unknown): Json =>
  v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {};
export const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
export const codings = (v: unknown): Json[] => arr(obj(v).coding).map(obj);
export const firstCode = (v: unknown) => str(codings(v)[0]?.code);

/** The calendar date of a FHIR date/dateTime ('' when absent or not a real date). */
export function dateOf(value: unknown): string {
  const d = str(value).slice(0, 10);
  return isCalendarDate(d) ? d : '';
}

export function conceptText(v: unknown): string {
  const c = obj(v);
  return str(c.text) || str(codings(c)[0]?.display) || str(codings(c)[0]?.code);
}

/** The first coding of a concept (system + code + display), preferring `systems` in order. */
export function codingOf(v: unknown, systems: string[] = []): Coding | undefined {
  const all = codings(v).filter((c) => str(c.code));
  const pick = systems.map((s) => all.find((c) => str(c.system) === s)).find(Boolean) ?? all[0];
  return pick
    ? { system: str(pick.system), code: str(pick.code), display: str(pick.display) }
    : undefined;
}

export const isCategory = (r: Json, code: string) =>
  arr(r.category).some((c) => codings(c).some((x) => str(x.code) === code));

/** A string, or a number as text (untrusted values shown as they are; anything else is ''). */
export const text = (v: unknown): string =>
  typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '';

/** A concept as readable text: its text, else the first coding with a display or a code. */
export function conceptLabel(v: unknown): string {
  const c = obj(v);
  if (text(c.text)) return text(c.text);
  for (const coding of arr(c.coding)) {
    const d = text(obj(coding).display) || text(obj(coding).code);
    if (d) return d;
  }
  return '';
}

/** The first coding's code as text ('' when absent). */
export const firstCodeText = (v: unknown) => text(obj(arr(obj(v).coding)[0]).code);

/** The `official` HumanName of a list of names, else the first (undefined when there is none). */
export function officialName(names: unknown): Json | undefined {
  const list = arr(names).map(obj);
  return list.find((n) => str(n.use) === 'official') ?? list[0];
}

/**
 * A FHIR HumanName as one line: its `text`, else its given and family names (after its prefixes,
 * "Dr", when `prefix` is set); '' for no name.
 */
export function humanName(name: unknown, { prefix = false }: { prefix?: boolean } = {}): string {
  const n = obj(name);
  return (
    str(n.text) ||
    [...(prefix ? arr(n.prefix) : []), ...arr(n.given), n.family].map(str).filter(Boolean).join(' ')
  );
}

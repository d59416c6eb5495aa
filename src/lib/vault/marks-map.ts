/**
 * Marks maps as plain data: the highest verified seq per author device, keyed "member:device"
 * (marks.ts keeps them for a session and stores them). Kept apart from the session so that
 * rotation.ts can read marks without importing the vault context (no import cycle).
 */

export type Marks = Record<string, number>;

/** The key of an author device in a marks map. */
export function authorKey(author: { member: string; device: string }): string {
  return `${author.member}:${author.device}`;
}

/** Raises `marks[key]` to `seq` if higher; whether it rose. */
export function raise(marks: Map<string, number>, key: string, seq: number): boolean {
  if (!Number.isSafeInteger(seq) || seq <= (marks.get(key) ?? -1)) return false;
  marks.set(key, seq);
  return true;
}

/** Only well-formed entries of an untrusted marks object (from storage or a pairing answer). */
export function cleanMarks(value: unknown): Marks {
  const out: Marks = {};
  if (!value || typeof value !== 'object' || Array.isArray(value)) return out;
  for (const [key, seq] of Object.entries(value)) {
    if (/^[\w-]+:[\w-]+$/.test(key) && Number.isSafeInteger(seq) && (seq as number) >= 0) {
      out[key] = seq as number;
    }
  }
  return out;
}

/**
 * Calendar checks the R4 JSON schema cannot make: its date pattern accepts 2023-02-30. Every
 * string in an element whose FHIR type is date, dateTime or instant is checked — recognised by
 * name: the `…Date`, `…DateTime`, `…Instant` choice and field names, and the date-typed elements
 * of common datatypes and resources (`date`, `start`, `end`, `issued`, `recorded`, `created`,
 * `lastUpdated`, `timestamp`, `birthDate`, `authoredOn`, …). A string in any other element is
 * left alone, even if it looks like a date.
 */
const DATE_KEYS = new Set([
  'date',
  'start',
  'end',
  'issued',
  'recorded',
  'created',
  'lastUpdated',
  'timestamp',
  'birthDate',
  'authoredOn',
  'dateWritten',
  'sent',
  'received',
  'whenHandedOver',
  'whenPrepared',
  'expirationDate',
  'recordedDate',
  'assertedDate',
  'lastOccurrence',
  'onsetString',
]);
const DATE_SUFFIX = /(Date|DateTime|Instant)$/;
const DATE_VALUE =
  /^(\d{4})(-(\d{2})(-(\d{2}))?)?(T(\d{2}):(\d{2})(:(\d{2})(\.\d+)?)?(Z|[+-](\d{2}):(\d{2}))?)?$/;

const daysIn = (y: number, m: number) => new Date(Date.UTC(y, m, 0)).getUTCDate();

/** Why a date/dateTime/instant value is not a real calendar moment, or null when it is. */
export function calendarProblem(value: string): string | null {
  const m = DATE_VALUE.exec(value);
  if (!m) return null; // the schema reports the format
  const [y, mo, d] = [Number(m[1]), m[3] ? Number(m[3]) : 1, m[5] ? Number(m[5]) : 1];
  if (mo < 1 || mo > 12) return `month ${m[3]} does not exist`;
  if (d < 1 || d > daysIn(y, mo)) return `${value.slice(0, 10)} is not a day of the calendar`;
  if (m[7] && (Number(m[7]) > 23 || Number(m[8]) > 59 || (m[10] && Number(m[10]) > 60)))
    return `${value} is not a time of day`;
  if (m[13] && (Number(m[13]) > 14 || Number(m[14]) > 59))
    return `${value} has an impossible time zone`;
  void y;
  return null;
}

/** Calendar problems in a resource: [FHIRPath-like location, message]. */
export function calendarProblems(resource: unknown, base: string): [string, string][] {
  const out: [string, string][] = [];
  // The place is spelled out only for a value with a problem (most values have none).
  const steps: (string | number)[] = [];
  const place = () =>
    base + steps.map((s) => (typeof s === 'number' ? `[${s}]` : `.${s}`)).join('');
  const walk = (node: unknown, key: string) => {
    if (typeof node === 'string') {
      if (DATE_KEYS.has(key) || DATE_SUFFIX.test(key)) {
        const problem = calendarProblem(node);
        if (problem) out.push([place(), problem]);
      }
      return;
    }
    if (Array.isArray(node))
      node.forEach((n, i) => {
        steps.push(i);
        walk(n, key);
        steps.pop();
      });
    else if (node && typeof node === 'object')
      for (const k of Object.keys(node)) {
        const v = (node as Record<string, unknown>)[k];
        // Only strings in date elements are checked: other values need no visit.
        if (typeof v === 'string' ? !DATE_KEYS.has(k) && !DATE_SUFFIX.test(k) : !v) continue;
        steps.push(k);
        walk(v, k);
        steps.pop();
      }
  };
  walk(resource, '');
  return out;
}

/**
 * Reading an import file: a FHIR R4 Bundle (transaction, batch, collection, document, searchset),
 * a single resource, or NDJSON (one resource per line). Size is checked before parsing; JSON
 * errors name the line and column (or the NDJSON line); entries keep where they came from.
 * Several files can be read together (`readImportFiles`, e.g. a Synthea export whose patients
 * refer to practitioners and organizations kept in files of their own): every place then starts
 * with its file's name.
 *
 * Depth is bounded before anything walks a resource: a resource nested deeper than
 * MAX_RESOURCE_DEPTH objects and arrays is refused, with the place where it goes too deep. Real
 * FHIR is a few dozen levels at most (nested Questionnaire items); the validator and the walkers
 * after it recurse per level and would overflow the stack somewhere between 1,000 and 2,000.
 */
import { jsonErrorOffset } from './json-error';
import { ImportError, issue, outcome, type OutcomeIssue } from './outcome';

export type FhirResource = { resourceType: string; id?: string } & Record<string, unknown>;

/** A resource from the input, with where it was (for messages) and its Bundle fullUrl. */
export interface InputResource {
  resource: FhirResource;
  where: string;
  fullUrl?: string;
  /** The file it was read from (when several files are read together). */
  file?: string;
}

/** How deep a resource may nest (objects and arrays), well below where walkers overflow. */
export const MAX_RESOURCE_DEPTH = 100;

export const MAX_IMPORT_BYTES = 64 * 1024 * 1024;
const BUNDLE_TYPES = new Set(['transaction', 'batch', 'collection', 'document', 'searchset']);

/** "line 3, column 14" for a character offset. */
function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return `line ${line}, column ${offset - before.lastIndexOf('\n')}`;
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    const offset = jsonErrorOffset(text);
    const at =
      offset < 0
        ? 'a place Folio cannot tell'
        : offset >= text.length
          ? 'its end (it is cut short)'
          : lineColumn(text, offset);
    throw new ImportError(
      outcome([issue('structure', where, `This is not valid JSON: the error is at ${at}.`)]),
    );
  }
}

/** More than one non-blank line, each starting with `{` (scanned up to the first that does not). */
const isNdjson = (text: string) => {
  let lines = 0;
  for (let start = 0; start <= text.length;) {
    const end = text.indexOf('\n', start);
    const line = text.slice(start, end < 0 ? text.length : end);
    start = end < 0 ? text.length + 1 : end + 1;
    if (line.trim() === '') continue;
    if (!line.trimStart().startsWith('{')) return false;
    lines++;
  }
  return lines > 1;
};

/** Refuses a file too large to import, before it is read. @throws ImportError */
export function checkSize(size: number, name: string, what = 'This file is'): void {
  if (size > MAX_IMPORT_BYTES) {
    throw new ImportError(
      outcome([
        issue(
          'too-costly',
          name,
          `${what} ${Math.round(size / 1024 / 1024)} MB; Folio imports up to ${MAX_IMPORT_BYTES / 1024 / 1024} MB at a time. Export it per patient or as NDJSON and import the parts.`,
        ),
      ]),
    );
  }
}

/** Whether `value` nests deeper than `limit` objects and arrays (iterative: any depth is fine). */
function deeperThan(value: unknown, limit: number): boolean {
  const stack: unknown[] = [value];
  const depths: number[] = [1];
  while (stack.length) {
    const node = stack.pop();
    const depth = depths.pop()!;
    if (depth > limit) return true;
    const items = Array.isArray(node) ? node : Object.values(node as Record<string, unknown>);
    for (const item of items) {
      if (item && typeof item === 'object') {
        stack.push(item);
        depths.push(depth + 1);
      }
    }
  }
  return false;
}

/**
 * The place where `value` first nests deeper than `limit` objects and arrays (`base` followed by
 * the path), or null. Paths are spelled out only once a resource is known to be too deep.
 */
export function tooDeepAt(value: unknown, base: string, limit = MAX_RESOURCE_DEPTH): string | null {
  if (!value || typeof value !== 'object' || !deeperThan(value, limit)) return null;
  const stack: [unknown, number, string][] = [[value, 1, base]];
  while (stack.length) {
    const [node, depth, path] = stack.pop()!;
    if (!node || typeof node !== 'object') continue;
    if (depth > limit) return path;
    if (Array.isArray(node)) node.forEach((n, i) => stack.push([n, depth + 1, `${path}[${i}]`]));
    else for (const [k, v] of Object.entries(node)) stack.push([v, depth + 1, `${path}.${k}`]);
  }
  return null;
}

function checkDepth(resources: InputResource[]): void {
  const problems: OutcomeIssue[] = [];
  for (const r of resources) {
    const at = tooDeepAt(r.resource, r.where);
    if (at)
      problems.push(
        issue(
          'too-costly',
          at,
          `This resource nests more than ${MAX_RESOURCE_DEPTH} levels deep here; Folio reads resources up to ${MAX_RESOURCE_DEPTH} levels deep (real FHIR needs far fewer).`,
        ),
      );
  }
  if (problems.length) throw new ImportError(outcome(problems));
}

/**
 * Reads several import files together; every place starts with its file's name. Each file is
 * read as `readImport` does, and every problem of every file is reported at once.
 * @throws ImportError when any file cannot be read at all
 */
export function readImportFiles(
  files: readonly { name: string; data: string | Uint8Array }[],
): InputResource[] {
  if (files.length === 1) return readImport(files[0]!.data, files[0]!.name);
  const total = files.reduce(
    (n, f) => n + (typeof f.data === 'string' ? f.data.length : f.data.byteLength),
    0,
  );
  checkSize(total, 'files', 'These files are together');
  const out: InputResource[] = [];
  const problems: OutcomeIssue[] = [];
  for (const f of files) {
    try {
      out.push(...readImport(f.data, f.name, `${f.name}: `).map((r) => ({ ...r, file: f.name })));
    } catch (error) {
      if (!(error instanceof ImportError)) throw error;
      problems.push(...error.outcome.issue);
    }
  }
  if (problems.length) throw new ImportError(outcome(problems));
  return out;
}

/**
 * Reads an import file; `prefix` starts every place (a file's name when several are read).
 * @throws ImportError when it cannot be read at all
 */
export function readImport(
  input: string | Uint8Array,
  name = 'file',
  prefix = '',
): InputResource[] {
  checkSize(typeof input === 'string' ? input.length : input.byteLength, name);
  let text: string;
  try {
    text =
      typeof input === 'string' ? input : new TextDecoder('utf-8', { fatal: true }).decode(input);
  } catch {
    throw new ImportError(outcome([issue('structure', name, 'This file is not UTF-8 text.')]));
  }
  text = text.replace(/^\uFEFF/, '');
  if (text.trim() === '')
    throw new ImportError(outcome([issue('structure', name, 'This file is empty.')]));

  if (isNdjson(text)) {
    const out: InputResource[] = [];
    text.split('\n').forEach((line, i) => {
      if (line.trim() === '') return;
      const where = `${name} line ${i + 1}`;
      const value = parseJson(line, where);
      out.push(...fromValue(value, where, () => where));
    });
    checkDepth(out);
    return out;
  }
  const out = fromValue(parseJson(text, name), `${prefix}Bundle`, (type) => `${prefix}${type}`);
  checkDepth(out);
  return out;
}

/** `where` names the value in messages; `single` names it when it is a resource, not a Bundle. */
function fromValue(
  value: unknown,
  where: string,
  single: (resourceType: string) => string,
): InputResource[] {
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new ImportError(
      outcome([issue('structure', where, 'This is not a FHIR resource (a JSON object).')]),
    );
  }
  const v = value as FhirResource;
  if (typeof v.resourceType !== 'string') {
    throw new ImportError(
      outcome([issue('structure', where, 'This is not FHIR: it has no resourceType.')]),
    );
  }
  if (v.resourceType !== 'Bundle') return [{ resource: v, where: single(v.resourceType) }];
  const problems: OutcomeIssue[] = [];
  if (!BUNDLE_TYPES.has(String(v.type))) {
    problems.push(
      issue(
        'not-supported',
        `${where}.type`,
        `Folio imports transaction, batch, collection, document and searchset Bundles, not "${String(v.type)}".`,
      ),
    );
  }
  const entries = Array.isArray(v.entry) ? v.entry : [];
  const out: InputResource[] = [];
  entries.forEach((e, i) => {
    const entry = (e ?? {}) as {
      resource?: unknown;
      fullUrl?: unknown;
      search?: { mode?: unknown };
    };
    const at = `${where}.entry[${i}]`;
    // searchset: 'outcome' entries are the server's messages, not data.
    if (entry.search?.mode === 'outcome') return;
    const r = entry.resource as FhirResource | undefined;
    if (!r || typeof r !== 'object' || typeof r.resourceType !== 'string') {
      problems.push(issue('structure', `${at}.resource`, 'This entry has no resource.'));
      return;
    }
    out.push({
      resource: r,
      where: `${at}.resource`,
      ...(typeof entry.fullUrl === 'string' ? { fullUrl: entry.fullUrl } : {}),
    });
  });
  if (problems.length > 0) throw new ImportError(outcome(problems));
  return out;
}

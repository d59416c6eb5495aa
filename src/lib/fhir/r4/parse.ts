/**
 * Reading an import file: a FHIR R4 Bundle (transaction, batch, collection, document, searchset),
 * a single resource, or NDJSON (one resource per line). Size is checked before parsing; JSON
 * errors name the line and column (or the NDJSON line); entries keep where they came from.
 */
import { jsonErrorOffset } from './json-error';
import { ImportError, issue, outcome, type OutcomeIssue } from './outcome';

export type FhirResource = { resourceType: string; id?: string } & Record<string, unknown>;

/** A resource from the input, with where it was (for messages) and its Bundle fullUrl. */
export interface InputResource {
  resource: FhirResource;
  where: string;
  fullUrl?: string;
}

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

const isNdjson = (text: string) => {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  return lines.length > 1 && lines.every((l) => l.trimStart().startsWith('{'));
};

/** Refuses a file too large to import, before it is read. @throws ImportError */
export function checkSize(size: number, name: string): void {
  if (size > MAX_IMPORT_BYTES) {
    throw new ImportError(
      outcome([
        issue(
          'too-costly',
          name,
          `This file is ${Math.round(size / 1024 / 1024)} MB; Folio imports up to ${MAX_IMPORT_BYTES / 1024 / 1024} MB at a time. Export it per patient or as NDJSON and import the parts.`,
        ),
      ]),
    );
  }
}

/** Reads an import file. @throws ImportError when it cannot be read at all */
export function readImport(input: string | Uint8Array, name = 'file'): InputResource[] {
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
      out.push(...fromValue(value, where));
    });
    return out;
  }
  return fromValue(parseJson(text, name), 'Bundle');
}

function fromValue(value: unknown, where: string): InputResource[] {
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
  if (v.resourceType !== 'Bundle') return [{ resource: v, where: v.resourceType }];
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

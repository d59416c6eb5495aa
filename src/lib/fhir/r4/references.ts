/**
 * References between the input's resources: by `urn:uuid:` (or any) fullUrl, by relative
 * `Type/id` (also `Type/id/_history/n`), by an absolute URL ending in `Type/id`, and conditional
 * `Type?identifier=system|value`. Duplicate ids and references that resolve to nothing are
 * reported with their place.
 *
 * Where references are rewritten (issue 12): a `urn:uuid:` or conditional reference means
 * something only inside the file it came in; exported into a collection Bundle or NDJSON, no
 * reader can resolve it. So every reference is rewritten to the target's `Type/id`:
 * - at import (group.ts, `localTarget`), where this resolver knows every target of the files
 *   read — the stored sources then already carry `Type/id`, and a resource without an id gets one
 *   first, so references to it can name it;
 * - at export (`exportReferenceMap`, used by lib/chart/fhir-out.ts), for charts imported before
 *   this rule: `urn:uuid:<id>` is matched to the exported resource with that id (how Synthea and
 *   Folio's own import name resources), a conditional reference to the one exported resource with
 *   that identifier. A reference that matches nothing (or several) is kept as it is.
 * References into `contained` resources (`#…`) and absolute URLs to other servers are kept; an
 * absolute URL is rewritten only when it is the fullUrl of an entry read at import.
 */
import { issue, type OutcomeIssue } from './outcome';
import type { FhirResource, InputResource } from './parse';

export interface ResolvedInput {
  resolve(reference: string): InputResource | undefined;
  /**
   * The resource a reference should be rewritten to point at (`Type/id`), or undefined when it is
   * kept as it is (contained, another server, or unresolved).
   */
  localTarget(reference: string): InputResource | undefined;
  /** Every reference in a resource: [its place, the reference string]. */
  referencesOf(input: InputResource): [string, string][];
  problems: OutcomeIssue[];
}

function identifiers(r: FhirResource): { system: string; value: string }[] {
  return (Array.isArray(r.identifier) ? r.identifier : []).map((i) => ({
    system: String((i as { system?: unknown })?.system ?? ''),
    value: String((i as { value?: unknown })?.value ?? ''),
  }));
}

const CONDITIONAL = /^([A-Za-z]+)\?identifier=([^|&]*)\|?([^&]*)$/;

/** `Type?identifier=system|value` → its parts (system '' when only a value is given). */
function conditionalParts(ref: string): { type: string; system: string; value: string } | null {
  const m = CONDITIONAL.exec(ref);
  if (!m) return null;
  const [, type, a, b] = m;
  try {
    return b
      ? { type: type!, system: decodeURIComponent(a!), value: decodeURIComponent(b) }
      : { type: type!, system: '', value: decodeURIComponent(a!) };
  } catch {
    return null;
  }
}

const isAbsoluteUrl = (ref: string) => /^https?:\/\//.test(ref);

export interface ResolveOptions {
  /** More fullUrls of resources read (a duplicate dropped across files names its twin). */
  aliases?: ReadonlyMap<string, InputResource>;
  /** How the input is called in messages ("this file" by default). */
  inputName?: string;
}

export function resolveReferences(
  inputs: readonly InputResource[],
  options: ResolveOptions = {},
): ResolvedInput {
  const problems: OutcomeIssue[] = [];
  const byFullUrl = new Map<string, InputResource>();
  const byTypeId = new Map<string, InputResource>();
  for (const input of inputs) {
    const { resource, fullUrl, where } = input;
    if (fullUrl) {
      if (byFullUrl.has(fullUrl))
        problems.push(issue('duplicate', `${where}`, `The fullUrl ${fullUrl} appears twice.`));
      byFullUrl.set(fullUrl, input);
    }
    if (typeof resource.id === 'string') {
      const key = `${resource.resourceType}/${resource.id}`;
      if (byTypeId.has(key))
        problems.push(issue('duplicate', `${where}.id`, `${key} appears twice.`));
      byTypeId.set(key, input);
    }
  }
  for (const [url, input] of options.aliases ?? [])
    if (!byFullUrl.has(url)) byFullUrl.set(url, input);
  const conditional = (ref: string): InputResource | undefined => {
    const parts = conditionalParts(ref);
    if (!parts) return undefined;
    const { type, system, value } = parts;
    const hits = inputs.filter(
      (i) =>
        i.resource.resourceType === type &&
        identifiers(i.resource).some(
          (id) => id.value === value && (!system || id.system === system),
        ),
    );
    return hits.length === 1 ? hits[0] : undefined;
  };
  // The same reference recurs across a patient's resources (the Patient, its practitioners):
  // each distinct one is resolved once (a conditional one scans every input).
  const resolved = new Map<string, InputResource | undefined>();
  const resolve = (reference: string): InputResource | undefined => {
    if (resolved.has(reference)) return resolved.get(reference);
    const target = resolveOnce(reference);
    resolved.set(reference, target);
    return target;
  };
  const resolveOnce = (reference: string): InputResource | undefined => {
    if (byFullUrl.has(reference)) return byFullUrl.get(reference);
    if (reference.includes('?')) return conditional(reference);
    const m = /(?:^|\/)([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/.exec(
      reference,
    );
    return m ? byTypeId.get(`${m[1]}/${m[2]}`) : undefined;
  };
  const localTarget = (reference: string): InputResource | undefined => {
    if (reference.startsWith('#')) return undefined;
    if (isAbsoluteUrl(reference)) return byFullUrl.get(reference);
    return resolve(reference);
  };
  // Each resource is walked once (the grouping asks again for every resource, twice); places are
  // spelled out only for objects and arrays, not for every value.
  const walked = new Map<InputResource, [string, string][]>();
  const referencesOf = (input: InputResource): [string, string][] => {
    const known = walked.get(input);
    if (known) return known;
    const out: [string, string][] = [];
    const walk = (node: object, path: string) => {
      if (Array.isArray(node)) {
        node.forEach((n, i) => {
          if (n && typeof n === 'object') walk(n, `${path}[${i}]`);
        });
        return;
      }
      for (const [k, v] of Object.entries(node)) {
        if (k === 'reference' && typeof v === 'string') out.push([`${path}.reference`, v]);
        else if (k !== 'contained' && v && typeof v === 'object') walk(v, `${path}.${k}`);
      }
    };
    walk(input.resource, input.where);
    walked.set(input, out);
    return out;
  };
  const inputName = options.inputName ?? 'this file';
  for (const input of inputs) {
    for (const [at, ref] of referencesOf(input)) {
      // Local references into `contained` resources, and references to other servers, are kept as is.
      if (ref.startsWith('#') || (isAbsoluteUrl(ref) && !resolve(ref))) continue;
      if (!resolve(ref))
        problems.push(
          issue('not-found', at, `The reference ${ref} points at nothing in ${inputName}.`),
        );
    }
  }
  return { resolve, localTarget, referencesOf, problems };
}

/**
 * A copy of `node` with every `reference` string that `rewrite` maps replaced; the same object
 * when nothing changes (so unchanged resources stay byte-for-byte, and shared). Walks contained
 * resources too. Input depth is bounded when read (parse.ts), so the recursion is too.
 */
export function rewriteReferences<T>(
  node: T,
  rewrite: (reference: string) => string | undefined,
): T {
  if (!node || typeof node !== 'object') return node;
  if (Array.isArray(node)) {
    let copy: unknown[] | null = null;
    for (let i = 0; i < node.length; i++) {
      const item: unknown = node[i];
      if (!item || typeof item !== 'object') continue;
      const next = rewriteReferences(item, rewrite);
      if (next !== item) (copy ??= [...node])[i] = next;
    }
    return (copy ?? node) as T;
  }
  const record = node as Record<string, unknown>;
  let copy: Record<string, unknown> | null = null;
  for (const k in record) {
    const v = record[k];
    let next: unknown = v;
    if (typeof v === 'string') {
      if (k === 'reference') next = rewrite(v) ?? v;
    } else if (v && typeof v === 'object') next = rewriteReferences(v, rewrite);
    if (next !== v) (copy ??= { ...record })[k] = next;
  }
  return (copy ?? node) as T;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * For resources about to be exported together: maps a `urn:uuid:` or conditional reference to the
 * `Type/id` of the one resource it can still be matched to (see the module comment); undefined
 * (keep it) otherwise.
 */
export function exportReferenceMap(
  resources: readonly FhirResource[],
): (reference: string) => string | undefined {
  const byUuid = new Map<string, string[]>();
  const byIdentifier = new Map<string, string[]>();
  const add = (map: Map<string, string[]>, key: string, value: string) => {
    const list = map.get(key);
    if (!list) map.set(key, [value]);
    else if (!list.includes(value)) list.push(value);
  };
  for (const r of resources) {
    if (typeof r.id !== 'string') continue;
    const key = `${r.resourceType}/${r.id}`;
    if (UUID.test(r.id)) add(byUuid, r.id.toLowerCase(), key);
    for (const { system, value } of identifiers(r)) {
      if (!value) continue;
      add(byIdentifier, `${r.resourceType}|${system}|${value}`, key);
      add(byIdentifier, `${r.resourceType}||${value}`, key);
    }
  }
  const only = (list: string[] | undefined) => (list?.length === 1 ? list[0] : undefined);
  return (reference) => {
    if (reference.startsWith('urn:uuid:'))
      return only(byUuid.get(reference.slice('urn:uuid:'.length).toLowerCase()));
    if (!reference.includes('?')) return undefined;
    const parts = conditionalParts(reference);
    return parts
      ? only(byIdentifier.get(`${parts.type}|${parts.system}|${parts.value}`))
      : undefined;
  };
}

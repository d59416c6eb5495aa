/**
 * References between the input's resources: by `urn:uuid:` (or any) fullUrl, by relative
 * `Type/id` (also `Type/id/_history/n`), by an absolute URL ending in `Type/id`, and conditional
 * `Type?identifier=system|value`. Duplicate ids and references that resolve to nothing are
 * reported with their place.
 */
import { issue, type OutcomeIssue } from './outcome';
import type { FhirResource, InputResource } from './parse';

export interface ResolvedInput {
  resolve(reference: string): InputResource | undefined;
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

export function resolveReferences(inputs: readonly InputResource[]): ResolvedInput {
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
  const conditional = (ref: string): InputResource | undefined => {
    const m = /^([A-Za-z]+)\?identifier=([^|&]*)\|?([^&]*)$/.exec(ref);
    if (!m) return undefined;
    const [, type, a, b] = m;
    const [system, value] = b
      ? [decodeURIComponent(a!), decodeURIComponent(b)]
      : ['', decodeURIComponent(a!)];
    const hits = inputs.filter(
      (i) =>
        i.resource.resourceType === type &&
        identifiers(i.resource).some(
          (id) => id.value === value && (!system || id.system === system),
        ),
    );
    return hits.length === 1 ? hits[0] : undefined;
  };
  const resolve = (reference: string): InputResource | undefined => {
    if (byFullUrl.has(reference)) return byFullUrl.get(reference);
    if (reference.includes('?')) return conditional(reference);
    const m = /(?:^|\/)([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/.exec(
      reference,
    );
    return m ? byTypeId.get(`${m[1]}/${m[2]}`) : undefined;
  };
  const referencesOf = (input: InputResource): [string, string][] => {
    const out: [string, string][] = [];
    const walk = (node: unknown, path: string) => {
      if (Array.isArray(node)) node.forEach((n, i) => walk(n, `${path}[${i}]`));
      else if (node && typeof node === 'object') {
        for (const [k, v] of Object.entries(node)) {
          if (k === 'reference' && typeof v === 'string') out.push([`${path}.reference`, v]);
          else if (k !== 'contained') walk(v, `${path}.${k}`);
        }
      }
    };
    walk(input.resource, input.where);
    return out;
  };
  for (const input of inputs) {
    for (const [at, ref] of referencesOf(input)) {
      // Local references into `contained` resources, and references to other servers, are kept as is.
      if (ref.startsWith('#') || (/^https?:\/\//.test(ref) && !resolve(ref))) continue;
      if (!resolve(ref))
        problems.push(
          issue('not-found', at, `The reference ${ref} points at nothing in this file.`),
        );
    }
  }
  return { resolve, referencesOf, problems };
}

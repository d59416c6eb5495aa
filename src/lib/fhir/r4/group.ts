/**
 * Preparing an import: every resource validated (with progress, cancellable), references
 * resolved, and the resources grouped by patient — the Patient, everything that refers to it
 * (subject, patient, beneficiary, …), and what those refer to in turn (practitioners,
 * organizations, medications, encounters). A patient is importable only when every resource in
 * its group is valid: never half a patient. Resources tied to no patient are reported (with a
 * single patient in the file they are taken as that patient's).
 *
 * Several files read together (parse.ts `readImportFiles`) are one input: references resolve
 * across them. A resource found again in another file (the same Type/id, or the same fullUrl) is
 * read once: silently when both copies are the same, with a warning naming the copy used when
 * they differ (the first, in the order the files were given). Resources of a file without a
 * Patient (Synthea's `hospitalInformation…` / `practitionerInformation…`) go only where a patient
 * refers to them; the rest of such a file is left out with one note per file.
 *
 * Every reference that resolves is rewritten to its target's `Type/id` (references.ts explains
 * why), after ids are given to resources that have none.
 */
import { issue, type OutcomeIssue } from './outcome';
import type { FhirResource, InputResource } from './parse';
import { resolveReferences, rewriteReferences } from './references';
import { checkResource } from './validate';

export interface PatientImport {
  /** The Patient resource (with an id). */
  patient: FhirResource & { id: string };
  /** The Patient and its group, each with an id. */
  resources: (FhirResource & { id: string })[];
  issues: OutcomeIssue[];
  ok: boolean;
}

export interface PreparedImport {
  patients: PatientImport[];
  /** Problems that belong to no patient (and resources that were left out). */
  issues: OutcomeIssue[];
  resourceCount: number;
}

export class ImportCancelled extends Error {
  constructor() {
    super('The import was cancelled; nothing was written.');
    this.name = 'ImportCancelled';
  }
}

/**
 * The id of a resource, or one for a resource that has none (transaction Bundles may rely on
 * fullUrl only): the uuid of a `urn:uuid:` fullUrl, the id at the end of a RESTful fullUrl, else
 * a new random one.
 */
function idFor(input: InputResource): string {
  const r = input.resource;
  if (typeof r.id === 'string' && r.id) return r.id;
  const url = input.fullUrl ?? '';
  const uuid = /^urn:uuid:([0-9a-f-]{36})$/i.exec(url)?.[1];
  const [type, last] = url.split('/').slice(-2);
  const restful =
    type === r.resourceType && /^[A-Za-z0-9\-.]{1,64}$/.test(last ?? '') ? last : null;
  return uuid ?? restful ?? crypto.randomUUID();
}

const sameJson = (a: unknown, b: unknown): boolean => {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || !a || !b) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return (
    ka.length === kb.length &&
    ka.every((k) => sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
  );
};

/**
 * One copy of each resource found in several files: later copies are dropped (their fullUrls
 * become aliases of the copy kept); a differing copy is reported as a warning.
 */
function acrossFiles(inputs: readonly InputResource[]): {
  kept: InputResource[];
  aliases: Map<string, InputResource>;
  issues: OutcomeIssue[];
} {
  const seen = new Map<string, InputResource>();
  const kept: InputResource[] = [];
  const aliases = new Map<string, InputResource>();
  const issues: OutcomeIssue[] = [];
  for (const input of inputs) {
    const r = input.resource;
    const keys = [
      ...(typeof r.id === 'string' ? [`${r.resourceType}/${r.id}`] : []),
      ...(input.fullUrl ? [input.fullUrl] : []),
    ];
    const twin = keys.map((k) => seen.get(k)).find(Boolean);
    if (twin && twin.file !== input.file && twin.resource.resourceType === r.resourceType) {
      if (input.fullUrl) aliases.set(input.fullUrl, twin);
      if (!sameJson(twin.resource, r))
        issues.push(
          issue(
            'duplicate',
            input.where,
            `This ${r.resourceType} is also in ${twin.file} with different content; the copy in ${twin.file} is used.`,
            'warning',
          ),
        );
      continue;
    }
    for (const k of keys) if (!seen.has(k)) seen.set(k, input);
    kept.push(input);
  }
  return { kept, aliases, issues };
}

export async function prepareImport(
  all: readonly InputResource[],
  options: { onProgress?: (done: number, total: number) => void; signal?: AbortSignal } = {},
): Promise<PreparedImport> {
  const files = new Set(all.map((i) => i.file));
  const several = files.size > 1;
  const {
    kept: inputs,
    aliases,
    issues: duplicates,
  } = several
    ? acrossFiles(all)
    : { kept: all, aliases: new Map<string, InputResource>(), issues: [] };
  const total = inputs.length;
  const perResource = new Map<InputResource, OutcomeIssue[]>();
  for (let i = 0; i < total; i++) {
    if (options.signal?.aborted) throw new ImportCancelled();
    const problems = await checkResource(inputs[i]!);
    if (problems.length) perResource.set(inputs[i]!, problems);
    if (i % 200 === 199) {
      options.onProgress?.(i + 1, total);
      // Let the page breathe (progress bar, cancel button).
      await new Promise((r) => setTimeout(r, 0));
    }
  }
  options.onProgress?.(total, total);
  const refs = resolveReferences(inputs, {
    aliases,
    ...(several ? { inputName: 'the files read' } : {}),
  });
  const byPlace = (where: string) =>
    inputs.find((i) => where === i.where || where.startsWith(`${i.where}.`));
  for (const p of refs.problems) {
    const owner = byPlace(p.expression[0]!);
    if (owner) perResource.set(owner, [...(perResource.get(owner) ?? []), p]);
  }

  const patients = inputs.filter((i) => i.resource.resourceType === 'Patient');
  const groups = new Map<InputResource, Set<InputResource>>(patients.map((p) => [p, new Set([p])]));
  // Compartment: resources with a reference that resolves to the patient.
  for (const input of inputs) {
    if (input.resource.resourceType === 'Patient') continue;
    for (const [, ref] of refs.referencesOf(input)) {
      const target = refs.resolve(ref);
      if (target && groups.has(target)) groups.get(target)!.add(input);
    }
  }
  // What the compartment refers to (practitioners, organizations, medications…), transitively.
  for (const group of groups.values()) {
    const queue = [...group];
    while (queue.length) {
      const next = queue.pop()!;
      for (const [, ref] of refs.referencesOf(next)) {
        const target = refs.resolve(ref);
        if (target && target.resource.resourceType !== 'Patient' && !group.has(target)) {
          group.add(target);
          queue.push(target);
        }
      }
    }
  }
  const attached = new Set([...groups.values()].flatMap((g) => [...g]));
  const withPatient = new Set(patients.map((p) => p.file));
  const looseAll = inputs.filter((i) => !attached.has(i));
  // Files without a Patient are directories (practitioners, organizations): what no patient
  // refers to is simply not imported, noted once per file.
  const loose = looseAll.filter((i) => withPatient.has(i.file));
  const issues: OutcomeIssue[] = [...duplicates];
  for (const file of files) {
    if (withPatient.has(file)) continue;
    const unused = looseAll.filter((i) => i.file === file).length;
    if (unused && patients.length > 0)
      issues.push(
        issue(
          'not-found',
          file ?? 'Bundle',
          `${unused} of its resources are referred to by no patient read and are left out.`,
          'warning',
        ),
      );
  }
  if (patients.length === 1) for (const i of loose) groups.get(patients[0]!)!.add(i);
  else if (patients.length === 0)
    issues.push(
      issue(
        'not-found',
        'Bundle',
        several ? 'There is no Patient in these files.' : 'There is no Patient in this file.',
      ),
    );
  else
    for (const i of loose) {
      issues.push(
        issue(
          'not-found',
          i.where,
          `This ${i.resource.resourceType} belongs to no patient in the file and is left out.`,
          'warning',
        ),
        ...(perResource.get(i) ?? []),
      );
    }

  // Ids first (a resource without one gets one), then every resolvable reference → Type/id.
  const ids = new Map<InputResource, string>();
  const idOf = (i: InputResource) => {
    let id = ids.get(i);
    if (id === undefined) ids.set(i, (id = idFor(i)));
    return id;
  };
  const rewritten = new Map<InputResource, FhirResource & { id: string }>();
  const output = (i: InputResource): FhirResource & { id: string } => {
    let r = rewritten.get(i);
    if (!r) {
      const id = idOf(i);
      const base = i.resource.id === id ? i.resource : { ...i.resource, id };
      r = rewriteReferences(base, (ref) => {
        const target = refs.localTarget(ref);
        return target ? `${target.resource.resourceType}/${idOf(target)}` : undefined;
      }) as FhirResource & { id: string };
      rewritten.set(i, r);
    }
    return r;
  };

  return {
    patients: patients.map((p) => {
      const members = [...groups.get(p)!];
      const problems = members.flatMap((m) => perResource.get(m) ?? []);
      return {
        patient: output(p),
        resources: members.map(output),
        issues: problems,
        ok: !problems.some((x) => x.severity === 'error'),
      };
    }),
    issues,
    resourceCount: total,
  };
}

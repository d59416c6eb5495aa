/**
 * Preparing an import: every resource validated (with progress, cancellable), references
 * resolved, and the resources grouped by patient — the Patient, everything that refers to it
 * (subject, patient, beneficiary, …), and what those refer to in turn (practitioners,
 * organizations, medications, encounters). A patient is importable only when every resource in
 * its group is valid: never half a patient. Resources tied to no patient are reported (with a
 * single patient in the file they are taken as that patient's).
 */
import { issue, type OutcomeIssue } from './outcome';
import type { FhirResource, InputResource } from './parse';
import { resolveReferences } from './references';
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

/** A stable id for resources that have none (transaction Bundles may rely on fullUrl only). */
function withId(input: InputResource): FhirResource & { id: string } {
  const r = input.resource;
  if (typeof r.id === 'string' && r.id) return r as FhirResource & { id: string };
  const uuid = /^urn:uuid:([0-9a-f-]{36})$/i.exec(input.fullUrl ?? '')?.[1];
  return { ...r, id: uuid ?? crypto.randomUUID() };
}

export async function prepareImport(
  inputs: readonly InputResource[],
  options: { onProgress?: (done: number, total: number) => void; signal?: AbortSignal } = {},
): Promise<PreparedImport> {
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
  const refs = resolveReferences(inputs);
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
  const loose = inputs.filter((i) => !attached.has(i));
  const issues: OutcomeIssue[] = [];
  if (patients.length === 1) for (const i of loose) groups.get(patients[0]!)!.add(i);
  else if (patients.length === 0)
    issues.push(issue('not-found', 'Bundle', 'There is no Patient in this file.'));
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

  return {
    patients: patients.map((p) => {
      const members = [...groups.get(p)!];
      const problems = members.flatMap((m) => perResource.get(m) ?? []);
      return {
        patient: withId(p),
        resources: members.map(withId),
        issues: problems,
        ok: !problems.some((x) => x.severity === 'error'),
      };
    }),
    issues,
    resourceCount: total,
  };
}

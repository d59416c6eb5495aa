/**
 * The code picker's rules, apart from Svelte (lib/state/code-search.svelte.ts adapts them): what a
 * picked concept fills into an add-entry form, what the code typed into a form means (coded,
 * uncoded, not a code of the system, not in the shipped list), and the listbox's keyboard moves.
 */
import { SYSTEMS, type Medication, type RxNormTty } from '../types';
import { ValidationError, type Issue } from '../validate';
import {
  codeFormatProblem,
  codingIssue,
  EDITION,
  normalizeCode,
  SYSTEM_LABEL,
  systemOfUri,
  type PickerSystem,
} from './codes';
import type { Concept } from './terminology';

/** A form field that searches a terminology (sections/section.ts FormField `code`). */
export interface CodeFieldSpec {
  system: PickerSystem;
  /** The form value that holds the code: a field of the same form the user may also type into. */
  codeKey: string;
  /** The form value that gets the picked concept's name (the entry's text). */
  textKey?: string;
  /** Form values (not shown) filled from the picked concept. */
  fill?: { unit?: string; tty?: string; ingredients?: string };
}

/** The form values a picked concept sets (its code, name, unit, RxNorm details). */
export function valuesFor(concept: Concept, spec: CodeFieldSpec): Record<string, string> {
  const out: Record<string, string> = { [spec.codeKey]: concept.code };
  if (spec.textKey) out[spec.textKey] = concept.display;
  const fill = spec.fill ?? {};
  if (fill.unit && concept.unit) out[fill.unit] = concept.unit;
  if (fill.tty) out[fill.tty] = concept.tty ?? '';
  if (fill.ingredients) out[fill.ingredients] = encodeIngredients(concept.ingredients ?? []);
  return out;
}

/** The hidden values that belong to a concept, cleared when the code no longer names one. */
export function clearedValues(spec: CodeFieldSpec): Record<string, string> {
  const out: Record<string, string> = {};
  if (spec.fill?.tty) out[spec.fill.tty] = '';
  if (spec.fill?.ingredients) out[spec.fill.ingredients] = '';
  return out;
}

export function encodeIngredients(list: readonly { rxcui: string; name: string }[]): string {
  return list.length ? JSON.stringify(list.map(({ rxcui, name }) => ({ rxcui, name }))) : '';
}

/**
 * Ingredients from a form value (encodeIngredients). @returns undefined when empty, null when the
 * value is not a list of {rxcui, name} with RxNorm codes
 */
export function decodeIngredients(
  value: string | undefined,
): { rxcui: string; name: string }[] | undefined | null {
  if (!value) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return null;
  }
  if (!Array.isArray(parsed) || parsed.length === 0 || parsed.length > 20) return null;
  const out: { rxcui: string; name: string }[] = [];
  for (const item of parsed as unknown[]) {
    const { rxcui, name } = (item ?? {}) as Record<string, unknown>;
    if (typeof rxcui !== 'string' || typeof name !== 'string' || name.trim() === '') return null;
    if (codeFormatProblem('rxnorm', rxcui)) return null;
    out.push({ rxcui, name: name.trim() });
  }
  return out;
}

export const RXNORM_TTYS: readonly RxNormTty[] = ['IN', 'SCD', 'SBD', 'GPCK', 'BPCK'];

type RxNormFields = Pick<Medication, 'code' | 'rxnormTty' | 'ingredients'>;

/**
 * A medication's RxNorm code, term type and ingredients from the add-entry form (the values the
 * picker filled: `code`, `rxnormTty`, `ingredients`). @throws ValidationError when the hidden
 * ingredient list is damaged
 */
export function rxnormFromForm(v: Record<string, string>): RxNormFields {
  const code = (v.code ?? '').trim();
  if (!code) return {};
  const ingredients = decodeIngredients(v.ingredients);
  if (ingredients === null)
    throw new ValidationError([
      { field: 'code', message: 'The ingredients of the picked drug are damaged: pick it again.' },
    ]);
  const tty = (v.rxnormTty ?? '') as RxNormTty;
  return {
    code: { system: SYSTEMS.rxnorm, code, display: (v.drug ?? '').trim() },
    ...(RXNORM_TTYS.includes(tty) ? { rxnormTty: tty } : {}),
    ...(ingredients ? { ingredients } : {}),
  };
}

/** Problems with a medication's RxNorm code, term type and ingredients. */
export function rxnormIssues(input: Partial<RxNormFields>): Issue[] {
  const issues: Issue[] = [];
  const code = codingIssue('code', input.code, ['rxnorm'], 'Medication');
  if (code) issues.push(code);
  if (input.rxnormTty !== undefined && !RXNORM_TTYS.includes(input.rxnormTty))
    issues.push({ field: 'code', message: `Unknown RxNorm term type ${input.rxnormTty}.` });
  if ((input.rxnormTty !== undefined || input.ingredients !== undefined) && !input.code)
    issues.push({
      field: 'code',
      message: 'RxNorm ingredients need the RxNorm code they belong to.',
    });
  if (
    input.ingredients !== undefined &&
    (!Array.isArray(input.ingredients) ||
      decodeIngredients(encodeIngredients(input.ingredients)) === null)
  )
    issues.push({ field: 'code', message: 'RxNorm ingredients are RxCUIs with names.' });
  return issues;
}

export const TTY_LABEL: Record<RxNormTty, string> = {
  IN: 'ingredient',
  SCD: 'clinical drug',
  SBD: 'branded drug',
  GPCK: 'pack',
  BPCK: 'branded pack',
};

/** How an option reads: "E11.9 — Type 2 diabetes mellitus without complications". */
export function optionLabel(concept: Concept): string {
  return `${concept.code} — ${concept.display}`;
}

/** The small print of an option: category header, RxNorm term type, LOINC unit. */
export function optionNote(concept: Concept): string {
  const notes: string[] = [];
  if (concept.billable === false) notes.push('category, not billable');
  if (concept.tty) notes.push(TTY_LABEL[concept.tty]);
  if (concept.unit) notes.push(concept.unit);
  if (concept.detail && concept.system === 'loinc') notes.push(concept.detail);
  return notes.join(' · ');
}

/** The next active option after an arrow key (wraps; -1 when there are none). */
export function moveActive(active: number, delta: 1 | -1, count: number): number {
  if (count === 0) return -1;
  if (active < 0) return delta > 0 ? 0 : count - 1;
  return (active + delta + count) % count;
}

/** What the code in a form field is. */
export type CodeStatus =
  | { kind: 'uncoded' }
  | { kind: 'checking'; code: string }
  | { kind: 'coded'; concept: Concept }
  | { kind: 'invalid'; code: string; message: string }
  | { kind: 'unknown'; code: string; message: string }
  | { kind: 'unchecked'; code: string; message: string };

/** The status of a code before the worker answered: uncoded, invalid, or to be looked up. */
export function localStatus(system: PickerSystem, value: string): CodeStatus {
  const code = normalizeCode(system, value);
  if (code === '') return { kind: 'uncoded' };
  const problem = codeFormatProblem(system, code);
  return problem ? { kind: 'invalid', code, message: problem } : { kind: 'checking', code };
}

/** The status once the worker answered a lookup (null: not in the list; 'unavailable'). */
export function lookedUpStatus(
  system: PickerSystem,
  code: string,
  found: Concept | null | 'unavailable',
): CodeStatus {
  if (found === 'unavailable')
    return {
      kind: 'unchecked',
      code,
      message: `The ${SYSTEM_LABEL[system]} list could not be loaded, so ${code} was not checked against it.`,
    };
  if (found) return { kind: 'coded', concept: found };
  return {
    kind: 'unknown',
    code,
    message: `${code} is not in ${EDITION[system]}. Pick a code from “Search codes”, or clear the code to save the entry uncoded.`,
  };
}

/** One line telling the user what will be saved. */
export function statusLine(system: PickerSystem, status: CodeStatus, freeText: boolean): string {
  const label = SYSTEM_LABEL[system];
  switch (status.kind) {
    case 'uncoded':
      return freeText
        ? `Uncoded: no ${label} code, the entry is saved as free text.`
        : `No ${label} code chosen yet.`;
    case 'checking':
      return `Checking ${status.code}…`;
    case 'coded':
      return `Coded: ${label} ${optionLabel(status.concept)}`;
    default:
      return status.message;
  }
}

/** How a stored code reads in the chart's lists, and what is wrong with it (imports keep any code). */
export function codeTag(
  coding: { system: string; code: string },
  known: boolean | undefined,
): { label: string; warning?: string } {
  const system = systemOfUri(coding.system);
  if (!system) return { label: coding.code };
  const label = `${SYSTEM_LABEL[system]} ${coding.code}`;
  if (codeFormatProblem(system, coding.code))
    return { label, warning: `not a valid ${SYSTEM_LABEL[system]} code` };
  if (known === false && system !== 'snomed')
    return { label, warning: `not in ${EDITION[system]}` };
  return { label };
}

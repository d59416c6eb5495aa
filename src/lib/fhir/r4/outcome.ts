/**
 * Import problems in the shape of a FHIR OperationOutcome: every problem found is collected with
 * where it is (a FHIRPath-like expression such as `Bundle.entry[3].resource.birthDate`) and shown
 * together, never as a thrown stack.
 */
export type IssueCode =
  'invalid' | 'structure' | 'value' | 'not-supported' | 'duplicate' | 'not-found' | 'too-costly';

export interface OutcomeIssue {
  severity: 'error' | 'warning';
  code: IssueCode;
  diagnostics: string;
  expression: string[];
}

export interface OperationOutcome {
  resourceType: 'OperationOutcome';
  issue: OutcomeIssue[];
}

export const issue = (
  code: IssueCode,
  where: string,
  diagnostics: string,
  severity: 'error' | 'warning' = 'error',
): OutcomeIssue => ({ severity, code, diagnostics, expression: [where] });

export function outcome(issues: OutcomeIssue[]): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: issues };
}

/** Thrown only for input that cannot be read at all (not JSON, too large); carries the outcome. */
export class ImportError extends Error {
  constructor(readonly outcome: OperationOutcome) {
    super(outcome.issue.map((i) => `${i.expression[0]}: ${i.diagnostics}`).join('; '));
    this.name = 'ImportError';
  }
}

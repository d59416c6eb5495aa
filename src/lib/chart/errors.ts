/** Errors of chart commands that are not validation problems (those are ValidationError). */
export class ChartError extends Error {
  constructor(
    readonly code:
      | 'no-entry'
      | 'note-signed'
      | 'note-empty'
      | 'not-active'
      | 'entered-in-error'
      | 'has-active-allergies'
      | 'no-consent'
      | 'safety-override-needed'
      | 'not-draft'
      | 'not-cancellable'
      | 'visit-signed',
    message: string,
  ) {
    super(message);
    this.name = 'ChartError';
  }
}

/**
 * The base of Folio's typed errors: `code` is a short kebab-case reason, safe to log, to send
 * across the vault Worker boundary and to turn into a sentence for the user
 * (lib/state/user-messages.ts); `message` is for people or logs and is never parsed for the code.
 *
 * It sits directly under src/lib, in no layer, so that every layer may import it (the layer rule,
 * eslint/layers.js, checks only files inside src/lib/<layer>, routes, lib/ui and lib/pwa). It
 * imports nothing.
 */
export class CodedError<Code extends string = string> extends Error {
  constructor(
    readonly code: Code,
    message?: string,
  ) {
    super(message ?? code);
    this.name = 'CodedError';
  }
}

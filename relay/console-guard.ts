/**
 * Keeps library console output out of the relay's output (issue 11 item 7): Hocuspocus 3.4 calls
 * console.error with socket ids, room ids and whole exceptions (stack traces) when a client sends
 * something odd. While a relay runs, console.error and console.warn are replaced by one structured
 * line per call — `library.console` with the kind of what was logged (an error's name, or
 * "message"), never its text — through the relay's (rate-limited) logger.
 */
import type { Logger } from './log.ts';

const sinks = new Set<Logger>();
let original: { error: typeof console.error; warn: typeof console.warn } | null = null;

function kindOf(args: unknown[]): string {
  const error = args.find((a) => a instanceof Error) as Error | undefined;
  if (error) return error.name;
  return typeof args[0] === 'string' ? 'message' : typeof args[0];
}

/** Routes console.error/warn to `log` until the returned function is called. */
export function guardConsole(log: Logger): () => void {
  if (!original) {
    original = { error: console.error, warn: console.warn };
    console.error = (...args: unknown[]) => {
      for (const sink of sinks) sink('error', 'library.console', { kind: kindOf(args) });
    };
    console.warn = (...args: unknown[]) => {
      for (const sink of sinks) sink('warn', 'library.console', { kind: kindOf(args) });
    };
  }
  sinks.add(log);
  return () => {
    sinks.delete(log);
    if (sinks.size === 0 && original) {
      console.error = original.error;
      console.warn = original.warn;
      original = null;
    }
  };
}

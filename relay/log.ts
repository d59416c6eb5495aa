/**
 * Structured logging for the relay: one JSON object per line. Callers pass an event name and
 * small scalar fields (counts, reason codes, sizes). Message bodies, topics, room ids and keys are
 * never logged; `safeFields` drops anything that is not a number, boolean or short code.
 */

export type LogLevel = 'info' | 'warn' | 'error';
export type LogFields = Record<string, string | number | boolean | undefined>;
export type Logger = (level: LogLevel, event: string, fields?: LogFields) => void;

const CODE = /^[a-z0-9][a-z0-9.:/_-]{0,63}$/i;

/** Keeps numbers, booleans and short code-like strings; replaces anything else with its length. */
export function safeFields(fields: LogFields): LogFields {
  const out: LogFields = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    if (typeof value === 'string' && !CODE.test(value)) out[key] = `<${value.length} chars>`;
    else out[key] = value;
  }
  return out;
}

/** A logger that writes JSON lines to the given sink (stdout by default). */
export function createLogger(options: { sink?: (line: string) => void } = {}): Logger {
  const sink = options.sink ?? ((line: string) => process.stdout.write(line + '\n'));
  return (level, event, fields = {}) => {
    sink(JSON.stringify({ t: new Date().toISOString(), level, event, ...safeFields(fields) }));
  };
}

/** A logger that discards everything (for tests that do not inspect logs). */
export const silentLogger: Logger = () => {};

/**
 * Wraps a logger so that each warning or error event is written at most `perMinute` times a
 * minute; the next line after a window says how many were dropped (`log.suppressed`). Info lines
 * (start, stop) pass. A flood of bad input therefore cannot flood the log.
 */
export function rateLimited(
  log: Logger,
  options: { perMinute?: number; now?: () => number } = {},
): Logger {
  const perMinute = options.perMinute ?? 30;
  const now = options.now ?? Date.now;
  const windows = new Map<string, { start: number; count: number; dropped: number }>();
  return (level, event, fields) => {
    if (level === 'info') return log(level, event, fields);
    const key = `${level} ${event}`;
    const t = now();
    let w = windows.get(key);
    if (!w || t - w.start >= 60_000) {
      if (w && w.dropped > 0) log('warn', 'log.suppressed', { event, dropped: w.dropped });
      if (windows.size > 1000) windows.clear();
      w = { start: t, count: 0, dropped: 0 };
      windows.set(key, w);
    }
    if (w.count >= perMinute) {
      w.dropped++;
      return;
    }
    w.count++;
    log(level, event, fields);
  };
}

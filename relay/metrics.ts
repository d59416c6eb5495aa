/**
 * The relay's metrics in Prometheus text format (issue 14 item 5): connections, rooms, bytes
 * stored, practices, and every refusal and rate-limit hit by kind — counts only, never room ids,
 * practice ids, addresses or names.
 *
 * Refusals are counted from the log: every `warn` event the relay writes is one refusal or
 * rate-limit hit, named by its event and reason code (the same short codes the log keeps). The
 * counting logger sits outside the log's rate limit, so a flood is counted in full even when its
 * lines are suppressed.
 *
 * Who may read them: with FOLIO_METRICS_TOKEN set, a request bearing it
 * (`Authorization: Bearer <token>`); without, only requests from the relay's own machine
 * (loopback), so a relay on the internet does not publish its load to everyone.
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from './log.ts';
import { clientOf } from './per-client.ts';

const CODE = /^[a-z0-9][a-z0-9._/-]{0,63}$/i;
const MAX_SERIES = 500;

export class Metrics {
  readonly #counters = new Map<string, number>();
  readonly #gauges: { name: string; help: string; read: () => number }[] = [];

  /** Adds a gauge read at every scrape. */
  gauge(name: string, help: string, read: () => number): void {
    this.#gauges.push({ name, help, read });
  }

  /** Counts one warning event (a refusal or rate-limit hit) by event and reason. */
  countWarning(event: string, reason: unknown): void {
    const e = CODE.test(event) ? event : 'other';
    const r = typeof reason === 'string' && CODE.test(reason) ? reason : 'none';
    const key = `event="${e}",reason="${r}"`;
    if (!this.#counters.has(key) && this.#counters.size >= MAX_SERIES) return;
    this.#counters.set(key, (this.#counters.get(key) ?? 0) + 1);
  }

  /** Wraps a logger so every warning it is given is counted first. */
  counting(log: Logger): Logger {
    return (level, event, fields) => {
      if (level === 'warn') this.countWarning(event, fields?.reason);
      log(level, event, fields);
    };
  }

  render(): string {
    const lines: string[] = [];
    for (const g of this.#gauges) {
      let value = NaN;
      try {
        value = g.read();
      } catch {
        value = NaN;
      }
      lines.push(`# HELP ${g.name} ${g.help}`, `# TYPE ${g.name} gauge`, `${g.name} ${value}`);
    }
    lines.push(
      '# HELP folio_relay_refusals_total Refusals and rate-limit hits, by log event and reason.',
      '# TYPE folio_relay_refusals_total counter',
    );
    for (const [labels, n] of [...this.#counters].sort(([a], [b]) => a.localeCompare(b))) {
      lines.push(`folio_relay_refusals_total{${labels}} ${n}`);
    }
    return lines.join('\n') + '\n';
  }
}

const sha256 = (text: string) => createHash('sha256').update(text).digest();

/** True when the request may read the metrics (see the module comment). */
export function mayReadMetrics(req: IncomingMessage, token: string | undefined): boolean {
  if (token) {
    const header = req.headers.authorization ?? '';
    const given = header.startsWith('Bearer ') ? header.slice(7) : '';
    return timingSafeEqual(sha256(given), sha256(token));
  }
  const client = clientOf(req);
  return client === '127.0.0.1' || client === '::1';
}

/** Answers GET /metrics. */
export function serveMetrics(
  req: IncomingMessage,
  res: ServerResponse,
  metrics: Metrics,
  token: string | undefined,
): void {
  res.setHeader('Cache-Control', 'no-store');
  if (req.method !== 'GET') {
    res.statusCode = 405;
    res.setHeader('Allow', 'GET');
    res.end();
    return;
  }
  if (!mayReadMetrics(req, token)) {
    res.statusCode = 403;
    res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    res.end('Metrics are readable from this machine, or with FOLIO_METRICS_TOKEN');
    return;
  }
  res.setHeader('Content-Type', 'text/plain; version=0.0.4; charset=utf-8');
  res.end(metrics.render());
}

/**
 * Relay configuration from the environment: PORT (default 5173), HOST (default 127.0.0.1),
 * FOLIO_DATA_DIR (default ./data) and FOLIO_BUILD_DIR (default ./build). Invalid values are
 * reported with the variable's name instead of being silently replaced.
 *
 * FOLIO_PUBLIC_URL: the origin devices and share-link viewers reach this relay at (e.g.
 * https://folio.example.org behind a TLS proxy; default: the bound address). Links the relay hands
 * out are built from it, never from a request's Host header.
 *
 * Code origin apart from the relay (ADR 0010): FOLIO_CONNECT_SRC — relay origins the app served
 * here may talk to (put in connect-src); FOLIO_APP_ORIGINS — app origins allowed to use this
 * relay's endpoints cross-origin (WebSocket upgrades and CORS). Both are lists of http(s) origins
 * separated by spaces or commas; both default to none (app and relay on one origin).
 *
 * Practices (relay/practices.ts): FOLIO_PRACTICES — practice relay ids (64 hex characters each, as
 * Settings shows them) this relay admits; default: any practice, registered on first use at a
 * limited rate per address. FOLIO_PRACTICE_QUOTA_GB — storage one practice's rooms may use
 * (default 64).
 *
 * FOLIO_REDIS_URL: redis://host:port shared by several relay processes on this host that use
 * the same FOLIO_DATA_DIR (relay/scale-out.ts); default none (one process).
 *
 * FOLIO_METRICS_TOKEN: a bearer token that lets Prometheus read /metrics from another machine;
 * without it, /metrics answers only requests from this machine.
 *
 * FOLIO_TRUSTED_PROXIES: IP addresses of reverse proxies in front of the relay (e.g. 127.0.0.1
 * for nginx or Caddy on this host); their X-Forwarded-For names the client (relay/per-client.ts).
 * Default none: the connection's own address is the client.
 */
import { isIP } from 'node:net';
import { resolve } from 'node:path';

export interface RelayConfig {
  port: number;
  host: string;
  dataDir: string;
  buildDir: string;
  /** Relay origins the served app may connect to besides its own (FOLIO_CONNECT_SRC). */
  connectSrc?: string[];
  /** App origins allowed to use this relay cross-origin (FOLIO_APP_ORIGINS). */
  appOrigins?: string[];
  /** Public origin of this relay (FOLIO_PUBLIC_URL); undefined: the bound address. */
  publicUrl?: string;
  /** FOLIO_METRICS_TOKEN, when set. */
  metricsToken?: string;
  /** FOLIO_REDIS_URL, when set. */
  redisUrl?: string;
  /** FOLIO_TRUSTED_PROXIES, when set. */
  trustedProxies?: string[];
  /** FOLIO_PRACTICES and FOLIO_PRACTICE_QUOTA_GB, when set. */
  practiceLimits?: { allow?: string[]; quotaBytes?: number };
}

export class ConfigError extends Error {
  constructor(
    readonly code:
      | 'bad-port'
      | 'bad-host'
      | 'bad-origin'
      | 'bad-public-url'
      | 'bad-practices'
      | 'bad-metrics-token'
      | 'bad-tls'
      | 'bad-redis-url'
      | 'bad-trusted-proxies',
    message: string,
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * A list of http(s) origins (spaces or commas between them); each must be exactly an origin.
 * @throws ConfigError('bad-origin') naming the variable
 */
export function readOrigins(name: string, raw: string | undefined): string[] {
  const origins: string[] = [];
  for (const item of (raw ?? '').split(/[\s,]+/).filter(Boolean)) {
    const url = parseUrl(item);
    const origin = url?.origin;
    if (
      !url ||
      (url.protocol !== 'http:' && url.protocol !== 'https:') ||
      (item !== origin && item !== `${origin}/`)
    ) {
      throw new ConfigError(
        'bad-origin',
        `${name} must list origins such as https://relay.example:8443, not "${item}"`,
      );
    }
    origins.push(origin!);
  }
  return [...new Set(origins)];
}

/** `raw` as a URL, or null when it is not one. */
function parseUrl(raw: string): URL | null {
  try {
    return new URL(raw);
  } catch {
    return null;
  }
}

const optional = (list: string[]) => (list.length > 0 ? list : undefined);

/** Reads the relay's configuration; throws ConfigError('bad-port' | 'bad-host' | 'bad-origin'). */
export function readConfig(env: NodeJS.ProcessEnv, cwd: string): RelayConfig {
  const rawPort = env.PORT ?? '5173';
  const port = Number(rawPort);
  if (!/^\d+$/.test(rawPort) || port > 65535) {
    throw new ConfigError(
      'bad-port',
      `PORT must be a whole number from 0 to 65535, not "${rawPort}"`,
    );
  }
  const host = env.HOST ?? '127.0.0.1';
  if (host.trim() === '' || /\s/.test(host)) {
    throw new ConfigError('bad-host', `HOST must be an interface address such as 127.0.0.1`);
  }
  return {
    port,
    host,
    dataDir: resolve(cwd, env.FOLIO_DATA_DIR ?? './data'),
    buildDir: resolve(cwd, env.FOLIO_BUILD_DIR ?? './build'),
    connectSrc: optional(readOrigins('FOLIO_CONNECT_SRC', env.FOLIO_CONNECT_SRC)),
    appOrigins: optional(readOrigins('FOLIO_APP_ORIGINS', env.FOLIO_APP_ORIGINS)),
    publicUrl: publicOrigin(env.FOLIO_PUBLIC_URL),
    practiceLimits: practiceSettings(env),
    metricsToken: metricsToken(env.FOLIO_METRICS_TOKEN),
    redisUrl: redisUrl(env.FOLIO_REDIS_URL),
    trustedProxies: trustedProxies(env.FOLIO_TRUSTED_PROXIES),
  };
}

/** FOLIO_TRUSTED_PROXIES: IP addresses (not ranges); throws ConfigError('bad-trusted-proxies'). */
function trustedProxies(raw: string | undefined): string[] | undefined {
  if (raw === undefined) return undefined;
  const list = raw.split(/[\s,]+/).filter(Boolean);
  const bad = list.find((a) => isIP(a) === 0);
  if (bad !== undefined || list.length === 0) {
    throw new ConfigError(
      'bad-trusted-proxies',
      `FOLIO_TRUSTED_PROXIES must list the reverse proxies' IP addresses (e.g. 127.0.0.1), not "${bad ?? raw}"`,
    );
  }
  return list;
}

/** FOLIO_REDIS_URL: a redis:// URL; throws ConfigError('bad-redis-url'). */
export function redisUrl(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const url = parseUrl(raw);
  if (!url || url.protocol !== 'redis:' || !url.hostname) {
    throw new ConfigError(
      'bad-redis-url',
      `FOLIO_REDIS_URL must be a redis:// URL such as redis://127.0.0.1:6379, not "${raw}"`,
    );
  }
  return raw;
}

/** FOLIO_METRICS_TOKEN: at least 32 characters; throws ConfigError('bad-metrics-token'). */
export function metricsToken(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  if (raw.length < 32 || /\s/.test(raw)) {
    throw new ConfigError(
      'bad-metrics-token',
      'FOLIO_METRICS_TOKEN must be at least 32 characters without spaces (e.g. openssl rand -hex 32)',
    );
  }
  return raw;
}

/** FOLIO_PRACTICES and FOLIO_PRACTICE_QUOTA_GB; throws ConfigError('bad-practices'). */
export function practiceSettings(
  env: NodeJS.ProcessEnv,
): { allow?: string[]; quotaBytes?: number } | undefined {
  const out: { allow?: string[]; quotaBytes?: number } = {};
  if (env.FOLIO_PRACTICES !== undefined) {
    const ids = env.FOLIO_PRACTICES.split(/[\s,]+/).filter(Boolean);
    const bad = ids.find((id) => !/^[0-9a-f]{64}$/.test(id));
    if (bad !== undefined || ids.length === 0) {
      throw new ConfigError(
        'bad-practices',
        `FOLIO_PRACTICES must list practice relay ids (64 hex characters each, from Settings), not "${bad ?? ''}"`,
      );
    }
    out.allow = [...new Set(ids)];
  }
  const quota = env.FOLIO_PRACTICE_QUOTA_GB;
  if (quota !== undefined) {
    const gb = Number(quota);
    if (!/^\d+(\.\d+)?$/.test(quota) || !(gb > 0)) {
      throw new ConfigError(
        'bad-practices',
        `FOLIO_PRACTICE_QUOTA_GB must be a positive number of gigabytes, not "${quota}"`,
      );
    }
    out.quotaBytes = Math.floor(gb * 1024 ** 3);
  }
  return out.allow || out.quotaBytes ? out : undefined;
}

/** FOLIO_PUBLIC_URL as an origin (no path, query or credentials); throws ConfigError. */
export function publicOrigin(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const url = parseUrl(raw);
  if (
    !url ||
    (url.protocol !== 'https:' && url.protocol !== 'http:') ||
    url.username ||
    url.password ||
    url.pathname !== '/' ||
    url.search ||
    url.hash
  ) {
    throw new ConfigError(
      'bad-public-url',
      'FOLIO_PUBLIC_URL must be an http(s) origin such as https://folio.example.org',
    );
  }
  return url.origin;
}

/**
 * Relay configuration from the environment: PORT (default 5173), HOST (default 127.0.0.1),
 * FOLIO_DATA_DIR (default ./data) and FOLIO_BUILD_DIR (default ./build). Invalid values are
 * reported with the variable's name instead of being silently replaced.
 */
import { resolve } from 'node:path';

export interface RelayConfig {
  port: number;
  host: string;
  dataDir: string;
  buildDir: string;
}

export class ConfigError extends Error {
  constructor(
    readonly code: 'bad-port' | 'bad-host',
    message: string,
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Reads the relay's configuration; throws ConfigError('bad-port' | 'bad-host'). */
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
  };
}

/** Entry point for `npm start`: reads the environment, starts the relay, stops on SIGTERM/SIGINT. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, readConfig } from './config.ts';
import { createLogger, rateLimited } from './log.ts';
import { startRelay } from './server.ts';
import { readTls } from './tls.ts';

// Warnings and errors are rate-limited per event (a flood of bad input cannot flood the log).
const log = rateLimited(createLogger());

async function main(): Promise<void> {
  const config = readConfig(process.env, process.cwd());
  if (!existsSync(join(config.buildDir, 'index.html'))) {
    console.error(`Folio relay: no built app in ${config.buildDir}. Run "npm run build" first.`);
    process.exit(1);
  }
  const tls = readTls(process.env, config.publicUrl);
  const relay = await startRelay({ ...config, tls, log });
  console.log(`Folio is running at ${relay.url}/ (data in ${config.dataDir})`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log('info', 'relay.signal', { signal });
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    relay.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) console.error(`Folio relay: ${error.message}`);
  else console.error(`Folio relay failed to start: ${(error as Error).message}`);
  process.exit(1);
});

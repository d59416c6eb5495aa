/**
 * A relay process for load benchmarks (bench/load.ts): the real relay (startRelay) with the
 * per-address caps raised, since every simulated device comes from 127.0.0.1. Prints "ready" once
 * listening; stops on SIGTERM.
 */
import { silentLogger } from '../relay/log.ts';
import { startRelay } from '../relay/server.ts';

const relay = await startRelay({
  port: Number(process.env.PORT),
  host: '127.0.0.1',
  dataDir: process.env.FOLIO_DATA_DIR!,
  buildDir: process.env.FOLIO_DATA_DIR!,
  log: silentLogger,
  redisUrl: process.env.FOLIO_REDIS_URL || undefined,
  syncLimits: { socketsPerClient: 100_000, roomsPerClient: 1_000_000 },
  practiceLimits: { registrationBurst: 100_000, registrationsPerHour: 100_000 },
});
console.log('ready');
process.on('SIGTERM', () => void relay.close().then(() => process.exit(0)));

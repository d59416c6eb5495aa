/**
 * Runs scripts/fhir-roundtrip.ts through Vite (the chart code imports `?raw` data, which only
 * Vite understands):  node scripts/fhir-roundtrip.js [directory or file …]
 */
import { createServer } from 'vite';

const server = await createServer({
  server: { middlewareMode: true, hmr: false, ws: false },
  appType: 'custom',
  logLevel: 'error',
});
try {
  const { main } = await server.ssrLoadModule('/scripts/fhir-roundtrip.ts');
  process.exitCode = await main(process.argv.slice(2));
} finally {
  await server.close();
}

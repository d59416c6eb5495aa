/**
 * Imports a shared record (a FHIR Bundle read from a share link) into this device's practice as a
 * new chart, with a Provenance naming the link. Runs in the app (unlocked), never in the viewer.
 */
import type { FhirResource } from '$lib/chart/fhir-codes';
import { ValidationError } from '$lib/chart/validate';

export async function importSharedBundle(
  bundle: unknown,
  label: string,
): Promise<{ ok: true; chartId: string } | { ok: false; message: string }> {
  const entries = (bundle as { entry?: { resource?: unknown }[] } | null)?.entry;
  const resources = (Array.isArray(entries) ? entries : [])
    .map((e) => e?.resource)
    .filter(
      (r): r is FhirResource => typeof (r as FhirResource | undefined)?.resourceType === 'string',
    );
  try {
    const [{ planImport }, { practice }] = await Promise.all([
      import('$lib/chart/fhir-in'),
      import('./practice.svelte'),
    ]);
    const source = `SMART Health Link${label ? `: ${label}` : ''}`;
    const { chartId } = await practice.importChart(planImport(resources), source);
    return { ok: true, chartId };
  } catch (error) {
    return {
      ok: false,
      message:
        error instanceof ValidationError
          ? `The shared record cannot become a chart: ${error.message}`
          : 'The shared record could not be imported. Nothing was changed.',
    };
  }
}

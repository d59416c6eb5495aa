/**
 * The whole practice as an EHI export (ONC 170.315(b)(10) style): one NDJSON file per FHIR
 * resource type in a zip, with a README describing the format. Every chart this member can open
 * is read (and its audit trail records the export); resources shared by several charts
 * (practitioners, organizations from imports) are written once.
 */
import { strToU8, zipSync } from 'fflate';
import { nowIso } from '$lib/chart/dates';
import type { FhirResource } from '$lib/chart/fhir-out';
import { practice } from './practice.svelte';
import { session } from './session.svelte';

export interface EhiExport {
  blob: Blob;
  filename: string;
  counts: Record<string, number>;
  skipped: number;
}

function readme(
  counts: Record<string, number>,
  charts: number,
  skipped: number,
  at: string,
): string {
  const rows = Object.entries(counts)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([type, n]) => `| ${type}.ndjson | ${n} |`)
    .join('\n');
  return `# Electronic health information export

Practice: ${session.session?.practiceName ?? ''}
Exported: ${at} by ${session.session?.memberName ?? ''}
Charts: ${charts}${skipped ? ` (${skipped} more could not be opened by this member and are not included)` : ''}

## Format

- FHIR R4 (4.0.1) resources as NDJSON: one JSON resource per line, one file per resource type
  (\`Patient.ndjson\`, \`Condition.ndjson\`, …), UTF-8.
- Each chart's Patient id is the chart's Folio id in hexadecimal (resources imported from
  elsewhere keep their original ids). References are \`Type/id\` or \`urn:uuid:…\` within this
  export; resources shared by several charts appear once.
- Entries recorded in error are included with status \`entered-in-error\` (nothing is deleted in
  Folio). Clinical notes are DocumentReference resources with the note text as a base64
  \`text/plain\` attachment; each note's visit is an Encounter.
- Consents to share are Consent resources; resources Folio keeps but does not display (from
  imports) are exported unchanged.

## Files

| file | resources |
|---|---|
${rows}
`;
}

export async function exportPractice(
  onProgress: (done: number, total: number) => void = () => {},
  signal?: AbortSignal,
): Promise<EhiExport> {
  await practice.open();
  const charts = practice.patients;
  const byType = new Map<string, Map<string, FhirResource>>();
  let skipped = 0;
  for (const [i, p] of charts.entries()) {
    if (signal?.aborted) throw new Error('cancelled');
    try {
      for (const r of await practice.chartResources(p.chartId)) {
        const group = byType.get(r.resourceType) ?? new Map<string, FhirResource>();
        group.set(r.id, r);
        byType.set(r.resourceType, group);
      }
    } catch {
      skipped++;
    }
    onProgress(i + 1, charts.length);
  }
  const at = nowIso();
  const counts = Object.fromEntries([...byType].map(([t, m]) => [t, m.size]));
  const files: Record<string, Uint8Array> = {
    'README.md': strToU8(readme(counts, charts.length - skipped, skipped, at)),
  };
  for (const [type, resources] of byType) {
    files[`${type}.ndjson`] = strToU8(
      [...resources.values()].map((r) => JSON.stringify(r)).join('\n') + '\n',
    );
  }
  const zip = zipSync(files, { level: 6 });
  return {
    blob: new Blob([zip], { type: 'application/zip' }),
    filename: `folio-ehi-export-${at.slice(0, 10)}.zip`,
    counts,
    skipped,
  };
}

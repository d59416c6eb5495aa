/**
 * `Import FHIR`: read one file or several together (references resolve across them, as in
 * Synthea's patient + hospitalInformation + practitionerInformation layout), validate everything
 * against FHIR R4 before writing anything, show a preview (each patient: new chart, update of an
 * exactly matching chart — preselected, the user can still choose a new chart or skip — or
 * refused with its problems), then import patient by patient with progress and cancel. A patient
 * with any invalid resource is never half-imported.
 */
import type { OutcomeIssue, PreparedImport } from '$lib/fhir/r4';
import { proposedAction } from './fhir-import-preview';
import { practice, type PatientSummary } from './practice.svelte';

export type { OutcomeIssue };

export interface PreviewPatient {
  index: number;
  name: string;
  birthDate: string;
  mrn: string;
  resources: number;
  byType: Record<string, number>;
  issues: OutcomeIssue[];
  ok: boolean;
  /** An existing chart with the same identifier and birth date (then 'update' is preselected). */
  match: PatientSummary | null;
  /** 'new' chart, 'update' the match, or 'skip'. */
  action: 'new' | 'update' | 'skip';
}

type Phase = 'idle' | 'reading' | 'validating' | 'preview' | 'importing' | 'done' | 'failed';

export class FhirImportState {
  phase = $state<Phase>('idle');
  progress = $state({ done: 0, total: 0 });
  fileIssues = $state<OutcomeIssue[]>([]);
  patients = $state<PreviewPatient[]>([]);
  results = $state<
    {
      name: string;
      chartId?: string;
      added: number;
      error?: string;
      /** Values that do not add up, imported as they are (lib/chart/import-checks.ts). */
      warnings?: string[];
    }[]
  >([]);
  message = $state('');
  #prepared: PreparedImport | null = null;
  #controller: AbortController | null = null;
  #fileName = '';

  /** Reads and validates one file, or several read together; nothing is written. */
  async read(chosen: File | readonly File[]): Promise<void> {
    const files = Array.isArray(chosen) ? [...chosen] : [chosen as File];
    if (files.length === 0) return;
    this.#reset();
    this.#fileName = files.map((f) => f.name).join(', ');
    this.#controller = new AbortController();
    try {
      this.phase = 'reading';
      const r4 = await import('$lib/fhir/r4');
      // A file over the limit is refused before it is read into memory.
      for (const file of files) r4.checkSize(file.size, file.name);
      r4.checkSize(
        files.reduce((n, f) => n + f.size, 0),
        'files',
        'These files are together',
      );
      const inputs = r4.readImportFiles(
        await Promise.all(
          files.map(async (f) => ({ name: f.name, data: new Uint8Array(await f.arrayBuffer()) })),
        ),
      );
      this.phase = 'validating';
      this.progress = { done: 0, total: inputs.length };
      const prepared = await r4.prepareImport(inputs, {
        signal: this.#controller.signal,
        onProgress: (done, total) => (this.progress = { done, total }),
      });
      this.#prepared = prepared;
      this.fileIssues = prepared.issues;
      const { patientOf } = await import('$lib/chart/fhir-in');
      await practice.open();
      this.patients = prepared.patients.map((p, index) => {
        const demo = patientOf(p.patient);
        const match = practice.exactMatches(demo.mrn, demo.birthDate)[0] ?? null;
        const byType: Record<string, number> = {};
        for (const r of p.resources) byType[r.resourceType] = (byType[r.resourceType] ?? 0) + 1;
        return {
          index,
          name: `${demo.family}, ${demo.given}`,
          birthDate: demo.birthDate,
          mrn: demo.mrn,
          resources: p.resources.length,
          byType,
          issues: p.issues,
          ok: p.ok,
          match,
          action: proposedAction(p.ok, match),
        };
      });
      this.phase = 'preview';
    } catch (error) {
      this.#fail(error);
    }
  }

  /** Imports the patients of the preview as chosen. */
  async run(): Promise<void> {
    if (!this.#prepared || this.phase !== 'preview') return;
    this.#controller = new AbortController();
    const chosen = this.patients.filter((p) => p.ok && p.action !== 'skip');
    this.phase = 'importing';
    this.progress = { done: 0, total: chosen.length };
    const { planImport } = await import('$lib/chart/fhir-in');
    for (const p of chosen) {
      if (this.#controller.signal.aborted) {
        this.message = `Cancelled: ${this.results.length} of ${chosen.length} patients were imported; the rest were not touched.`;
        break;
      }
      const group = this.#prepared.patients[p.index]!;
      try {
        const plan = planImport(group.resources, { importedFrom: this.#fileName });
        const warnings = plan.warnings.map((w) => `${w.where}: ${w.message}`);
        if (p.action === 'update' && p.match) {
          const { added } = await practice.importInto(p.match.chartId, plan);
          this.results = [
            ...this.results,
            { name: p.name, chartId: p.match.chartId, added, warnings },
          ];
        } else {
          const { chartId, added } = await practice.importChart(
            plan,
            `FHIR import: ${this.#fileName}`,
          );
          this.results = [...this.results, { name: p.name, chartId, added, warnings }];
        }
      } catch (error) {
        this.results = [
          ...this.results,
          { name: p.name, added: 0, error: (error as Error).message || 'could not be imported' },
        ];
      }
      this.progress = { done: this.progress.done + 1, total: chosen.length };
      await new Promise((r) => setTimeout(r, 0));
    }
    this.phase = 'done';
  }

  cancel(): void {
    this.#controller?.abort();
    if (this.phase === 'validating' || this.phase === 'reading') this.#reset();
  }

  #reset(): void {
    this.phase = 'idle';
    this.fileIssues = [];
    this.patients = [];
    this.results = [];
    this.message = '';
    this.#prepared = null;
  }

  #fail(error: unknown): void {
    const e = error as { name?: string; outcome?: { issue: OutcomeIssue[] }; message?: string };
    if (e?.name === 'ImportCancelled') {
      this.#reset();
      this.message = 'Cancelled. Nothing was imported.';
      return;
    }
    this.phase = 'failed';
    this.fileIssues = e?.outcome?.issue ?? [];
    const several = this.#fileName.includes(', ');
    this.message = e?.outcome
      ? `${several ? 'These files' : 'This file'} cannot be imported. Nothing was changed.`
      : `${several ? 'The files' : 'The file'} could not be read. Nothing was changed.`;
  }
}

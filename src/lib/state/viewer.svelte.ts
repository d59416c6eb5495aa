/**
 * The share-link viewer (issue 7): opens any conformant `shlink:/` — pasted or from the page's
 * `#shlink:/…` fragment — asks for a passcode when the link needs one, and keeps what it reads in
 * memory only (nothing is stored). It runs with the vault locked: the viewer holds no practice key.
 */
import { ValidationError } from '$lib/chart/validate';
import type { FhirResource } from '$lib/chart/fhir-codes';
import { ShlError } from '$lib/fhir/shl/errors';
import type { ShlinkPayload } from '$lib/fhir/shl/link';
import { readSharedBundle, type SharedRecord } from './shared-record';

export type { SharedRecord };

export class ViewerState {
  #payload = $state<ShlinkPayload | null>(null);
  #error = $state('');
  #remaining = $state<number | null>(null);
  #record = $state<SharedRecord | null>(null);
  #busy = $state(false);
  /** The shared Bundle as read (memory only), for importing into this device's practice. */
  #bundle: unknown = null;

  get payload(): ShlinkPayload | null {
    return this.#payload;
  }
  get needsPasscode(): boolean {
    return this.#payload?.flag?.includes('P') ?? false;
  }
  get error(): string {
    return this.#error;
  }
  get remainingAttempts(): number | null {
    return this.#remaining;
  }
  get record(): SharedRecord | null {
    return this.#record;
  }
  get busy(): boolean {
    return this.#busy;
  }

  /** Reads a link (a `shlink:/…`, or a viewer URL ending in `#shlink:/…`). */
  async load(text: string): Promise<void> {
    this.#error = '';
    this.#record = null;
    try {
      const { decodeShlink } = await import('$lib/fhir/shl/link');
      this.#payload = decodeShlink(text);
    } catch (error) {
      this.#payload = null;
      this.#error = error instanceof ShlError ? error.message : 'This link cannot be read.';
    }
  }

  async open(recipient: string, passcode: string): Promise<void> {
    if (!this.#payload) return;
    if (!recipient.trim()) {
      this.#error = 'Enter your name: the patient can see who opened their record.';
      return;
    }
    this.#busy = true;
    this.#error = '';
    try {
      const { resolveShlink } = await import('$lib/fhir/shl/resolve');
      const files = await resolveShlink(this.#payload, {
        recipient: recipient.trim(),
        ...(passcode ? { passcode } : {}),
      });
      const bundles = files
        .filter((f) => f.contentType.startsWith('application/fhir+json'))
        .map((f) => JSON.parse(f.text) as unknown);
      if (bundles.length === 0) {
        this.#error = 'The link holds no FHIR record Folio can show.';
        return;
      }
      this.#bundle = bundles[0];
      this.#record = readSharedBundle(bundles[0]);
    } catch (error) {
      if (error instanceof ShlError) {
        this.#error = error.message;
        this.#remaining = error.remainingAttempts ?? null;
      } else this.#error = 'The shared record could not be read.';
    } finally {
      this.#busy = false;
    }
  }

  /**
   * Imports the shared record into this device's practice as a new chart, with a Provenance
   * naming the link. Needs the vault unlocked (the user chose to import).
   */
  async importIntoPractice(): Promise<
    { ok: true; chartId: string } | { ok: false; message: string }
  > {
    const bundle = this.#bundle as {
      entry?: { resource?: unknown }[];
      resourceType?: string;
    } | null;
    const resources = (bundle?.entry ?? [])
      .map((e) => e?.resource)
      .filter(
        (r): r is FhirResource => typeof (r as FhirResource | undefined)?.resourceType === 'string',
      );
    try {
      const [{ planImport }, { practice }] = await Promise.all([
        import('$lib/chart/fhir-in'),
        import('./practice.svelte'),
      ]);
      const source = `SMART Health Link${this.#payload?.label ? `: ${this.#payload.label}` : ''}`;
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

  /** Forgets everything read (leaving the page does the same). */
  clear(): void {
    this.#record = null;
    this.#payload = null;
    this.#bundle = null;
  }
}

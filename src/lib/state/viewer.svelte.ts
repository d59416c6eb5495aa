/**
 * The share-link viewer (issue 7): opens any conformant `shlink:/` — pasted or from the page's
 * `#shlink:/…` fragment — asks for a passcode when the link needs one, and keeps what it reads in
 * memory only (nothing is stored). It runs with the vault locked: the viewer holds no practice key
 * and cannot unlock; importing hands the record to the app in a new window (shared-handoff.ts).
 */
import { ShlError } from '$lib/fhir/shl/errors';
import type { ShlinkPayload } from '$lib/fhir/shl/link';
import { HANDOFF_RECORD, IMPORT_PATH, isReady, type SharedRecordMessage } from './shared-handoff';
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
   * Hands the record to the app for importing (the viewer itself never unlocks): opens
   * IMPORT_PATH in a new window and posts the record once that window, unlocked, says it is
   * ready. Returns '' or a readable problem.
   */
  handOff(): string {
    const bundle = this.#bundle;
    if (!bundle) return 'Open the shared record first.';
    const target = window.open(IMPORT_PATH, '_blank');
    if (!target)
      return 'The browser blocked the new window. Allow pop-ups for Folio and try again.';
    const message: SharedRecordMessage = {
      type: HANDOFF_RECORD,
      bundle,
      label: this.#payload?.label ?? '',
    };
    const onMessage = (event: MessageEvent) => {
      if (event.source !== target || event.origin !== location.origin || !isReady(event.data))
        return;
      removeEventListener('message', onMessage);
      target.postMessage(message, location.origin);
    };
    addEventListener('message', onMessage);
    return '';
  }

  /** Forgets everything read (leaving the page does the same). */
  clear(): void {
    this.#record = null;
    this.#payload = null;
    this.#bundle = null;
  }
}

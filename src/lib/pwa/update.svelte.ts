/**
 * Registers Folio's service worker and tells the UI when a new version is waiting. The waiting
 * version takes over only when the user chooses (`apply`), after which the page reloads once
 * into it (docs/design.md §9: a new version never activates silently). It is offered only after the
 * installed worker verified it against the pinned release key (ADR 0010); otherwise the user is
 * told it was refused. A takeover the user did not ask for is reported, never hidden.
 */
import type { RefusalReason } from './release';

export type Refusal = RefusalReason | 'unverifiable' | 'no-answer';

export type WorkerState = 'unsupported' | 'registering' | 'ready' | 'failed';

/** Checks for a new version at most this often while the app stays open. */
const UPDATE_CHECK_MS = 60 * 60 * 1000;
/** How long a worker may take to answer (hashing a whole release takes well under this). */
const ANSWER_MS = 60_000;

/** Asks `worker` one question over a MessageChannel; null when it does not answer in time. */
function ask<T>(worker: ServiceWorker, message: unknown): Promise<T | null> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    const timer = setTimeout(() => resolve(null), ANSWER_MS);
    channel.port1.onmessage = (event) => {
      clearTimeout(timer);
      resolve(event.data as T);
    };
    worker.postMessage(message, [channel.port2]);
  });
}

class AppUpdates {
  #state = $state<WorkerState>('registering');
  #waiting = $state<ServiceWorker | null>(null);
  #refused = $state<Refusal | null>(null);
  #replaced = $state(false);
  #checking: ServiceWorker | null = null;
  #registration: ServiceWorkerRegistration | null = null;
  #applying = false;

  /** Service worker registration state. */
  get state(): WorkerState {
    return this.#state;
  }

  /** True when a new version has installed and waits for the user's choice. */
  get available(): boolean {
    return this.#waiting !== null;
  }

  /** Why the last new version was refused (not offered), or null. */
  get refused(): Refusal | null {
    return this.#refused;
  }

  /** True when another version took over this page without the user choosing "Update now". */
  get replaced(): boolean {
    return this.#replaced;
  }

  /** Registers the worker; safe to call more than once. */
  async start(): Promise<void> {
    if (this.#registration) return;
    if (!('serviceWorker' in navigator)) {
      this.#state = 'unsupported';
      return;
    }
    try {
      const registration = await navigator.serviceWorker.register('/service-worker.js', {
        scope: '/',
        updateViaCache: 'none',
      });
      this.#registration = registration;
      this.#watch(registration);
      let controlled = navigator.serviceWorker.controller !== null;
      navigator.serviceWorker.addEventListener('controllerchange', () => {
        // Only a takeover the user asked for reloads; the first install just claims the page.
        if (this.#applying) location.reload();
        else if (controlled) this.#replaced = true;
        controlled = true;
      });
      this.#state = 'ready';
      setInterval(() => void this.check(), UPDATE_CHECK_MS);
    } catch {
      this.#state = 'failed';
    }
  }

  /** Asks the browser to look for a new version now. */
  async check(): Promise<void> {
    try {
      await this.#registration?.update();
    } catch {
      // Offline or the relay is down: the installed version keeps running; try again later.
      return;
    }
  }

  /** Lets the waiting version take over; the page reloads into it. */
  apply(): void {
    const waiting = this.#waiting;
    if (!waiting) return;
    this.#applying = true;
    waiting.postMessage({ type: 'skip-waiting' });
  }

  #watch(registration: ServiceWorkerRegistration): void {
    const offer = (worker: ServiceWorker | null) => {
      // A waiting worker only matters when an older version controls this page.
      const installed = navigator.serviceWorker.controller;
      if (worker && installed) void this.#verify(installed, worker);
    };
    offer(registration.waiting);
    registration.addEventListener('updatefound', () => {
      const installing = registration.installing;
      installing?.addEventListener('statechange', () => {
        if (installing.state === 'installed') offer(installing);
      });
    });
  }

  /** Offers `waiting` only once the installed worker verified it against the pinned key. */
  async #verify(installed: ServiceWorker, waiting: ServiceWorker): Promise<void> {
    if (this.#checking === waiting || this.#waiting === waiting) return;
    this.#checking = waiting;
    const answer = await ask<{ version?: unknown }>(waiting, { type: 'version' });
    const version = answer?.version;
    const result =
      typeof version === 'string'
        ? await ask<{ ok: boolean; reason?: Refusal }>(installed, {
            type: 'verify-update',
            version,
          })
        : null;
    if (this.#checking !== waiting) return;
    this.#checking = null;
    if (result?.ok === true) {
      this.#refused = null;
      this.#waiting = waiting;
    } else {
      this.#waiting = null;
      this.#refused = result?.reason ?? 'no-answer';
    }
  }
}

/** The app's single update manager. */
export const appUpdates = new AppUpdates();

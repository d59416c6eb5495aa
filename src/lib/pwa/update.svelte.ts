/**
 * Registers Folio's service worker and tells the UI when a new version is waiting. The waiting
 * version takes over only when the user chooses (`apply`), after which the page reloads once
 * into it (DESIGN.md §9: a new version never activates silently).
 */

export type WorkerState = 'unsupported' | 'registering' | 'ready' | 'failed';

/** Checks for a new version at most this often while the app stays open. */
const UPDATE_CHECK_MS = 60 * 60 * 1000;

class AppUpdates {
  #state = $state<WorkerState>('registering');
  #waiting = $state<ServiceWorker | null>(null);
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
      navigator.serviceWorker.addEventListener('controllerchange', () => {
        // Only a takeover the user asked for reloads; the first install just claims the page.
        if (this.#applying) location.reload();
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
      if (worker && navigator.serviceWorker.controller) this.#waiting = worker;
    };
    offer(registration.waiting);
    registration.addEventListener('updatefound', () => {
      const installing = registration.installing;
      installing?.addEventListener('statechange', () => {
        if (installing.state === 'installed') offer(installing);
      });
    });
  }
}

/** The app's single update manager. */
export const appUpdates = new AppUpdates();

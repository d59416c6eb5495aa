/**
 * Whether the browser believes it has a network. Folio works the same either way (local is the
 * source of truth); this only feeds the status indicator.
 */
class NetworkState {
  #online = $state(typeof navigator === 'undefined' ? true : navigator.onLine);
  #started = false;

  get online(): boolean {
    return this.#online;
  }

  start(): void {
    if (this.#started) return;
    this.#started = true;
    addEventListener('online', () => (this.#online = true));
    addEventListener('offline', () => (this.#online = false));
  }
}

export const network = new NetworkState();

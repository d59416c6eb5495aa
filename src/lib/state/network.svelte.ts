/**
 * The device's network status for the UI and for sync: a thin runes adapter over
 * `lib/sync/reachability.ts` (one source of truth that counts the browser's claim and whether the
 * relay answers). Folio works the same either way (local is the source of truth).
 */
import { healthProbe, NetworkMonitor, type NetworkSnapshot } from '$lib/sync/reachability';
import { healthUrl } from '$lib/sync/signaling-url';
import { relayLocation } from './relay.svelte';

/** How long a health probe may take before the relay counts as not answering. */
const PROBE_TIMEOUT_MS = 5_000;

/** Probes the relay in use at the time of each probe (it can be changed in Settings). */
const probeRelay = () => healthProbe(healthUrl(relayLocation()), { timeoutMs: PROBE_TIMEOUT_MS })();

class NetworkState {
  #monitor: NetworkMonitor | null = null;
  #snapshot = $state<NetworkSnapshot>({ browserOnline: true, relay: 'unknown', online: true });

  /** False when the browser says offline or the relay does not answer. */
  get online(): boolean {
    return this.#snapshot.online;
  }
  /** Whether the browser itself claims a network (peers on the LAN may still be reachable). */
  get browserOnline(): boolean {
    return this.#snapshot.browserOnline;
  }
  get relay(): NetworkSnapshot['relay'] {
    return this.#snapshot.relay;
  }

  /** Starts watching (once); later calls return the same monitor. */
  start(): NetworkMonitor {
    if (this.#monitor) return this.#monitor;
    const monitor = new NetworkMonitor({ probe: probeRelay, browserOnline: navigator.onLine });
    this.#monitor = monitor;
    this.#snapshot = monitor.snapshot;
    monitor.subscribe((snapshot) => (this.#snapshot = snapshot));
    addEventListener('online', () => monitor.browserEvent(true));
    addEventListener('offline', () => monitor.browserEvent(false));
    void monitor.check();
    return monitor;
  }

  /** Listens for changes (starting the monitor if needed). */
  subscribe(listener: (snapshot: NetworkSnapshot) => void): () => void {
    return this.start().subscribe(listener);
  }

  /** The relay socket opened (true) or closed (false). */
  relaySocket(open: boolean): void {
    const monitor = this.start();
    if (open) monitor.relayAnswered();
    else monitor.relayFailed();
  }
}

export const network = new NetworkState();

/**
 * Whether this device's clock agrees with the relay's. Folio stamps entries, audit events and
 * member lists with the device clock; a device whose clock is far off would misdate the record,
 * so the user is told (the relay's time is not trusted to correct it — a relay could lie — and
 * sync itself never depends on clocks: presence freshness, replay and ordering use sequence
 * numbers and local receipt times).
 */

import { CLOCK_TOLERANCE_MS, clockSkew } from './clock-skew';

export { describeSkew } from './clock-skew';

class ClockState {
  #skew = $state<number | null>(null);

  /** The measured skew when it is beyond the tolerance, else null. */
  get wrongBy(): number | null {
    return this.#skew !== null && Math.abs(this.#skew) > CLOCK_TOLERANCE_MS ? this.#skew : null;
  }

  /** Compares this device's clock with the relay's (best effort; offline keeps the last answer). */
  async check(): Promise<void> {
    try {
      const sent = Date.now();
      const res = await fetch('/healthz', { cache: 'no-store' });
      const received = Date.now();
      // The Date header was produced somewhere between sending and receiving: use the midpoint.
      const skew = clockSkew(res.headers.get('date'), (sent + received) / 2);
      if (skew !== null) this.#skew = skew;
    } catch {
      // Offline: nothing to compare with.
    }
  }
}

export const clock = new ClockState();

/**
 * The documents a catch-up pass visits (every chart this device can open, with its relay room),
 * worked out from the practice index with as few vault calls as the changes need.
 *
 * A pass used to hand the vault every chart key of the practice to unwrap and ask it for every
 * chart's room — work that grew with the practice on every pass (every 15 s, and after each
 * burst of index changes), even with nothing changed (issue 15 item 1). Both answers stay true
 * for the whole unlocked session: the vault keeps a key it loaded until the lock (which reloads
 * the page, and with it this cache), and a chart's room derives from its lowest key epoch, which
 * rotation never moves (ADR 0006). So each key wrap is loaded once, and each room asked once;
 * a wrap that failed to open (e.g. its clinical key has not arrived yet) is tried again on the
 * next pass, and a new wrap (a rotation) is loaded when it appears.
 */
import type { CatchUpDoc } from '$lib/sync/catch-up';
import { chartKeyWraps, type IndexEntry } from '$lib/crdt/index-doc';
import { fromBase64Url, toBase64Url } from '$lib/crypto/bytes';
import { forEachInSlices, type SliceOptions } from '$lib/sync/slices';

/** The two vault calls this needs (lib/vault/documents.ts). */
export interface CatchUpVault {
  loadChartKeys(charts: ReturnType<typeof chartKeyWraps>): Promise<{
    failed: { docId: Uint8Array; code: string }[];
  }>;
  roomsFor(docIds: Uint8Array[]): Promise<({ room: string; capability: string } | null)[]>;
}

const wrapName = (chartId: string, k: { epoch: number; wrappedKey: string }) =>
  `${chartId}:${k.epoch}:${k.wrappedKey}`;

export class CatchUpDocs {
  readonly #vault: CatchUpVault;
  /** Key wraps the vault has loaded in this session. */
  readonly #loaded = new Set<string>();
  /** Each chart's room (and capability) in this session. */
  readonly #rooms = new Map<string, { room: string; capability: string }>();

  readonly #slices: SliceOptions;

  /** `slices`: how the loops over every chart give the main thread back (slices.ts). */
  constructor(vault: CatchUpVault, slices: SliceOptions = { size: 1_000 }) {
    this.#vault = vault;
    this.#slices = slices;
  }

  /** Every chart of `entries` whose key opens, with its room; vault calls only for what is new. */
  async docs(entries: readonly IndexEntry[]): Promise<CatchUpDoc[]> {
    const withKeys: IndexEntry[] = [];
    const unloaded: IndexEntry[] = [];
    // A chart is reachable when at least one of its keys opened (now or on an earlier pass).
    const reachable = new Set<string>();
    const wrapsOf = (entry: IndexEntry) => [...entry.olderKeys, entry.key!];
    await forEachInSlices(
      entries,
      (entry) => {
        if (entry.key === null) return;
        withKeys.push(entry);
        let some = false;
        let all = true;
        for (const k of wrapsOf(entry)) {
          if (this.#loaded.has(wrapName(entry.chartId, k))) some = true;
          else all = false;
        }
        if (!all) unloaded.push(entry);
        if (some) reachable.add(entry.chartId);
      },
      this.#slices,
    );
    if (unloaded.length > 0) {
      const { failed } = await this.#vault.loadChartKeys(unloaded.flatMap(chartKeyWraps));
      const failures = new Map<string, number>();
      for (const f of failed) {
        const id = toBase64Url(f.docId);
        failures.set(id, (failures.get(id) ?? 0) + 1);
      }
      for (const entry of unloaded) {
        const failedHere = failures.get(entry.chartId) ?? 0;
        const wraps = wrapsOf(entry);
        if (failedHere < wraps.length) reachable.add(entry.chartId);
        // Which of a chart's wraps failed is not said, so a chart with any failure is retried.
        if (failedHere === 0) for (const k of wraps) this.#loaded.add(wrapName(entry.chartId, k));
      }
    }
    const open = withKeys.filter((entry) => reachable.has(entry.chartId));
    const roomless = open.filter((entry) => !this.#rooms.has(entry.chartId));
    if (roomless.length > 0) {
      const rooms = await this.#vault.roomsFor(roomless.map((e) => fromBase64Url(e.chartId)));
      roomless.forEach((entry, i) => {
        const found = rooms[i];
        if (found)
          this.#rooms.set(entry.chartId, { room: found.room, capability: found.capability });
      });
    }
    const docs: CatchUpDoc[] = [];
    await forEachInSlices(
      open,
      (entry) => {
        const room = this.#rooms.get(entry.chartId);
        if (room) docs.push({ key: entry.chartId, docId: fromBase64Url(entry.chartId), ...room });
      },
      this.#slices,
    );
    return docs;
  }
}

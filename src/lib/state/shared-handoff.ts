/**
 * Handing a shared record from the viewer (/view, never unlocked) to the app (issue 11 item 9):
 * the viewer opens `/import/shared` in a new window (a full load under the app's CSP); once the
 * member unlocked there, that page tells its opener it is ready, and the viewer posts the record
 * read in memory. Both sides accept messages only from this origin and the expected window;
 * nothing is stored on the way.
 */
export const IMPORT_PATH = '/import/shared';
export const HANDOFF_READY = 'folio-import-ready';
export const HANDOFF_RECORD = 'folio-shared-record';

export interface SharedRecordMessage {
  type: typeof HANDOFF_RECORD;
  /** The FHIR Bundle as read from the link. */
  bundle: unknown;
  /** The link's label ('' if none), for the Provenance of the imported chart. */
  label: string;
}

export function isReady(data: unknown): boolean {
  return (data as { type?: unknown } | null)?.type === HANDOFF_READY;
}

export function isSharedRecord(data: unknown): data is SharedRecordMessage {
  const d = data as Partial<SharedRecordMessage> | null;
  return (
    !!d &&
    d.type === HANDOFF_RECORD &&
    typeof d.label === 'string' &&
    typeof d.bundle === 'object' &&
    d.bundle !== null
  );
}

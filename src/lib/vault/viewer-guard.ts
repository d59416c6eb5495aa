/**
 * A page loaded as the share-link viewer (`/view`) runs under a looser CSP (it may fetch from any
 * https origin), so it must never hold an unlocked session (issue 11 item 9). The page names its
 * vault Worker after where it was loaded; a viewer's Worker answers `status` only and refuses
 * every other call with 'viewer-page' before touching the store.
 */
import type { VaultRequest, VaultResponse } from './protocol';

export const VAULT_WORKER_NAME = 'folio-vault';
export const VIEWER_WORKER_NAME = 'folio-vault-viewer';

export const VIEWER_REFUSAL =
  'Folio does not unlock on a shared-record page. Open Folio from its own address to unlock.';

/** Whether a path is the viewer's (`/view`, `/view/…`). */
export function isViewerPath(pathname: string): boolean {
  return pathname === '/view' || pathname.startsWith('/view/');
}

/** The Worker name for a page loaded at `pathname`. */
export function workerNameFor(pathname: string): string {
  return isViewerPath(pathname) ? VIEWER_WORKER_NAME : VAULT_WORKER_NAME;
}

/** The refusal a viewer's Worker sends instead of running a request, or null to run it. */
export function viewerRefusal(workerName: string, request: VaultRequest): VaultResponse | null {
  if (workerName === VAULT_WORKER_NAME) return null;
  if (workerName === VIEWER_WORKER_NAME && request?.method === 'status') return null;
  // Unknown names are treated as a viewer: refuse rather than unlock.
  return {
    id: typeof request?.id === 'number' ? request.id : -1,
    ok: false,
    error: { code: 'viewer-page', message: VIEWER_REFUSAL },
  };
}

/**
 * The boundary between the share-link viewer (/view, looser CSP, never unlocked) and the app
 * (strict CSP): a document loaded on one side never shows a route of the other; crossing always
 * takes a full page load, so each side runs under its own CSP (issue 11 item 9).
 */
import { isViewerPath } from '$lib/vault/viewer-guard';

export { isViewerPath };

/** Whether a document loaded at `loadedAt` must fully load to show `pathname`. */
export function needsFullLoad(loadedAt: string, pathname: string): boolean {
  return isViewerPath(loadedAt) !== isViewerPath(pathname);
}

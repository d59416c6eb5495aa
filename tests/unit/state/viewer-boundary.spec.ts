import { expect, it } from 'vitest';
import { isSharedRecord, isReady } from '../../../src/lib/state/shared-handoff.ts';
import { needsFullLoad } from '../../../src/lib/state/viewer-boundary.ts';
import {
  VAULT_WORKER_NAME,
  VIEWER_WORKER_NAME,
  viewerRefusal,
  workerNameFor,
} from '../../../src/lib/vault/viewer-guard.ts';
import { VAULT_METHODS } from '../../../src/lib/vault/dispatch.ts';
import type { VaultRequest } from '../../../src/lib/vault/protocol.ts';

it('crossing between the viewer and the app always needs a full page load', () => {
  expect(needsFullLoad('/view', '/')).toBe(true);
  expect(needsFullLoad('/view', '/settings')).toBe(true);
  expect(needsFullLoad('/view', '/import/shared')).toBe(true);
  expect(needsFullLoad('/', '/view')).toBe(true);
  expect(needsFullLoad('/charts/x', '/view/')).toBe(true);
  expect(needsFullLoad('/view', '/view')).toBe(false);
  expect(needsFullLoad('/', '/settings')).toBe(false);
  // Only the viewer path counts, not a path that merely starts with the same letters.
  expect(needsFullLoad('/', '/viewer-help')).toBe(false);
});

it('a Worker named for a /view page answers status only; an app page’s Worker runs everything', () => {
  expect(workerNameFor('/view')).toBe(VIEWER_WORKER_NAME);
  expect(workerNameFor('/')).toBe(VAULT_WORKER_NAME);
  for (const [i, method] of VAULT_METHODS.entries()) {
    const request: VaultRequest = { id: i, method, params: {} };
    expect(viewerRefusal(VAULT_WORKER_NAME, request)).toBeNull();
    const refused = viewerRefusal(VIEWER_WORKER_NAME, request);
    if (method === 'status') expect(refused).toBeNull();
    else expect(refused).toMatchObject({ id: i, ok: false, error: { code: 'viewer-page' } });
    // A Worker with no or an unknown name refuses too, rather than unlock.
    expect(viewerRefusal('', request)).not.toBeNull();
  }
});

it('the hand-off accepts only well-formed messages', () => {
  expect(isReady({ type: 'folio-import-ready' })).toBe(true);
  expect(isReady(null)).toBe(false);
  expect(isSharedRecord({ type: 'folio-shared-record', bundle: {}, label: '' })).toBe(true);
  expect(isSharedRecord({ type: 'folio-shared-record', bundle: null, label: '' })).toBe(false);
  expect(isSharedRecord({ type: 'folio-shared-record', bundle: {} })).toBe(false);
  expect(isSharedRecord('folio-shared-record')).toBe(false);
});

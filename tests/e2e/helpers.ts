/** Shared steps for end-to-end tests: setting up a practice, unlocking, creating patients. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from '@playwright/test';
import { expect } from './fixtures.ts';

export const PASSPHRASE = 'umber kestrel lantern 4417';

export async function createPractice(
  page: Page,
  practice = 'Zebrafinch Clinic QX7',
  member = 'Dr. Quillon Marsh',
): Promise<string> {
  await page.goto('/');
  await page.getByLabel('Practice name').fill(practice);
  await page.getByLabel('Your name').fill(member);
  await page.getByLabel('Passphrase', { exact: true }).fill(PASSPHRASE);
  await page.getByLabel('Confirm passphrase').fill(PASSPHRASE);
  await expect(page.getByTestId('passphrase-strength')).toHaveText(/Strong|Very strong/);
  await page.getByRole('button', { name: 'Create practice' }).click();
  const recoveryKey = (await page
    .getByTestId('recovery-key')
    .textContent({ timeout: 20_000 }))!.trim();
  expect(recoveryKey).toMatch(/^([A-Z2-7]{4}-){13}[A-Z2-7]{4}$/);
  await expect(page.getByRole('button', { name: 'Continue' })).toBeDisabled();
  await page.getByLabel('I have saved the recovery key').check();
  await page.getByRole('button', { name: 'Continue' }).click();
  await expect(page.getByRole('heading', { name: practice, level: 1 })).toBeVisible();
  return recoveryKey;
}

export async function lock(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Lock' }).click();
  await expect(page.getByRole('heading', { name: 'Folio is locked' })).toBeVisible();
}

export async function unlock(page: Page, passphrase = PASSPHRASE): Promise<void> {
  await page.getByLabel('Passphrase', { exact: true }).fill(passphrase);
  await page.getByRole('button', { name: 'Unlock' }).click();
  await expect(page.getByRole('button', { name: 'Lock' })).toBeVisible({ timeout: 20_000 });
}

export async function newPatient(
  page: Page,
  p: { given: string; family: string; birthDate: string; sex?: string },
): Promise<void> {
  await page.getByRole('link', { name: 'New patient' }).click();
  await page.getByLabel('Given name').fill(p.given);
  await page.getByLabel('Family name').fill(p.family);
  await page.getByLabel('Date of birth').fill(p.birthDate);
  await page.getByLabel('Sex').selectOption(p.sex ?? 'female');
  await page.getByRole('button', { name: 'Save' }).click();
}

/** Runs axe-core on the page; returns serious and critical violations. */
export async function axeViolations(page: Page): Promise<string[]> {
  const require = createRequire(import.meta.url);
  const source = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  // Injected through the DevTools protocol (evaluate), not a <script> tag, so the CSP is untouched.
  await page.evaluate(source);
  const results = await page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: {
          run: (
            ctx: Document,
            opts: object,
          ) => Promise<{ violations: { id: string; impact: string; nodes: unknown[] }[] }>;
        };
      }
    ).axe;
    return axe.run(document, { resultTypes: ['violations'] });
  });
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}, ${v.nodes.length} nodes)`);
}

/** Every IndexedDB value (raw), web storage and Cache Storage, for scanning. */
export async function dumpStorage(page: Page) {
  return page.evaluate(async () => {
    const b64 = (u: Uint8Array) => btoa(Array.from(u, (c) => String.fromCharCode(c)).join(''));
    const records: { db: string; store: string; value: unknown }[] = [];
    const norm = (v: unknown): unknown =>
      v instanceof Uint8Array
        ? { $bytes: b64(v) }
        : Array.isArray(v)
          ? v.map(norm)
          : v && typeof v === 'object'
            ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, norm(x)]))
            : v;
    for (const info of await indexedDB.databases()) {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const r = indexedDB.open(info.name!);
        r.onsuccess = () => resolve(r.result);
        r.onerror = () => reject(r.error);
      });
      for (const store of Array.from(db.objectStoreNames)) {
        const all = await new Promise<unknown[]>((resolve) => {
          const r = db.transaction(store).objectStore(store).getAll();
          r.onsuccess = () => resolve(r.result);
        });
        for (const value of all) records.push({ db: info.name!, store, value: norm(value) });
      }
      db.close();
    }
    const web: string[] = [];
    for (const s of [localStorage, sessionStorage]) {
      for (let i = 0; i < s.length; i++) web.push(s.key(i)!, s.getItem(s.key(i)!)!);
    }
    const cached: string[] = [];
    for (const name of await caches.keys()) {
      const cache = await caches.open(name);
      for (const request of await cache.keys())
        cached.push(await (await cache.match(request))!.text());
    }
    return { records, web, cached };
  });
}

export function bytesIn(value: unknown, out: Buffer[] = []): Buffer[] {
  if (value && typeof value === 'object') {
    if ('$bytes' in value) out.push(Buffer.from((value as { $bytes: string }).$bytes, 'base64'));
    else for (const v of Object.values(value)) bytesIn(v, out);
  }
  return out;
}

export async function openPairing(admin: Page): Promise<string> {
  await admin.getByRole('link', { name: 'Settings' }).click();
  await admin.getByRole('button', { name: 'Pair a device' }).click();
  await expect(admin.getByRole('img', { name: 'QR code of the pairing link' })).toBeVisible();
  return admin.getByLabel('Pairing link').inputValue();
}

export async function joinWith(page: Page, link: string, name: string) {
  await page.goto(link);
  await page.getByLabel('Your name').fill(name);
  await page.getByLabel('Device name').fill('Exam room tablet');
  await page.getByLabel('Passphrase', { exact: true }).fill('tablet passphrase 7291');
  await page.getByLabel('Confirm passphrase').fill('tablet passphrase 7291');
  await page.getByRole('button', { name: 'Join' }).click();
}

/** Pairs a second device (by default clinician "Nurse Bo") with an admin page that is unlocked. */
export async function pairDevice(
  admin: Page,
  device: Page,
  name = 'Nurse Bo',
  role: 'clinician' | 'front-desk' | 'admin' = 'clinician',
  onLink: (link: string) => void = () => {},
): Promise<void> {
  const link = await openPairing(admin);
  onLink(link);
  await joinWith(device, link, name);
  await expect(admin.getByTestId('admin-sas')).toHaveText(
    (await device.getByTestId('device-sas').textContent())!,
  );
  await admin
    .getByRole('group', { name: 'Confirm the new device' })
    .getByLabel('Role')
    .selectOption(role);
  await admin.getByLabel('The codes match').check();
  await admin.getByRole('button', { name: 'Confirm device' }).click();
  await device.getByLabel('I have saved the recovery key').check({ timeout: 20_000 });
  await device.getByRole('button', { name: 'Continue' }).click();
  await admin.getByRole('button', { name: 'Pair another device' }).click();
}

/** Adds a problem on a chart's Problems tab and waits until it shows. */
export async function addProblem(page: Page, text: string): Promise<void> {
  await page.getByRole('button', { name: 'Add problem' }).click();
  await page.getByLabel('Problem', { exact: true }).fill(text);
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByText(text, { exact: true })).toBeVisible();
}

/**
 * Sync state the app exposes on its status pill (never shown): counters a test can wait on, so
 * that an absence is asserted only after a marker that did arrive — never after a fixed sleep.
 */
export async function syncMarkers(page: Page) {
  const status = page.getByRole('status').first();
  const read = async (name: string) => Number(await status.getAttribute(`data-${name}`));
  return {
    /** Envelopes that arrived in open rooms from peers or the relay. */
    arrived: await read('arrived'),
    /** Finished catch-up passes over charts that are not open. */
    catchUpPasses: await read('catch-up-passes'),
    /** Of those, the passes that visited every chart (a first pass, a wiped relay). */
    catchUpFullPasses: await read('catch-up-full-passes'),
    /** Open channels (relay socket + direct peers). */
    channels: await read('channels'),
  };
}

/** Waits until a sync marker of the page reaches at least `atLeast`. */
export async function waitForMarker(
  page: Page,
  name: 'arrived' | 'catchUpPasses',
  atLeast: number,
  timeout = 60_000,
): Promise<void> {
  await expect
    .poll(async () => (await syncMarkers(page))[name], { timeout })
    .toBeGreaterThanOrEqual(atLeast);
}

/**
 * Sync under bad conditions (issue 5): a device that is offline while others edit, a relay that
 * dies mid-sync (restarted with its data, and wiped), and hostile traffic injected into the relay.
 */
import { HocuspocusProvider, HocuspocusProviderWebsocket } from '@hocuspocus/provider';
import { randomBytes } from 'node:crypto';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { expect, test } from './fixtures.ts';
import { checkRecordsAtRest } from './at-rest.ts';
import {
  addProblem,
  createPractice,
  dumpStorage,
  lock,
  newPatient,
  pairDevice,
  PASSPHRASE,
  syncMarkers,
  unlock,
  waitForMarker,
} from './helpers.ts';

/** Laptop (admin) and tablet paired, both on the problems tab of one new patient's chart. */
async function sharedChart(newDevice: () => Promise<import('@playwright/test').BrowserContext>) {
  const tabletContext = await newDevice();
  const laptop = await (await newDevice()).newPage();
  const tablet = await tabletContext.newPage();
  await createPractice(laptop);
  await pairDevice(laptop, tablet);
  await laptop.getByRole('link', { name: 'Patients' }).click();
  await newPatient(laptop, { given: 'Odile', family: 'Offlinska', birthDate: '1958-03-14' });
  await laptop.getByRole('tab', { name: 'Problems' }).click();
  await tablet.getByRole('link', { name: 'Patients' }).click();
  await tablet.getByRole('link', { name: 'Offlinska, Odile' }).click({ timeout: 30_000 });
  await tablet.getByRole('tab', { name: 'Problems' }).click();
  return { laptop, tablet, tabletContext };
}

test('a device edits offline while another edits the same chart; on reconnect both have everything', async ({
  newDevice,
}) => {
  test.setTimeout(150_000);
  const { laptop, tablet, tabletContext } = await sharedChart(newDevice);
  await addProblem(laptop, 'Shared before offline');
  await expect(tablet.getByText('Shared before offline', { exact: true })).toBeVisible({
    timeout: 30_000,
  });

  await tabletContext.setOffline(true);
  await expect(tablet.getByRole('status').first()).toContainText('Offline');
  // No channel is left that could carry an edit in or out (relay socket closed, no peers).
  await expect(tablet.getByRole('status').first()).toHaveAttribute('data-channels', '0');
  await addProblem(tablet, 'Charted while offline');
  await addProblem(laptop, 'Charted while online');
  await expect(laptop.getByRole('status').first()).toHaveText(/Synced with the relay/, {
    timeout: 30_000,
  });
  // The tablet really was cut off: with no channel open, neither edit crossed.
  await expect(tablet.getByRole('status').first()).toHaveAttribute('data-channels', '0');
  await expect(tablet.getByText('Charted while online', { exact: true })).toHaveCount(0);
  await expect(laptop.getByText('Charted while offline', { exact: true })).toHaveCount(0);

  await tabletContext.setOffline(false);
  for (const page of [laptop, tablet]) {
    for (const text of ['Shared before offline', 'Charted while offline', 'Charted while online'])
      await expect(page.getByText(text, { exact: true })).toBeVisible({ timeout: 30_000 });
  }
});

test('the relay dies mid-sync: restarted with its data, then wiped, every device converges', async ({
  newDevice,
  relayHandle,
}) => {
  test.setTimeout(180_000);
  const { laptop, tablet } = await sharedChart(newDevice);
  // The tablet leaves the chart: from now on it gets the chart only by catch-up.
  await tablet.getByRole('link', { name: 'Patients' }).click();

  // Killed while the laptop is sending; the laptop keeps charting while the relay is down.
  const saving = addProblem(laptop, 'Before the crash');
  await relayHandle.relay.close();
  await saving;
  await addProblem(laptop, 'While the relay was down');
  await relayHandle.restart();
  await expect(laptop.getByRole('status').first()).toHaveText(/Synced/, { timeout: 60_000 });

  // Wiped and restarted: the devices upload what they hold again.
  await relayHandle.relay.close();
  for (const file of await readdir(relayHandle.dataDir))
    await rm(join(relayHandle.dataDir, file), { force: true });
  await relayHandle.restart();
  await addProblem(laptop, 'After the wipe');

  await tablet.getByRole('link', { name: 'Offlinska, Odile' }).click({ timeout: 30_000 });
  await tablet.getByRole('tab', { name: 'Problems' }).click();
  for (const text of ['Before the crash', 'While the relay was down', 'After the wipe'])
    await expect(tablet.getByText(text, { exact: true })).toBeVisible({ timeout: 60_000 });
});

test('charts that are not open are caught up in the background, so they can be read offline later', async ({
  newDevice,
}) => {
  test.setTimeout(150_000);
  const tabletContext = await newDevice();
  const laptop = await (await newDevice()).newPage();
  const tablet = await tabletContext.newPage();
  await createPractice(laptop);
  await pairDevice(laptop, tablet);
  await tablet.getByRole('link', { name: 'Patients' }).click();

  // The laptop charts two patients; the tablet never opens either chart while online.
  await laptop.getByRole('link', { name: 'Patients' }).click();
  await newPatient(laptop, { given: 'Bea', family: 'Background', birthDate: '1970-01-02' });
  await laptop.getByRole('tab', { name: 'Problems' }).click();
  await addProblem(laptop, 'Caught-up sinusitis');
  await laptop.getByRole('link', { name: 'Patients' }).click();
  await newPatient(laptop, { given: 'Cal', family: 'Closedchart', birthDate: '1971-02-03' });
  await laptop.getByRole('link', { name: 'Patients' }).click();
  await expect(laptop.getByRole('status').first()).toHaveText(/Synced/, { timeout: 30_000 });
  // "Synced" speaks of open rooms; a chart closed right after it was written is uploaded by the
  // laptop's own catch-up (1 s after the write). Wait for a laptop pass that started after that
  // write, so the relay holds both charts before the tablet is asked to fetch them.
  const laptopPasses = (await syncMarkers(laptop)).catchUpPasses;
  await waitForMarker(laptop, 'catchUpPasses', laptopPasses + 2, 45_000);
  await expect(tablet.getByRole('link', { name: 'Closedchart, Cal' })).toBeVisible({
    timeout: 30_000,
  });
  // Catch-up passes run when the patient list changes and every 15 s: wait for a pass that
  // started after the laptop's changes were on the relay.
  const { catchUpPasses } = await syncMarkers(tablet);
  await waitForMarker(tablet, 'catchUpPasses', catchUpPasses + 2, 45_000);

  await tabletContext.setOffline(true);
  await tablet.getByRole('link', { name: 'Background, Bea' }).click();
  await tablet.getByRole('tab', { name: 'Problems' }).click();
  await expect(tablet.getByText('Caught-up sinusitis', { exact: true })).toBeVisible();
  await tablet.getByRole('link', { name: 'Patients' }).click();
  await tablet.getByRole('link', { name: 'Closedchart, Cal' }).click();
  await expect(tablet.getByRole('heading', { name: 'Closedchart, Cal' })).toBeVisible();
});

test('a chart written offline and closed before a lock is uploaded by the first pass after the unlock, which is not a full one', async ({
  newDevice,
}) => {
  test.setTimeout(180_000);
  const laptopContext = await newDevice();
  const laptop = await laptopContext.newPage();
  const tablet = await (await newDevice()).newPage();
  await createPractice(laptop);
  await pairDevice(laptop, tablet);
  await laptop.getByRole('link', { name: 'Patients' }).click();
  for (const [given, family] of [
    ['Lena', 'Lockedout'],
    ['Otto', 'Other'],
  ]) {
    await newPatient(laptop, { given: given!, family: family!, birthDate: '1966-06-06' });
    await laptop.getByRole('link', { name: 'Patients' }).click();
  }
  // Two passes after the charts were closed: both are on the relay and the state is kept.
  const passes = (await syncMarkers(laptop)).catchUpPasses;
  await waitForMarker(laptop, 'catchUpPasses', passes + 2, 45_000);
  // Kept sealed: the at-rest scan knows the store and no box opens with a wrong key.
  expect(await checkRecordsAtRest((await dumpStorage(laptop)).records)).toContain(
    'folio-vault/catchup',
  );

  // Offline, no pass runs: the problem reaches the laptop's log and nothing else before the lock
  // (which reloads the page, and with it every mark in memory).
  await laptopContext.setOffline(true);
  await laptop.getByRole('link', { name: 'Lockedout, Lena' }).click();
  await laptop.getByRole('tab', { name: 'Problems' }).click();
  await addProblem(laptop, 'Written before the lock');
  await laptop.getByRole('link', { name: 'Patients' }).click();
  await lock(laptop);
  await laptopContext.setOffline(false);
  await unlock(laptop);
  await waitForMarker(laptop, 'catchUpPasses', 1, 45_000);

  await tablet.getByRole('link', { name: 'Patients' }).click();
  await tablet.getByRole('link', { name: 'Lockedout, Lena' }).click({ timeout: 30_000 });
  await tablet.getByRole('tab', { name: 'Problems' }).click();
  await expect(tablet.getByText('Written before the lock', { exact: true })).toBeVisible({
    timeout: 45_000,
  });
  // The kept state made every pass since the unlock an incremental one.
  expect((await syncMarkers(laptop)).catchUpFullPasses).toBe(0);
});

test('a device whose clock is hours off is warned, and presence still works both ways', async ({
  newDevice,
}) => {
  test.setTimeout(150_000);
  const tabletContext = await newDevice();
  const laptop = await (await newDevice()).newPage();
  const tablet = await tabletContext.newPage();
  // The tablet's clock runs three hours ahead (time keeps flowing from there).
  await tablet.clock.install({ time: Date.now() + 3 * 3600_000 });
  await createPractice(laptop);
  await pairDevice(laptop, tablet);
  await expect(
    tablet.getByRole('alert').filter({ hasText: /clock is about 3 hours ahead/ }),
  ).toBeVisible();
  await expect(laptop.getByText(/clock is about/)).toHaveCount(0);

  await laptop.getByRole('link', { name: 'Patients' }).click();
  await newPatient(laptop, { given: 'Chrono', family: 'Skewman', birthDate: '1961-07-07' });
  await tablet.getByRole('link', { name: 'Patients' }).click();
  await tablet.getByRole('link', { name: 'Skewman, Chrono' }).click({ timeout: 30_000 });
  await expect(laptop.getByTestId('presence')).toHaveText('Also open now: Nurse Bo', {
    timeout: 30_000,
  });
  await expect(tablet.getByTestId('presence')).toHaveText('Also open now: Dr. Quillon Marsh', {
    timeout: 30_000,
  });
});

/** The room ids and capabilities a page presents to the relay (read from its own frames). */
function captureRooms(page: Page): Map<string, string> {
  const rooms = new Map<string, string>();
  page.on('websocket', (ws) => {
    if (!ws.url().endsWith('/sync')) return;
    ws.on('framesent', ({ payload }) => {
      const text = Buffer.isBuffer(payload) ? payload.toString('latin1') : payload;
      // Room id, then its token: the capability and the practice proof (spec §12).
      const match = /([0-9a-f]{32})[\s\S]{1,6}?([0-9a-f]{64}\.[A-Za-z0-9_-]{140})/.exec(text);
      if (match) rooms.set(match[1]!, match[2]!);
    });
  });
  return rooms;
}

test('forged envelopes and deletions injected into the relay are refused by every device; nothing is lost', async ({
  newDevice,
  relayHandle,
}) => {
  test.setTimeout(150_000);
  const tabletContext = await newDevice();
  const laptopContext = await newDevice();
  const laptop = await laptopContext.newPage();
  const rooms = captureRooms(laptop);
  const tablet = await tabletContext.newPage();
  await createPractice(laptop);
  await pairDevice(laptop, tablet);
  await laptop.getByRole('link', { name: 'Patients' }).click();
  await newPatient(laptop, { given: 'Ingrid', family: 'Injectova', birthDate: '1949-12-01' });
  await tablet.getByRole('link', { name: 'Patients' }).click();
  await expect(tablet.getByRole('link', { name: 'Injectova, Ingrid' })).toBeVisible({
    timeout: 30_000,
  });
  await expect.poll(() => rooms.size, { timeout: 30_000 }).toBeGreaterThan(0);

  // An attacker who learned a room's token — its capability and the practice's proof, as a
  // member of the practice would have them (the worst case) — writes into every room.
  const socket = new HocuspocusProviderWebsocket({
    url: relayHandle.relay.url.replace('http', 'ws') + '/sync',
    WebSocketPolyfill: WebSocket,
  });
  const targets = [...rooms];
  const attackers = targets.map(([room, token]) => {
    const doc = new Y.Doc();
    const provider = new HocuspocusProvider({
      websocketProvider: socket,
      name: room,
      document: doc,
      token,
    });
    (provider as unknown as { attach?: () => void }).attach?.();
    return { doc, provider };
  });
  try {
    await expect
      .poll(() => attackers.every((a) => a.provider.isSynced), { timeout: 30_000 })
      .toBe(true);
    for (const { doc } of attackers) {
      const forged = new Uint8Array(300);
      forged.set(randomBytes(300));
      forged[0] = 1; // envelope version, so it passes the relay's shape check
      forged[1] = 1; // kind: update
      doc.getArray<Uint8Array>('envelopes').push([forged]);
    }
    for (const page of [laptop, tablet])
      await expect(page.getByRole('status').first()).toContainText(/changes refused/, {
        timeout: 30_000,
      });
    // A deletion of the room's envelopes is refused by the relay; devices lose nothing.
    const before = attackers.map((a) => a.doc.getArray('envelopes').length);
    for (const { doc } of attackers) {
      const list = doc.getArray<Uint8Array>('envelopes');
      list.delete(0, list.length);
    }
    await expect
      .poll(
        async () => {
          const counts: number[] = [];
          for (const [room, token] of targets)
            counts.push(await relayCount(relayHandle.relay.url, room, token));
          return counts;
        },
        { timeout: 10_000 },
      )
      .toEqual(before);
  } finally {
    for (const { provider } of attackers) provider.destroy();
    socket.destroy();
  }
  for (const [page, passphrase] of [
    [laptop, PASSPHRASE],
    [tablet, 'tablet passphrase 7291'],
  ] as const) {
    await page.reload();
    await unlock(page, passphrase);
    await page.getByRole('link', { name: 'Patients' }).click();
    await expect(page.getByRole('link', { name: 'Injectova, Ingrid' })).toBeVisible({
      timeout: 30_000,
    });
  }
});

/** How many envelopes the relay holds in a room (read with a fresh connection). */
async function relayCount(url: string, room: string, token: string): Promise<number> {
  const socket = new HocuspocusProviderWebsocket({
    url: url.replace('http', 'ws') + '/sync',
    WebSocketPolyfill: WebSocket,
  });
  const doc = new Y.Doc();
  const provider = new HocuspocusProvider({
    websocketProvider: socket,
    name: room,
    document: doc,
    token,
  });
  (provider as unknown as { attach?: () => void }).attach?.();
  try {
    await expect.poll(() => provider.isSynced, { timeout: 10_000 }).toBe(true);
    return doc.getArray('envelopes').length;
  } finally {
    provider.destroy();
    socket.destroy();
  }
}

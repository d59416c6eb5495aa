/**
 * Note editor benchmark (issue 16 item 1): a keystroke in the Subjective editor on device A →
 * the character visible in the same editor on device B; p50/p95 over a bounded series, budget
 * p95 ≤ 100 ms on loopback. Two real app pages (the built app served by a relay on loopback),
 * two paired devices of one practice, both with the note open; it reports whether a WebRTC
 * channel was up (edits then go page → sealed envelope → WebRTC → verify → apply), else the
 * edit goes through the relay.
 *
 * What a sample includes: A's keydown (timed in A's page by a capture listener) → ProseMirror
 * → y-prosemirror → Y.Doc update → sealing in A's vault Worker → transport → B's vault Worker
 * verifying → Y.Doc → y-prosemirror → B's DOM (timed in B's page by a MutationObserver). Both
 * timestamps are `performance.timeOrigin + performance.now()` on one machine. Not a pass/fail
 * test. Run alone: `npx tsx bench/note-editor.ts` (needs `npm run build` and Chromium).
 */
import type { Page } from '@playwright/test';
import { withBrowser } from './chromium.ts';
import { line } from './report.ts';
import { createPractice, newPatient, pairDevice } from '../tests/e2e/helpers.ts';

const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;

export async function benchNoteEditor({ keystrokes = 100, gapMs = 60 } = {}): Promise<void> {
  await withBrowser('build', async (browser, url) => {
    const device = async () => {
      const context = await browser.newContext({ baseURL: url });
      await context.grantPermissions(['camera', 'microphone'], { origin: url });
      return context.newPage();
    };
    const a = await device();
    const b = await device();
    await createPractice(a);
    await pairDevice(a, b);
    await a.getByRole('link', { name: 'Patients' }).click();
    await newPatient(a, { given: 'Bench', family: 'Keystroke', birthDate: '1970-01-01' });
    await a.getByRole('tab', { name: 'Notes' }).click();
    await a.getByRole('button', { name: 'New note' }).click();
    await a.getByRole('button', { name: 'Save' }).click();
    const editor = (p: Page) => p.getByLabel('Subjective', { exact: true });
    await editor(a).fill('x');
    await b.getByRole('link', { name: 'Patients' }).click();
    await b.getByRole('link', { name: 'Keystroke, Bench' }).click({ timeout: 30_000 });
    await b.getByRole('tab', { name: 'Notes' }).click();
    await b.waitForFunction(
      () => document.querySelector('[aria-multiline="true"]')?.textContent === 'x',
      undefined,
      { timeout: 30_000 },
    );
    // Wait until B sees A in the chart (the room is up both ways).
    await b
      .getByTestId('presence')
      .getByText(/Also open now/)
      .waitFor({ timeout: 30_000 });
    const status = b.getByRole('status').first();
    const webrtc = /other device connected/.test((await status.textContent()) ?? '');

    await a.evaluate(() => {
      const w = window as unknown as { __sent: number[]; __seen: Record<number, number> };
      w.__sent = [];
      const el = document.querySelector('[aria-multiline="true"]')!;
      // Only the typed characters (not Control+End).
      el.addEventListener(
        'keydown',
        (e) => {
          if ((e as KeyboardEvent).key.length === 1)
            w.__sent.push(performance.timeOrigin + performance.now());
        },
        true,
      );
      // Baseline in the same run: the keystroke visible in A's own editor.
      w.__seen = {};
      new MutationObserver(() => {
        const n = el.textContent?.length ?? 0;
        w.__seen[n] ??= performance.timeOrigin + performance.now();
      }).observe(el, { subtree: true, childList: true, characterData: true });
    });
    await b.evaluate(() => {
      const w = window as unknown as { __seen: Record<number, number> };
      w.__seen = {};
      const el = document.querySelector('[aria-multiline="true"]')!;
      new MutationObserver(() => {
        const n = el.textContent?.length ?? 0;
        w.__seen[n] ??= performance.timeOrigin + performance.now();
      }).observe(el, { subtree: true, childList: true, characterData: true });
    });
    await editor(a).click();
    await a.keyboard.press('Control+End');
    const base = 1;
    for (let i = 0; i < keystrokes; i++) {
      await a.keyboard.type(String.fromCharCode(97 + (i % 26)));
      await a.waitForTimeout(gapMs);
    }
    await b.waitForFunction(
      (n) => (document.querySelector('[aria-multiline="true"]')?.textContent?.length ?? 0) >= n,
      base + keystrokes,
      { timeout: 30_000 },
    );
    const sent = await a.evaluate(() => (window as unknown as { __sent: number[] }).__sent);
    const seen = await b.evaluate(
      () => (window as unknown as { __seen: Record<number, number> }).__seen,
    );
    const local = await a.evaluate(
      () => (window as unknown as { __seen: Record<number, number> }).__seen,
    );
    const delays = (at: Record<number, number>) =>
      sent.map((t, i) => (at[base + i + 1] ?? NaN) - t).filter((x) => Number.isFinite(x));
    const remote = delays(seen);
    const echo = delays(local);
    line(
      'note keystroke → visible on device B',
      `${remote.length}/${keystrokes} keys, ${webrtc ? 'WebRTC up' : 'relay only'}`,
      `p50 ${pct(remote, 0.5).toFixed(1)} ms, p95 ${pct(remote, 0.95).toFixed(1)} ms`,
      `budget p95 ≤ 100 ms; local echo p95 ${pct(echo, 0.95).toFixed(1)} ms (×${(
        pct(remote, 0.95) / Math.max(pct(echo, 0.95), 0.1)
      ).toFixed(1)})`,
    );
  });
}

if (import.meta.url === `file://${process.argv[1]}`) await benchNoteEditor();

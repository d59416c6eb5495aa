/**
 * Chart layout and navigation (issue 13 item 8): the ARIA tabs pattern (arrow keys, Home/End,
 * aria-controls), the selected tab in the URL, focus on what was just created, and a 390 px wide
 * screen with no horizontal page scroll on any tab.
 */
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures.ts';
import { addProblem, createPractice, newPatient, unlock } from './helpers.ts';

async function pageScrollsSideways(page: Page): Promise<boolean> {
  return page.evaluate(() => document.scrollingElement!.scrollWidth > window.innerWidth);
}

test('chart tabs follow the ARIA tabs pattern, live in the URL, and fit a 390 px screen', async ({
  page,
}) => {
  test.setTimeout(90_000);
  await createPractice(page);
  await newPatient(page, {
    given: 'Marisol',
    family: 'Quenneville-Ashbury',
    birthDate: '1950-03-01',
  });
  const tablist = page.getByRole('tablist', { name: 'Chart sections' });
  const summary = tablist.getByRole('tab', { name: 'Summary' });
  await expect(summary).toHaveAttribute('aria-selected', 'true');
  await expect(summary).toHaveAttribute('tabindex', '0');
  const panelId = await summary.getAttribute('aria-controls');
  await expect(page.locator(`#${panelId}`)).toHaveAttribute('role', 'tabpanel');

  // Arrow keys move focus and selection; the URL follows; Home and End jump.
  await summary.focus();
  await page.keyboard.press('ArrowRight');
  const problems = tablist.getByRole('tab', { name: 'Problems' });
  await expect(problems).toBeFocused();
  await expect(problems).toHaveAttribute('aria-selected', 'true');
  await expect(summary).toHaveAttribute('tabindex', '-1');
  await expect(page).toHaveURL(/\?tab=problems$/);
  await page.keyboard.press('End');
  await expect(tablist.getByRole('tab', { name: 'Audit' })).toBeFocused();
  await expect(page).toHaveURL(/\?tab=audit$/);
  await page.keyboard.press('ArrowRight');
  await expect(summary).toBeFocused();
  await expect(page).not.toHaveURL(/tab=/);
  await page.keyboard.press('ArrowLeft');
  await expect(tablist.getByRole('tab', { name: 'Audit' })).toBeFocused();

  // A reload (after unlocking again) opens the tab the URL names.
  await problems.click();
  await page.reload();
  await unlock(page);
  await expect(page.getByRole('tab', { name: 'Problems' })).toHaveAttribute(
    'aria-selected',
    'true',
    { timeout: 20_000 },
  );

  // Focus moves to what was just created.
  await addProblem(page, 'Essential hypertension (focus check)');
  await expect(
    page.locator('li[id^="entry-"]', { hasText: 'Essential hypertension (focus check)' }),
  ).toBeFocused();

  // 390 px: no tab makes the page scroll sideways.
  await page.setViewportSize({ width: 390, height: 844 });
  const names = await tablist.getByRole('tab').allTextContents();
  expect(names.length).toBeGreaterThan(5);
  for (const name of names) {
    await tablist.getByRole('tab', { name, exact: true }).click();
    await expect(tablist.getByRole('tab', { name, exact: true })).toHaveAttribute(
      'aria-selected',
      'true',
    );
    expect(await pageScrollsSideways(page), `tab ${name} at 390 px`).toBe(false);
  }
});

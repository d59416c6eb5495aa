/**
 * The collaborative note editor (issue 16 item 1, ADR 0012): two paired devices type into one
 * note — apart and at the same place — and neither moves the other's caret nor interleaves
 * words; formatting by keyboard and toolbar; remote carets from sealed presence; signing makes
 * the note read-only; accessibility and a 390 px screen.
 */
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures.ts';
import { axeViolations, createPractice, newPatient, pairDevice } from './helpers.ts';

const editor = (page: Page, label = 'Subjective') => page.getByLabel(label, { exact: true });
const text = async (page: Page, label = 'Subjective') =>
  (await editor(page, label).textContent()) ?? '';

test('two devices type at the start and the end, then at the same place: words stay whole', async ({
  newDevice,
}) => {
  test.setTimeout(150_000);
  const laptop = await (await newDevice()).newPage();
  const tablet = await (await newDevice()).newPage();
  await createPractice(laptop);
  await pairDevice(laptop, tablet);

  await laptop.getByRole('link', { name: 'Patients' }).click();
  await newPatient(laptop, { given: 'Cora', family: 'Editwell', birthDate: '1971-03-04' });
  await laptop.getByRole('tab', { name: 'Notes' }).click();
  await laptop.getByRole('button', { name: 'New note' }).click();
  await laptop.getByRole('button', { name: 'Save' }).click();
  await editor(laptop).fill('Baseline history.');

  await tablet.getByRole('link', { name: 'Patients' }).click();
  await tablet.getByRole('link', { name: 'Editwell, Cora' }).click({ timeout: 30_000 });
  await tablet.getByRole('tab', { name: 'Notes' }).click();
  await expect(editor(tablet)).toHaveText('Baseline history.', { timeout: 30_000 });
  // Both see the other through sealed presence (the room is up in both directions).
  await expect(laptop.getByTestId('presence')).toHaveText('Also open now: Nurse Bo', {
    timeout: 30_000,
  });
  await expect(tablet.getByTestId('presence')).toHaveText('Also open now: Dr. Quillon Marsh', {
    timeout: 30_000,
  });

  // Apart: the laptop types at the start while the tablet types at the end.
  await editor(laptop).click();
  await laptop.keyboard.press('Control+Home');
  await editor(tablet).click();
  await tablet.keyboard.press('Control+End');
  const start = 'Alpha bravo charlie ';
  const end = ' xray yankee zulu';
  await Promise.all([
    editor(laptop).pressSequentially(start, { delay: 40 }),
    editor(tablet).pressSequentially(end, { delay: 40 }),
  ]);
  const apart = `${start}Baseline history.${end}`;
  await expect.poll(() => text(laptop), { timeout: 30_000 }).toBe(apart);
  await expect.poll(() => text(tablet), { timeout: 30_000 }).toBe(apart);
  // Neither caret moved: each device's next keystrokes land right after its own words.
  await editor(laptop).pressSequentially('delta ', { delay: 20 });
  await editor(tablet).pressSequentially(' omega', { delay: 20 });
  const after = `${start}delta Baseline history.${end} omega`;
  await expect.poll(() => text(laptop), { timeout: 30_000 }).toBe(after);
  await expect.poll(() => text(tablet), { timeout: 30_000 }).toBe(after);

  // The tablet shows the laptop's caret, carried in sealed presence.
  await expect(editor(tablet).locator('.remote-caret')).toHaveAttribute(
    'data-name',
    'Dr. Quillon Marsh',
    { timeout: 30_000 },
  );

  // The same place: both at the very end, typing at once. Several rounds: the interleaving
  // that once threw a person's words behind the other's (a typed letter landing on the far
  // side of the remote caret) showed up about one round in twelve.
  let before = after;
  for (let round = 0; round < 6; round++) {
    await laptop.keyboard.press('Control+End');
    await tablet.keyboard.press('Control+End');
    await expect.poll(() => text(laptop)).toBe(before);
    const one = ` laptop${round}one laptop${round}two`;
    const two = ` tablet${round}one tablet${round}two`;
    await Promise.all([
      editor(laptop).pressSequentially(one, { delay: 40 }),
      editor(tablet).pressSequentially(two, { delay: 40 }),
    ]);
    const length = before.length + one.length + two.length;
    await expect
      .poll(async () => (await text(laptop)) === (await text(tablet)) && (await text(laptop)), {
        timeout: 30_000,
      })
      .toHaveLength(length);
    const merged = await text(laptop);
    expect(merged.startsWith(before)).toBe(true);
    expect(merged.slice(before.length)).toMatch(new RegExp(`^(${one}${two}|${two}${one})$`));
    before = merged;
  }

  // The practice letterhead is the admin's to set: the clinician tablet sees it, cannot change it.
  await laptop.getByRole('link', { name: 'Settings' }).click();
  const adminForm = laptop.getByRole('form', { name: 'Prescription letterhead' });
  await adminForm.getByLabel('Practice address').fill('14 Wrenfield Road, Springfield, IL 62704');
  await adminForm.getByLabel('Practice phone').fill('+1 217 555 0142');
  await adminForm.getByLabel('Your credentials (e.g. MD)').fill('MD');
  await adminForm.getByLabel('Your NPI').fill('1234567893');
  await adminForm.getByRole('button', { name: 'Save letterhead' }).click();
  await expect(adminForm.getByRole('status')).toHaveText(
    'Saved. New prescriptions start with these details.',
  );
  await tablet.getByRole('link', { name: 'Settings' }).click();
  const form = tablet.getByRole('form', { name: 'Prescription letterhead' });
  await expect(form.getByLabel('Practice address')).toHaveValue(
    '14 Wrenfield Road, Springfield, IL 62704',
    { timeout: 30_000 },
  );
  await expect(form.getByLabel('Practice address')).not.toBeEditable();
  await expect(form.getByText('set by an admin of the practice')).toBeVisible();
  await form.getByLabel('Your credentials (e.g. MD)').fill('NP');
  await form.getByLabel('Your NPI').fill('1245319599');
  await form.getByRole('button', { name: 'Save letterhead' }).click();
  await expect(form.getByRole('status')).toHaveText(
    'Saved. New prescriptions start with these details.',
  );
});

test('formatting by keyboard and toolbar, signing makes it read-only, accessible at 390 px', async ({
  newDevice,
}) => {
  test.setTimeout(90_000);
  const page = await (await newDevice()).newPage();
  await createPractice(page);
  await page.getByRole('link', { name: 'Patients' }).click();
  await newPatient(page, { given: 'Rhea', family: 'Format', birthDate: '1990-01-02' });
  await page.getByRole('tab', { name: 'Notes' }).click();
  await page.getByRole('button', { name: 'New note' }).click();
  await page.getByRole('button', { name: 'Save' }).click();

  const subjective = editor(page);
  await expect(subjective).toHaveAttribute('role', 'textbox');
  await expect(subjective).toHaveAttribute('aria-multiline', 'true');
  const toolbar = page.getByRole('toolbar', { name: 'Formatting' }).first();

  // Toolbar: a heading.
  await subjective.click();
  await toolbar.getByRole('button', { name: 'Heading' }).click();
  await expect(toolbar.getByRole('button', { name: 'Heading' })).toHaveAttribute(
    'aria-pressed',
    'true',
  );
  await page.keyboard.type('History');
  await expect(subjective.locator('h2')).toHaveText('History');
  await page.keyboard.press('Enter');
  // Keyboard: bold on and off.
  await page.keyboard.type('Took ');
  await page.keyboard.press('Control+b');
  await page.keyboard.type('ibuprofen');
  await page.keyboard.press('Control+b');
  await page.keyboard.type(' daily');
  await expect(subjective.locator('strong')).toHaveText('ibuprofen');
  // Keyboard: a bulleted list; toolbar: a numbered list in another section.
  await page.keyboard.press('Enter');
  await page.keyboard.press('Control+Shift+8');
  await page.keyboard.type('headache');
  await page.keyboard.press('Enter');
  await page.keyboard.type('nausea');
  await expect(subjective.locator('ul > li')).toHaveText(['headache', 'nausea']);
  const plan = editor(page, 'Plan');
  await plan.click();
  await page
    .getByRole('toolbar', { name: 'Formatting' })
    .nth(3)
    .getByRole('button', {
      name: 'Numbered list',
    })
    .click();
  await page.keyboard.type('Rest');
  await expect(plan.locator('ol > li')).toHaveText(['Rest']);
  // A table from the toolbar; Tab moves between its cells.
  await page.keyboard.press('Enter');
  await page.keyboard.press('Enter');
  await page
    .getByRole('toolbar', { name: 'Formatting' })
    .nth(3)
    .getByRole('button', {
      name: 'Insert table',
    })
    .click();
  await page.keyboard.type('BP');
  await page.keyboard.press('Tab');
  await page.keyboard.type('120/80');
  await expect(plan.locator('td')).toHaveText(['BP', '120/80', '', '']);

  expect(await axeViolations(page)).toEqual([]);
  await page.setViewportSize({ width: 390, height: 844 });
  expect(
    await page.evaluate(() => document.scrollingElement!.scrollWidth > window.innerWidth),
  ).toBe(false);

  await expect(page.getByTestId('save-state')).toHaveText('All changes saved on this device');
  await page.getByRole('button', { name: 'Sign note' }).click();
  await page.getByRole('alertdialog').getByRole('button', { name: 'Sign', exact: true }).click();
  // Read-only: no editors, the signed plain text, and addenda instead.
  await expect(page.getByRole('textbox', { name: 'Subjective' })).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Sign note' })).toHaveCount(0);
  const signed = page.locator('p.text').first();
  await expect(signed).toHaveText('History\nTook ibuprofen daily\n- headache\n- nausea');
  await expect(page.getByLabel('Addendum', { exact: true })).toBeVisible();
  expect(await axeViolations(page)).toEqual([]);
});

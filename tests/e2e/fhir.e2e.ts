import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { strFromU8, unzipSync } from 'fflate';
import { checkResource } from '../../src/lib/fhir/r4/index.ts';
import { splitSynthea } from '../fixtures/fhir/synthea-split.ts';
import { expect, test } from './fixtures.ts';
import { bytesIn, createPractice, dumpStorage } from './helpers.ts';

const SYNTHEA = fileURLToPath(
  new URL(
    '../fixtures/fhir/synthea-r4/Clemente_Kreiger_1484a42d-0eaf-4654-9cbf-6b050a5cd73b.json',
    import.meta.url,
  ),
);

test('Import FHIR: preview, import into a new chart, edit, re-import as an update, export the practice as valid NDJSON', async ({
  newDevice,
}) => {
  test.setTimeout(150_000);
  const page = await (await newDevice()).newPage();
  await createPractice(page);
  await page.getByRole('link', { name: 'Import FHIR' }).click();

  // Bad input first: a clear message naming the place; nothing imported.
  await page.getByLabel('FHIR files', { exact: true }).setInputFiles({
    name: 'broken.json',
    mimeType: 'application/json',
    buffer: Buffer.from('{"resourceType": "Bundle",\n  "type": "collection",\n  "entry": [}'),
  });
  await expect(page.getByRole('alert')).toHaveText(
    'This file cannot be imported. Nothing was changed.',
  );
  await expect(page.getByText(/not valid JSON: the error is at line 3/)).toBeVisible();

  await page.getByLabel('FHIR files', { exact: true }).setInputFiles(SYNTHEA);
  await expect(page.getByRole('heading', { name: 'Preview' })).toBeVisible({ timeout: 60_000 });
  await expect(page.getByText('Kreiger, Clemente', { exact: false })).toBeVisible();
  await page.getByRole('button', { name: 'Import 1 patient' }).click();
  await page.getByRole('link', { name: 'Kreiger, Clemente' }).click({ timeout: 30_000 });
  await page.getByRole('tab', { name: 'Immunizations' }).click();
  await expect(page.locator('li', { hasText: /Influenza|Td|Hep|vaccine/i }).first()).toBeVisible();
  await page.getByRole('tab', { name: 'Problems' }).click();
  await page.getByRole('button', { name: 'Add problem' }).click();
  await page.getByLabel('Problem', { exact: true }).fill('Added after import');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByText('Added after import', { exact: true })).toBeVisible();

  // Nothing readable at rest.
  const storage = await dumpStorage(page);
  const blobs = [
    ...bytesIn(storage.records),
    Buffer.from(JSON.stringify(storage.records)),
    Buffer.from(storage.web.join('\n')),
    Buffer.from(storage.cached.join('\n')),
  ];
  for (const secret of ['Kreiger', 'Clemente', 'Added after import'])
    for (const b of blobs) expect(b.includes(Buffer.from(secret)), secret).toBe(false);

  // The same file again: an exact identifier match is preselected as an update, adds nothing new.
  await page.getByRole('link', { name: 'Patients' }).click();
  await page.getByRole('link', { name: 'Import FHIR' }).click();
  await page.getByLabel('FHIR files', { exact: true }).setInputFiles(SYNTHEA);
  await expect(page.getByLabel(/Update the chart of Kreiger, Clemente/)).toBeChecked({
    timeout: 60_000,
  });
  await page.getByRole('button', { name: 'Import 1 patient' }).click();
  await expect(page.getByText('0 resources added')).toBeVisible({ timeout: 30_000 });

  // The whole practice as NDJSON in a zip: every line a valid R4 resource; the edit is in it.
  await page.getByRole('link', { name: 'Patients' }).click();
  await page.getByRole('button', { name: 'Export FHIR' }).click();
  const download = page.waitForEvent('download');
  await page.getByTestId('ehi-download').click({ timeout: 30_000 });
  const files = unzipSync(new Uint8Array(await readFile(await (await download).path())));
  expect(strFromU8(files['README.md']!)).toContain('FHIR R4');
  const source = JSON.parse(await readFile(SYNTHEA, 'utf8')) as {
    entry: { resource: { resourceType: string } }[];
  };
  const expected: Record<string, number> = {};
  for (const e of source.entry)
    expected[e.resource.resourceType] = (expected[e.resource.resourceType] ?? 0) + 1;
  expected.Condition! += 1; // added after import
  expected.Provenance = 1; // where the chart came from
  const counts: Record<string, number> = {};
  for (const [name, bytes] of Object.entries(files)) {
    if (!name.endsWith('.ndjson')) continue;
    const lines = strFromU8(bytes).trim().split('\n');
    counts[name.replace('.ndjson', '')] = lines.length;
    for (const line of lines) {
      const resource = JSON.parse(line);
      expect(await checkResource({ resource, where: name })).toEqual([]);
    }
  }
  expect(counts).toEqual(expected);
  expect(strFromU8(files['Condition.ndjson']!)).toContain('Added after import');
});

test('Import FHIR: a patient whose practitioners and organizations are in other files of the same export (several files picked or dropped together)', async ({
  newDevice,
}) => {
  test.setTimeout(150_000);
  const page = await (await newDevice()).newPage();
  await createPractice(page);
  await page.getByRole('link', { name: 'Import FHIR' }).click();
  const [patientFile, ...directories] = splitSynthea(await readFile(SYNTHEA, 'utf8'));
  const asFile = (f: { name: string; data: string }) => ({
    name: f.name,
    mimeType: 'application/fhir+json',
    buffer: Buffer.from(f.data),
  });

  // Alone, the patient file refers to what is not in it: refused, with the places.
  const input = page.getByLabel('FHIR files', { exact: true });
  await expect(input).toHaveAttribute('multiple', '');
  await input.setInputFiles(asFile(patientFile!));
  await expect(page.getByText('Not imported: its data has problems.')).toBeVisible({
    timeout: 60_000,
  });
  await expect(page.getByText(/points at nothing in this file/).first()).toBeVisible();

  // Dropped together with its hospital and practitioner files: every reference resolves.
  const transfer = await page.evaluateHandle(
    (files) => {
      const dt = new DataTransfer();
      for (const f of files)
        dt.items.add(new File([f.data], f.name, { type: 'application/fhir+json' }));
      return dt;
    },
    [patientFile!, ...directories],
  );
  await page.getByRole('region', { name: 'Drop zone for FHIR files' }).dispatchEvent('drop', {
    dataTransfer: transfer,
  });
  await expect(page.getByRole('button', { name: 'Import 1 patient' })).toBeEnabled({
    timeout: 60_000,
  });
  await expect(page.getByText(/1 Organization/)).toBeVisible();
  await expect(page.getByText(/1 Practitioner/)).toBeVisible();
  await expect(page.getByText(/points at nothing/)).toHaveCount(0);
  await page.getByRole('button', { name: 'Import 1 patient' }).click();
  await expect(page.getByRole('link', { name: 'Kreiger, Clemente' })).toBeVisible({
    timeout: 30_000,
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VACCINES } from '../../../../src/lib/chart/cvx.ts';
import { LOINC_NOTICE, TERMINOLOGY_SOURCES } from '../../../../src/lib/chart/terminology/about.ts';
import { STATIC, shipped } from './shipped.ts';

const flat = (s: string) => s.replace(/\s+/g, ' ').trim();

describe('the About page content', () => {
  it('shows the LOINC notice word for word as the licence requires', () => {
    const licence = readFileSync(join(STATIC, 'loinc', 'LICENSE.txt'), 'utf8');
    expect(flat(licence)).toContain(`"${LOINC_NOTICE}"`);
    expect(readFileSync(join(STATIC, 'loinc', 'LoincLicense_5.5.txt'), 'utf8')).toContain(
      'Regenstrief',
    );
  });

  it('states the counts the packs hold, and every linked file ships', () => {
    const contents = Object.fromEntries(TERMINOLOGY_SOURCES.map((s) => [s.system, s.contents]));
    const count = (n: number) => n.toLocaleString('en-US');
    expect(contents.icd10cm).toContain(count(shipped('icd10cm').size));
    expect(contents.rxnorm).toContain(count(shipped('rxnorm').size));
    expect(contents.loinc).toContain(count(shipped('loinc').size));
    expect(contents.cvx).toContain(count(VACCINES.length));
    for (const source of TERMINOLOGY_SOURCES)
      for (const file of source.files)
        expect(
          readFileSync(join(STATIC, '..', file.href), 'utf8').length,
          file.href,
        ).toBeGreaterThan(100);
  });
});

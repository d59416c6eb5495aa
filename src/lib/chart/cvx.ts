/**
 * CDC CVX vaccine codes, shipped with the app (data/cvx.tsv; source and licence in
 * data/SOURCE.cvx and data/cvx.README.md).
 */
import raw from './data/cvx.tsv?raw';

export interface Vaccine {
  code: string;
  name: string;
  shortName: string;
  /** Other names (abbreviations such as MMR, trade names). */
  synonyms: string[];
}

export const VACCINES: Vaccine[] = raw
  .split('\n')
  .slice(1)
  .filter((line) => line.trim() !== '')
  .map((line) => {
    const [code = '', name = '', , synonyms = ''] = line.split('\t');
    const names = synonyms.split('|').filter((s) => s !== '');
    return { code, name, shortName: names[0] || name, synonyms: names };
  })
  .filter((v) => /^\d+$/.test(v.code));

const byCode = new Map(VACCINES.map((v) => [v.code, v]));

export function vaccineByCode(code: string): Vaccine | undefined {
  return byCode.get(code);
}

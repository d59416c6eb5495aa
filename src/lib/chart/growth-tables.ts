/**
 * The CDC LMS tables (data/growth/*.csv), each loaded on first use as its own chunk: a chart
 * that shows no growth chart loads none of them, a toddler's loads the infant tables only.
 */
import { parseLmsCsv, type GrowthTableName, type LmsRow } from './growth';

const SOURCES: Record<GrowthTableName, () => Promise<{ default: string }>> = {
  wtageinf: () => import('./data/growth/wtageinf.csv?raw'),
  lenageinf: () => import('./data/growth/lenageinf.csv?raw'),
  hcageinf: () => import('./data/growth/hcageinf.csv?raw'),
  wtage: () => import('./data/growth/wtage.csv?raw'),
  statage: () => import('./data/growth/statage.csv?raw'),
  bmiagerev: () => import('./data/growth/bmiagerev.csv?raw'),
};

const cache = new Map<GrowthTableName, Promise<LmsRow[]>>();

/** The named tables, parsed. @throws Error('bad-growth-table') */
export async function loadGrowthTables(
  names: readonly GrowthTableName[],
): Promise<Partial<Record<GrowthTableName, LmsRow[]>>> {
  const entries = await Promise.all(
    names.map(async (name) => {
      let table = cache.get(name);
      if (!table) {
        table = SOURCES[name]().then((m) => parseLmsCsv(m.default));
        cache.set(name, table);
      }
      return [name, await table] as const;
    }),
  );
  return Object.fromEntries(entries);
}

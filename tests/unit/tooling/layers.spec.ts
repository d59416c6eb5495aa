import { Linter } from 'eslint';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { layersRule, violation } from '../../../eslint/layers.js';

const root = resolve('/repo');
const at = (path: string) => resolve(root, path);

describe('folio/layers resolves import paths', () => {
  it('catches an upward import however it is spelled', () => {
    const file = at('src/lib/fhir/r4/import.ts');
    for (const source of [
      '$lib/chart/model',
      '../../chart/model',
      '../../chart',
      'src/lib/state/x',
    ])
      expect(violation(source, file, root), source).toMatch(/may only import layers below/);
  });

  it('allows imports downward, within a layer and of packages', () => {
    const file = at('src/lib/chart/model.ts');
    for (const source of ['$lib/crdt/chart-doc', '../crypto', './types', 'yjs', '../fhir/r4'])
      expect(violation(source, file, root), source).toBeNull();
  });

  it('lets every layer, lib/ui and routes import the layer-free src/lib/coded-error.ts', () => {
    for (const file of [
      ...['crypto', 'vault', 'crdt', 'sync', 'fhir', 'chart', 'state'].map(
        (l) => `src/lib/${l}/a.ts`,
      ),
      'src/lib/ui/A.svelte',
      'src/routes/+page.svelte',
    ])
      expect(violation('$lib/coded-error', at(file), root), file).toBeNull();
    expect(violation('../coded-error', at('src/lib/crypto/errors.ts'), root)).toBeNull();
  });

  it('lets routes and UI use lib/state only', () => {
    expect(violation('$lib/state/session.svelte', at('src/routes/+page.svelte'), root)).toBeNull();
    expect(violation('../../lib/vault/client', at('src/routes/x/+page.svelte'), root)).toMatch(
      /only to lib\/state/,
    );
    expect(violation('$lib/crdt/sealed-doc', at('src/lib/ui/A.svelte'), root)).toMatch(
      /only to lib\/state/,
    );
    expect(violation('$lib/ui/A.svelte', at('src/lib/state/x.ts'), root)).toMatch(/UI sits above/);
  });

  it('reports through ESLint', () => {
    const linter = new Linter({ cwd: process.cwd() });
    const config = [
      {
        files: ['**/*.ts'],
        plugins: { folio: { rules: { layers: layersRule } } },
        rules: { 'folio/layers': 'error' as const },
      },
    ];
    const lint = (code: string, file: string) =>
      linter.verify(code, config, resolve(file)).map((m) => m.ruleId);
    expect(lint("import { x } from '../crypto';", 'src/lib/vault/a.ts')).toEqual([]);
    expect(lint("import { x } from '../../chart/model';", 'src/lib/fhir/r4/a.ts')).toEqual([
      'folio/layers',
    ]);
    expect(lint("export * from '../state/x';", 'src/lib/sync/a.ts')).toEqual(['folio/layers']);
    expect(lint("const m = import('$lib/state/x');", 'src/lib/crdt/a.ts')).toEqual([
      'folio/layers',
    ]);
  });
});

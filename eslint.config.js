import js from '@eslint/js';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import ts from 'typescript-eslint';
import svelteConfig from './svelte.config.js';

/**
 * Layers from top to bottom (DESIGN.md §3): a layer may import only the layers below it. Yjs is
 * imported only by lib/crdt (y-* providers also by lib/sync); libsodium only by lib/crypto.
 */
const LAYERS = ['state', 'chart', 'fhir', 'sync', 'crdt', 'vault', 'crypto'];

function layerRules() {
  const forbid = (names) =>
    names.flatMap((n) => [`$lib/${n}`, `$lib/${n}/*`, `../${n}`, `../${n}/*`, `../../lib/${n}/*`]);
  const rule = (group, message) => ({ group, message });
  const yjs = rule(['yjs'], 'Only lib/crdt may import yjs.');
  const providers = rule(['y-*'], 'Only lib/crdt and lib/sync may import Yjs providers.');
  const sodium = rule(['libsodium*'], 'Only lib/crypto may import libsodium.');
  const configs = LAYERS.map((layer, i) => {
    const above = LAYERS.slice(0, i);
    const patterns = [];
    if (above.length)
      patterns.push(rule(forbid(above), `lib/${layer} may only import layers below it.`));
    patterns.push(
      rule(['$app/*', 'svelte', 'svelte/*'], 'Only lib/state, lib/ui and routes use Svelte.'),
    );
    if (layer !== 'crdt') patterns.push(yjs);
    if (layer !== 'crdt' && layer !== 'sync') patterns.push(providers);
    if (layer !== 'crypto') patterns.push(sodium);
    // lib/state is the bridge to Svelte.
    const kept = layer === 'state' ? patterns.filter((p) => !p.group.includes('svelte')) : patterns;
    return {
      files: [`src/lib/${layer}/**/*.ts`],
      rules: { 'no-restricted-imports': ['error', { patterns: kept }] },
    };
  });
  configs.push({
    files: ['src/routes/**', 'src/lib/ui/**', 'src/lib/pwa/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            yjs,
            providers,
            sodium,
            rule(forbid(LAYERS.slice(1)), 'Routes and UI talk only to lib/state (DESIGN.md §3).'),
          ],
        },
      ],
    },
  });
  return configs;
}

export default ts.config(
  js.configs.recommended,
  ...ts.configs.recommended,
  ...svelte.configs.recommended,
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    rules: {
      'no-empty': ['error', { allowEmptyCatch: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      // Folio is served from the origin root (no kit.paths.base), so links need no resolve().
      'svelte/no-navigation-without-resolve': 'off',
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts', '**/*.svelte.js'],
    languageOptions: {
      parserOptions: {
        projectService: true,
        extraFileExtensions: ['.svelte'],
        parser: ts.parser,
        svelteConfig,
      },
    },
  },
  ...layerRules(),
  {
    // Playwright fixtures must destructure their dependencies, even when there are none.
    files: ['tests/e2e/fixtures.ts'],
    rules: { 'no-empty-pattern': 'off' },
  },
  {
    ignores: [
      'build/',
      '.svelte-kit/',
      'node_modules/',
      'data/',
      'test-results/',
      'bench/.build/',
      'src/lib/fhir/generated/',
    ],
  },
);

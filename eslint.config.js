import js from '@eslint/js';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import ts from 'typescript-eslint';
import svelteConfig from './svelte.config.js';
import folio, { LAYERS } from './eslint/layers.js';

/**
 * Layers from top to bottom (ARCHITECTURE.md "Layers"): a layer may import only the layers below
 * it — checked on resolved paths by the local rule `folio/layers` (eslint/layers.js). The package
 * rules stay here: Yjs is imported only by lib/crdt (y-* providers also by lib/sync), libsodium
 * only by lib/crypto, Svelte only by lib/state, lib/ui, lib/pwa and routes.
 */

function layerRules() {
  const rule = (group, message) => ({ group, message });
  const yjs = rule(['yjs'], 'Only lib/crdt may import yjs.');
  const providers = rule(['y-*'], 'Only lib/crdt and lib/sync may import Yjs providers.');
  const sodium = rule(['libsodium*'], 'Only lib/crypto may import libsodium.');
  const configs = LAYERS.map((layer) => {
    const patterns = [];
    // lib/state is the bridge to Svelte.
    if (layer !== 'state')
      patterns.push(
        rule(['$app/*', 'svelte', 'svelte/*'], 'Only lib/state, lib/ui and routes use Svelte.'),
      );
    if (layer !== 'crdt') patterns.push(yjs);
    if (layer !== 'crdt' && layer !== 'sync') patterns.push(providers);
    if (layer !== 'crypto') patterns.push(sodium);
    return {
      files: [`src/lib/${layer}/**/*.ts`],
      rules: { 'no-restricted-imports': ['error', { patterns }] },
    };
  });
  configs.push({
    files: ['src/routes/**', 'src/lib/ui/**', 'src/lib/pwa/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [yjs, providers, sodium] }],
      // Chart edits from the UI are named commands (`chart.do('signNote', id)`): the UI never
      // receives the ChartModel itself.
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.object.name='chart'][callee.property.name='run']",
          message: "Use chart.do('<command>', …): the UI edits the chart by named commands only.",
        },
      ],
    },
  });
  // Deliberate exception (ADR 0012): the note editor binds ProseMirror to the chart's shared
  // fragment with y-prosemirror. Only this one lazily loaded module may import it; it still may
  // not import yjs (the fragment and the caret codec come opaque from lib/crdt via lib/state).
  configs.push({
    files: ['src/lib/ui/chart/editor/note-editor.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [yjs, sodium] }] },
  });
  configs.push({
    files: ['src/**/*.ts', 'src/**/*.svelte'],
    plugins: { folio },
    rules: { 'folio/layers': 'error' },
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

import js from '@eslint/js';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import ts from 'typescript-eslint';
import svelteConfig from './svelte.config.js';

export default ts.config(
  js.configs.recommended,
  ...ts.configs.recommended,
  ...svelte.configs.recommended,
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    rules: {
      'no-empty': ['error', { allowEmptyCatch: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts', '**/*.svelte.js'],
    languageOptions: { parserOptions: { projectService: true, extraFileExtensions: ['.svelte'], parser: ts.parser, svelteConfig } },
  },
  {
    // Layering (DESIGN.md §3): only lib/crdt and lib/sync touch Yjs; only lib/crypto touches libsodium.
    files: ['src/**/*.ts', 'src/**/*.svelte'],
    ignores: ['src/lib/crdt/**', 'src/lib/sync/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['yjs', 'y-*'], message: 'Only lib/crdt and lib/sync may import Yjs.' }, { group: ['libsodium*'], message: 'Only lib/crypto may import libsodium.' }] }],
    },
  },
  { ignores: ['build/', '.svelte-kit/', 'node_modules/', 'data/', 'test-results/'] },
);

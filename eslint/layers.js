/**
 * ESLint rule `folio/layers`: dependencies point downward (ARCHITECTURE.md "Layers"). Every import
 * is resolved to the file it names — `$lib/…`, relative (`../../chart/model`) or `src/lib/…` — so
 * a path spelled another way cannot slip past, as it could with string patterns.
 *
 * - `src/lib/<layer>` may import only layers below it in LAYERS (and itself);
 * - `src/routes`, `src/lib/ui` and `src/lib/pwa` may import from `src/lib` only `state`, `ui`
 *   and `pwa`.
 */
import { dirname, relative, resolve, sep } from 'node:path';

/** From top to bottom. */
export const LAYERS = ['state', 'chart', 'fhir', 'sync', 'crdt', 'vault', 'crypto'];
const UI_MAY_USE = new Set(['state', 'ui', 'pwa']);

/**
 * Which part of the app a file belongs to: a lib layer, 'ui' (routes, ui, pwa), or null.
 * @param {string} file
 * @param {string} root
 * @returns {{ kind: 'ui' | 'layer', name: string } | null}
 */
export function partOf(file, root) {
  const parts = relative(root, file).split(sep);
  if (parts[0] !== 'src') return null;
  if (parts[1] === 'routes') return { kind: 'ui', name: 'routes' };
  if (parts[1] !== 'lib' || parts.length < 3) return null;
  const name = parts[2] ?? '';
  if (name === 'ui' || name === 'pwa') return { kind: 'ui', name };
  if (LAYERS.includes(name)) return { kind: 'layer', name };
  return null;
}

/**
 * The file an import names, or null for packages.
 * @param {string} source
 * @param {string} file
 * @param {string} root
 * @returns {string | null}
 */
export function resolveImport(source, file, root) {
  if (source.startsWith('$lib/') || source === '$lib')
    return resolve(root, 'src/lib', source.slice(5));
  if (source.startsWith('.')) return resolve(dirname(file), source);
  if (source.startsWith('src/')) return resolve(root, source);
  return null;
}

/**
 * Why `file` may not import `source`, or null when it may.
 * @param {string} source
 * @param {string} file
 * @param {string} root
 * @returns {string | null}
 */
export function violation(source, file, root) {
  const from = partOf(file, root);
  const target = resolveImport(source, file, root);
  if (!from || !target) return null;
  const to = partOf(target, root);
  if (!to) return null;
  if (from.kind === 'ui') {
    if (to.kind === 'ui' || UI_MAY_USE.has(to.name)) return null;
    return `Routes and UI talk only to lib/state (${source} is lib/${to.name}).`;
  }
  if (to.kind === 'ui')
    return `lib/${from.name} may not import ${to.name} (UI sits above every layer).`;
  if (LAYERS.indexOf(to.name) < LAYERS.indexOf(from.name))
    return `lib/${from.name} may only import layers below it (${source} is lib/${to.name}).`;
  return null;
}

/** @type {import('eslint').Rule.RuleModule} */
export const layersRule = {
  meta: {
    type: 'problem',
    docs: { description: 'Dependencies point downward (resolved import paths)' },
    schema: [],
  },
  create(context) {
    const root = context.cwd;
    /** @param {any} node */
    const check = (node) => {
      const source = node.source;
      if (!source || source.type !== 'Literal' || typeof source.value !== 'string') return;
      const why = violation(source.value, context.filename, root);
      if (why) context.report({ node: source, message: why });
    };
    return {
      ImportDeclaration: check,
      ExportNamedDeclaration: check,
      ExportAllDeclaration: check,
      ImportExpression: check,
    };
  },
};

export default { rules: { layers: layersRule } };

/**
 * collectImportGraph and findImportsOutside over real files: each case writes a small
 * tree and lists what is reachable from its entries, or what leaves the root, relative
 * to the root.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { after, test } from 'node:test';
import { collectImportGraph, findImportsOutside } from '../src/handlers/import-graph.js';

const base = realpathSync(mkdtempSync(join(tmpdir(), 'mcp-oauth-graph-')));
after(() => rmSync(base, { recursive: true, force: true }));

/** Writes `files` under a fresh `<dir>/root` (paths starting `../` land beside it) and returns the root. */
function tree(files: Record<string, string>): string {
  const root = join(mkdtempSync(join(base, 'case-')), 'root');
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

async function graph(root: string, entries: string[]): Promise<string[]> {
  const files = await collectImportGraph(
    entries.map((e) => join(root, e)),
    root,
  );
  return files.map((f) => relative(root, f));
}

const cases: { description: string; files: Record<string, string>; entries: string[]; expected: string[] }[] = [
  {
    description: 'static imports, re-exports, export *, import() of a literal; a cycle ends',
    files: {
      'handlers/todo.js': [
        "import { store } from './store.js';",
        "export { format } from '../lib/format.js';",
        "export * from '../lib/all.js';",
        "const later = () => import('../lib/lazy.js');",
        "import config from '../config.json' with { type: 'json' };",
      ].join('\n'),
      'handlers/store.js': "import './todo.js';\nexport const store = new Map();",
      'lib/format.js': 'export const format = String;',
      'lib/all.js': "export * from './deep/leaf.mjs';",
      'lib/deep/leaf.mjs': 'export const leaf = 1;',
      'lib/lazy.js': 'export default 1;',
      'config.json': '{}',
      'lib/unused.js': 'export const unused = 1;',
    },
    entries: ['handlers/todo.js'],
    expected: [
      'config.json',
      'handlers/store.js',
      'handlers/todo.js',
      'lib/all.js',
      'lib/deep/leaf.mjs',
      'lib/format.js',
      'lib/lazy.js',
    ],
  },
  {
    description:
      'bare specifiers (even one that names a local path), node: builtins, node_modules, outside the root, computed import() and missing files are left out',
    files: {
      'entry.js': [
        "import 'yaml';",
        "import 'lib/util.js';",
        "import { readFile } from 'node:fs';",
        "import './node_modules/dep/index.js';",
        "import '../outside.js';",
        'import(`./locales/${lang}.js`);',
        "import('./' + name);",
        "import './missing.js';",
        "import './dir';",
        "import './kept.js';",
      ].join('\n'),
      'node_modules/dep/index.js': "import '../../kept-by-dep.js';",
      'kept-by-dep.js': '',
      'lib/util.js': '',
      '../outside.js': '',
      'locales/en.js': '',
      'dir/index.js': '',
      'kept.js': '',
    },
    entries: ['entry.js'],
    expected: ['entry.js', 'kept.js'],
  },
  {
    description: 'TypeScript: type-only imports are erased; ./x.js is never x.ts, as in Node',
    files: {
      'entry.ts': [
        "import type { Todo } from './types.ts';",
        "export type { Store } from './store-types.ts';",
        "import { type Format, format } from './format.ts';",
        "import './helper.js';",
        "type Lazy = typeof import('./lazy-type.ts');",
        "let later: typeof import('./later-type.ts');",
        "const lazy = await import('./lazy.ts');",
      ].join('\n'),
      'types.ts': 'export interface Todo { title: string }',
      'store-types.ts': 'export type Store = Map<string, string>;',
      'format.ts': 'export type Format = string; export const format = String;',
      'helper.ts': '',
      'lazy-type.ts': '',
      'later-type.ts': '',
      'lazy.ts': '',
    },
    entries: ['entry.ts'],
    expected: ['entry.ts', 'format.ts', 'lazy.ts'],
  },
  {
    description: 'a file that does not parse is listed without its imports',
    files: {
      'entry.js': "import './broken.js';",
      'broken.js': "import './behind-the-error.js';\nexport function broken( {",
      'behind-the-error.js': '',
    },
    entries: ['entry.js'],
    expected: ['broken.js', 'entry.js'],
  },
  {
    description: 'CommonJS: require() of a literal, resolved as require does (extensions, index.js)',
    files: {
      'entry.js': "import legacy from './legacy.cjs';",
      'legacy.cjs':
        "const util = require('./util');\nconst lib = require('./lib');\nconst yaml = require('yaml');\nmodule.exports = util;",
      'util.js': "module.exports = require('./data.json');",
      'data.json': '{}',
      'lib/index.js': 'module.exports = {};',
      'esm.js': "export const x = require('./not-followed.js');",
      'not-followed.js': '',
    },
    entries: ['entry.js', 'esm.js'],
    expected: ['data.json', 'entry.js', 'esm.js', 'legacy.cjs', 'lib/index.js', 'util.js'],
  },
  {
    description: 'several entries share one sorted, de-duplicated list',
    files: { 'a.js': "import './shared.js';", 'b.js': "import './shared.js';\nimport './a.js';", 'shared.js': '' },
    entries: ['b.js', 'a.js', 'b.js'],
    expected: ['a.js', 'b.js', 'shared.js'],
  },
];

for (const c of cases) {
  test(c.description, async () => {
    assert.deepEqual(await graph(tree(c.files), c.entries), c.expected);
  });
}

test('symlinks: listed by their real path; one that leads outside the root is left out', async () => {
  const root = tree({
    'entry.js': "import './linked.js';\nimport './escape.js';",
    'real/target.js': "import './inner.js';",
    'real/inner.js': '',
    '../secret.js': '',
  });
  symlinkSync(join(root, 'real', 'target.js'), join(root, 'linked.js'));
  symlinkSync(join(root, '..', 'secret.js'), join(root, 'escape.js'));
  assert.deepEqual(await graph(root, ['entry.js']), ['entry.js', 'real/inner.js', 'real/target.js']);
});

test('findImportsOutside: ../ paths, absolute ones and symlinks that lead out, by importing file; not bare, missing or node_modules', async () => {
  const root = tree({
    'handlers/todo.js': [
      "export * from '../../todo/handlers/todo.js';",
      "import './local.js';",
      "import 'yaml';",
      "import '../../missing.js';",
      "import './node_modules/dep/index.js';",
    ].join('\n'),
    'handlers/local.js': "import '../linked.js';\nconst lib = () => import('../../lib/util.js');",
    'handlers/legacy.cjs': "require('../../lib/util.js');",
    'node_modules/dep/index.js': "import '../../../lib/util.js';",
    '../todo/handlers/todo.js': "import './never-followed.js';",
    '../todo/handlers/never-followed.js': '',
    '../lib/util.js': '',
    '../shared.js': '',
  });
  symlinkSync(join(root, '..', 'shared.js'), join(root, 'linked.js'));
  writeFileSync(join(root, 'handlers', 'absolute.js'), `import ${JSON.stringify(join(root, '..', 'shared.js'))};`);
  const outside = await findImportsOutside(
    ['handlers/todo.js', 'handlers/legacy.cjs', 'handlers/absolute.js'].map((e) => join(root, e)),
    root,
  );
  assert.deepEqual(
    outside.map(({ file, specifier, target }) => [relative(root, file), specifier, relative(root, target)]),
    [
      ['handlers/absolute.js', join(root, '..', 'shared.js'), '../shared.js'],
      ['handlers/legacy.cjs', '../../lib/util.js', '../lib/util.js'],
      ['handlers/local.js', '../../lib/util.js', '../lib/util.js'],
      ['handlers/local.js', '../linked.js', '../shared.js'],
      ['handlers/todo.js', '../../todo/handlers/todo.js', '../todo/handlers/todo.js'],
    ],
  );
});

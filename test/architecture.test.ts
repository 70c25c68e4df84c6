/**
 * The layout holds: imports run one way (cli → runtime → {http, mcp, commands} → {config,
 * tasks} → {handlers, auth, store} → leaves), with no cycle, type-only imports included; leaves import
 * nothing of ours; each dependency has one owner; and the README's architecture section
 * names exactly the folders and top-level files that exist.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { ROOT } from './support/server.js';

const SRC = join(ROOT, 'src');

/** Every .ts file under src/, as a path relative to src/. */
function sourceFiles(dir = SRC): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') ? [relative(SRC, path)] : [];
  });
}

const files = sourceFiles();

/** What each file imports: our modules (relative to src/, existing files only) and packages. */
function importsOf(file: string): { ours: string[]; packages: string[] } {
  const text = readFileSync(join(SRC, file), 'utf8');
  const specifiers = [
    ...text.matchAll(/\bfrom\s+'([^']+)'/g),
    ...text.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g),
    ...text.matchAll(/\bnew URL\(\s*'(\.[^']+)',\s*import\.meta\.url\)/g),
  ].map((m) => m[1]!);
  const ours = specifiers
    .filter((s) => s.startsWith('.'))
    .map((s) => relative(SRC, resolve(SRC, dirname(file), s)).replace(/\.js$/, '.ts'))
    // An import inside a template string (generated code, in commands/) names no file of ours.
    .filter((target) => existsSync(join(SRC, target)));
  const packages = specifiers.filter((s) => !s.startsWith('.') && !s.startsWith('node:'));
  return { ours: [...new Set(ours)], packages: [...new Set(packages)] };
}

const graph = new Map(files.map((file) => [file, importsOf(file)]));

const LEAVES = ['errors.ts', 'log.ts', 'manifest.ts', 'observe.ts', 'auth/types.ts'];

/** The layer of a file: a leaf, its folder, or the entry points. */
function layerOf(file: string): string {
  if (LEAVES.includes(file)) return 'leaf';
  const folder = file.includes('/') ? file.split('/')[0]! : undefined;
  return folder ?? 'entry';
}

/** Lower layers first; a file may import only its own layer or a lower one. */
const RANK: Record<string, number> = {
  leaf: 0,
  auth: 1,
  store: 1,
  handlers: 2,
  config: 3,
  tasks: 3,
  mcp: 4,
  http: 5,
  commands: 5,
  runtime: 6,
  entry: 7,
};

test('src/ has its folders and at most 8 files of its own', () => {
  const top = readdirSync(SRC);
  const folders = top.filter((name) => statSync(join(SRC, name)).isDirectory()).sort();
  assert.deepEqual(folders, ['auth', 'commands', 'config', 'handlers', 'http', 'mcp', 'runtime', 'store', 'tasks']);
  const own = top.filter((name) => !folders.includes(name));
  assert.ok(own.length <= 8, `src/ holds ${own.length} files: ${own.join(', ')}`);
});

test('imports run one way: no file imports a higher layer', () => {
  const upward = [...graph].flatMap(([file, { ours }]) =>
    ours
      .filter((target) => RANK[layerOf(target)]! > RANK[layerOf(file)]!)
      .map((target) => `${file} → ${target} (${layerOf(file)} imports ${layerOf(target)})`),
  );
  assert.deepEqual(upward, []);
});

test('no import cycle, type-only imports included', () => {
  const cycles: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const visit = (file: string, path: string[]) => {
    if (state.get(file) === 'done') return;
    if (state.get(file) === 'open') {
      cycles.push([...path.slice(path.indexOf(file)), file].join(' → '));
      return;
    }
    state.set(file, 'open');
    for (const target of graph.get(file)?.ours ?? []) visit(target, [...path, file]);
    state.set(file, 'done');
  };
  for (const file of files) visit(file, []);
  assert.deepEqual(cycles, []);
});

test('leaves import nothing of ours; only bin.ts imports cli.ts; the runtime imports no command', () => {
  for (const leaf of LEAVES) assert.deepEqual(graph.get(leaf)?.ours, [], `${leaf} imports ${graph.get(leaf)?.ours}`);
  const importersOfCli = files.filter((file) => graph.get(file)!.ours.includes('cli.ts'));
  assert.deepEqual(importersOfCli, ['bin.ts']);
  const runtimeToCommands = files.filter(
    (file) => file.startsWith('runtime/') && graph.get(file)!.ours.some((t) => t.startsWith('commands/')),
  );
  assert.deepEqual(runtimeToCommands, []);
});

test('each dependency has one owner: jose in auth/, AJV and cosmiconfig in config/, the Redis client in store/', () => {
  const owners: Record<string, string> = {
    jose: 'auth/',
    '@redis': 'store/',
    ajv: 'config/',
    'ajv-formats': 'config/',
    cosmiconfig: 'config/',
  };
  const strays = [...graph].flatMap(([file, { packages }]) =>
    packages
      .map((p) => p.split('/')[0]!)
      .filter((p) => owners[p] !== undefined && !file.startsWith(owners[p]!))
      .map((p) => `${file} imports ${p}`),
  );
  assert.deepEqual(strays, []);
});

test("the README's architecture section names the folders and top-level files that exist", () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = /^## Architecture\n([\s\S]*?)^## /m.exec(readme)?.[1];
  assert.ok(section, 'the README has an "## Architecture" section');
  const block = /```\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
  const lines = block.split('\n').filter((line) => line.startsWith('  '));
  const named = lines.flatMap((line) =>
    line
      .trim()
      .split(/\s{2,}/)[0]!
      .split(/\s+/),
  );
  const folders = named.filter((n) => n.endsWith('/')).map((n) => n.slice(0, -1));
  const own = named.filter((n) => n.endsWith('.ts'));
  const top = readdirSync(SRC);
  assert.deepEqual(folders.sort(), top.filter((n) => statSync(join(SRC, n)).isDirectory()).sort());
  assert.deepEqual(own.sort(), top.filter((n) => n.endsWith('.ts')).sort());
});

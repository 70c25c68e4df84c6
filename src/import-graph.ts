/**
 * The local files a set of handler modules is made of, so watch mode knows what to
 * watch: everything reachable from the entries through relative imports, resolved
 * the way Node resolves them.
 */
import { readFile, realpath, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { extname, isAbsolute, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { init, parse } from 'es-module-lexer';

/** Files whose imports are read; anything else reached (a `.json`, say) is listed but not parsed. */
const SOURCE = new Set(['.js', '.mjs', '.cjs', '.ts', '.mts', '.cts']);
const TYPESCRIPT = new Set(['.ts', '.mts', '.cts']);

/**
 * The sorted real paths (symlinks resolved, as Node's module cache keys them) of the
 * existing files inside `rootDir` reachable from `entryFiles` through static
 * imports, re-exports, `import()` of a string literal, and in CommonJS files
 * (`.cjs`, or a `.js` without import/export) `require()` of a string literal.
 *
 * Followed only as far as Node itself resolves: `./x.js` is `x.js`, never `x.ts`;
 * ESM specifiers get no extension or `index` added (CommonJS ones do, as `require`
 * does). Left out: bare specifiers and `node:` builtins, anything under
 * `node_modules` or outside `rootDir`, type-only imports of TypeScript files, and
 * specifiers that resolve to no file. A file that does not parse is listed without
 * its imports (the reload that reads it reports the syntax error).
 *
 * @example
 * await collectImportGraph(['/srv/handlers/todo.js'], '/srv')
 * // → ['/srv/handlers/store.js', '/srv/handlers/todo.js', '/srv/lib/ids.js']
 */
export async function collectImportGraph(entryFiles: readonly string[], rootDir: string): Promise<string[]> {
  await init();
  const root = await realpath(rootDir);
  const seen = new Set<string>();
  let wave = await Promise.all(entryFiles.map((file) => localFile(file, root)));
  while (wave.length > 0) {
    const fresh = [...new Set(wave)].filter((file): file is string => file !== undefined && !seen.has(file));
    for (const file of fresh) seen.add(file);
    const next = await Promise.all(fresh.map((file) => dependenciesOf(file)));
    wave = await Promise.all(next.flat().map((file) => localFile(file, root)));
  }
  return [...seen].sort();
}

/** The real path of `file` when it is an existing file inside `root` and outside node_modules. */
async function localFile(file: string, root: string): Promise<string | undefined> {
  let real: string;
  try {
    real = await realpath(file);
    if (!(await stat(real)).isFile()) return undefined;
  } catch {
    return undefined;
  }
  const rel = relative(root, real);
  if (rel === '' || rel === '..' || rel.startsWith('..' + sep) || isAbsolute(rel)) return undefined;
  return rel.split(sep).includes('node_modules') ? undefined : real;
}

/** Absolute paths that `file`'s relative specifiers name; not yet checked to exist. */
async function dependenciesOf(file: string): Promise<string[]> {
  const ext = extname(file);
  if (!SOURCE.has(ext)) return [];
  let source: string;
  let imports: ReturnType<typeof parse>[0];
  let hasModuleSyntax: boolean;
  try {
    source = await readFile(file, 'utf8');
    [imports, , , hasModuleSyntax] = parse(source, file);
  } catch {
    return [];
  }
  const found: string[] = [];
  for (const entry of imports) {
    // A computed import() has no specifier.
    if (entry.type === 'import-meta' || entry.specifier === undefined) continue;
    // Node's type stripping erases type-only imports; nothing is loaded for them.
    if (entry.type === 'dynamic' ? TYPESCRIPT.has(ext) && entry.probablyTypeOnly : entry.typeOnly) continue;
    const path = resolveEsm(entry.specifier, file);
    if (path !== undefined) found.push(path);
  }
  if (ext === '.cjs' || ext === '.cts' || !hasModuleSyntax) found.push(...requiresOf(source, file));
  return found;
}

/** A relative, absolute or `file:` specifier → absolute path, by URL resolution as Node's ESM loader does. */
function resolveEsm(specifier: string, from: string): string | undefined {
  if (!/^(\.{1,2}\/|\/|file:)/.test(specifier)) return undefined;
  try {
    return fileURLToPath(new URL(specifier, pathToFileURL(from)));
  } catch {
    return undefined;
  }
}

/**
 * `require('./x')` with a string literal. A regular expression is enough here: a
 * match inside a comment or string only adds a file to watch, and `require.resolve`
 * applies CommonJS's own rules (extensions, `index.js`).
 */
function requiresOf(source: string, from: string): string[] {
  const require = createRequire(from);
  const found: string[] = [];
  for (const match of source.matchAll(/\brequire\s*\(\s*(['"])(\.{1,2}\/[^'"\n]*|\/[^'"\n]*)\1\s*\)/g)) {
    try {
      found.push(require.resolve(match[2]!));
    } catch {
      // Names no file: nothing to watch.
    }
  }
  return found;
}

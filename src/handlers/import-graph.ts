/**
 * The local files a set of handler modules is made of: everything reachable from the
 * entries through relative imports, resolved the way Node resolves them. Watch mode
 * watches them; `validate` warns about the imports that leave the manifest's
 * directory, which an image built from that directory does not hold.
 */
import { readFile, realpath, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { extname, isAbsolute, join, relative, sep } from 'node:path';
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
  return (await walkImportGraph(entryFiles, rootDir)).files;
}

/** An import that leaves the root: `file` (inside) names `specifier`, an existing file at `target` (outside). */
export interface OutsideImport {
  readonly file: string;
  readonly specifier: string;
  readonly target: string;
}

/**
 * The imports, followed as {@link collectImportGraph} follows them, that name an
 * existing file outside `rootDir` (a `../` path, an absolute one, or a symlink that
 * leads out), sorted by file. Bare specifiers are not among them: packages come from
 * `node_modules`, wherever it is.
 *
 * @example
 * await findImportsOutside(['/repo/examples/scalekit/handlers/todo.js'], '/repo/examples/scalekit')
 * // → [{ file: '/repo/examples/scalekit/handlers/todo.js', specifier: '../../todo/handlers/todo.js',
 * //      target: '/repo/examples/todo/handlers/todo.js' }]
 */
export async function findImportsOutside(entryFiles: readonly string[], rootDir: string): Promise<OutsideImport[]> {
  return (await walkImportGraph(entryFiles, rootDir)).outside;
}

/**
 * One warning per import of a handler module that leaves `dir`, the manifest's
 * directory, with paths relative to `cwd`: the image built from that directory
 * lacks the file, so the server that works here fails there.
 */
export async function importWarnings(entryFiles: readonly string[], dir: string, cwd: string): Promise<string[]> {
  // Run from the manifest's directory, "outside ." would say little: name it in full then.
  const where = relative(cwd, dir) || dir;
  return (await findImportsOutside(entryFiles, dir)).map(
    ({ file, specifier }) =>
      `${relative(cwd, file)} imports ${specifier}, outside ${where}: this file is not in an image built from this directory; ` +
      `move it into ${where}, or publish it as a package and list it in ${join(where, 'package.json')}`,
  );
}

async function walkImportGraph(
  entryFiles: readonly string[],
  rootDir: string,
): Promise<{ files: string[]; outside: OutsideImport[] }> {
  await init();
  const root = await realpath(rootDir);
  const seen = new Set<string>();
  const outside: OutsideImport[] = [];
  const entries = await Promise.all(entryFiles.map((file) => locateFile(file, root)));
  let wave = entries.flatMap((found) => (found?.inside ? [found.real] : []));
  while (wave.length > 0) {
    const fresh = [...new Set(wave)].filter((file) => !seen.has(file));
    for (const file of fresh) seen.add(file);
    const edges = (
      await Promise.all(fresh.map(async (file) => (await dependenciesOf(file)).map((dep) => ({ file, ...dep }))))
    ).flat();
    const found = await Promise.all(edges.map((edge) => locateFile(edge.path, root)));
    wave = [];
    edges.forEach(({ file, specifier }, i) => {
      const target = found[i];
      if (target?.inside) wave.push(target.real);
      else if (target) outside.push({ file, specifier, target: target.real });
    });
  }
  outside.sort((a, b) => a.file.localeCompare(b.file) || a.specifier.localeCompare(b.specifier));
  return { files: [...seen].sort(), outside };
}

/**
 * The real path of `file` when it is an existing file, and whether it is inside
 * `root`; undefined when it is missing or under a `node_modules` inside `root`.
 */
async function locateFile(file: string, root: string): Promise<{ real: string; inside: boolean } | undefined> {
  let real: string;
  try {
    real = await realpath(file);
    if (!(await stat(real)).isFile()) return undefined;
  } catch {
    return undefined;
  }
  const rel = relative(root, real);
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return { real, inside: false };
  return rel.split(sep).includes('node_modules') ? undefined : { real, inside: true };
}

/** `file`'s relative specifiers with the absolute paths they name; not yet checked to exist. */
async function dependenciesOf(file: string): Promise<{ specifier: string; path: string }[]> {
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
  const found: { specifier: string; path: string }[] = [];
  for (const entry of imports) {
    // A computed import() has no specifier.
    if (entry.type === 'import-meta' || entry.specifier === undefined) continue;
    // Node's type stripping erases type-only imports; nothing is loaded for them.
    if (entry.type === 'dynamic' ? TYPESCRIPT.has(ext) && entry.probablyTypeOnly : entry.typeOnly) continue;
    const path = resolveEsm(entry.specifier, file);
    if (path !== undefined) found.push({ specifier: entry.specifier, path });
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
function requiresOf(source: string, from: string): { specifier: string; path: string }[] {
  const require = createRequire(from);
  const found: { specifier: string; path: string }[] = [];
  for (const match of source.matchAll(/\brequire\s*\(\s*(['"])(\.{1,2}\/[^'"\n]*|\/[^'"\n]*)\1\s*\)/g)) {
    try {
      found.push({ specifier: match[2]!, path: require.resolve(match[2]!) });
    } catch {
      // Names no file: nothing to watch.
    }
  }
  return found;
}

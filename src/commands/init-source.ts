/**
 * Where the running mcp-serve came from, as the dependency spec `init` writes into a new
 * server's package.json, so that `npm install` there installs this same mcp-serve:
 *
 * - Its package root (the real path Node loaded it from) is not inside a `node_modules`
 *   directory: a checkout, run as `node dist/src/bin.js init` (a linked install —
 *   `npm install ../checkout`, `npm link`, `npx ../checkout` — loads from the checkout
 *   too): `file:` to that directory.
 * - It is inside `node_modules`: the install that holds it recorded where it came from,
 *   in the lock file of the directory above that `node_modules` (`npm install`, and npx's
 *   cache directories, keep `node_modules/.package-lock.json`): a `file:` record is the
 *   tarball (or directory) it was installed from, kept while it still exists; a git record
 *   is written as it is; a registry record, or no record (a global install keeps none,
 *   other package managers keep theirs elsewhere), is `^version` from the registry.
 *
 * A `file:` path is written relative to the new server's directory, as `npm install
 * ../x.tgz` writes it, unless the absolute path is shorter (`/opt/mcp-serve`, not
 * `../../../../opt/mcp-serve`).
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface DependencySpec {
  /** What goes in package.json#dependencies["mcp-serve"]: `^0.1.0`, `file:../mcp-serve-0.1.0.tgz`, `git+https://…`. */
  readonly spec: string;
  /** Where that is, for the user: "the registry", "the tarball /tmp/mcp-serve-0.1.0.tgz", … */
  readonly from: string;
  /** Set when the source could not be told and the registry is a guess. */
  readonly note?: string;
}

/** The root of the package this module belongs to (dist/src/commands/ → the root), real path. */
export function runningPackageRoot(): string {
  return realpathSync(fileURLToPath(new URL('../../../', import.meta.url)));
}

/**
 * The spec that installs the mcp-serve at `packageRoot` into a project at `appDir`.
 *
 * @example loadDependencySpec('/home/ada/mcp-oauth', '/home/ada/weather')
 * // { spec: 'file:../mcp-oauth', from: 'the checkout /home/ada/mcp-oauth' }
 */
export function loadDependencySpec(packageRoot: string, appDir: string): DependencySpec {
  const { version } = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string };
  const registry = { spec: `^${version}`, from: 'the registry' };
  const guessed = (why: string) => ({
    ...registry,
    note: `${why}, so package.json names mcp-serve ${registry.spec} from the registry`,
  });
  const parts = packageRoot.split(sep);
  const first = parts.indexOf('node_modules');
  if (first === -1) return { spec: fileSpec(packageRoot, appDir), from: `the checkout ${packageRoot}` };

  const installRoot = parts.slice(0, first).join(sep) || sep;
  const resolved = recordedSource(installRoot, parts.slice(first).join('/'));
  if (resolved === undefined) return guessed(`no record of where ${packageRoot} was installed from`);
  if (resolved.startsWith('file:')) {
    const path = resolve(installRoot, resolved.slice('file:'.length));
    if (!existsSync(path)) return guessed(`mcp-serve was installed from ${path}, which is gone`);
    return { spec: fileSpec(path, appDir), from: `${path.endsWith('.tgz') ? 'the tarball' : 'the directory'} ${path}` };
  }
  if (/^git(\+[a-z]+)?:/.test(resolved)) return { spec: resolved, from: `the git repository ${resolved}` };
  return registry;
}

/** `packages[key].resolved` in the install's hidden lock file, or in its package-lock.json. */
function recordedSource(installRoot: string, key: string): string | undefined {
  for (const lock of [
    join(installRoot, 'node_modules', '.package-lock.json'),
    join(installRoot, 'package-lock.json'),
  ]) {
    try {
      const { packages } = JSON.parse(readFileSync(lock, 'utf8')) as {
        packages?: Record<string, { resolved?: unknown }>;
      };
      const resolved = packages?.[key]?.resolved;
      if (typeof resolved === 'string') return resolved;
    } catch {
      // No lock file there, or not one npm wrote: try the next, then fall back to the registry.
    }
  }
  return undefined;
}

function fileSpec(path: string, appDir: string): string {
  const rel = relative(appDir, path).split(sep).join('/') || '.';
  return `file:${rel.length <= path.length ? rel : path}`;
}

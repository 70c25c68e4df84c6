/**
 * `mcp-serve init [dir] [--auth dev|jwt|scalekit]`: a new server to start from — a
 * manifest with one tool, its handler, and what a project around them needs (env example,
 * ignores, Dockerfile, README, a package.json whose mcp-serve dependency installs the
 * mcp-serve that ran init). It never overwrites anything: if one file is in the way,
 * nothing is written.
 */
import { lstatSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { McpOAuthError } from '../errors.js';
import { INIT_FILES, type InitAuth, scaffoldFiles } from './init-files.js';
import { type DependencySpec, loadDependencySpec, runningPackageRoot } from './init-source.js';

export interface InitOptions {
  /** Target directory, relative to `cwd`; created when missing. Default `.`. */
  dir?: string;
  /** Default `process.cwd()`. */
  cwd?: string;
  /** The authorization server the manifest names. Default `dev`, the built-in one. */
  auth?: InitAuth;
}

export interface InitResult {
  /** Absolute path of the target directory. */
  readonly dir: string;
  /** The `server.name` written into the manifest. */
  readonly name: string;
  readonly auth: InitAuth;
  /** The mcp-serve dependency: written into a new package.json, or to add to the one there. */
  readonly dependency: DependencySpec;
  /** Paths written, relative to `dir`. */
  readonly created: readonly string[];
  /** Things to do by hand, e.g. for a package.json that was already there. */
  readonly notes: readonly string[];
}

/**
 * Writes a new server into `dir`. A `package.json` is added when there is none; an
 * existing one is left as it is (the result's notes say what it may need).
 * Throws `FILES_EXIST`, listing every file in the way, before writing anything.
 *
 * @example initServer({ dir: 'weather' }) // weather/mcp-oauth.config.yaml, weather/handlers/hello.js, ...
 */
export function initServer(options: InitOptions = {}): InitResult {
  const dir = resolve(options.cwd ?? process.cwd(), options.dir ?? '.');
  if (pathExists(dir) && !isDirectory(dir)) {
    throw new McpOAuthError('WRITE_FAILED', `${dir} is a file, not a directory; pass a directory to mcp-serve init`);
  }
  const name = serverName(dir);
  const dependency = loadDependencySpec(runningPackageRoot(), dir);
  const auth = options.auth ?? 'dev';
  const files = scaffoldFiles({ name, auth, dependency: dependency.spec });
  const keepPackageJson = pathExists(join(dir, 'package.json'));
  const inTheWay = [
    ...INIT_FILES.filter((file) => pathExists(join(dir, file))),
    ...(pathExists(join(dir, 'handlers')) && !isDirectory(join(dir, 'handlers')) ? ['handlers'] : []),
  ];
  if (inTheWay.length > 0) {
    throw new McpOAuthError(
      'FILES_EXIST',
      `mcp-serve init would overwrite ${inTheWay.length === 1 ? 'a file' : 'files'} in ${dir}:\n${inTheWay.map((f) => `  ${f}`).join('\n')}\n` +
        'Nothing was written. Move them away, or init another directory: mcp-serve init my-server',
    );
  }
  const toWrite: string[] = [...INIT_FILES, ...(keepPackageJson ? [] : ['package.json'])];
  writeAll(dir, toWrite, files);
  const notes = [
    ...(keepPackageJson ? packageJsonNotes(join(dir, 'package.json'), dependency.spec) : []),
    ...(dependency.note === undefined ? [] : [dependency.note]),
    ...(dependency.spec.startsWith('file:') ? [FILE_DEPENDENCY_NOTE] : []),
  ];
  return { dir, name, auth, dependency, created: toWrite, notes };
}

const FILE_DEPENDENCY_NOTE =
  'docker build cannot reach a file: dependency (it lies outside the build context); for an image, depend on mcp-serve from the registry';

/** Writes each file exclusively (`wx`); on any failure removes what it wrote, so a run is all or nothing. */
function writeAll(dir: string, paths: readonly string[], files: Readonly<Record<string, string>>): void {
  const written: string[] = [];
  try {
    mkdirSync(join(dir, 'handlers'), { recursive: true });
    for (const path of paths) {
      writeFileSync(join(dir, path), files[path] ?? '', { flag: 'wx' });
      written.push(path);
    }
  } catch (error) {
    for (const path of written) rmSync(join(dir, path), { force: true });
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST')
      throw new McpOAuthError(
        'FILES_EXIST',
        `${(error as NodeJS.ErrnoException).path ?? 'A file'} appeared while mcp-serve init was writing; nothing was kept. Run it again.`,
        { cause: error },
      );
    throw new McpOAuthError(
      'WRITE_FAILED',
      `Could not write into ${dir}: ${(error as Error).message}; check the directory's permissions`,
      { cause: error },
    );
  }
}

function packageJsonNotes(file: string, spec: string): string[] {
  let pkg: { type?: unknown; dependencies?: Record<string, unknown>; devDependencies?: Record<string, unknown> };
  try {
    pkg = JSON.parse(readFileSync(file, 'utf8')) as typeof pkg;
  } catch {
    return ['package.json was left as it is; check that it lists mcp-serve and has "type": "module"'];
  }
  const notes = ['package.json was already there and is left as it is'];
  if (pkg.dependencies?.['mcp-serve'] === undefined && pkg.devDependencies?.['mcp-serve'] === undefined)
    notes.push(`add mcp-serve to it: npm install 'mcp-serve@${spec}'`);
  if (pkg.type !== 'module') notes.push('add "type": "module" to it: handlers/hello.js is an ES module');
  return notes;
}

/** The directory's name, made a valid server and npm package name (`My Server!` → `my-server`). */
export function serverName(dir: string): string {
  const clean = (text: string) => text.replace(/^[-._]+|[-._]+$/g, '');
  const name = clean(
    clean(
      basename(dir)
        .toLowerCase()
        .replace(/[^a-z0-9._-]+/g, '-'),
    ).slice(0, 64),
  );
  return name === '' ? 'mcp-server' : name;
}

/** What `init` prints: the files written and the commands to run next (pure). */
export function formatInit(result: InitResult, cwd: string): string {
  const where = relative(cwd, result.dir);
  const lines = [
    `Created a new MCP server "${result.name}" in ${where === '' ? 'the current directory' : where}:`,
    ...result.created.map((f) => `  ${f}`),
  ];
  const { spec, from } = result.dependency;
  if (result.created.includes('package.json')) lines.push('', `package.json: "mcp-serve": "${spec}" (${from})`);
  if (result.notes.length > 0) lines.push('', ...result.notes.map((note) => `Note: ${note}`));
  lines.push('', 'Next:');
  if (where !== '') lines.push(`  cd ${/^[\w./-]+$/.test(where) ? where : JSON.stringify(where)}`);
  lines.push('  npm install');
  if (result.auth !== 'dev') lines.push('  cp .env.example .env    # and fill it in');
  lines.push('  npx mcp-serve');
  return lines.join('\n');
}

/** True for anything at `path`, even a dangling symlink (writing through it would follow it). */
function pathExists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

function isDirectory(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
}

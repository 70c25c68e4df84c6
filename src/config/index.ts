/**
 * find (cosmiconfig) → interpolate env → validate (AJV + semantic checks + handler
 * imports) → resolve → freeze. Every problem is collected and reported at once.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { type CosmiconfigResult, cosmiconfig } from 'cosmiconfig';
import { formatPath, McpOAuthError, type Problem } from '../errors.js';
import { importHandlers } from '../handlers/load.js';
import { checkFileLocation, checkHandlerLocation, parseHandlerSpec } from '../handlers/modules.js';
import type { HandlerLoad, HandlerLoader, HandlerRunner, HandlerToLoad } from '../handlers/runner.js';
import type { Manifest, ResolvedHandler, ResolvedManifest } from '../manifest.js';
import { type CheckedManifest, checkForbiddenKeys, checkSchema, checkSemantics, type Finding } from './check.js';
import { interpolate, readDotEnv } from './env.js';
import { parseJson } from './json.js';
import { resolveManifest } from './resolve.js';
import { checkToolSchemas } from './tool-schemas.js';
import { ToolSchemas } from './validator.js';

export const MODULE_NAME = 'mcp-oauth';

/** Where cosmiconfig looks, in order, in the working directory. */
export const SEARCH_PLACES = [
  'mcp-oauth.config.json',
  'mcp-oauth.config.yaml',
  'mcp-oauth.config.yml',
  'mcp-oauth.config.js',
  'mcp-oauth.config.mjs',
  'mcp-oauth.config.cjs',
  '.mcp-oauthrc',
  '.mcp-oauthrc.json',
  '.mcp-oauthrc.yaml',
  '.mcp-oauthrc.yml',
  '.mcp-oauthrc.js',
  '.mcp-oauthrc.mjs',
  '.mcp-oauthrc.cjs',
  'package.json',
];

export interface LoadOptions {
  /** Directory to search; default `process.cwd()`. */
  cwd?: string;
  /** Explicit manifest path (`--config`). */
  configPath?: string;
  /** Values that override the manifest's `http` section (`--host`, `--port`); checked like the rest. */
  http?: { host?: string; port?: number };
  /** Environment for `${VAR}`; default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /**
   * How handler modules are loaded: imported into this thread (default), by another
   * loader (hot reload runs them in a worker), or not at all (`false`: the manifest
   * is checked without importing them, e.g. to generate types).
   */
  handlers?: HandlerLoader | false;
  /**
   * Also follow the handlers' local imports and warn about those that leave the
   * manifest's directory (`warnings`). Off by default: it reads every module once
   * more, which `validate` and watch mode afford and a production start need not.
   */
  checkImports?: boolean;
}

/** A handler module and where the manifest names it, e.g. `['prompts', 0, 'handler']` → `/srv/handlers/prompts.js`. */
export interface HandlerModule {
  readonly path: readonly (string | number)[];
  readonly file: string;
}

/** A validated manifest with everything a snapshot needs, built once per load. */
export interface LoadedManifest {
  readonly manifest: ResolvedManifest;
  readonly handlers: ReadonlyMap<string, HandlerRunner>;
  readonly schemas: ToolSchemas;
  /** Values read from `.env` beside the manifest. */
  readonly dotEnv: Readonly<Record<string, string>>;
  /** What works here but would not elsewhere, one sentence each (with `checkImports`: imports leaving the directory). */
  readonly warnings: readonly string[];
  /** Every handler module the manifest names (the list the loader imports from), with where: what --watch follows. */
  readonly handlerModules: readonly HandlerModule[];
  /** Frees what loading the handlers holds (a worker); calls still running finish first. */
  release(): Promise<void>;
}

export async function loadManifest(options: LoadOptions = {}): Promise<LoadedManifest> {
  const cwd = options.cwd ?? process.cwd();
  const { file, raw } = await readManifest(cwd, options.configPath);
  const dir = dirname(file);
  const dotEnv = readDotEnv(dir).values;
  const located = (findings: Finding[]) => locate(file, findings);

  const interpolated = interpolate(raw, { ...dotEnv, ...(options.env ?? process.env) });
  const value = withHttpOverrides(interpolated.value, options.http);
  const loader = options.handlers ?? importHandlers;
  // A string still holding an unset ${VAR} fails the schema too; report the variable only.
  const unset = new Set(interpolated.missing.map((m) => formatPath(m.path)));
  const forbidden = checkForbiddenKeys(value);
  const schema = forbidden.length > 0 ? [] : checkSchema(value).filter((f) => !unset.has(formatPath(f.path)));
  const invalid = [...interpolated.missing, ...forbidden, ...schema];
  if (invalid.length > 0) {
    // Items whose own part passed the schema still get their files checked and their
    // handlers imported, so that one report holds every problem (not one kind per round).
    const passing = forbidden.length > 0 ? undefined : passingItems(value, invalid);
    const files = passing
      ? [...checkResourceFiles(passing, dir), ...(await loadHandlers(listHandlers(passing, dir), dir, loader)).findings]
      : [];
    fail(await located([...invalid, ...files]));
  }

  const manifest = withLists(value as Manifest);
  const schemas = new ToolSchemas();
  const findings = [
    ...checkSemantics(manifest),
    ...checkToolSchemas(manifest, schemas),
    ...checkResourceFiles(manifest, dir),
  ];
  const listed = listHandlers(manifest, dir);
  const handlers = await loadHandlers(listed, dir, loader);
  if (findings.length > 0 || !handlers.load) {
    await handlers.load?.release?.();
    fail(await located([...findings, ...handlers.findings]));
  }
  const handlerModules = listed.map(({ path, ref }) => ({ path, file: ref.file }));
  return {
    manifest: resolveManifest(manifest, file),
    handlers: handlers.load.handlers,
    schemas,
    dotEnv,
    handlerModules,
    warnings: options.checkImports
      ? await importWarnings(
          handlerModules.map((h) => h.file),
          dir,
          cwd,
        )
      : [],
    release: handlers.load.release ?? (() => Promise.resolve()),
  };
}

/** The import scanner, loaded only when asked for (`checkImports`). */
async function importWarnings(files: string[], dir: string, cwd: string): Promise<string[]> {
  return (await import('../handlers/import-graph.js')).importWarnings(files, dir, cwd);
}

type LoadedHandlers = Extract<HandlerLoad, { ok: true }>;

/** A handler the manifest names: where (`path`, and as the runner's `key`), which module and export, and how it runs. */
interface ListedHandler {
  readonly path: (string | number)[];
  readonly key: string;
  readonly ref: ResolvedHandler;
  readonly isolate: boolean;
}

/** Every handler the manifest names, once per load: what the loader imports and what --watch follows. */
function listHandlers(m: CheckedManifest, dir: string): ListedHandler[] {
  return handlerSpecs(m).map(({ path, spec }) => {
    const tool = path[0] === 'tools' ? m.tools[path[1] as number] : undefined;
    return {
      path,
      key: formatPath(path),
      ref: parseHandlerSpec(spec, dir),
      isolate: (tool?.isolation ?? m.isolation) === 'worker',
    };
  });
}

/**
 * Locates every listed handler, then imports those that were found (all of them, in
 * one go): the problems of both steps, or the loaded handlers when there are none
 * (`loader: false` loads nothing).
 */
async function loadHandlers(
  listed: readonly ListedHandler[],
  dir: string,
  loader: HandlerLoader | false,
): Promise<{ findings: Finding[]; load?: LoadedHandlers }> {
  if (loader === false) return { findings: [], load: { ok: true, handlers: new Map() } };
  const findings: Finding[] = [];
  const toLoad: HandlerToLoad[] = [];
  for (const { path, key, ref, isolate } of listed) {
    const message = checkHandlerLocation(ref, dir);
    if (message) findings.push({ path, message });
    else toLoad.push({ key, ref, dir, ...(isolate && { isolate }) });
  }
  const paths = new Map(listed.map(({ key, path }) => [key, path]));
  const load = await loader(toLoad);
  if (!load.ok)
    return {
      findings: [...findings, ...load.problems.map((p) => ({ path: paths.get(p.key) ?? [], message: p.message }))],
    };
  if (findings.length === 0) return { findings, load };
  await load.release?.();
  return { findings };
}

function checkResourceFiles(m: CheckedManifest, dir: string): Finding[] {
  return m.resources.flatMap((r, i) => {
    const message = r.file === undefined ? undefined : checkFileLocation(r.file, resolve(dir, r.file), dir);
    return message ? [{ path: ['resources', i, 'file'], message }] : [];
  });
}

/**
 * The document's tools, resources, templates and prompts that no finding is about, at
 * their own indices (the others are holes, which `forEach` skips), so that their
 * files can be checked while other parts of the document fail the schema.
 */
function passingItems(value: unknown, findings: readonly Finding[]): CheckedManifest {
  const doc =
    value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  const failed = new Set(findings.map((f) => formatPath(f.path.slice(0, 2))));
  const passing = (section: string): never[] => {
    const list = doc[section];
    const items: unknown[] = [];
    if (!Array.isArray(list) || failed.has(section)) return [];
    for (const [i, item] of list.entries()) if (!failed.has(formatPath([section, i]))) items[i] = item;
    return items as never[];
  };
  const lists = {
    tools: passing('tools'),
    resources: passing('resources'),
    resourceTemplates: passing('resourceTemplates'),
    prompts: passing('prompts'),
  };
  return { ...(doc as unknown as Manifest), ...lists };
}

function withLists(m: Manifest): CheckedManifest {
  return {
    ...m,
    tools: m.tools ?? [],
    resources: m.resources ?? [],
    resourceTemplates: m.resourceTemplates ?? [],
    prompts: m.prompts ?? [],
  };
}

/** Every handler the manifest names, with where it names it. */
export function handlerSpecs(m: CheckedManifest): { path: (string | number)[]; spec: string }[] {
  const specs: { path: (string | number)[]; spec: string }[] = [];
  const completions = (section: string, i: number, complete: Record<string, string[] | string> | undefined) => {
    for (const [name, value] of Object.entries(complete ?? {}))
      if (typeof value === 'string') specs.push({ path: [section, i, 'complete', name], spec: value });
  };
  m.tools.forEach((t, i) => {
    specs.push({ path: ['tools', i, 'handler'], spec: t.handler });
  });
  m.resources.forEach((r, i) => {
    if (r.handler !== undefined) specs.push({ path: ['resources', i, 'handler'], spec: r.handler });
  });
  m.resourceTemplates.forEach((t, i) => {
    specs.push({ path: ['resourceTemplates', i, 'handler'], spec: t.handler });
    completions('resourceTemplates', i, t.complete);
  });
  m.prompts.forEach((p, i) => {
    if (p.handler !== undefined) specs.push({ path: ['prompts', i, 'handler'], spec: p.handler });
    completions('prompts', i, p.complete);
  });
  return specs;
}

function withHttpOverrides(value: unknown, http: LoadOptions['http']): unknown {
  if (!http || value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const doc = value as Record<string, unknown>;
  const defined = Object.fromEntries(Object.entries(http).filter(([, v]) => v !== undefined));
  return { ...doc, http: { ...(doc['http'] as object | undefined), ...defined } };
}

function fail(problems: Problem[]): never {
  throw new McpOAuthError('MANIFEST_INVALID', `${problems.length} problem(s) in the manifest`, { problems });
}

/** Attaches line:column (where the format allows) and sorts problems by position. */
async function locate(file: string, findings: Finding[]): Promise<Problem[]> {
  const ext = extname(file);
  const isText = ['.json', '.yaml', '.yml', ''].includes(ext);
  const locator = isText ? (await yamlParsing()).createLocator(readFileSync(file, 'utf8')) : undefined;
  const prefix = basename(file) === 'package.json' ? [MODULE_NAME] : [];
  return findings
    .map((f) => ({ file, path: formatPath(f.path), message: f.message, ...locator?.([...prefix, ...f.path], f.atKey) }))
    .sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
}

async function readManifest(cwd: string, configPath: string | undefined): Promise<{ file: string; raw: unknown }> {
  const explorer = cosmiconfig(MODULE_NAME, {
    searchPlaces: SEARCH_PLACES,
    searchStrategy: 'none',
    cache: false,
    ignoreEmptySearchPlaces: false,
    loaders: { '.json': jsonLoader, '.yaml': yamlLoader, '.yml': yamlLoader, noExt: yamlLoader },
  });
  let result: CosmiconfigResult;
  try {
    result = configPath === undefined ? await explorer.search(cwd) : await explorer.load(resolve(cwd, configPath));
  } catch (error) {
    if (error instanceof McpOAuthError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EISDIR') {
      throw new McpOAuthError('MANIFEST_NOT_FOUND', `No manifest at ${resolve(cwd, configPath ?? '')}; check --config`);
    }
    const file = configPath === undefined ? cwd : resolve(cwd, configPath);
    throw new McpOAuthError('MANIFEST_INVALID', 'The manifest could not be loaded', {
      problems: [{ file, path: '', message: `failed to load: ${(error as Error).message.split('\n')[0]}` }],
    });
  }
  if (!result || result.isEmpty) {
    if (result?.isEmpty) {
      throw emptyManifest(result.filepath);
    }
    // cosmiconfig's search passes over a file whose document is null (`null`, `~`, only a comment).
    const present =
      configPath === undefined
        ? SEARCH_PLACES.filter((place) => place !== 'package.json')
            .map((place) => join(cwd, place))
            .find((path) => existsSync(path))
        : undefined;
    if (present) throw emptyManifest(present);
    throw new McpOAuthError(
      'MANIFEST_NOT_FOUND',
      `No manifest found in ${cwd}. Create mcp-oauth.config.json (or .yaml), or pass --config PATH.\nLooked for: ${SEARCH_PLACES.join(', ')}`,
    );
  }
  return { file: result.filepath, raw: result.config };
}

function emptyManifest(file: string): McpOAuthError {
  const message = 'the manifest is empty; start from examples/todo/mcp-oauth.config.yaml, or run npx mcp-serve init';
  return new McpOAuthError('MANIFEST_INVALID', 'The manifest is empty', {
    problems: [{ file, path: '', line: 1, column: 1, message }],
  });
}

function jsonLoader(file: string, text: string): unknown {
  return unwrap(parseJson(file, text));
}

async function yamlLoader(file: string, text: string): Promise<unknown> {
  return unwrap((await yamlParsing()).parseYaml(file, text));
}

/** The YAML parser (also what locates problems in JSON), loaded only when needed. */
function yamlParsing(): Promise<typeof import('./parse.js')> {
  return import('./parse.js');
}

function unwrap(result: ReturnType<typeof parseJson>): unknown {
  if (result.ok) return result.value;
  throw new McpOAuthError('MANIFEST_INVALID', 'The manifest could not be parsed', { problems: result.problems });
}

/**
 * find (cosmiconfig) → interpolate env → validate (AJV + semantic checks + handler
 * imports) → resolve → freeze. Every problem is collected and reported at once.
 */
import { readFileSync } from 'node:fs';
import { basename, dirname, extname, resolve } from 'node:path';
import { cosmiconfig } from 'cosmiconfig';
import { McpOAuthError, formatPath, type Problem } from '../errors.js';
import { checkHandlerLocation, importHandler, parseHandlerSpec, type HandlerRef } from '../handlers.js';
import { createToolContext, type ContextSinks } from '../context.js';
import type { AuthContext } from '../handler-types.js';
import type { Manifest } from '../manifest.js';
import type { ResolvedManifest } from '../manifest.js';
import { ToolSchemas } from '../validation.js';
import { checkForbiddenKeys, checkSchema, checkSemantics, type Finding } from './check.js';
import { interpolate, readDotEnv } from './env.js';
import { createLocator, parseJson, parseYaml } from './parse.js';
import { resolveManifest } from './resolve.js';
import { checkToolSchemas } from './tool-schemas.js';

export const MODULE_NAME = 'mcp-oauth';

/** Where cosmiconfig looks, in order, in the working directory. */
export const SEARCH_PLACES = [
  'mcp-oauth.config.json', 'mcp-oauth.config.yaml', 'mcp-oauth.config.yml',
  'mcp-oauth.config.js', 'mcp-oauth.config.mjs', 'mcp-oauth.config.cjs',
  '.mcp-oauthrc', '.mcp-oauthrc.json', '.mcp-oauthrc.yaml', '.mcp-oauthrc.yml',
  '.mcp-oauthrc.js', '.mcp-oauthrc.mjs', '.mcp-oauthrc.cjs',
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
}

/** A handler module to load for a tool; its location is already checked. */
export interface HandlerToLoad {
  readonly tool: string;
  readonly spec: string;
  readonly ref: HandlerRef;
}

/** One call of a handler: who calls, its signal, where log/progress go, and earlier answers (see context.ts). */
export interface HandlerCall {
  readonly auth: AuthContext | undefined;
  readonly signal: AbortSignal;
  readonly toolName: string;
  readonly sinks: ContextSinks;
  readonly answers: Readonly<Record<string, unknown>>;
}

/** Runs a loaded handler; in this thread or in a worker. */
export type HandlerRunner = (input: Record<string, unknown>, call: HandlerCall) => Promise<unknown>;

export type HandlerLoad =
  | { ok: true; handlers: ReadonlyMap<string, HandlerRunner>; release?: () => Promise<void> }
  | { ok: false; problems: readonly { tool: string; message: string }[] };

export type HandlerLoader = (handlers: readonly HandlerToLoad[]) => Promise<HandlerLoad>;

/** Imports every handler into this thread; all problems at once. */
export const importHandlers: HandlerLoader = async (list) => {
  const handlers = new Map<string, HandlerRunner>();
  const problems: { tool: string; message: string }[] = [];
  await Promise.all(
    list.map(async ({ tool, spec, ref }) => {
      const result = await importHandler(spec, ref);
      if (typeof result === 'string') problems.push({ tool, message: result });
      else handlers.set(tool, async (input, call) => result(input, createToolContext(call, call.sinks, call.answers)));
    }),
  );
  return problems.length > 0 ? { ok: false, problems } : { ok: true, handlers };
};

/** A validated manifest with everything a snapshot needs, built once per load. */
export interface LoadedManifest {
  readonly manifest: ResolvedManifest;
  readonly handlers: ReadonlyMap<string, HandlerRunner>;
  readonly schemas: ToolSchemas;
  /** Values read from `.env` beside the manifest. */
  readonly dotEnv: Readonly<Record<string, string>>;
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
  // A string still holding an unset ${VAR} fails the schema too; report the variable only.
  const unset = new Set(interpolated.missing.map((m) => formatPath(m.path)));
  const structural = [...checkForbiddenKeys(value)];
  if (structural.length === 0) structural.push(...checkSchema(value).filter((f) => !unset.has(formatPath(f.path))));
  if (structural.length > 0 || interpolated.missing.length > 0) fail(located([...interpolated.missing, ...structural]));

  const manifest = value as Manifest;
  const schemas = new ToolSchemas();
  const findings = [...checkSemantics(manifest), ...checkToolSchemas(manifest, schemas)];
  const toLoad: HandlerToLoad[] = [];
  const loader = options.handlers ?? importHandlers;
  if (loader !== false) manifest.tools.forEach((tool, i) => {
    const ref = parseHandlerSpec(tool.handler, dir);
    const message = checkHandlerLocation(tool.handler, ref, dir);
    if (message) findings.push({ path: ['tools', i, 'handler'], message });
    else toLoad.push({ tool: tool.name, spec: tool.handler, ref });
  });
  if (findings.length > 0) fail(located(findings));

  const load: HandlerLoad = loader === false ? { ok: true, handlers: new Map() } : await loader(toLoad);
  if (!load.ok) {
    const index = new Map(manifest.tools.map((t, i) => [t.name, i]));
    fail(located(load.problems.map((p) => ({ path: ['tools', index.get(p.tool) ?? 0, 'handler'], message: p.message }))));
  }
  return {
    manifest: resolveManifest(manifest, file),
    handlers: load.handlers,
    schemas,
    dotEnv,
    release: load.release ?? (() => Promise.resolve()),
  };
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
function locate(file: string, findings: Finding[]): Problem[] {
  const ext = extname(file);
  const isText = ['.json', '.yaml', '.yml', ''].includes(ext);
  const locator = isText ? createLocator(readFileSync(file, 'utf8')) : undefined;
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
  let result;
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
      throw new McpOAuthError('MANIFEST_INVALID', 'The manifest is empty', { problems: [{ file: result.filepath, path: '', message: 'the manifest is empty; start from examples/todo/mcp-oauth.config.yaml' }] });
    }
    throw new McpOAuthError(
      'MANIFEST_NOT_FOUND',
      `No manifest found in ${cwd}. Create mcp-oauth.config.json (or .yaml), or pass --config PATH.\nLooked for: ${SEARCH_PLACES.join(', ')}`,
    );
  }
  return { file: result.filepath, raw: result.config };
}

function jsonLoader(file: string, text: string): unknown {
  return unwrap(parseJson(file, text));
}

function yamlLoader(file: string, text: string): unknown {
  return unwrap(parseYaml(file, text));
}

function unwrap(result: ReturnType<typeof parseJson>): unknown {
  if (result.ok) return result.value;
  throw new McpOAuthError('MANIFEST_INVALID', 'The manifest could not be parsed', { problems: result.problems });
}

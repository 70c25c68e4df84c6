/**
 * `mcp-serve types`: for each tool, a Zod schema and a TypeScript type for its input
 * (and output, when declared) and a handler type, generated from the manifest so
 * TypeScript handlers are checked against the schemas the server enforces.
 */
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { type LoadedManifest, type LoadOptions, loadManifest } from '../config/index.js';
import { McpOAuthError } from '../errors.js';
import type { Logger } from '../log.js';
import type { ResolvedManifest, ResolvedTool } from '../manifest.js';
import { isRecord, SchemaTooLargeError, zodSource } from './schema-to-zod.js';

/** Default output file, written beside the manifest. */
export const TYPES_FILE = 'mcp-oauth.types.ts';

/**
 * The generated module's text. Pure and deterministic: the same manifest gives the
 * same bytes (tools in manifest order, no timestamps). `manifestLabel` is how the
 * header names the manifest, normally its path relative to the output file.
 *
 * @example
 * generateTypes(manifest, 'mcp-oauth.config.yaml')
 * // export const CreateTodoInput = z.object({ "title": z.string().min(1) });
 * // export type CreateTodoInput = z.infer<typeof CreateTodoInput>;
 * // export type CreateTodoHandler = ToolHandler<CreateTodoInput, CreateTodoOutput>;
 */
export function generateTypes(manifest: ResolvedManifest, manifestLabel: string): string {
  const names = typeNames(manifest.tools.map((tool) => tool.name));
  const blocks = manifest.tools.map((tool, i) => toolBlock(manifest, tool, i, names[i]!));
  const header = [
    `// Generated from ${oneLine(manifestLabel)} by \`mcp-serve types\`. Do not edit:`,
    '// change the manifest and run `mcp-serve types` again.',
    // Without tools the imports would be unused (an error under noUnusedLocals); it stays a module.
    ...(blocks.length === 0
      ? ['export {};']
      : ["import { z } from 'zod';", "import type { ToolHandler } from 'mcp-serve';"]),
  ].join('\n');
  return `${[header, ...blocks].join('\n\n')}\n`;
}

function toolBlock(manifest: ResolvedManifest, tool: ResolvedTool, index: number, name: string): string {
  const summary = tool.description ?? tool.title;
  const lines = [`// Tool "${tool.name}"${summary === undefined ? '' : `: ${oneLine(summary)}`}`];
  const schema = (key: 'inputSchema' | 'outputSchema', suffix: 'Input' | 'Output', value: Record<string, unknown>) => {
    lines.push(`export const ${name}${suffix} = ${convert(manifest, index, key, value)};`);
    lines.push(`export type ${name}${suffix} = z.infer<typeof ${name}${suffix}>;`);
  };
  schema('inputSchema', 'Input', tool.inputSchema);
  if (tool.outputSchema !== undefined) schema('outputSchema', 'Output', tool.outputSchema);
  const output = tool.outputSchema === undefined ? 'unknown' : `${name}Output`;
  lines.push(`export type ${name}Handler = ToolHandler<${name}Input, ${output}>;`);
  return lines.join('\n');
}

function convert(manifest: ResolvedManifest, index: number, key: string, schema: Record<string, unknown>): string {
  try {
    return zodSource(schema);
  } catch (error) {
    if (!(error instanceof SchemaTooLargeError)) throw error;
    throw new McpOAuthError('MANIFEST_INVALID', 'A tool schema is too large to generate types for', {
      problems: [{ file: manifest.file, path: `tools[${index}].${key}`, message: error.message }],
    });
  }
}

/** Identifiers cannot be imported from the manifest's own names: `ToolHandler` is taken. */
const RESERVED = new Set(['Tool']);

/**
 * PascalCase name per tool (`create_todo` → `CreateTodo`), distinct even when two
 * tool names give the same one (`create_todo`, `create-todo`): later tools get a
 * number (`CreateTodo2`), never one another tool's own name.
 */
function typeNames(toolNames: readonly string[]): string[] {
  const natural = toolNames.map(pascalCase);
  const taken = new Set([...RESERVED, ...natural]);
  const assigned = new Set<string>();
  return natural.map((base) => {
    let name = base;
    if (RESERVED.has(base) || assigned.has(base)) {
      let n = 2;
      while (taken.has(`${base}${n}`)) n++;
      name = `${base}${n}`;
      taken.add(name);
    }
    assigned.add(name);
    return name;
  });
}

/** Tool names are `[A-Za-z0-9_.-]`; separators go, each part is capitalized, a leading digit gets `Tool`. */
function pascalCase(toolName: string): string {
  const joined = toolName
    .split(/[^A-Za-z0-9]+/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
  return /^[A-Za-z]/.test(joined) ? joined : `Tool${joined}`;
}

/** Text for a `//` comment: every line terminator JavaScript knows becomes a space. */
function oneLine(text: string): string {
  return text.replace(/[\r\n\u2028\u2029]+/g, ' ').trim();
}

export interface WriteTypesOptions extends LoadOptions {
  /** Output file, relative to `cwd`; a directory gets `mcp-oauth.types.ts` inside it. Default: beside the manifest. */
  out?: string;
}

export interface WrittenTypes {
  /** Absolute path of the generated file. */
  readonly file: string;
  /** Absolute path of the manifest it was generated from. */
  readonly manifest: string;
  readonly tools: number;
  /** False when the file already held exactly this text (it is then left untouched). */
  readonly changed: boolean;
  /** What may stop the module from compiling, such as `zod` missing from the project's dependencies. */
  readonly warnings: readonly string[];
}

/**
 * Loads and checks the manifest (as `mcp-serve validate` does), then writes the
 * generated module.
 */
export async function writeTypes(options: WriteTypesOptions = {}): Promise<WrittenTypes> {
  // Types come from the schemas: the handlers need not exist or load yet.
  const { manifest } = await loadManifest({ ...options, handlers: false });
  const file = outputFile(manifest, options);
  const label = relative(dirname(file), manifest.file).split(sep).join('/');
  const text = generateTypes(manifest, label);
  const warnings =
    manifest.tools.length === 0 ? [] : zodWarnings(manifest.dir, relative(options.cwd ?? process.cwd(), file) || file);
  const result = { file, manifest: manifest.file, tools: manifest.tools.length, warnings };
  if (readText(file) === text) return { ...result, changed: false };
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
  } catch (error) {
    throw new McpOAuthError(
      'WRITE_FAILED',
      `Could not write ${file}: ${(error as Error).message}; choose another --out or fix the permissions`,
      { cause: error },
    );
  }
  return { ...result, changed: true };
}

/**
 * For `--watch`: rewrites the default types file beside the manifest when it exists
 * (the user has opted in by generating it once) and no longer matches. Returns its
 * path when it was rewritten.
 */
export function refreshTypes(manifest: ResolvedManifest): string | undefined {
  const file = join(manifest.dir, TYPES_FILE);
  const current = readText(file);
  if (current === undefined) return undefined;
  const text = generateTypes(manifest, relative(dirname(file), manifest.file).split(sep).join('/'));
  if (current === text) return undefined;
  writeFileSync(file, text);
  return file;
}

/**
 * The `--watch` hook (`RuntimeOptions.onLoaded`): refreshes the types file for each
 * version served, in one line. A file that cannot be written is a warning: the
 * version it describes serves all the same.
 */
export function createTypesRefresh(log: Logger): (loaded: LoadedManifest) => void {
  return (loaded) => {
    try {
      const file = refreshTypes(loaded.manifest);
      if (file) log.info(`types: ${relative(process.cwd(), file)} regenerated`);
    } catch (error) {
      log.warn(`types: could not regenerate (${(error as Error).message})`);
    }
  };
}

const DEPENDENCY_FIELDS = ['dependencies', 'devDependencies', 'peerDependencies'] as const;

/** A warning unless the nearest package.json at or above `dir` lists `zod`, which the generated module imports. */
function zodWarnings(dir: string, label: string): string[] {
  const pkgFile = nearestPackageJson(dir);
  if (pkgFile === undefined) {
    return [
      `warning: ${label} imports zod, but there is no package.json in or above ${dir}; add one (npm init -y) and run npm install zod`,
    ];
  }
  let pkg: unknown;
  try {
    pkg = JSON.parse(readText(pkgFile) ?? '');
  } catch {
    return [`warning: ${label} imports zod, but ${pkgFile} is not valid JSON, so whether it lists zod is unknown`];
  }
  const lists = DEPENDENCY_FIELDS.some(
    (field) => isRecord(pkg) && isRecord(pkg[field]) && Object.hasOwn(pkg[field], 'zod'),
  );
  return lists
    ? []
    : [
        `warning: ${label} imports zod, but ${pkgFile} does not list it in ${DEPENDENCY_FIELDS.join(', ')}; run npm install zod (version 4)`,
      ];
}

function nearestPackageJson(dir: string): string | undefined {
  for (let current = dir; ; current = dirname(current)) {
    const candidate = join(current, 'package.json');
    if (statSync(candidate, { throwIfNoEntry: false })?.isFile()) return candidate;
    if (dirname(current) === current) return undefined;
  }
}

function outputFile(manifest: ResolvedManifest, options: WriteTypesOptions): string {
  if (options.out === undefined) return join(manifest.dir, TYPES_FILE);
  const out = resolve(options.cwd ?? process.cwd(), options.out);
  if (isDirectory(out)) return join(out, TYPES_FILE);
  // The module holds values (the Zod schemas), so it must be TypeScript source, not a declaration file.
  if (!/\.(m|c)?ts$/.test(out) || /\.d\.(m|c)?ts$/.test(out)) {
    throw new McpOAuthError(
      'WRITE_FAILED',
      `--out ${options.out}: the generated module is TypeScript source; name a .ts file (not .d.ts), e.g. --out ${TYPES_FILE}`,
    );
  }
  return out;
}

function isDirectory(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

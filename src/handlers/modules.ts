/**
 * Handler modules: where a tool's `handler` points, that it stays inside the
 * manifest's directory tree, and that it exports a function.
 */
import { existsSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ResolvedHandler } from '../manifest.js';
import { describeImportError } from './load-error.js';
import type { ToolHandler } from './types.js';

/** `./handlers/todo.js#createTodo` → module path and export name, the spec kept for messages (pure). */
export function parseHandlerSpec(spec: string, dir: string): ResolvedHandler {
  const hash = spec.lastIndexOf('#');
  const modulePath = hash === -1 ? spec : spec.slice(0, hash);
  const exportName = hash === -1 || hash === spec.length - 1 ? 'default' : spec.slice(hash + 1);
  return { spec, file: resolve(dir, modulePath), exportName };
}

/**
 * Problems with where a handler lives, or undefined when it is a regular file
 * inside `dir` (after resolving symlinks, so a link cannot lead outside).
 */
export function checkHandlerLocation(ref: ResolvedHandler, dir: string): string | undefined {
  const { spec } = ref;
  const hash = spec.lastIndexOf('#');
  const where = checkFileLocation(hash === -1 ? spec : spec.slice(0, hash), ref.file, dir, spec, 'handlers');
  if (where) return where;
  if (!/\.(m|c)?js$|\.(m|c)?ts$/.test(ref.file))
    return `"${spec}" is not a JavaScript module (.js, .mjs, .cjs; or .ts, .mts, .cts where Node strips types)`;
  if (/\.(m|c)?ts$/.test(ref.file) && !(process.features as { typescript?: unknown }).typescript) {
    return `"${spec}" is TypeScript, which this Node (${process.version}) cannot load; compile it to .js, or run Node >= 22.18`;
  }
  return undefined;
}

/**
 * Problems with a file the manifest points at (`relative` as written, `file` resolved),
 * or undefined when it is a regular file inside `dir`, symlinks resolved, so a link
 * cannot lead outside.
 */
export function checkFileLocation(
  relativePath: string,
  file: string,
  dir: string,
  spec = relativePath,
  what = 'files',
): string | undefined {
  if (isAbsolute(relativePath))
    return `"${spec}" is an absolute path; write it relative to the manifest, e.g. "./${what === 'handlers' ? 'handlers/tool.js' : 'content/readme.md'}"`;
  if (!isInside(dir, file))
    return `"${spec}" points outside the manifest's directory; ${what} must live beside the manifest or below it`;
  if (!existsSync(file)) return `"${spec}": no file at ${file}; check the path (relative to the manifest)`;
  const real = realpathSync(file);
  if (!isInside(realpathSync(dir), real))
    return `"${spec}" is a symlink that leads outside the manifest's directory (${real}); copy the ${what === 'handlers' ? 'module' : 'file'} inside instead`;
  if (!statSync(real).isFile()) return `"${spec}" is not a file`;
  return undefined;
}

/**
 * Imports a handler module and returns the named export, or a message saying what
 * is wrong with it (syntax error at file:line:col, CommonJS/ESM mismatch, missing
 * export, not a function). Files in messages are relative to `dir`, the manifest's directory.
 */
export async function importHandler(ref: ResolvedHandler, dir?: string): Promise<ToolHandler | string> {
  const { spec } = ref;
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(ref.file).href)) as Record<string, unknown>;
  } catch (error) {
    return `"${spec}" failed to load: ${await describeImportError(error, ref.file, dir)}`;
  }
  const value = module[ref.exportName];
  if (typeof value === 'function') return value as ToolHandler;
  const exported = Object.keys(module).filter((k) => typeof module[k] === 'function');
  if (value === undefined) {
    const hint =
      exported.length > 0
        ? `; it exports ${exported.map((k) => (k === 'default' ? 'a default function' : `"${k}"`)).join(', ')}`
        : '';
    return ref.exportName === 'default'
      ? `"${spec}" has no default export${hint}; add "#<name>" to name an export`
      : `"${spec}" has no export named "${ref.exportName}"${hint}`;
  }
  return `"${spec}": export "${ref.exportName}" is a ${typeof value}, not a function`;
}

/** True when `file` lies below `dir` (both absolute; compared as paths, links not followed). */
export function isInside(dir: string, file: string): boolean {
  const rel = relative(dir, file);
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
}

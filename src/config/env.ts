/**
 * `${VAR}` and `${VAR:-default}` interpolation in every string of a manifest, from the
 * process environment and a `.env` file beside the manifest (the environment wins). A
 * default is interpolated too, as in shells: `${B:-${A}}` is B, else A.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';

const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;

/** A string as text and references; a default is parsed the same way. */
type Part = string | { name: string; fallback?: Part[]; source: string };

/** Reads `.env` in `dir`, if present. */
export function readDotEnv(dir: string): { file?: string; values: Record<string, string> } {
  const file = join(dir, '.env');
  if (!existsSync(file)) return { values: {} };
  return { file, values: parseEnv(readFileSync(file, 'utf8')) as Record<string, string> };
}

/**
 * Replaces references in all strings of `value`. `$$` is a literal `$`. Every
 * missing variable is reported, with the path of the string that names it.
 */
export function interpolate(
  value: unknown,
  env: Readonly<Record<string, string | undefined>>,
): { value: unknown; missing: { path: (string | number)[]; message: string }[] } {
  const missing: { path: (string | number)[]; message: string }[] = [];
  const walk = (node: unknown, path: (string | number)[]): unknown => {
    if (typeof node === 'string') {
      return expand(parseParts(node, 0, false)!.parts, env, (name, within) => {
        missing.push({ path, message: unsetMessage(name, within) });
      });
    }
    if (Array.isArray(node)) return node.map((item, i) => walk(item, [...path, i]));
    if (node !== null && typeof node === 'object') {
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(node)) {
        Object.defineProperty(out, key, {
          value: walk(item, [...path, key]),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return out;
    }
    return node;
  };
  return { value: walk(value, []), missing };
}

/**
 * Parses `text` from `start`: `$$` is a literal `$`, `${NAME}` and `${NAME:-default}`
 * references; anything else (an unclosed `${`, `$NAME`) is plain text. `nested` parses a
 * default, which ends at its unmatched `}`; undefined when there is none.
 */
function parseParts(text: string, start: number, nested: boolean): { parts: Part[]; end: number } | undefined {
  const parts: Part[] = [];
  let plain = '';
  let i = start;
  const flush = () => {
    if (plain !== '') parts.push(plain);
    plain = '';
  };
  while (i < text.length) {
    if (text.startsWith('$$', i)) {
      plain += '$';
      i += 2;
      continue;
    }
    const reference = text.startsWith('${', i) ? parseReference(text, i) : undefined;
    if (reference) {
      flush();
      parts.push(reference.part);
      i = reference.end;
      continue;
    }
    if (nested && text[i] === '}') {
      flush();
      return { parts, end: i };
    }
    plain += text[i];
    i++;
  }
  if (nested) return undefined;
  flush();
  return { parts, end: i };
}

/** The reference at `start` (which holds `${`), or undefined when it is not one. */
function parseReference(text: string, start: number): { part: Part; end: number } | undefined {
  NAME.lastIndex = start + 2;
  const name = NAME.exec(text)?.[0];
  if (name === undefined) return undefined;
  const after = NAME.lastIndex;
  if (text[after] === '}') return { part: { name, source: text.slice(start, after + 1) }, end: after + 1 };
  if (!text.startsWith(':-', after)) return undefined;
  const fallback = parseParts(text, after + 2, true);
  if (!fallback) return undefined;
  return {
    part: { name, fallback: fallback.parts, source: text.slice(start, fallback.end + 1) },
    end: fallback.end + 1,
  };
}

/**
 * The text of `parts`. A set, non-empty variable is used as it is (not interpolated
 * again); else its default, only then interpolated; else it is reported and kept as written.
 */
function expand(
  parts: readonly Part[],
  env: Readonly<Record<string, string | undefined>>,
  report: (name: string, within: readonly string[]) => void,
  within: readonly string[] = [],
): string {
  return parts
    .map((part) => {
      if (typeof part === 'string') return part;
      const found = env[part.name];
      if (found !== undefined && found !== '') return found;
      if (part.fallback) return expand(part.fallback, env, report, [...within, part.name]);
      report(part.name, within);
      return part.source;
    })
    .join('');
}

/** `within`: the variables, outermost first, whose defaults led to `name`. */
function unsetMessage(name: string, within: readonly string[]): string {
  const fallback = `give a default: \${${name}:-value}`;
  if (within.length === 0)
    return `environment variable ${name} is not set; set it in the environment or in a .env file beside the manifest, or ${fallback}`;
  const names = [...within, name];
  const chain = within.length === 1 ? `${within[0]} falls back to ${name}` : 'each falls back to the next';
  return `environment variables ${names.slice(0, -1).join(', ')} and ${name} are not set (${chain}); set one of them in the environment or in a .env file beside the manifest, or ${fallback}`;
}

/**
 * `${VAR}` and `${VAR:-default}` interpolation in every string of a manifest, from the
 * process environment and a `.env` file beside the manifest (the environment wins).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';

const REFERENCE = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

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
      return node.replace(REFERENCE, (match, name: string | undefined, fallback: string | undefined) => {
        if (match === '$$') return '$';
        const found = env[name!];
        if (found !== undefined && found !== '') return found;
        if (fallback !== undefined) return fallback;
        missing.push({
          path,
          message: `environment variable ${name} is not set; set it in the environment or in a .env file beside the manifest, or give a default: \${${name}:-value}`,
        });
        return match;
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

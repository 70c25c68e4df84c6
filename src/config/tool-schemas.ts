/**
 * Each tool's inputSchema/outputSchema must be an object schema that compiles, with
 * local refs only and no patterns that can backtrack exponentially (safe-regex2: a
 * well-kept star-height check, since arguments are matched on the server's one thread).
 */
import isSafeRegex from 'safe-regex2';
import { showValue } from '../errors.js';
import type { CheckedManifest, Finding } from './check.js';
import type { ToolSchemas } from './validator.js';

export function checkToolSchemas(m: CheckedManifest, schemas: ToolSchemas): Finding[] {
  const findings: Finding[] = [];
  m.tools.forEach((tool, i) => {
    for (const key of ['inputSchema', 'outputSchema'] as const) {
      const schema = tool[key];
      if (schema === undefined) continue;
      const path = ['tools', i, key];
      const refs = findRemoteRefs(schema);
      for (const ref of refs) {
        findings.push({
          path: [...path, ...ref.path],
          message: `${showValue(ref.value)} is not a local reference; only "#/..." refs are allowed (no remote or file $ref): inline the schema or put it under $defs`,
        });
      }
      for (const unsafe of findUnsafePatterns(schema)) {
        findings.push({
          path: [...path, ...unsafe.path],
          message: `${showValue(unsafe.value)} can take exponential time on some inputs (ReDoS: nested or overlapping repetition), and a check blocks the whole server; rewrite it without a repeated group of repeats, e.g. ^a+$ instead of ^(a+)+$`,
        });
      }
      if (schema['type'] !== 'object') {
        findings.push({
          path: [...path, 'type'],
          message: `${key} must be an object schema: add "type": "object" (MCP tool arguments and structured results are JSON objects)`,
        });
      }
      if (refs.length > 0) continue;
      try {
        schemas.compile(schema);
      } catch (error) {
        findings.push({
          path,
          message: `does not compile as JSON Schema 2020-12: ${(error as Error).message.split('\n')[0]}`,
        });
      }
    }
  });
  return findings;
}

/** `pattern` values and `patternProperties` keys that safe-regex2 flags as super-linear. */
function findUnsafePatterns(
  node: unknown,
  path: (string | number)[] = [],
): { path: (string | number)[]; value: string }[] {
  if (Array.isArray(node)) return node.flatMap((item, i) => findUnsafePatterns(item, [...path, i]));
  if (node === null || typeof node !== 'object') return [];
  return Object.entries(node).flatMap(([key, value]) => {
    const here = [...path, key];
    if (key === 'pattern' && typeof value === 'string') return isSafeRegex(value) ? [] : [{ path: here, value }];
    const keys =
      key === 'patternProperties' && value !== null && typeof value === 'object'
        ? Object.keys(value)
            .filter((p) => !isSafeRegex(p))
            .map((p) => ({ path: [...here, p], value: p }))
        : [];
    return [...keys, ...findUnsafePatterns(value, here)];
  });
}

function findRemoteRefs(
  node: unknown,
  path: (string | number)[] = [],
): { path: (string | number)[]; value: unknown }[] {
  if (Array.isArray(node)) return node.flatMap((item, i) => findRemoteRefs(item, [...path, i]));
  if (node === null || typeof node !== 'object') return [];
  return Object.entries(node).flatMap(([key, value]) => {
    if ((key === '$ref' || key === '$dynamicRef') && !(typeof value === 'string' && value.startsWith('#')))
      return [{ path: [...path, key], value }];
    return findRemoteRefs(value, [...path, key]);
  });
}

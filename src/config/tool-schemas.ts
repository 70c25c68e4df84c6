/** Each tool's inputSchema/outputSchema must be an object schema that compiles, with local refs only. */
import { showValue } from '../errors.js';

import type { ToolSchemas } from '../validation.js';
import type { CheckedManifest, Finding } from './check.js';

export function checkToolSchemas(m: CheckedManifest, schemas: ToolSchemas): Finding[] {
  const findings: Finding[] = [];
  m.tools.forEach((tool, i) => {
    for (const key of ['inputSchema', 'outputSchema'] as const) {
      const schema = tool[key];
      if (schema === undefined) continue;
      const path = ['tools', i, key];
      const refs = findRemoteRefs(schema);
      for (const ref of refs) {
        findings.push({ path: [...path, ...ref.path], message: `${showValue(ref.value)} is not a local reference; only "#/..." refs are allowed (no remote or file $ref): inline the schema or put it under $defs` });
      }
      if (schema['type'] !== 'object') {
        findings.push({ path: [...path, 'type'], message: `${key} must be an object schema: add "type": "object" (MCP tool arguments and structured results are JSON objects)` });
      }
      if (refs.length > 0) continue;
      try {
        schemas.compile(schema);
      } catch (error) {
        findings.push({ path, message: `does not compile as JSON Schema 2020-12: ${(error as Error).message.split('\n')[0]}` });
      }
    }
  });
  return findings;
}

function findRemoteRefs(node: unknown, path: (string | number)[] = []): { path: (string | number)[]; value: unknown }[] {
  if (Array.isArray(node)) return node.flatMap((item, i) => findRemoteRefs(item, [...path, i]));
  if (node === null || typeof node !== 'object') return [];
  return Object.entries(node).flatMap(([key, value]) => {
    if ((key === '$ref' || key === '$dynamicRef') && !(typeof value === 'string' && value.startsWith('#'))) return [{ path: [...path, key], value }];
    return findRemoteRefs(value, [...path, key]);
  });
}

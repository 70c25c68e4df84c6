/**
 * Drift between code, schema, examples and README: every example manifest loads,
 * every README manifest snippet passes the schema, every schema field is described,
 * every error code is documented.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { generateTypes } from '../src/commands/types.js';
import { checkSchema } from '../src/config/check.js';
import { loadManifest } from '../src/config/index.js';
import { ROOT } from './support/server.js';

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const env = {
  ISSUER: 'https://auth.example.com',
  SCALEKIT_ENVIRONMENT_URL: 'https://acme.scalekit.dev',
  SCALEKIT_RESOURCE_ID: 'res_123',
  MCP_URL: 'https://mcp.example.com',
};

for (const configPath of [
  'mcp-oauth.config.json',
  'examples/todo/mcp-oauth.config.yaml',
  'examples/scalekit/mcp-oauth.config.yaml',
]) {
  test(`${configPath} loads: schema, semantics and handlers`, async () => {
    const loaded = await loadManifest({ cwd: ROOT, configPath, env });
    assert.ok(loaded.manifest.tools.length > 0);
    assert.equal(loaded.handlers.size, loaded.manifest.tools.length);
  });
}

test('the README opens with the two set-up commands', () => {
  const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
  const commands = firstBlock
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => line.replace(/\s+#.*$/, '').trim());
  assert.deepEqual(commands, ['npm ci && npm start', 'npm ci && npm test']);
  assert.match(readFileSync(join(ROOT, '.ci', 'run'), 'utf8'), /npm ci[\s\S]*npm test/);
});

test('every manifest snippet in the README passes the schema', () => {
  const snippets = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)]
    .map((m) => m[1]!)
    .filter((text) => /^(\$schema|server):/m.test(text));
  assert.ok(snippets.length >= 2);
  for (const snippet of snippets) assert.deepEqual(checkSchema(parse(snippet)), [], snippet);
});

test('every property in the schema has a description', () => {
  const schema = JSON.parse(readFileSync(join(ROOT, 'schemas', 'manifest.schema.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  const undocumented: string[] = [];
  const walk = (node: unknown, path: string) => {
    if (node === null || typeof node !== 'object') return;
    const properties = (node as { properties?: Record<string, Record<string, unknown>> }).properties;
    for (const [key, value] of Object.entries(properties ?? {})) {
      if (typeof value['description'] !== 'string' && typeof value['$ref'] !== 'string')
        undocumented.push(`${path}.${key}`);
    }
    for (const [key, value] of Object.entries(node)) walk(value, `${path}.${key}`);
  };
  walk(schema, '');
  assert.deepEqual(undocumented, []);
});

test('every error code is documented in the README', () => {
  const source = readFileSync(join(ROOT, 'src', 'errors.ts'), 'utf8');
  const union = /export type ErrorCode =([^;]*);/.exec(source)?.[1] ?? '';
  const codes = [...union.matchAll(/'([A-Z_]+)'/g)].map((m) => m[1]!);
  assert.ok(codes.length > 0);
  for (const code of codes) assert.ok(readme.includes(`\`${code}\``), `${code} is not documented`);
});

test("the README's typed-handlers sample is what `mcp-serve types` writes for examples/todo", async () => {
  const sample = /```ts\n(\/\/ Generated from[\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(sample, 'no generated sample in the README');
  const { manifest } = await loadManifest({ cwd: ROOT, configPath: 'examples/todo/mcp-oauth.config.yaml', env });
  const generated = generateTypes(manifest, 'mcp-oauth.config.yaml').split('\n');
  for (const line of sample.split('\n').filter(Boolean)) assert.ok(generated.includes(line), `not generated: ${line}`);
});

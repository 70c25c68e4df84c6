/**
 * The validators the build writes as code (scripts/precompile-schemas.mjs) are current,
 * and report exactly what compiling their schemas at start-up would.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  createManifestAjv,
  MANIFEST_VALIDATOR_FILE,
  manifestValidator,
  SCHEMA_FILE,
} from '../src/config/manifest-schema.js';
import {
  createToolAjv,
  loadPrecompiled,
  META_SCHEMA_ID,
  META_VALIDATOR_FILE,
  precompiledDigest,
  ToolSchemas,
  withPrecompiledMetaSchema,
} from '../src/config/validator.js';

const schemaText = readFileSync(SCHEMA_FILE, 'utf8');

test('the build wrote both validators from the current schema and Ajv', () => {
  assert.ok(
    loadPrecompiled(MANIFEST_VALIDATOR_FILE, precompiledDigest(schemaText)),
    'manifest validator missing or stale: npm run build',
  );
  assert.ok(
    loadPrecompiled(META_VALIDATOR_FILE, precompiledDigest(META_SCHEMA_ID)),
    'meta-schema validator missing or stale: npm run build',
  );
  assert.equal(manifestValidator(), loadPrecompiled(MANIFEST_VALIDATOR_FILE, precompiledDigest(schemaText)));
  assert.equal(
    withPrecompiledMetaSchema(createToolAjv()).schemas[META_SCHEMA_ID]?.validate,
    loadPrecompiled(META_VALIDATOR_FILE, precompiledDigest(META_SCHEMA_ID)),
  );
});

test('a precompiled validator made from another schema is not used', () => {
  assert.equal(loadPrecompiled(MANIFEST_VALIDATOR_FILE, precompiledDigest(`${schemaText}\n`)), undefined);
  assert.equal(loadPrecompiled(new URL('./no-such-validator.cjs', MANIFEST_VALIDATOR_FILE), 'x'), undefined);
});

test('the precompiled manifest validator reports and coerces as the compiled schema does', () => {
  const compiled = createManifestAjv().compile(JSON.parse(schemaText) as object);
  const precompiled = manifestValidator();
  const documents = [
    {
      server: { name: 'x', version: '1' },
      auth: { provider: 'jwt', issuer: 'https://issuer.example.com' },
      http: { port: '3000' },
    },
    {
      server: { name: '' },
      auth: { provider: 'jwt', algorithms: ['HS256'] },
      http: { port: 'x', hots: 'h' },
      tools: [{ name: 1, scopes: { anyOf: 'a' } }],
    },
    { server: [], auth: { provider: 'nope' }, resource: { scopes_supported: [1] } },
  ];
  for (const document of documents) {
    const [a, b] = [structuredClone(document), structuredClone(document)];
    assert.equal(precompiled(b), compiled(a));
    assert.deepEqual(precompiled.errors, compiled.errors);
    assert.deepEqual(b, a);
  }
});

test('tool schemas are checked against the meta-schema with the same messages', () => {
  for (const schema of [
    { type: 'object', properties: { a: { type: 'strin' } } },
    { type: 'object', minProperties: -1 },
    { type: 'object', required: 'a' },
  ]) {
    const message = (compile: () => unknown) => {
      try {
        compile();
        return 'compiled';
      } catch (error) {
        return (error as Error).message;
      }
    };
    const expected = message(() => createToolAjv().compile(schema));
    assert.match(expected, /^schema is invalid: /);
    assert.equal(
      message(() => new ToolSchemas().compile(schema)),
      expected,
    );
  }
});

/**
 * `${VAR}` interpolation (set, unset, empty, defaults, `$$` escapes, strings nested in
 * objects and arrays) and reading `.env` beside the manifest.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { interpolate, readDotEnv } from '../../../src/config/env.js';
import { scratchDirectories } from '../../support/scratch.js';

const scratch = scratchDirectories('mcp-oauth-unit-env-');
const ENV = { HOST: 'mcp.example.com', EMPTY: '', REF: '${HOST}' };
const unset = (name: string) =>
  `environment variable ${name} is not set; set it in the environment or in a .env file beside the manifest, or give a default: \${${name}:-value}`;

describe('interpolate: one string', () => {
  const cases: { description: string; input: string; value: string; missing?: string[] }[] = [
    { description: 'a set variable', input: '${HOST}', value: 'mcp.example.com' },
    {
      description: 'inside other text, twice',
      input: 'https://${HOST}/${HOST}',
      value: 'https://mcp.example.com/mcp.example.com',
    },
    { description: 'a set variable wins over its default', input: '${HOST:-localhost}', value: 'mcp.example.com' },
    { description: 'an unset variable with a default', input: '${PORT:-3000}', value: '3000' },
    { description: 'an empty default', input: '${PORT:-}', value: '' },
    { description: 'an empty variable counts as unset: the default', input: '${EMPTY:-dflt}', value: 'dflt' },
    { description: 'a default may hold ":-"', input: '${PORT:-a:-b}', value: 'a:-b' },
    {
      description: 'an unset variable stays as written and is reported',
      input: '${PORT}',
      value: '${PORT}',
      missing: [unset('PORT')],
    },
    {
      description: 'an empty variable without a default is reported as unset',
      input: '${EMPTY}',
      value: '${EMPTY}',
      missing: [unset('EMPTY')],
    },
    {
      description: 'every unset variable of a string is reported, in order',
      input: '${A}-${B}',
      value: '${A}-${B}',
      missing: [unset('A'), unset('B')],
    },
    { description: 'a default may be a reference, as in shells', input: '${PORT:-${HOST}}', value: 'mcp.example.com' },
    { description: 'a nested default of a nested default', input: '${A:-${B:-x}}y', value: 'xy' },
    { description: 'a set variable wins over a nested default', input: '${HOST:-${PORT}}', value: 'mcp.example.com' },
    { description: 'a default is interpolated: $$ in it is a literal $', input: '${PORT:-$$}', value: '$' },
    {
      description: 'a nested default whose variable is unset too: reported naming both, never a silent literal',
      input: '${B:-${A}}',
      value: '${A}',
      missing: [
        'environment variables B and A are not set (B falls back to A); set one of them in the environment or in a .env file beside the manifest, or give a default: ${A:-value}',
      ],
    },
    {
      description: 'a chain of defaults all unset: reported once, naming each',
      input: '${C:-${B:-${A}}}',
      value: '${A}',
      missing: [
        'environment variables C, B and A are not set (each falls back to the next); set one of them in the environment or in a .env file beside the manifest, or give a default: ${A:-value}',
      ],
    },
    { description: '$$ is a literal $', input: 'cost: $$5', value: 'cost: $5' },
    { description: '$${VAR} escapes a reference', input: '$${HOST}', value: '${HOST}' },
    { description: '$$$${VAR} is two literal $ before the reference text', input: '$$$${HOST}', value: '$${HOST}' },
    { description: 'a value is not interpolated again', input: '${REF}', value: '${HOST}' },
    { description: '$VAR without braces is plain text', input: '$HOST', value: '$HOST' },
    { description: 'an unclosed reference is plain text', input: '${HOST', value: '${HOST' },
    {
      description: 'an unclosed reference around a closed one: the closed one is replaced',
      input: '${A:-${HOST}',
      value: '${A:-mcp.example.com',
    },
    { description: 'a name starting with a digit is not a reference', input: '${1HOST}', value: '${1HOST}' },
  ];
  for (const { description, input, value, missing = [] } of cases) {
    test(description, () => {
      const result = interpolate(input, ENV);
      assert.deepEqual(
        { value: result.value, missing: result.missing },
        { value, missing: missing.map((message) => ({ path: [], message })) },
      );
    });
  }
});

describe('interpolate: documents', () => {
  test('strings nested in objects and arrays are replaced; other values kept; missing ones located', () => {
    const input = { http: { host: '${HOST}', port: 3000, sessions: true }, tools: [null, { name: '${TOOL}' }] };
    assert.deepEqual(interpolate(input, ENV), {
      value: { http: { host: 'mcp.example.com', port: 3000, sessions: true }, tools: [null, { name: '${TOOL}' }] },
      missing: [{ path: ['tools', 1, 'name'], message: unset('TOOL') }],
    });
  });

  test('keys are not interpolated', () => {
    assert.deepEqual(interpolate({ '${HOST}': 'x' }, ENV).value, { '${HOST}': 'x' });
  });

  test('the input is not changed', () => {
    const input = { host: '${HOST}' };
    interpolate(input, ENV);
    assert.deepEqual(input, { host: '${HOST}' });
  });

  test('a "__proto__" key is copied as an own key, and no prototype is polluted', () => {
    const { value } = interpolate(JSON.parse('{"__proto__":{"polluted":"${HOST}"}}'), ENV);
    assert.deepEqual(
      [Object.keys(value as object), Object.getPrototypeOf(value), ({} as Record<string, unknown>)['polluted']],
      [['__proto__'], Object.prototype, undefined],
    );
    assert.deepEqual(Object.getOwnPropertyDescriptor(value, '__proto__')?.value, { polluted: 'mcp.example.com' });
  });
});

describe('readDotEnv', () => {
  test('no .env: no file, no values', () => {
    assert.deepEqual(readDotEnv(scratch()), { values: {} });
  });

  test('.env values, comments skipped and quotes removed as node:util parseEnv reads them', () => {
    const dir = scratch();
    writeFileSync(join(dir, '.env'), '# comment\nISSUER=https://issuer.example.com\nQUOTED="a b"\nEMPTY=\n');
    assert.deepEqual(readDotEnv(dir), {
      file: join(dir, '.env'),
      values: { ISSUER: 'https://issuer.example.com', QUOTED: 'a b', EMPTY: '' },
    });
  });
});

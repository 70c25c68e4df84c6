/** examples/everything, the manifest `npm run conformance` serves: it validates and declares every section. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { ROOT } from './support/server.js';

const BIN = join(ROOT, 'dist', 'src', 'bin.js');
const EXAMPLE = join('examples', 'everything');

test('mcp-serve validate accepts examples/everything/mcp-oauth.config.yaml', () => {
  const run = spawnSync(process.execPath, [BIN, 'validate', '--config', join(EXAMPLE, 'mcp-oauth.config.yaml')], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
  assert.match(run.stdout, /is valid/);
  assert.match(run.stdout, /Tools \(\d+\)/);
});

test('it declares every section the suite calls: tools, resources, templates and prompts', () => {
  const manifest = parse(readFileSync(join(ROOT, EXAMPLE, 'mcp-oauth.config.yaml'), 'utf8')) as Record<
    string,
    unknown[]
  >;
  for (const section of ['tools', 'resources', 'resourceTemplates', 'prompts'])
    assert.ok((manifest[section] ?? []).length > 0, section);
});

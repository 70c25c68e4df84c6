/** examples/everything, the manifest `npm run conformance` serves: it validates, and the full manifest keeps the same tools. */
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
  const run = spawnSync(process.execPath, [BIN, 'validate', '--config', join(EXAMPLE, 'mcp-oauth.config.yaml')], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
  assert.match(run.stdout, /is valid/);
  assert.match(run.stdout, /Tools \(\d+\)/);
});

test('mcp-oauth.config.full.yaml declares the tools of mcp-oauth.config.yaml, unchanged', () => {
  const read = (file: string) => parse(readFileSync(join(ROOT, EXAMPLE, file), 'utf8')) as Record<string, unknown>;
  const subset = read('mcp-oauth.config.yaml');
  const full = read('mcp-oauth.config.full.yaml');
  assert.deepEqual(full['tools'], subset['tools']);
  for (const key of ['server', 'http', 'auth']) assert.deepEqual(full[key], subset[key], key);
});

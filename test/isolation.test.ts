/** isolation: worker — a spinning handler is stopped at its timeout, a crashing one is replaced, and the rest keeps serving. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { onlyRpc, post, toolCall } from './support/clients.js';
import { serveManifest, type TestServer } from './support/server.js';

let server: TestServer;
before(async () => {
  server = await serveManifest({
    server: { name: 'isolation', version: '1.0.0' },
    http: { host: '127.0.0.1', port: 0 },
    auth: { provider: 'none' },
    tools: [
      {
        name: 'spin',
        inputSchema: { type: 'object' },
        timeoutMs: 300,
        isolation: 'worker',
        handler: './handlers/context.js#spin',
      },
      { name: 'quit', inputSchema: { type: 'object' }, isolation: 'worker', handler: './handlers/context.js#quit' },
      { name: 'echo', inputSchema: { type: 'object' }, handler: './handlers/record.js#echo' },
    ],
  });
});
after(() => server.close());

async function call(name: string, args: Record<string, unknown> = {}): Promise<string> {
  const { result } = onlyRpc(await (await post(server.url, toolCall(name, args))).text());
  return `${result?.isError ? 'error: ' : ''}${result?.content?.[0]?.text}`;
}

test('a handler spinning the CPU is stopped at its timeout while other calls are served; the tool works again after', async () => {
  const started = Date.now();
  const spinning = call('spin', { spin: true });
  // The server's own thread is free: another tool answers while the spin runs.
  assert.equal(await call('echo', { text: 'meanwhile' }), 'echo: meanwhile');
  assert.equal(await spinning, 'error: spin timed out after 300 ms');
  assert.ok(Date.now() - started < 3_000);
  let after = '';
  for (let i = 0; i < 20 && after !== 'not spinning'; i++) {
    after = await call('spin', {});
    if (after !== 'not spinning') await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.equal(after, 'not spinning');
});

test('a handler that exits its worker fails that call only; the process lives and a fresh worker serves the next', async () => {
  assert.match(await call('quit', { quit: true }), /^error: .*exited/);
  let after = '';
  for (let i = 0; i < 20 && after !== 'still here'; i++) {
    after = await call('quit', {});
    if (after !== 'still here') await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.equal(after, 'still here');
  assert.equal(await call('echo', { text: 'alive' }), 'echo: alive');
});

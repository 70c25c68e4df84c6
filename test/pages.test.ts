/** Long lists come in pages (server.pageSize) with an opaque nextCursor, in both eras. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Client as ModernClient, StreamableHTTPClientTransport as ModernTransport } from '@modelcontextprotocol/client';
import { Client as LegacyClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as LegacyTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { onlyRpc, post, type Rpc } from './support/clients.js';
import { serveManifest, type TestServer } from './support/server.js';

const NAMES = ['a', 'b', 'c', 'd', 'e'];
let server: TestServer;
before(async () => {
  server = await serveManifest({
    server: { name: 'pages', version: '1.0.0', pageSize: 2 },
    http: { host: '127.0.0.1', port: 0 },
    auth: { provider: 'none' },
    tools: NAMES.map((name) => ({ name, inputSchema: { type: 'object' }, handler: './handlers/record.js#echo' })),
    prompts: NAMES.map((name) => ({ name: `p${name}`, messages: [{ role: 'user', text: name }] })),
  });
});
after(() => server.close());

async function rpc(method: string, params: Record<string, unknown> = {}): Promise<Rpc> {
  return onlyRpc(await (await post(server.url, { jsonrpc: '2.0', id: 1, method, params })).text());
}

test('tools/list and prompts/list: pages of pageSize, then no nextCursor; a bad cursor is -32602', async () => {
  for (const [method, key, names] of [
    ['tools/list', 'tools', NAMES],
    ['prompts/list', 'prompts', NAMES.map((n) => `p${n}`)],
  ] as const) {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const { result } = await rpc(method, cursor === undefined ? {} : { cursor });
      const items = result![key] as { name: string }[];
      assert.ok(items.length <= 2);
      seen.push(...items.map((t) => t.name));
      cursor = result!['nextCursor'] as string | undefined;
      pages++;
    } while (cursor !== undefined);
    assert.deepEqual(seen, names);
    assert.equal(pages, 3);
  }
  const bad = await rpc('tools/list', { cursor: 'not-a-cursor' });
  assert.equal(bad.error?.code, -32602);
});

test('both SDK clients page through with nextCursor', async () => {
  const modern = new ModernClient(
    { name: 'pages', version: '1.0.0' },
    { versionNegotiation: { mode: { pin: '2026-07-28' } } },
  );
  await modern.connect(new ModernTransport(new URL(server.url)));
  const all: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await modern.listTools(cursor === undefined ? {} : { cursor });
    all.push(...page.tools.map((t) => t.name));
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  assert.deepEqual(all, NAMES);
  await modern.close();

  const legacy = new LegacyClient({ name: 'pages', version: '1.0.0' });
  await legacy.connect(new LegacyTransport(new URL(server.url)));
  const first = await legacy.listTools();
  assert.deepEqual(
    first.tools.map((t) => t.name),
    ['a', 'b'],
  );
  const second = await legacy.listTools({ cursor: first.nextCursor! });
  assert.deepEqual(
    second.tools.map((t) => t.name),
    ['c', 'd'],
  );
  await legacy.close();
});

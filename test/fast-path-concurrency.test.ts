/**
 * The fast path under load: one long-lived server per era takes thousands of requests
 * at once, all with the same JSON-RPC id, from different principals, completing out of
 * order, some streaming progress. Every answer (and every progress notification) must
 * reach the request that asked; a client that hangs up cancels its own call and no
 * other; afterwards nothing is pending and the heap is back where it was.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  PROTOCOL_VERSION_META_KEY,
} from '@modelcontextprotocol/server';
import { type Authority, startAuthority } from './support/authority.js';
import { rpcMessages } from './support/clients.js';
import { serveManifest, type TestServer } from './support/server.js';
import { nowSec } from './support/tokens.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const CALLS = 2_000;
const PRINCIPALS = 24;

const taggedInput = {
  type: 'object',
  properties: { tag: { type: 'string' }, delayMs: { type: 'number' }, steps: { type: 'number' } },
  required: ['tag'],
};

let authority: Authority;
let server: TestServer;
let tokens: string[];
before(async () => {
  authority = await startAuthority();
  server = await serveManifest({
    server: { name: 'concurrency', version: '1.0.0' },
    http: { host: '127.0.0.1', port: 0, path: '/mcp' },
    auth: { provider: 'jwt', issuer: authority.issuer },
    tools: [
      { name: 'tagged', inputSchema: taggedInput, scopes: ['todo:read'], handler: './handlers/tagged.js#tagged' },
      { name: 'hang', inputSchema: taggedInput, scopes: ['todo:read'], handler: './handlers/tagged.js#hang' },
    ],
  });
  tokens = await Promise.all(
    Array.from({ length: PRINCIPALS }, (_, i) =>
      authority.mint({
        iss: authority.issuer,
        aud: server.url,
        sub: `user-${i}`,
        client_id: `client-${i % 3}`,
        scope: 'todo:read',
        exp: nowSec() + 600,
      }),
    ),
  );
});
after(async () => {
  await server.close();
  await authority.close();
});

type Era = 'modern' | 'legacy';

function call(
  era: Era,
  name: string,
  args: Record<string, unknown>,
  token: string,
  options: { progress?: string; signal?: AbortSignal } = {},
) {
  const modern = era === 'modern';
  const meta = {
    ...(options.progress !== undefined && { progressToken: options.progress }),
    ...(modern && {
      [PROTOCOL_VERSION_META_KEY]: '2026-07-28',
      [CLIENT_INFO_META_KEY]: { name: 'load', version: '1.0.0' },
      [CLIENT_CAPABILITIES_META_KEY]: {},
    }),
  };
  return fetch(server.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      authorization: `Bearer ${token}`,
      // No idle sockets kept between rounds, so the heap measures the server, not the pool.
      connection: 'close',
      'mcp-protocol-version': modern ? '2026-07-28' : '2025-11-25',
      ...(modern && { 'mcp-method': 'tools/call', 'mcp-name': name }),
    },
    // Every request carries the same id.
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name, arguments: args, ...(Object.keys(meta).length > 0 && { _meta: meta }) },
    }),
    ...(options.signal && { signal: options.signal }),
  });
}

/** Sends `CALLS` tagged calls at once and checks that each answer is its own. */
async function load(era: Era, round: string): Promise<void> {
  const served = server.runtime.snapshot.fastPath!.served;
  const results = await Promise.all(
    Array.from({ length: CALLS }, async (_, i) => {
      const tag = `${era}-${round}-${i}`;
      const principal = i % PRINCIPALS;
      const streams = i % 4 === 0;
      const response = await call(
        era,
        'tagged',
        { tag, delayMs: (i * 37) % 150, steps: streams ? 3 : 0 },
        tokens[principal]!,
        streams ? { progress: `progress-${tag}` } : {},
      );
      assert.equal(response.status, 200, tag);
      const messages = rpcMessages(await response.text());
      const answer = messages.at(-1)!;
      assert.equal(answer.id, 1);
      assert.deepEqual(answer.result?.structuredContent, {
        tag,
        subject: `user-${principal}`,
        client: `client-${principal % 3}`,
      });
      const progress = messages.slice(0, -1) as {
        method?: string;
        params?: { progressToken?: unknown; message?: string };
      }[];
      assert.equal(progress.length, streams ? 3 : 0, `${tag}: its own progress, and no other call's`);
      for (const note of progress) {
        assert.equal(note.method, 'notifications/progress');
        assert.equal(note.params?.progressToken, `progress-${tag}`);
        assert.match(note.params?.message ?? '', new RegExp(`^${tag} step`));
      }
      return tag;
    }),
  );
  assert.equal(new Set(results).size, CALLS);
  assert.equal(server.runtime.snapshot.fastPath!.served - served, CALLS, 'every call went through the fast path');
}

for (const era of ['modern', 'legacy'] as const) {
  test(`${era === 'modern' ? '2026-07-28' : '2025-11-25'}: ${CALLS} calls in flight with one JSON-RPC id each get their own answer, and nothing leaks`, async () => {
    // Caches, pools and the JIT fill up over the first rounds; a leak grows with every one after.
    await load(era, 'warm');
    const heapAfter = async (rounds: string[]) => {
      for (const round of rounds) await load(era, round);
      gc();
      return process.memoryUsage().heapUsed;
    };
    const settled = await heapAfter(['a', 'b']);
    const later = await heapAfter(['c', 'd']);
    assert.equal(server.runtime.snapshot.fastPath!.pending, 0, 'no request left pending');
    const grown = later - settled;
    // Keeping a call's response (its socket, buffers, exchange), several kilobytes, would
    // be tens of MB here; what stays below is the noise of the JIT and the client.
    assert.ok(
      grown < 8 * 2 ** 20,
      `the heap grew by ${(grown / 2 ** 20).toFixed(1)} MB over ${2 * CALLS} calls (${server.logs.length} log lines, the last: ${server.logs.at(-1)})`,
    );
  });

  test(`${era === 'modern' ? '2026-07-28' : '2025-11-25'}: a client that hangs up cancels its own call, and only it`, async () => {
    const aborted = ((globalThis as Record<string, unknown>)['__mcpTaggedAborted'] ??= []) as string[];
    aborted.length = 0;
    const controllers = Array.from({ length: 20 }, () => new AbortController());
    const hanging = controllers.map((c, i) =>
      call(era, 'hang', { tag: `hang-${i}` }, tokens[i % PRINCIPALS]!, { signal: c.signal }).then(
        (r) => r.text(),
        (error: Error) => error.name,
      ),
    );
    const quick = Array.from({ length: 20 }, (_, i) =>
      call(era, 'tagged', { tag: `quick-${i}`, delayMs: 300 }, tokens[i % PRINCIPALS]!),
    );
    await waitFor(() => server.runtime.snapshot.fastPath!.pending === 40);
    for (const [i, c] of controllers.entries()) if (i % 2 === 0) c.abort();
    await waitFor(() => aborted.length === 10);
    assert.deepEqual([...aborted].sort(), controllers.flatMap((_, i) => (i % 2 === 0 ? [`hang-${i}`] : [])).sort());
    for (const [i, response] of (await Promise.all(quick)).entries()) {
      assert.equal(response.status, 200);
      assert.equal(rpcMessages(await response.text()).at(-1)?.result?.structuredContent?.['tag'], `quick-${i}`);
    }
    assert.equal(server.runtime.snapshot.fastPath!.pending, 10, 'the other hanging calls still run');
    for (const c of controllers) c.abort();
    await waitFor(() => aborted.length === 20);
    await Promise.all(hanging);
    assert.equal(server.runtime.snapshot.fastPath!.pending, 0);
  });
}

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

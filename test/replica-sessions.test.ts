/**
 * 2025-11-25 sessions across three `mcp-serve` processes sharing a real redis-server,
 * behind a round-robin proxy without sticky routing: a session opened on one replica
 * is served by all of them and only for its owner, a DELETE ends it everywhere,
 * resource updates reach a session's GET stream (and 2026-07-28 listen streams) on
 * whichever replica holds it, a question asked by one replica is answered through
 * another, a client whose replica dies resumes its stream elsewhere with what it
 * missed, and a session outlives a Redis restart.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client as ModernClient, StreamableHTTPClientTransport as ModernTransport } from '@modelcontextprotocol/client';
import { Client as LegacyClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as LegacyTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema, ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { type Authority, startAuthority } from './support/authority.js';
import { SKIP_WITHOUT_REDIS, startRedis, type TestRedis } from './support/redis.js';
import { allReady, eventually, type Replicas, readiness, startReplicas } from './support/replicas.js';
import { FIXTURE_TOOLS } from './support/server.js';

describe('2025-11-25 sessions shared by replicas', { skip: SKIP_WITHOUT_REDIS }, () => {
  let redis: TestRedis;
  let authority: Authority;
  let fleet: Replicas;
  before(async () => {
    // Persistent, as a production Redis is: a session outlives its restart.
    redis = await startRedis({ persistent: true });
    authority = await startAuthority();
    fleet = await startReplicas(3, (publicUrl) => ({
      server: { name: 'fleet-sessions', version: '1.0.0' },
      http: { host: '127.0.0.1', port: 0, publicUrl },
      auth: { provider: 'jwt', issuer: authority.issuer },
      store: { url: redis.url },
      resources: [{ uri: 'docs://counter', name: 'counter', handler: './handlers/content.js#counter' }],
      tools: [
        ...FIXTURE_TOOLS,
        { name: 'bump', inputSchema: { type: 'object' }, handler: './handlers/content.js#bump' },
        {
          name: 'confirm',
          inputSchema: { type: 'object', properties: { item: { type: 'string' } } },
          handler: './handlers/context.js#confirm',
        },
      ],
    }));
    await allReady(fleet);
  });
  after(async () => {
    await fleet?.close();
    await authority?.close();
    await redis?.close();
  });

  const token = (sub: string) => authority.mint({ aud: fleet.url, sub, scope: 'todo:read' });

  /** A 2025-11-25 client through the proxy; `posts` records the replica of each POST with its method. */
  async function legacyClient(sub: string, reconnectMs = 50) {
    const posts: { method: string; replica: number }[] = [];
    let sessionId: string | undefined;
    const client = new LegacyClient(
      { name: 'fleet-legacy', version: '1.0.0' },
      { capabilities: { elicitation: { form: {} } } },
    );
    const transport = new LegacyTransport(new URL(fleet.url), {
      requestInit: { headers: { Authorization: `Bearer ${await token(sub)}` } },
      reconnectionOptions: {
        initialReconnectionDelay: reconnectMs,
        maxReconnectionDelay: reconnectMs,
        reconnectionDelayGrowFactor: 1,
        maxRetries: 50,
      },
      fetch: async (input, init) => {
        const response = await fetch(input, init);
        if (typeof init?.body === 'string') {
          const sent = JSON.parse(init.body) as { method?: string };
          posts.push({ method: sent.method ?? 'response', replica: Number(response.headers.get('x-replica')) });
        }
        sessionId ??= response.headers.get('mcp-session-id') ?? undefined;
        return response;
      },
    });
    await client.connect(transport);
    return { client, transport, posts, sessionId: () => sessionId!, close: () => client.close() };
  }

  /** A raw POST in session `id` straight to a replica. */
  const rawCall = async (url: string, id: string, sub: string) =>
    fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2025-11-25',
        'mcp-session-id': id,
        authorization: `Bearer ${await token(sub)}`,
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/list' }),
    });

  test('a session opened on one replica is served by every replica, for its owner alone; DELETE ends it everywhere', async () => {
    const { client, posts, sessionId, transport } = await legacyClient('ada');
    try {
      for (let i = 0; i < 6; i++) {
        const result = await client.callTool({ name: 'echo', arguments: { text: `hi ${i}` } });
        assert.deepEqual((result as { content: unknown[] }).content, [{ type: 'text', text: `echo: hi ${i}` }]);
      }
      const calls = posts.filter((p) => p.method === 'tools/call').map((p) => p.replica);
      assert.deepEqual(new Set(calls), new Set([0, 1, 2]), `tools/call served by ${calls}`);
      const id = sessionId();
      // A fourth replica has no copy yet: there, too, another principal first, then the owner.
      const extra = await fleet.startExtra();
      await eventually('the extra replica ready', async () => (await readiness(extra)).status === 200);
      const everywhere = [extra, ...fleet.replicas];
      for (const replica of everywhere) {
        const stranger = await rawCall(replica.url, id, 'mallory');
        assert.equal(stranger.status, 404, `another principal on replica ${replica.index}`);
        assert.equal(((await stranger.json()) as { error: { code: number } }).error.code, -32001);
        assert.equal((await rawCall(replica.url, id, 'ada')).status, 200, `owner on replica ${replica.index}`);
      }
      await transport.terminateSession();
      for (const replica of everywhere)
        assert.equal((await rawCall(replica.url, id, 'ada')).status, 404, `deleted, on replica ${replica.index}`);
    } finally {
      await client.close();
    }
  });

  test('resources/updated reaches a session GET stream and a 2026-07-28 listen stream, whichever replica bumps', async () => {
    const subscriber = await legacyClient('grace');
    const updates: string[] = [];
    subscriber.client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void updates.push(n.params.uri));
    const listener = new ModernClient(
      { name: 'fleet-listener', version: '1.0.0' },
      { versionNegotiation: { mode: { pin: '2026-07-28' } } },
    );
    const heard: string[] = [];
    listener.setNotificationHandler('notifications/resources/updated', (n) => void heard.push(n.params.uri));
    await listener.connect(
      new ModernTransport(new URL(fleet.url), {
        requestInit: { headers: { Authorization: `Bearer ${await token('lin')}` } },
      }),
    );
    const bumper = await legacyClient('bob');
    try {
      await subscriber.client.subscribeResource({ uri: 'docs://counter' });
      const subscription = await listener.listen({ resourceSubscriptions: ['docs://counter'] });
      // Let the GET stream open (the client opens it after initialization).
      await eventually('the GET stream', async () => fleet.served.length > 0 && true);
      for (let i = 0; i < 3; i++) await bumper.client.callTool({ name: 'bump', arguments: {} });
      const bumps = bumper.posts.filter((p) => p.method === 'tools/call').map((p) => p.replica);
      assert.equal(new Set(bumps).size, 3, `bumps served by ${bumps}`);
      await eventually('three updates on the session stream', async () => updates.length >= 3);
      await eventually('three updates on the listen stream', async () => heard.length >= 3);
      assert.deepEqual(updates, Array(3).fill('docs://counter'));
      assert.deepEqual(heard, Array(3).fill('docs://counter'));
      await subscription.close();
    } finally {
      await Promise.all([subscriber.close(), listener.close(), bumper.close()]);
    }
  });

  test('a question one replica asks is answered through another and completes the call', async () => {
    const asker = await legacyClient('ada');
    asker.client.setRequestHandler(ElicitRequestSchema, async () => ({ action: 'accept', content: { ok: true } }));
    try {
      for (let i = 0; i < 3; i++) {
        const result = await asker.client.callTool({ name: 'confirm', arguments: { item: `file${i}` } }, undefined, {
          timeout: 5_000,
        });
        assert.deepEqual((result as { content: unknown[] }).content, [{ type: 'text', text: `deleted file${i}` }]);
      }
      // Each call's answer was posted to the next replica, not the one that asked.
      const order = asker.posts.filter((p) => p.method === 'tools/call' || p.method === 'response');
      const crossed = order.filter(
        (p, i) =>
          p.method === 'response' && order[i - 1]?.method === 'tools/call' && order[i - 1]!.replica !== p.replica,
      );
      assert.ok(crossed.length >= 1, `answers and calls: ${JSON.stringify(order)}`);
    } finally {
      await asker.close();
    }
  });

  test('Redis restarted: session requests get 503 with Retry-After meanwhile, and the session works after', async () => {
    const { client, sessionId } = await legacyClient('ada');
    try {
      await client.callTool({ name: 'echo', arguments: { text: 'before' } });
      await redis.stop();
      await eventually('the store seen down', async () => (await readiness(fleet.replicas[0]!)).status === 503, 5_000);
      const during = await rawCall(fleet.replicas[0]!.url, sessionId(), 'ada');
      assert.equal(during.status, 503);
      assert.ok(Number(during.headers.get('retry-after')) >= 1);
      assert.equal(((await during.json()) as { error: string }).error, 'temporarily_unavailable');
      await redis.start();
      await allReady(fleet, 'ready again');
      for (let i = 0; i < 3; i++) {
        const result = await client.callTool({ name: 'echo', arguments: { text: `after ${i}` } });
        assert.deepEqual((result as { content: unknown[] }).content, [{ type: 'text', text: `echo: after ${i}` }]);
      }
    } finally {
      await client.close();
    }
  });

  // Last: a replica of the three dies.
  test('a replica killed while it holds a session stream: the client resumes elsewhere with what it missed', async () => {
    // Reconnecting after 500 ms: the update made meanwhile must come from the log.
    const subscriber = await legacyClient('hopper', 500);
    const updates: string[] = [];
    subscriber.client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => void updates.push(n.params.uri));
    const bumper = await legacyClient('bob');
    try {
      await subscriber.client.subscribeResource({ uri: 'docs://counter' });
      const gets = () =>
        fleet.forwarded.filter((f) => f.method === 'GET' && f.headers['mcp-session-id'] === subscriber.sessionId());
      await eventually('the GET stream', async () => gets().length === 1);
      await bumper.client.callTool({ name: 'bump', arguments: {} });
      await eventually('the first update', async () => updates.length === 1);
      const holder = fleet.replicas[gets()[0]!.replica]!;
      await holder.kill();
      // The update happens while the client has no stream: it is kept in the session's log.
      await bumper.client.callTool({ name: 'bump', arguments: {} });
      await eventually('the missed update, replayed', async () => updates.length === 2).catch((e) => {
        throw new Error(
          `${e.message} ${updates} ${JSON.stringify(gets().map((g) => [g.replica, g.headers['last-event-id']]))} ${fleet.forwarded
            .slice(-6)
            .map((f) => f.replica + f.method)
            .join(',')}`,
        );
      });
      assert.deepEqual(updates, ['docs://counter', 'docs://counter']);
      const resumed = gets()[1]!;
      assert.notEqual(resumed.replica, holder.index);
      assert.match(String(resumed.headers['last-event-id']), /^\d+-\d+$/, 'the stream resumed from its last event');
      // The session itself goes on elsewhere.
      const result = await subscriber.client.callTool({ name: 'echo', arguments: { text: 'still here' } });
      assert.deepEqual((result as { content: unknown[] }).content, [{ type: 'text', text: 'echo: still here' }]);
    } finally {
      await Promise.all([subscriber.close(), bumper.close()]);
    }
  });
});

/**
 * Three `mcp-serve` processes of one manifest with `store` on a real redis-server,
 * behind a round-robin proxy without sticky routing: an input-required round started
 * on one replica completes on another, one principal's rate limit holds across the
 * fleet, and a Redis outage is a /readyz 503 everywhere while calls that need nothing
 * shared keep being served, and everything recovers when Redis is back.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { type Authority, startAuthority } from './support/authority.js';
import { post, toolCall } from './support/clients.js';
import { SKIP_WITHOUT_REDIS, startRedis, type TestRedis } from './support/redis.js';
import { allReady, eventually, type Replicas, readiness, startReplicas } from './support/replicas.js';
import { FIXTURE_TOOLS } from './support/server.js';

const BURST = 4;

describe('replicas sharing a store', { skip: SKIP_WITHOUT_REDIS }, () => {
  let redis: TestRedis;
  let authority: Authority;
  let fleet: Replicas;
  before(async () => {
    redis = await startRedis();
    authority = await startAuthority();
    fleet = await startReplicas(3, (publicUrl) => ({
      server: { name: 'fleet', version: '1.0.0' },
      http: { host: '127.0.0.1', port: 0, publicUrl, rateLimit: { perMinute: 1, burst: BURST } },
      auth: { provider: 'jwt', issuer: authority.issuer },
      store: { url: redis.url },
      tools: [
        ...FIXTURE_TOOLS,
        { name: 'survey', inputSchema: { type: 'object' }, handler: './handlers/context.js#survey' },
      ],
    }));
    await allReady(fleet);
  });
  after(async () => {
    await fleet?.close();
    await authority?.close();
    await redis?.close();
  });

  const bearer = async (sub: string) => ({
    Authorization: `Bearer ${await authority.mint({ aud: fleet.url, sub, scope: 'todo:read' })}`,
  });

  /** A 2026-07-28 client through the proxy that answers elicitations; `rounds`: the replica of each tools/call POST. */
  async function surveyClient(sub: string) {
    const rounds: number[] = [];
    const client = new Client(
      { name: 'fleet-test', version: '1.0.0' },
      { versionNegotiation: { mode: { pin: '2026-07-28' } }, capabilities: { elicitation: { form: {} } } },
    );
    client.setRequestHandler('elicitation/create', async (request) => ({
      action: 'accept',
      content: (request.params.message.startsWith('Your name') ? { name: 'Ada' } : { color: 'green' }) as never,
    }));
    await client.connect(
      new StreamableHTTPClientTransport(new URL(fleet.url), {
        requestInit: { headers: await bearer(sub) },
        fetch: async (url, init) => {
          const response = await fetch(url, init);
          if (typeof init?.body === 'string' && init.body.includes('"tools/call"'))
            rounds.push(Number(response.headers.get('x-replica')));
          return response;
        },
      }),
    );
    const survey = async () => {
      const result = (await client.callTool({ name: 'survey', arguments: {} })) as { content: { text: string }[] };
      return result.content[0]!.text;
    };
    return { rounds, survey, close: () => client.close() };
  }

  test('an input-required round started on one replica completes on the others: the seal key is shared', async () => {
    const client = await surveyClient('ada');
    try {
      assert.equal(await client.survey(), 'Ada likes green');
      // Three rounds (the call, then one retry per question), each on the next replica.
      assert.equal(client.rounds.length, 3);
      assert.equal(new Set(client.rounds).size, 3, `rounds served by replicas ${client.rounds}`);
    } finally {
      await client.close();
    }
  });

  test('one principal round-robined over three replicas gets the burst in total, not three times it', async () => {
    const headers = await bearer('burst-user');
    const from = fleet.served.length;
    const statuses: number[] = [];
    for (let i = 0; i < 3 * BURST; i++)
      statuses.push((await post(fleet.url, toolCall('echo', { text: 'x' }), { headers })).status);
    assert.deepEqual(new Set(fleet.served.slice(from)), new Set([0, 1, 2]));
    assert.equal(statuses.filter((s) => s === 200).length, BURST, `statuses ${statuses}`);
    assert.deepEqual(statuses.slice(BURST), Array(2 * BURST).fill(429));
    const limited = await post(fleet.url, toolCall('echo', { text: 'x' }), { headers });
    assert.equal(limited.status, 429);
    assert.ok(Number(limited.headers.get('retry-after')) >= 1);
  });

  test('Redis down: /readyz 503 everywhere with the reason, stateless calls served, rounds in flight finish; Redis back: all recover', async () => {
    await redis.stop();
    for (const replica of fleet.replicas)
      await eventually(
        `replica ${replica.index} not ready`,
        async () => (await readiness(replica)).status === 503,
        5_000,
      );
    for (const replica of fleet.replicas)
      assert.match(
        (await readiness(replica)).reason ?? '',
        new RegExp(`^the shared store redis://127\\.0\\.0\\.1:${redis.port} is unreachable: `),
      );

    // Calls that need nothing shared are served, at once; the rate limit falls back to each replica's buckets.
    const headers = await bearer('outage-user');
    for (let i = 0; i < 6; i++) {
      const started = performance.now();
      const response = await post(fleet.url, toolCall('echo', { text: 'x' }), { headers });
      assert.equal(response.status, 200);
      assert.ok(performance.now() - started < 2_000, 'answered without waiting for the store');
    }
    // The seal key, once read, is kept: questions still cross replicas.
    const client = await surveyClient('grace');
    try {
      assert.equal(await client.survey(), 'Ada likes green');
      assert.equal(new Set(client.rounds).size, 3);
    } finally {
      await client.close();
    }

    // A replica that never reached the store cannot open a round: 503 with Retry-After, at once.
    const late = await fleet.startExtra();
    await eventually('the late replica to load its signing keys', async () =>
      /^the shared store .* is unreachable: .*ECONNREFUSED/.test((await readiness(late)).reason ?? ''),
    );
    const round = {
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: 'survey', arguments: {}, requestState: 'v1.sealed-elsewhere' },
    };
    const started = performance.now();
    const direct = await post(late.url, round, { headers: await bearer('grace') });
    assert.equal(direct.status, 503);
    assert.equal(direct.headers.get('retry-after'), '2');
    assert.ok(performance.now() - started < 2_000);

    await redis.start();
    for (const replica of [...fleet.replicas, late])
      await eventually(`replica ${replica.index} ready again`, async () => (await readiness(replica)).status === 200);
    assert.notEqual((await post(late.url, round, { headers: await bearer('grace') })).status, 503);

    // The shared buckets are back: a fresh principal gets the burst once across the fleet.
    const again = await bearer('after-outage');
    const statuses: number[] = [];
    for (let i = 0; i < 2 * BURST; i++)
      statuses.push((await post(fleet.url, toolCall('echo', { text: 'x' }), { headers: again })).status);
    assert.equal(statuses.filter((s) => s === 200).length, BURST, `statuses ${statuses}`);

    for (const replica of [...fleet.replicas, late]) {
      const output = replica.output();
      assert.doesNotMatch(output, /\n\s+at /, `replica ${replica.index} logged a stack`);
      assert.match(output, /warning: shared store redis:\/\/127\.0\.0\.1:\d+ is unreachable/);
    }
  });
});

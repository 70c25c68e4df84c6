/**
 * The shared store in one process, on a real redis-server: the seal key is made once
 * under the key prefix, a reload that changes `store` reconnects (an unreachable store
 * never takes the server down), and doctor reports the store.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createClient } from '@redis/client';
import { checkStore } from '../src/commands/doctor-store.js';
import { post, toolCall } from './support/clients.js';
import { freePort, SKIP_WITHOUT_REDIS, startRedis, type TestRedis } from './support/redis.js';
import { eventually } from './support/replicas.js';
import { FIXTURE_TOOLS, serveManifest } from './support/server.js';

const manifest = (store: Record<string, unknown>) => ({
  server: { name: 'fixture', version: '1.0.0' },
  http: { host: '127.0.0.1', port: 0 },
  auth: { provider: 'none' },
  store,
  tools: FIXTURE_TOOLS,
});

describe('the shared store', { skip: SKIP_WITHOUT_REDIS }, () => {
  let redis: TestRedis;
  before(async () => {
    redis = await startRedis();
  });
  after(() => redis?.close());

  async function readyz(url: string) {
    const response = await fetch(new URL('/readyz', url));
    const { reason } = (await response.json()) as { reason?: string };
    return { status: response.status, reason };
  }

  test('the seal key is made once, under the default prefix mcp-serve:<server.name>:, and read by the next process', async () => {
    const client = createClient({ url: redis.url });
    await client.connect();
    try {
      await client.del('mcp-serve:fixture:requestState:key');
      const first = await serveManifest(manifest({ url: redis.url }));
      try {
        await eventually('ready', async () => (await readyz(first.url)).status === 200);
        assert.equal(first.runtime.snapshot.store?.connection.keyPrefix, 'mcp-serve:fixture:');
        const key = await client.get('mcp-serve:fixture:requestState:key');
        assert.equal(Buffer.from(key ?? '', 'base64').length, 32);
        const second = await serveManifest(manifest({ url: redis.url }));
        try {
          await eventually('ready', async () => (await readyz(second.url)).status === 200);
          assert.deepEqual(
            await second.runtime.snapshot.store?.sealKey.get(),
            new Uint8Array(Buffer.from(key!, 'base64')),
          );
        } finally {
          await second.close();
        }
      } finally {
        await first.close();
      }
    } finally {
      await client.close();
    }
  });

  test('an unreachable store: /readyz 503 with the reason, calls served; a reload to a reachable one reconnects', async () => {
    const dead = `redis://:s3cret@127.0.0.1:${await freePort()}`;
    const server = await serveManifest(manifest({ url: dead, keyPrefix: 'reload-test:' }));
    try {
      await eventually('the reason', async () => /ECONNREFUSED/.test((await readyz(server.url)).reason ?? ''));
      const { reason } = await readyz(server.url);
      assert.match(reason!, /^the shared store redis:\/\/:\*\*\*@127\.0\.0\.1:\d+ is unreachable: ECONNREFUSED/);
      assert.equal((await post(server.url, toolCall('echo', { text: 'x' }))).status, 200);
      const old = server.runtime.snapshot.store!;

      writeFileSync(join(server.dir, 'mcp-oauth.config.json'), JSON.stringify(manifest({ url: redis.url })));
      assert.equal((await server.runtime.reload()).ok, true);
      await eventually('ready', async () => (await readyz(server.url)).status === 200);
      assert.notEqual(server.runtime.snapshot.store, old);
      assert.deepEqual(old.connection.health(), { up: false, reason: 'closed' });
      await assert.rejects(old.connection.ping(), /closed/);
      assert.ok(!server.logs.some((line) => line.includes('s3cret')), 'the password is never logged');

      // A reload that keeps the store keeps its connection.
      const kept = server.runtime.snapshot.store;
      assert.equal((await server.runtime.reload()).ok, true);
      assert.equal(server.runtime.snapshot.store, kept);
    } finally {
      await server.close();
    }
  });

  test('doctor reports the store: reachable with its latency and key prefix, or unreachable with why', async () => {
    const up = await checkStore({ url: redis.url, keyPrefix: 'app:' });
    assert.equal(up.status, 'pass');
    assert.match(up.detail, /^redis:\/\/127\.0\.0\.1:\d+ answers a PING in \d+\.\d ms; keys under "app:"$/);
    const down = await checkStore({ url: `redis://127.0.0.1:${await freePort()}`, keyPrefix: 'app:' });
    assert.equal(down.status, 'fail');
    assert.match(down.detail, /is unreachable \(ECONNREFUSED 127\.0\.0\.1:\d+\): start it, or fix store\.url/);
  });
});

/** The optional per-caller rate limit: a bucket per principal (else per address), 429 with Retry-After when empty. */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { test } from 'node:test';
import { createRateLimiter } from '../src/http/rate-limit.js';
import { post, toolCall } from './support/clients.js';
import { sharedProtectedServer } from './support/protected-server.js';
import { protectedManifest } from './support/server.js';

test('a bucket allows the burst, then one request per refill interval; keys are independent', () => {
  let now = 0;
  const limiter = createRateLimiter({ perMinute: 60, burst: 2 }, () => now);
  assert.deepEqual([limiter.take('a'), limiter.take('a')], [{ ok: true }, { ok: true }]);
  assert.deepEqual(limiter.take('a'), { ok: false, retryAfterSec: 1 });
  assert.deepEqual(limiter.take('b'), { ok: true });
  now += 1000;
  assert.deepEqual(limiter.take('a'), { ok: true });
  assert.deepEqual(limiter.take('a'), { ok: false, retryAfterSec: 1 });
  now += 60_000;
  assert.deepEqual([limiter.take('a'), limiter.take('a'), limiter.take('a').ok], [{ ok: true }, { ok: true }, false]);
});

const fixture = sharedProtectedServer((issuer) => ({
  ...protectedManifest(issuer),
  http: { host: '127.0.0.1', port: 0, rateLimit: { perMinute: 6, burst: 2 } },
}));

test('http.rateLimit: a subject over its limit gets 429 with Retry-After; another subject is unaffected', async () => {
  const as = async (sub: string) => ({
    Authorization: `Bearer ${await fixture.authority.mint({ aud: fixture.server.url, sub, scope: 'todo:read' })}`,
  });
  const alice = await as('alice');
  const statuses = [];
  for (let i = 0; i < 3; i++)
    statuses.push((await post(fixture.server.url, toolCall('echo', { text: 'x' }), { headers: alice })).status);
  assert.deepEqual(statuses, [200, 200, 429]);
  const limited = await post(fixture.server.url, toolCall('echo', { text: 'x' }), { headers: alice });
  assert.equal(limited.status, 429);
  assert.equal(limited.headers.get('retry-after'), '10');
  assert.deepEqual(await limited.json(), {
    error: 'too_many_requests',
    error_description: 'Rate limit exceeded; retry in 10 s',
  });
  assert.equal(
    (await post(fixture.server.url, toolCall('echo', { text: 'x' }), { headers: await as('bob') })).status,
    200,
  );
});

/** A tools/call with `token`, from the local address `from` (any 127/8 address reaches the loopback listener). */
function callFrom(from: string, token: string): Promise<number> {
  const body = JSON.stringify(toolCall('echo', { text: 'x' }));
  return new Promise((resolve, reject) => {
    const req = request(
      fixture.server.url,
      {
        method: 'POST',
        localAddress: from,
        headers: {
          'Content-Type': 'application/json',
          Accept: 'application/json, text/event-stream',
          Authorization: `Bearer ${token}`,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

test("a subject named like a client id does not drain that client's bucket: buckets are per principal (issuer, subject, client)", async () => {
  const mint = (claims: Record<string, unknown>) =>
    fixture.authority.mint({ aud: fixture.server.url, scope: 'todo:read', ...claims });
  // A user whose subject is the name of a machine client, through another client.
  const squatter = await mint({ sub: 'billing-service', client_id: 'web-app' });
  const statuses = [];
  for (let i = 0; i < 3; i++) statuses.push(await callFrom('127.0.0.1', squatter));
  assert.deepEqual(statuses, [200, 200, 429]);
  // The machine client itself (client credentials: no sub) still has its own bucket.
  assert.equal(await callFrom('127.0.0.1', await mint({ sub: undefined, client_id: 'billing-service' })), 200);
});

test('tokens naming neither a subject nor a client are limited by address, not in one bucket shared by all of them', async () => {
  const nobody = () =>
    fixture.authority.mint({ aud: fixture.server.url, scope: 'todo:read', sub: undefined, client_id: undefined });
  const statuses = [];
  for (let i = 0; i < 3; i++) statuses.push(await callFrom('127.0.0.2', await nobody()));
  assert.deepEqual(statuses, [200, 200, 429]);
  assert.equal(await callFrom('127.0.0.3', await nobody()), 200);
});

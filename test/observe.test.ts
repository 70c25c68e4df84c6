/** The access log, the audit stream of tool decisions, and the Prometheus metrics. */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { post, toolCall } from './support/clients.js';
import { sharedProtectedServer } from './support/protected-server.js';
import { protectedManifest, withServer } from './support/server.js';

const fixture = sharedProtectedServer((issuer) => ({
  ...protectedManifest(issuer),
  http: { host: '127.0.0.1', port: 0, accessLog: true, metrics: true },
}));

const records = (type: string) =>
  fixture.server.logs
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((r) => r['type'] === type);

test('one JSON line per request and per tool decision, with subject and client, never the token', async () => {
  const token = await fixture.authority.mint({
    aud: fixture.server.url,
    sub: 'alice',
    client_id: 'cli-1',
    scope: 'todo:read',
  });
  assert.equal(
    (await post(fixture.server.url, toolCall('echo', { text: 'x' }), { headers: { Authorization: `Bearer ${token}` } }))
      .status,
    200,
  );
  assert.equal(
    (
      await post(fixture.server.url, toolCall('write', { title: 'x' }), {
        headers: { Authorization: `Bearer ${token}` },
      })
    ).status,
    403,
  );
  assert.equal(
    (
      await post(fixture.server.url, toolCall('echo', { text: 'x' }), {
        headers: { Authorization: 'Bearer not.a.token' },
      })
    ).status,
    401,
  );
  assert.equal((await post(fixture.server.url, toolCall('echo', { text: 'x' }))).status, 401);
  await new Promise((resolve) => setTimeout(resolve, 50));

  const requests = records('request').slice(-4);
  assert.deepEqual(
    requests.map((r) => [
      r['status'],
      r['decision'],
      r['reason'],
      r['subject'],
      r['clientId'],
      r['rpcMethod'],
      r['tool'],
    ]),
    [
      [200, 'allow', undefined, 'alice', 'cli-1', 'tools/call', 'echo'],
      [403, 'deny', 'insufficient_scope', 'alice', 'cli-1', 'tools/call', 'write'],
      // Refused before the body is read: a 2025-11-25 request names its method only there.
      [401, 'deny', 'invalid_token', undefined, undefined, undefined, undefined],
      [401, 'deny', 'no_token', undefined, undefined, undefined, undefined],
    ],
  );
  assert.ok(
    requests.every((r) => r['method'] === 'POST' && r['path'] === '/mcp' && typeof r['durationMs'] === 'number'),
  );
  const audit = records('audit').slice(-2);
  assert.deepEqual(
    audit.map((r) => [r['tool'], r['decision'], r['outcome'], r['subject']]),
    [
      ['echo', 'allow', 'ok', 'alice'],
      ['write', 'deny', 'missing todo:write', 'alice'],
    ],
  );
  assert.ok(!fixture.server.logs.some((l) => l.includes(token) || l.includes('not.a.token')));
});

test('a 2026-07-28 request refused before its body is read is logged with the method and tool of its headers', async () => {
  const reply = await post(fixture.server.url, toolCall('echo', { text: 'x' }), {
    headers: { 'Mcp-Protocol-Version': '2026-07-28', 'Mcp-Method': 'tools/call', 'Mcp-Name': 'echo' },
  });
  assert.equal(reply.status, 401);
  await new Promise((resolve) => setTimeout(resolve, 50));
  const last = records('request').at(-1)!;
  assert.deepEqual([last['status'], last['rpcMethod'], last['tool']], [401, 'tools/call', 'echo']);
});

test('GET /metrics: Prometheus text with requests, latency, refusals by reason, tool calls and JWKS fetches', async () => {
  const response = await fetch(`${new URL(fixture.server.url).origin}/metrics`);
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/plain/);
  const text = await response.text();
  assert.match(text, /^mcp_oauth_requests_total\{method="POST",status="200",decision="allow"\} [1-9]/m);
  assert.match(text, /^mcp_oauth_request_duration_seconds_bucket\{le="0.5",method="POST"\} [1-9]/m);
  assert.match(text, /^mcp_oauth_auth_failures_total\{reason="insufficient_scope"\} [1-9]/m);
  assert.match(text, /^mcp_oauth_tool_calls_total\{tool="echo",decision="allow",outcome="ok"\} [1-9]/m);
  assert.match(text, /^mcp_oauth_jwks_fetches_total\{outcome="ok"\} [1-9]/m);
});

test('without http.metrics, /metrics is not served', async () => {
  await withServer(protectedManifest(fixture.authority.issuer), async (plain) => {
    assert.equal((await fetch(`${new URL(plain.url).origin}/metrics`)).status, 404);
  });
});

test('http.metrics turned on by a reload: /metrics is served, counting from then', async () => {
  const manifest = protectedManifest(fixture.authority.issuer);
  await withServer(manifest, async (plain) => {
    const metricsUrl = `${new URL(plain.url).origin}/metrics`;
    assert.equal((await fetch(metricsUrl)).status, 404);
    writeFileSync(
      join(plain.dir, 'mcp-oauth.config.json'),
      JSON.stringify({ ...manifest, http: { ...(manifest['http'] as object), metrics: true } }),
    );
    assert.equal((await plain.runtime.reload()).ok, true);
    assert.equal((await post(plain.url, toolCall('echo', { text: 'x' }))).status, 401);
    const response = await fetch(metricsUrl);
    assert.equal(response.status, 200);
    assert.match(await response.text(), /^mcp_oauth_auth_failures_total\{reason="no_token"\} 1$/m);
  });
});

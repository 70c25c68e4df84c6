/** Opaque tokens checked at a real RFC 7662 introspection endpoint: cached, scoped, failing closed. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { INTROSPECTION_CLIENT } from './support/authority.js';
import { post, toolCall } from './support/clients.js';
import { sharedProtectedServer } from './support/protected-server.js';
import { protectedManifest, withServer } from './support/server.js';

const fixture = sharedProtectedServer((issuer) => protectedManifest(issuer, {
  auth: { introspection: { endpoint: `${issuer}/introspect`, clientId: INTROSPECTION_CLIENT.id, clientSecret: '${INTROSPECTION_SECRET}', cacheSec: 60 } },
}), { env: { INTROSPECTION_SECRET: INTROSPECTION_CLIENT.secret } });

const call = (token: string, tool = 'echo', args: Record<string, unknown> = { text: 'x' }) => post(fixture.server.url, toolCall(tool, args), { headers: { Authorization: `Bearer ${token}` } });

test('an active opaque token for this resource works, its scopes are enforced, and the answer is cached', async () => {
  const token = fixture.authority.issueOpaque({ sub: 'olivia', aud: fixture.server.url, scope: 'todo:read' });
  const before = fixture.authority.introspectionRequests;
  const first = await call(token);
  assert.equal(first.status, 200, fixture.server.logs.join('\n'));
  assert.equal((await call(token)).status, 200);
  assert.equal(fixture.authority.introspectionRequests - before, 1, 'the second call used the cached answer');
  const refused = await call(token, 'write', { title: 'x' });
  assert.equal(refused.status, 403);
});

test('inactive, unknown or foreign-audience opaque tokens get 401 invalid_token', async () => {
  const unknown = await call('opaque-unknown');
  assert.equal(unknown.status, 401);
  assert.match(unknown.headers.get('www-authenticate') ?? '', /error="invalid_token", error_description="The access token is not active"/);
  const foreign = await call(fixture.authority.issueOpaque({ aud: 'https://other.example/mcp', scope: 'todo:read' }));
  assert.equal(foreign.status, 401);
  assert.match(foreign.headers.get('www-authenticate') ?? '', /audience mismatch/);
  const expired = await call(fixture.authority.issueOpaque({ aud: fixture.server.url, scope: 'todo:read', exp: Math.floor(Date.now() / 1000) - 5 }));
  assert.equal(expired.status, 401);
});

test('JWTs are still verified locally, without introspection', async () => {
  const before = fixture.authority.introspectionRequests;
  assert.equal((await call(await fixture.authority.mint({ aud: fixture.server.url, scope: 'todo:read' }))).status, 200);
  assert.equal(fixture.authority.introspectionRequests, before);
});

test('an endpoint that cannot answer fails closed: 503, never accepted', async () => {
  fixture.authority.down = true;
  try {
    const response = await call(fixture.authority.issueOpaque({ aud: fixture.server.url, scope: 'todo:read' }));
    assert.equal(response.status, 503);
    assert.ok(response.headers.get('retry-after'));
  } finally {
    fixture.authority.down = false;
  }
});

test('a wrong client secret is our misconfiguration: 503 and a log line, not the caller\'s 401', async () => {
  await withServer(protectedManifest(fixture.authority.issuer, {
    auth: { introspection: { endpoint: `${fixture.authority.issuer}/introspect`, clientId: INTROSPECTION_CLIENT.id, clientSecret: 'wrong' } },
  }), async (misconfigured) => {
    const token = fixture.authority.issueOpaque({ aud: misconfigured.url, scope: 'todo:read' });
    const response = await post(misconfigured.url, toolCall('echo', { text: 'x' }), { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(response.status, 503);
    assert.ok(misconfigured.logs.some((l) => /introspection endpoint did not answer/.test(l)));
    assert.ok(!misconfigured.logs.some((l) => l.includes(token) || l.includes('wrong')));
  });
});

test('a cached answer never outlives the token: after its exp the endpoint is asked again', async () => {
  const token = fixture.authority.issueOpaque({ aud: fixture.server.url, scope: 'todo:read', exp: Math.floor(Date.now() / 1000) + 2 });
  assert.equal((await call(token)).status, 200);
  await new Promise((resolve) => setTimeout(resolve, 2_600));
  const before = fixture.authority.introspectionRequests;
  assert.equal((await call(token)).status, 401);
  assert.equal(fixture.authority.introspectionRequests - before, 1);
});

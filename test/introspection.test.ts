/** Opaque tokens checked at a real RFC 7662 introspection endpoint: cached, scoped, failing closed. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { INTROSPECTION_CLIENT } from './support/authority.js';
import { onlyRpc, post, toolCall } from './support/clients.js';
import { sharedProtectedServer } from './support/protected-server.js';
import { protectedManifest, withServer } from './support/server.js';

const fixture = sharedProtectedServer(
  (issuer) =>
    protectedManifest(issuer, {
      auth: {
        introspection: {
          endpoint: `${issuer}/introspect`,
          clientId: INTROSPECTION_CLIENT.id,
          clientSecret: '${INTROSPECTION_SECRET}',
          cacheSec: 60,
        },
      },
    }),
  { env: { INTROSPECTION_SECRET: INTROSPECTION_CLIENT.secret } },
);

const call = (token: string, tool = 'echo', args: Record<string, unknown> = { text: 'x' }) =>
  post(fixture.server.url, toolCall(tool, args), { headers: { Authorization: `Bearer ${token}` } });

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
  assert.match(
    unknown.headers.get('www-authenticate') ?? '',
    /error="invalid_token", error_description="The access token is not active"/,
  );
  const foreign = await call(fixture.authority.issueOpaque({ aud: 'https://other.example/mcp', scope: 'todo:read' }));
  assert.equal(foreign.status, 401);
  assert.match(foreign.headers.get('www-authenticate') ?? '', /audience mismatch/);
  const expired = await call(
    fixture.authority.issueOpaque({
      aud: fixture.server.url,
      scope: 'todo:read',
      exp: Math.floor(Date.now() / 1000) - 5,
    }),
  );
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

test("a wrong client secret is our misconfiguration: 503 and a log line, not the caller's 401", async () => {
  await withServer(
    protectedManifest(fixture.authority.issuer, {
      auth: {
        introspection: {
          endpoint: `${fixture.authority.issuer}/introspect`,
          clientId: INTROSPECTION_CLIENT.id,
          clientSecret: 'wrong',
        },
      },
    }),
    async (misconfigured) => {
      const token = fixture.authority.issueOpaque({ aud: misconfigured.url, scope: 'todo:read' });
      const response = await post(misconfigured.url, toolCall('echo', { text: 'x' }), {
        headers: { Authorization: `Bearer ${token}` },
      });
      assert.equal(response.status, 503);
      assert.ok(misconfigured.logs.some((l) => /introspection endpoint did not answer/.test(l)));
      assert.ok(!misconfigured.logs.some((l) => l.includes(token) || l.includes('wrong')));
    },
  );
});

test('a cached answer never outlives the token: after its exp the endpoint is asked again', async () => {
  const token = fixture.authority.issueOpaque({
    aud: fixture.server.url,
    scope: 'todo:read',
    exp: Math.floor(Date.now() / 1000) + 2,
  });
  assert.equal((await call(token)).status, 200);
  await new Promise((resolve) => setTimeout(resolve, 2_600));
  const before = fixture.authority.introspectionRequests;
  assert.equal((await call(token)).status, 401);
  assert.equal(fixture.authority.introspectionRequests - before, 1);
});

/** 401 invalid_token with exactly `description`. */
async function assertInvalidToken(response: Response, description: string): Promise<void> {
  assert.equal(response.status, 401);
  assert.match(
    response.headers.get('www-authenticate') ?? '',
    new RegExp(`error="invalid_token", error_description="${description.replace(/[()]/g, '\\$&')}"`),
  );
  assert.deepEqual(await response.json(), { error: 'invalid_token', error_description: description });
}

test('RFC 7662 section 2.2: an answer that says active but whose exp has passed, or whose nbf is ahead, is not accepted', async () => {
  const now = Math.floor(Date.now() / 1000);
  const expired = fixture.authority.issueOpaque(
    { aud: fixture.server.url, scope: 'todo:read', exp: now - 120 },
    { contradictory: true },
  );
  await assertInvalidToken(await call(expired), 'The access token expired');
  const early = fixture.authority.issueOpaque(
    { aud: fixture.server.url, scope: 'todo:read', nbf: now + 600 },
    { contradictory: true },
  );
  await assertInvalidToken(await call(early), 'The token is not valid yet (nbf)');
});

test('an active answer is typed like a JWT: sub, client_id and scope of the wrong type are refused by name', async () => {
  const answer = (claims: Record<string, unknown>) =>
    call(fixture.authority.issueOpaque({ aud: fixture.server.url, scope: 'todo:read', ...claims }));
  await assertInvalidToken(await answer({ sub: { id: 'alice' } }), "The token's sub claim must be a non-empty string");
  await assertInvalidToken(await answer({ client_id: 42 }), "The token's client_id claim must be a non-empty string");
  await assertInvalidToken(
    await answer({ scope: ['todo:read'] }),
    "The token's scope claim must be a space-delimited string",
  );
  await assertInvalidToken(
    await answer({ exp: 'tomorrow' }),
    "The token's exp claim must be a NumericDate (seconds since the epoch)",
  );
});

test('an opaque token carries the same principal as a JWT of the same issuer, subject and client', async () => {
  const opaque = fixture.authority.issueOpaque({
    sub: 'olivia',
    client_id: 'app',
    aud: fixture.server.url,
    scope: 'todo:read',
  });
  const jwt = await fixture.authority.mint({
    sub: 'olivia',
    client_id: 'app',
    aud: fixture.server.url,
    scope: 'todo:read',
  });
  const principal = async (token: string) => {
    const response = await call(token, 'whoami', {});
    return onlyRpc(await response.text()).result?.structuredContent as
      | { principal?: string; issuer?: string }
      | undefined;
  };
  const fromOpaque = await principal(opaque);
  assert.equal(fromOpaque?.issuer, fixture.authority.issuer);
  assert.equal(fromOpaque?.principal, JSON.stringify([fixture.authority.issuer, 'olivia', 'app']));
  assert.equal((await principal(jwt))?.principal, fromOpaque?.principal);
});

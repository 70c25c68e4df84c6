/**
 * provider: scalekit, against a local stand-in for a Scalekit environment (the one
 * third-party SaaS here): a real HTTP server serving `<env>/keys` and signing tokens
 * shaped as Scalekit's are.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { post, toolCall } from './support/clients.js';
import { sharedProtectedServer } from './support/protected-server.js';
import { FIXTURE_TOOLS } from './support/server.js';

const RESOURCE_ID = 'res_94716342712893732';
// The authority stands in for the environment: its issuer is the environment URL.
const fixture = sharedProtectedServer((environmentUrl) => ({
  server: { name: 'scalekit-fixture', version: '1.0.0' },
  http: { host: '127.0.0.1', port: 0 },
  auth: { provider: 'scalekit', environmentUrl, resourceId: RESOURCE_ID },
  tools: FIXTURE_TOOLS,
}));

test('metadata names <env>/resources/<id> as the authorization server; keys come from <env>/keys', async () => {
  const response = await fetch(fixture.server.runtime.snapshot.resourceMetadataUrl);
  const metadata = (await response.json()) as Record<string, unknown>;
  assert.deepEqual(metadata['authorization_servers'], [`${fixture.authority.issuer}/resources/${RESOURCE_ID}`]);
  assert.equal(metadata['resource'], fixture.server.url);
  assert.equal(fixture.server.runtime.snapshot.verifier?.jwksUri, `${fixture.authority.issuer}/keys`);
});

const cases: [string, () => Record<string, unknown>, number][] = [
  ['iss = environment URL, aud = res_ id', () => ({ aud: [RESOURCE_ID], scopes: ['todo:write'] }), 200],
  [
    'iss = <env>/resources/<id>',
    () => ({ iss: `${fixture.authority.issuer}/resources/${RESOURCE_ID}`, aud: [RESOURCE_ID], scopes: ['todo:write'] }),
    200,
  ],
  ['aud = the registered server URL', () => ({ aud: [fixture.server.url], scopes: ['todo:write'] }), 200],
  ['scopes from the `scope` string too', () => ({ aud: [RESOURCE_ID], scope: 'todo:write' }), 200],
  ['another resource id', () => ({ aud: ['res_1'], scopes: ['todo:write'] }), 401],
  [
    'another environment as issuer',
    () => ({ iss: 'https://other.scalekit.dev', aud: [RESOURCE_ID], scopes: ['todo:write'] }),
    401,
  ],
  ['missing scope', () => ({ aud: [RESOURCE_ID], scopes: ['todo:read'] }), 403],
];
for (const [description, claims, expected] of cases) {
  test(description, async () => {
    const token = await fixture.authority.mint(claims());
    const response = await post(fixture.server.url, toolCall('write', { title: 'x' }), {
      headers: { Authorization: `Bearer ${token}` },
    });
    assert.equal(response.status, expected);
  });
}

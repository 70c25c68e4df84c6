/** The typ policy per issuer (RFC 9068 at+jwt, or not checked for providers that send JWT). */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type Authority, startAuthority } from './support/authority.js';
import { post, toolCall } from './support/clients.js';
import { protectedManifest, serveManifest, type TestServer } from './support/server.js';

let authority: Authority;
let strict: TestServer;
let lenient: TestServer;
before(async () => {
  authority = await startAuthority();
  strict = await serveManifest(protectedManifest(authority.issuer, { auth: { typ: 'at+jwt' } }));
  lenient = await serveManifest(protectedManifest(authority.issuer));
});
after(async () => {
  await strict.close();
  await lenient.close();
  await authority.close();
});

const call = async (server: TestServer, typ: string) =>
  post(server.url, toolCall('echo', { text: 'x' }), {
    headers: { Authorization: `Bearer ${await authority.mint({ aud: server.url, scope: 'todo:read' }, { typ })}` },
  });

test('auth.typ: at+jwt refuses a token typed JWT (an ID token, say) and accepts at+jwt', async () => {
  const refused = await call(strict, 'JWT');
  assert.equal(refused.status, 401);
  assert.match(
    refused.headers.get('www-authenticate') ?? '',
    /error="invalid_token", error_description="The token is not an access token of the expected type/,
  );
  assert.equal((await call(strict, 'at+jwt')).status, 200);
});

test('without auth.typ, a provider that types its access tokens JWT (Auth0, Keycloak) is accepted', async () => {
  assert.equal((await call(lenient, 'JWT')).status, 200);
  assert.equal((await call(lenient, 'at+jwt')).status, 200);
});

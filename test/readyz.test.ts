/** Readiness: false until the signing keys are loaded, true once they are; liveness throughout. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startAuthority, type Authority } from './support/authority.js';
import { protectedManifest, serveManifest, type TestServer } from './support/server.js';

let authority: Authority;
let server: TestServer;
before(async () => {
  authority = await startAuthority();
  authority.down = true;
  server = await serveManifest(protectedManifest(authority.issuer, { auth: { jwksUri: `${authority.issuer}/jwks` } }));
});
after(async () => {
  await server.close();
  await authority.close();
});

test('/readyz is 503 while the JWKS cannot be fetched and 200 once it can; /healthz stays 200', { timeout: 20_000 }, async () => {
  const origin = new URL(server.url).origin;
  const notReady = await fetch(`${origin}/readyz`);
  assert.equal(notReady.status, 503);
  assert.deepEqual(await notReady.json(), { status: 'not_ready', reason: "the authorization server's signing keys are not loaded yet" });
  assert.equal((await fetch(`${origin}/healthz`)).status, 200);
  authority.down = false;
  let status = 0;
  for (let i = 0; i < 80 && status !== 200; i++) {
    status = (await fetch(`${origin}/readyz`)).status;
    if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.equal(status, 200);
  assert.deepEqual(await (await fetch(`${origin}/readyz`)).json(), { status: 'ready' });
});

test('/readyz is 200 at once for a manifest whose keys load at start', async () => {
  const healthy = await serveManifest(protectedManifest(authority.issuer));
  try {
    assert.equal((await fetch(`${new URL(healthy.url).origin}/readyz`)).status, 200);
  } finally {
    await healthy.close();
  }
});

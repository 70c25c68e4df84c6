/** Readiness: false until the signing keys are loaded, true once they are; liveness throughout. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  PROTOCOL_VERSION_META_KEY,
} from '@modelcontextprotocol/server';
import { type Authority, startAuthority } from './support/authority.js';
import { protectedManifest, serveManifest, type TestServer, withServer } from './support/server.js';

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

test('/readyz is 503 while the JWKS cannot be fetched and 200 once it can; /healthz stays 200', {
  timeout: 20_000,
}, async () => {
  const origin = new URL(server.url).origin;
  const notReady = await fetch(`${origin}/readyz`);
  assert.equal(notReady.status, 503);
  assert.deepEqual(await notReady.json(), {
    status: 'not_ready',
    reason: `the authorization server's signing keys are not loaded yet: signing keys could not be fetched from ${authority.issuer}/jwks (HTTP 503)`,
  });
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
  await withServer(protectedManifest(authority.issuer), async (healthy) => {
    assert.equal((await fetch(`${new URL(healthy.url).origin}/readyz`)).status, 200);
  });
});

const NAP_MANIFEST = {
  server: { name: 'drain', version: '1.0.0' },
  http: { host: '127.0.0.1', port: 0 },
  auth: { provider: 'none' },
  tools: [
    {
      name: 'nap',
      inputSchema: { type: 'object', properties: { ms: { type: 'integer' } } },
      handler: './handlers/record.js#nap',
    },
  ],
};

test('on shutdown, probes fail at once (no new or idle connections) while a call in flight still finishes', async () => {
  const draining = await serveManifest(NAP_MANIFEST);
  const origin = new URL(draining.url).origin;
  // One keep-alive agent, so the probe during the drain reuses an open connection.
  const { Agent, request } = await import('node:http');
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const probe = () =>
    new Promise<number>((resolve, reject) => {
      request(`${origin}/readyz`, { agent }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
        .on('error', reject)
        .end();
    });
  try {
    assert.equal(await probe(), 200);
    const inFlight = fetch(draining.url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'nap', arguments: { ms: 400 } },
      }),
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const closed = draining.runtime.close();
    // The idle keep-alive connection is closed and new ones are refused: the probe fails.
    await assert.rejects(probe(), /socket hang up|ECONNREFUSED|ECONNRESET/);
    const answer = await inFlight;
    assert.equal(answer.status, 200);
    assert.match(await answer.text(), /rested/);
    await closed;
  } finally {
    agent.destroy();
    await draining.close();
  }
});

test('on shutdown, a 2026-07-28 subscription told how soon to reconnect ends gracefully once the calls in flight are done', async () => {
  await withServer(NAP_MANIFEST, async (draining) => {
    const meta = {
      [PROTOCOL_VERSION_META_KEY]: '2026-07-28',
      [CLIENT_INFO_META_KEY]: { name: 'drain', version: '1.0.0' },
      [CLIENT_CAPABILITIES_META_KEY]: {},
    };
    const modern = (method: string, params: Record<string, unknown>, name?: string) =>
      fetch(draining.url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          Accept: 'application/json, text/event-stream',
          'Mcp-Protocol-Version': '2026-07-28',
          'Mcp-Method': method,
          ...(name && { 'Mcp-Name': name }),
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: method, method, params: { ...params, _meta: meta } }),
      });
    const listen = await modern('subscriptions/listen', { notifications: { toolsListChanged: true } });
    assert.equal(listen.headers.get('content-type'), 'text/event-stream');
    const stream = listen.text();
    const call = modern('tools/call', { name: 'nap', arguments: { ms: 300 } }, 'nap');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = performance.now();
    await draining.runtime.close();
    // Not held to the drain deadline (2 s) by the open stream.
    assert.ok(performance.now() - started < 1_500, `close took ${Math.round(performance.now() - started)} ms`);
    assert.match(await (await call).text(), /rested/);
    const text = await stream;
    assert.ok(text.startsWith('retry: 1000\n\n'), text);
    assert.match(text, /notifications\/subscriptions\/acknowledged/);
    assert.match(
      text,
      /"id":"subscriptions\/listen","result":\{"resultType":"complete"/,
      'the subscription ends with its result',
    );
  });
});

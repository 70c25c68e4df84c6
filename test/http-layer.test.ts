/**
 * The HTTP layer on its own: createRequestListener serving a hand-built HttpSnapshot
 * (no manifest, no runtime) on a real server at 127.0.0.1, with a real token verifier
 * over a real JWKS. What the listener does is decided by the fields it declares alone:
 * the verifier, the rate limiter, the host list, and the metrics and accessLog switches.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { AuthInfo } from '@modelcontextprotocol/server';
import { authOf } from '../src/auth/auth-info.js';
import { createTokenVerifier } from '../src/auth/verifier.js';
import { createRequestListener, refusalReason, requestedCall } from '../src/http/listener.js';
import { createRateLimiter } from '../src/http/rate-limit.js';
import type { ReadBody } from '../src/http/read-body.js';
import type { HttpSnapshot } from '../src/http/types.js';
import { createLogger } from '../src/log.js';
import { createObserver } from '../src/observe.js';
import { type Authority, startAuthority } from './support/authority.js';
import { post, toolCall } from './support/clients.js';

const RESOURCE = 'http://127.0.0.1:9/mcp';
const METADATA_URL = 'http://127.0.0.1:9/.well-known/oauth-protected-resource/mcp';

/** What the snapshot's serveMcp was handed, and what the access log would read once the answer is sent. */
interface Served {
  subject: string | undefined;
  body: unknown;
}

let authority: Authority;
before(async () => {
  authority = await startAuthority({ audience: RESOURCE });
});
after(() => authority.close());

/** Serves `snapshot` (built from `overrides` over a protected default) until the suite ends. */
async function listen(overrides: Partial<HttpSnapshot> = {}) {
  const served: Served[] = [];
  const finished: { reason: string | undefined; rpcMethod: string | undefined; subject: string | undefined }[] = [];
  const snapshot: HttpSnapshot = {
    path: '/mcp',
    resourceUrl: RESOURCE,
    resourceMetadataUrl: METADATA_URL,
    metadataPaths: new Set(['/.well-known/oauth-protected-resource/mcp']),
    metadataJson: JSON.stringify({ resource: RESOURCE }),
    scopesSupported: ['todo:read'],
    verifier: createTokenVerifier(
      {
        issuers: [authority.issuer],
        discoveryIssuer: authority.issuer,
        jwksUri: authority.jwksUri,
        audienceIncludesResource: true,
        algorithms: ['RS256'],
        scopeClaims: ['scope'],
        clockToleranceSec: 0,
        jwksCacheSec: 600,
        tokenCacheSize: 0,
      },
      RESOURCE,
    ),
    authorizationServer: undefined,
    allowedHosts: undefined,
    allowedOrigins: [],
    maxBodyBytes: 1_000,
    serveMcp: async (req: IncomingMessage, res: ServerResponse, body?: ReadBody) => {
      served.push({ subject: authOf((req as { auth?: AuthInfo }).auth)?.subject, body: body?.parsed });
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{}');
    },
    rateLimiter: undefined,
    store: undefined,
    metrics: false,
    accessLog: false,
    ...overrides,
  };
  const observer = createObserver({ accessLog: () => false, write: () => {} });
  const listener = createRequestListener(createLogger({ write: () => {} }), () => false, observer);
  const server: Server = createServer((req, res) => {
    res.once('finish', () =>
      finished.push({
        reason: refusalReason(res),
        rpcMethod: requestedCall(res)?.rpcMethod,
        subject: authOf((req as { auth?: AuthInfo }).auth)?.subject,
      }),
    );
    listener(snapshot, req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, served, finished };
}

const servers: Server[] = [];
after(() => Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve)))));

const bearer = async (sub: string) => ({
  Authorization: `Bearer ${await authority.mint({ aud: RESOURCE, sub, scope: 'todo:read' })}`,
});

describe('the HTTP layer reads only its HttpSnapshot', () => {
  test('with a verifier, a request without a token gets the challenge; a verified one reaches serveMcp with its caller and parsed body', async () => {
    const { url, served, finished } = await listen();
    const refused = await post(`${url}/mcp`, toolCall('echo'));
    assert.equal(refused.status, 401);
    assert.equal(
      refused.headers.get('www-authenticate'),
      `Bearer scope="todo:read", resource_metadata="${METADATA_URL}"`,
    );
    assert.deepEqual(await refused.json(), { error: 'unauthorized', error_description: 'A bearer token is required' });
    assert.equal(served.length, 0);

    const ok = await post(`${url}/mcp`, toolCall('echo'), { headers: await bearer('alice') });
    assert.equal(ok.status, 200);
    assert.deepEqual(served, [{ subject: 'alice', body: toolCall('echo') }]);
    assert.deepEqual(
      finished.map((f) => f.reason),
      ['no_token', undefined],
    );
  });

  test('without a verifier the endpoint is open, and serveMcp sees no caller', async () => {
    const { url, served } = await listen({ verifier: undefined });
    assert.equal((await post(`${url}/mcp`, toolCall('echo'))).status, 200);
    assert.deepEqual(served, [{ subject: undefined, body: toolCall('echo') }]);
  });

  test('the rate limiter refuses past its burst, with the caller still known to the access log', async () => {
    const { url, served, finished } = await listen({ rateLimiter: createRateLimiter({ perMinute: 1, burst: 1 }) });
    const headers = await bearer('bob');
    assert.equal((await post(`${url}/mcp`, toolCall('echo'), { headers })).status, 200);
    const limited = await post(`${url}/mcp`, toolCall('echo'), { headers });
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '60');
    assert.deepEqual(await limited.json(), {
      error: 'too_many_requests',
      error_description: 'Rate limit exceeded; retry in 60 s',
    });
    assert.equal(served.length, 1);
    assert.deepEqual(finished.at(-1), { reason: 'rate_limited', rpcMethod: undefined, subject: 'bob' });
  });

  test('allowedHosts, when given, refuses other Host names', async () => {
    const { url } = await listen({ allowedHosts: ['localhost'] });
    const refused = await fetch(`${url}/healthz`);
    assert.equal(refused.status, 403);
    assert.equal(((await refused.json()) as { error: string }).error, 'forbidden');
    const { url: open } = await listen();
    assert.equal((await fetch(`${open}/healthz`)).status, 200);
  });

  test('metrics: /metrics is served only when the switch is on', async () => {
    const off = await listen({ metrics: false });
    assert.equal((await fetch(`${off.url}/metrics`)).status, 404);
    const on = await listen({ metrics: true });
    const metrics = await fetch(`${on.url}/metrics`);
    assert.equal(metrics.status, 200);
    assert.equal(metrics.headers.get('cache-control'), 'no-store');
  });

  test('accessLog: the JSON-RPC method of a read body is noted only when the switch is on', async () => {
    for (const accessLog of [false, true]) {
      const { url, finished } = await listen({ verifier: undefined, accessLog });
      assert.equal((await post(`${url}/mcp`, toolCall('echo'))).status, 200);
      assert.equal(finished[0]?.rpcMethod, accessLog ? 'tools/call' : undefined);
    }
  });

  test('readiness asks the verifier: 503 naming its failure while its keys are missing, and a prefetch per probe', async () => {
    let prefetches = 0;
    const verifier = {
      verify: () => Promise.reject(new Error('not called')),
      ready: () => false,
      prefetch: () => {
        prefetches++;
        return Promise.reject(new Error('down'));
      },
      failure: 'signing keys could not be fetched from https://as.example/jwks (HTTP 503)',
    };
    const { url } = await listen({ verifier });
    const probe = await fetch(`${url}/readyz`);
    assert.equal(probe.status, 503);
    assert.deepEqual(await probe.json(), {
      status: 'not_ready',
      reason: `the authorization server's signing keys are not loaded yet: ${verifier.failure}`,
    });
    assert.equal(prefetches, 1);
  });
});

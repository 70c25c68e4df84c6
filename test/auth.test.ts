/**
 * The resource server's authorization behaviour against the real runtime and a real
 * token issuer (MCP authorization 2025-11-25, RFC 6750, RFC 9728, RFC 8707, RFC 8725).
 *
 * Every expectation is exact: status, the whole `WWW-Authenticate` header, the JSON
 * body's `error`. One authority and one main server serve most cases; the JWKS outage
 * cases need servers started while the authority is down, so they start their own.
 *
 * jose's JWKS refetch cooldown and the verifier's discovery retry are both 30 s. Rather
 * than sleep, the outage cases move `Date.now` forward (both are measured with it).
 * jose checks exp/nbf against `new Date()`, which is not moved, while the authority
 * stamps iat/exp with the moved `Date.now`: tokens minted there expire later than
 * usual, never earlier, as long as the total offset (124 s here) stays below their
 * 300 s lifetime.
 */
import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import {
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  PROTOCOL_VERSION_META_KEY,
} from '@modelcontextprotocol/server';
import {
  exportSPKI,
  generateKeyPair,
  importJWK,
  type CryptoKey as JoseCryptoKey,
  type JWTPayload,
  SignJWT,
} from 'jose';
import { type Authority, type MintOptions, startAuthority } from './support/authority.js';
import { fromFetch, post, type Reply, type Rpc, recordedCalls, rpcMessages, toolCall } from './support/clients.js';
import { FIXTURE_TOOLS, protectedManifest, serveManifest, type TestServer } from './support/server.js';
import {
  acceptedClaims,
  BAD_ALG,
  BAD_SIG,
  b64url,
  bearerAuth,
  bearerChallenge,
  createTokenLedger,
  EXPIRED,
  MALFORMED,
  metadataUrlOf,
  NO_EXP,
  NO_KEY,
  NOT_YET,
  nowSec,
  WRONG_AUD,
  WRONG_ISS,
} from './support/tokens.js';

// ---------------------------------------------------------------------------------
// Shared state and helpers
// ---------------------------------------------------------------------------------

let authority: Authority;
/** Issuer only (the JWKS URL is discovered), maxBodyBytes 2048. */
let server: TestServer;
/** Every server started here, closed or not: their logs are checked at the end. */
const servers: TestServer[] = [];
/** Every token sent to a server (none may appear in any log line), and how they are made. */
const { mint, remember, tokens } = createTokenLedger(() => authority);

const MAX_BODY = 2048;
const MODERN = '2026-07-28';

/** Union of the fixture tools' scopes, in declaration order (what scopes_supported is derived from). */
const SCOPES_SUPPORTED = [
  ...new Set(
    FIXTURE_TOOLS.flatMap((t) => {
      const s = (t as { scopes?: readonly string[] | { anyOf: readonly string[] } }).scopes;
      return s === undefined ? [] : Array.isArray(s) ? s : (s as { anyOf: readonly string[] }).anyOf;
    }),
  ),
];

before(async () => {
  authority = await startAuthority();
  server = await start({
    ...protectedManifest(authority.issuer),
    http: { host: '127.0.0.1', port: 0, path: '/mcp', maxBodyBytes: MAX_BODY },
  });
});
after(async () => {
  await server.close();
  await authority.close();
});

async function start(manifest: Record<string, unknown>): Promise<TestServer> {
  const s = await serveManifest(manifest);
  servers.push(s);
  return s;
}

/** Claims that would be accepted, for hand-built tokens. */
const goodClaims = (s: TestServer): JWTPayload => acceptedClaims(authority.issuer, s.url, 'todo:read');

/** node:http with a flat raw header list (name, value, ...): sends duplicates and any Host as given. */
function raw(url: string, options: { method?: string; headers: string[]; body?: string }): Promise<Reply> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname + u.search,
        method: options.method ?? 'POST',
        headers: options.headers,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            header: (name) => {
              const v = res.headers[name.toLowerCase()];
              return Array.isArray(v) ? v.join(', ') : v;
            },
            text,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

const JSON_HEADERS = ['Content-Type', 'application/json', 'Accept', 'application/json, text/event-stream'];

/** A legacy-shaped (2025-11-25) tools/call POST through fetch. */
async function callEcho(s: TestServer, headers: Record<string, string>, url = s.url): Promise<Reply> {
  return fromFetch(await post(url, toolCall('echo', { text: 'hi' }), { headers }));
}

/** A tools/call shaped like the v2 SDK client's 2026-07-28 requests (envelope in `_meta`, routing headers). */
async function modernCall(
  s: TestServer,
  token: string,
  name: string,
  args: Record<string, unknown>,
  headerName = name,
): Promise<Reply> {
  const body = {
    jsonrpc: '2.0',
    id: 7,
    method: 'tools/call',
    params: {
      name,
      arguments: args,
      _meta: {
        [PROTOCOL_VERSION_META_KEY]: MODERN,
        [CLIENT_INFO_META_KEY]: { name: 'raw-test', version: '1.0.0' },
        [CLIENT_CAPABILITIES_META_KEY]: {},
      },
    },
  };
  const headers = {
    Authorization: `Bearer ${token}`,
    'MCP-Protocol-Version': MODERN,
    'Mcp-Method': 'tools/call',
    'Mcp-Name': headerName,
  };
  return fromFetch(await post(s.url, body, { headers }));
}

/** The JSON-RPC answer of a response: plain JSON, or the last message of an SSE stream. */
function rpc(reply: Reply): Rpc {
  const data = rpcMessages(reply.text).at(-1);
  assert.ok(data, `no JSON-RPC message in ${reply.text}`);
  return data;
}

function jsonBody(reply: Reply): Record<string, unknown> {
  assert.match(reply.header('content-type') ?? '', /^application\/json/, `not JSON: ${reply.text}`);
  return JSON.parse(reply.text) as Record<string, unknown>;
}

const writeCalls = () => recordedCalls().filter((c) => c.tool === 'write').length;

// ---------------------------------------------------------------------------------
// The token table
// ---------------------------------------------------------------------------------

interface Row {
  name: string;
  send: (s: TestServer) => Promise<Reply>;
  /** 200: the echo tool ran. Otherwise the exact challenge and JSON body. */
  expect:
    | { status: 200 }
    | { status: 400 | 401; challenge: [string, string][]; body: { error: string; error_description: string } };
}

/** Sends `Authorization: Bearer <minted token>`. */
const withToken =
  (claims: (s: TestServer) => JWTPayload & Record<string, unknown>, options?: MintOptions) => async (s: TestServer) =>
    callEcho(s, bearerAuth(await mint(claims(s), options)));

// RFC 6750 section 3.1: no credentials, so no error code and no other error information;
// scope and resource_metadata tell the client how to get a token.
const NO_CREDENTIALS = {
  status: 401 as const,
  challenge: [['scope', SCOPES_SUPPORTED.join(' ')]] as [string, string][],
  body: { error: 'unauthorized', error_description: 'A bearer token is required' },
};

const invalidToken = (description: string) => ({
  status: 401 as const,
  challenge: [
    ['error', 'invalid_token'],
    ['error_description', description],
  ] as [string, string][],
  body: { error: 'invalid_token', error_description: description },
});

const invalidRequest = (description: string, quoted = description) => ({
  status: 400 as const,
  challenge: [
    ['error', 'invalid_request'],
    ['error_description', quoted],
  ] as [string, string][],
  body: { error: 'invalid_request', error_description: description },
});

const ROWS: Row[] = [
  // -- no bearer credentials: the bare challenge
  { name: 'no Authorization header', send: (s) => callEcho(s, {}), expect: NO_CREDENTIALS },
  { name: 'Basic scheme', send: (s) => callEcho(s, { Authorization: 'Basic dXNlcjpwYXNz' }), expect: NO_CREDENTIALS },
  {
    name: 'DPoP scheme (not supported)',
    send: async (s) => callEcho(s, { Authorization: `DPoP ${await mint({ aud: s.url })}` }),
    expect: NO_CREDENTIALS,
  },

  // -- malformed requests: 400 invalid_request
  {
    name: 'token in the query string (?access_token=)',
    send: async (s) => callEcho(s, {}, `${s.url}?access_token=${await mint({ aud: s.url, scope: 'todo:read' })}`),
    expect: invalidRequest('Tokens in the query string are not accepted; send an Authorization: Bearer header'),
  },
  {
    name: 'two Authorization headers',
    send: async (s) => {
      const a = await mint({ aud: s.url, scope: 'todo:read' });
      const body = JSON.stringify(toolCall('echo', { text: 'hi' }));
      return raw(s.url, {
        headers: [
          'Host',
          new URL(s.url).host,
          ...JSON_HEADERS,
          'Authorization',
          `Bearer ${a}`,
          'Authorization',
          `Bearer ${a}`,
          'Content-Length',
          String(Buffer.byteLength(body)),
        ],
        body,
      });
    },
    expect: invalidRequest('More than one Authorization header'),
  },
  {
    name: '"Bearer" without a token',
    send: (s) => callEcho(s, { Authorization: 'Bearer' }),
    // The header value cannot carry a double quote: the description's quotes become single quotes there.
    expect: invalidRequest(
      'Malformed Authorization header; expected "Bearer <token>"',
      "Malformed Authorization header; expected 'Bearer <token>'",
    ),
  },

  // -- tokens that are not acceptable: 401 invalid_token
  {
    name: 'expired (120 s ago, beyond the 30 s tolerance)',
    send: withToken((s) => ({ aud: s.url, scope: 'todo:read' }), { expiresIn: -120 }),
    expect: invalidToken(EXPIRED),
  },
  {
    name: 'no exp claim',
    send: withToken((s) => ({ aud: s.url, scope: 'todo:read' }), { expiresIn: null }),
    expect: invalidToken(NO_EXP),
  },
  {
    name: 'nbf 120 s in the future (beyond the 30 s tolerance)',
    send: withToken((s) => ({ aud: s.url, scope: 'todo:read', nbf: nowSec() + 120 })),
    expect: invalidToken(NOT_YET),
  },
  {
    name: 'wrong iss',
    send: withToken((s) => ({ aud: s.url, scope: 'todo:read', iss: 'https://evil-issuer.example' })),
    expect: invalidToken(WRONG_ISS),
  },
  {
    name: 'iss with a trailing slash (exact match required)',
    send: withToken((s) => ({ aud: s.url, scope: 'todo:read', iss: `${authority.issuer}/` })),
    expect: invalidToken(WRONG_ISS),
  },
  {
    name: 'wrong aud (another resource)',
    send: withToken(() => ({ aud: 'https://other.example/mcp', scope: 'todo:read' })),
    expect: invalidToken(WRONG_AUD),
  },
  {
    name: 'aud of another path on the same host',
    send: withToken((s) => ({ aud: new URL('/other', s.url).href, scope: 'todo:read' })),
    expect: invalidToken(WRONG_AUD),
  },
  {
    name: 'aud of the bare origin',
    send: withToken((s) => ({ aud: new URL(s.url).origin, scope: 'todo:read' })),
    expect: invalidToken(WRONG_AUD),
  },
  {
    name: 'aud with a trailing slash',
    send: withToken((s) => ({ aud: `${s.url}/`, scope: 'todo:read' })),
    expect: invalidToken(WRONG_AUD),
  },
  { name: 'no aud claim', send: withToken(() => ({ scope: 'todo:read' })), expect: invalidToken(WRONG_AUD) },
  {
    name: 'alg none (unsigned)',
    send: (s) =>
      callEcho(s, bearerAuth(remember(`${b64url({ alg: 'none', typ: 'at+jwt' })}.${b64url(goodClaims(s))}.`))),
    expect: invalidToken(BAD_ALG),
  },
  {
    name: "alg none with the authority's kid",
    send: (s) =>
      callEcho(
        s,
        bearerAuth(remember(`${b64url({ alg: 'none', kid: 'rsa-1', typ: 'at+jwt' })}.${b64url(goodClaims(s))}.`)),
      ),
    expect: invalidToken(BAD_ALG),
  },
  {
    name: 'HS256 keyed with the RSA public key as PEM (key confusion)',
    send: async (s) => {
      const pem = await exportSPKI((await importJWK(authority.publicJwk, 'RS256')) as JoseCryptoKey);
      const token = await new SignJWT(goodClaims(s))
        .setProtectedHeader({ alg: 'HS256', kid: 'rsa-1', typ: 'at+jwt' })
        .sign(new TextEncoder().encode(pem));
      return callEcho(s, bearerAuth(remember(token)));
    },
    expect: invalidToken(BAD_ALG),
  },
  {
    name: 'HS256 keyed with the RSA public JWK bytes (key confusion)',
    send: async (s) => {
      const secret = new TextEncoder().encode(JSON.stringify(authority.publicJwk));
      const token = await new SignJWT(goodClaims(s))
        .setProtectedHeader({ alg: 'HS256', kid: 'rsa-1', typ: 'at+jwt' })
        .sign(secret);
      return callEcho(s, bearerAuth(remember(token)));
    },
    expect: invalidToken(BAD_ALG),
  },
  {
    name: 'tampered payload (one character flipped)',
    send: async (s) => {
      const [h, p, sig] = (await mint({ aud: s.url, scope: 'todo:read' })).split('.') as [string, string, string];
      const i = Math.floor(p.length / 2);
      const flipped = `${p.slice(0, i)}${p[i] === 'A' ? 'B' : 'A'}${p.slice(i + 1)}`;
      return callEcho(s, bearerAuth(remember(`${h}.${flipped}.${sig}`)));
    },
    expect: invalidToken(BAD_SIG),
  },
  {
    name: 'scope escalation in the payload, original signature',
    send: async (s) => {
      const [h, , sig] = (await mint({ aud: s.url, scope: 'todo:read' })).split('.') as [string, string, string];
      const forged = b64url({
        iss: authority.issuer,
        aud: s.url,
        sub: 'alice',
        exp: nowSec() + 300,
        scope: 'todo:read todo:write todo:admin',
      });
      return callEcho(s, bearerAuth(remember(`${h}.${forged}.${sig}`)));
    },
    expect: invalidToken(BAD_SIG),
  },
  {
    name: 'signed by a foreign key with the same kid',
    send: async (s) => {
      const foreign = await generateKeyPair('RS256');
      return callEcho(s, bearerAuth(await mint({ aud: s.url, scope: 'todo:read' }, { key: foreign.privateKey })));
    },
    expect: invalidToken(BAD_SIG),
  },
  {
    name: 'unknown kid',
    send: withToken((s) => ({ aud: s.url, scope: 'todo:read' }), { kid: 'unknown-kid' }),
    expect: invalidToken(NO_KEY),
  },
  {
    name: 'garbage (Bearer abc)',
    send: (s) => callEcho(s, { Authorization: 'Bearer abc' }),
    expect: invalidToken(MALFORMED),
  },

  // -- accepted
  {
    name: 'RS256, aud = resource URL',
    send: withToken((s) => ({ aud: s.url, scope: 'todo:read' })),
    expect: { status: 200 },
  },
  {
    name: 'ES256',
    send: withToken((s) => ({ aud: s.url, scope: 'todo:read' }), { alg: 'ES256' }),
    expect: { status: 200 },
  },
  {
    name: 'lowercase "bearer" scheme',
    send: async (s) => callEcho(s, { Authorization: `bearer ${await mint({ aud: s.url, scope: 'todo:read' })}` }),
    expect: { status: 200 },
  },
  {
    name: 'aud array containing the resource URL',
    send: withToken((s) => ({ aud: ['https://other.example/api', s.url], scope: 'todo:read' })),
    expect: { status: 200 },
  },
  {
    name: 'nbf 10 s in the future (within tolerance)',
    send: withToken((s) => ({ aud: s.url, scope: 'todo:read', nbf: nowSec() + 10 })),
    expect: { status: 200 },
  },
  // Issued before it expired: exp must come after iat.
  {
    name: 'expired 10 s ago (within tolerance)',
    send: withToken((s) => ({ aud: s.url, scope: 'todo:read', iat: nowSec() - 300 }), { expiresIn: -10 }),
    expect: { status: 200 },
  },
];

describe('bearer token table', () => {
  for (const row of ROWS) {
    test(`${row.name} → ${row.expect.status}`, async () => {
      const reply = await row.send(server);
      const { expect } = row;
      assert.equal(reply.status, expect.status, `status; body: ${reply.text}`);
      if (expect.status === 200) {
        assert.equal(reply.header('www-authenticate'), undefined);
        assert.deepEqual(rpc(reply).result?.content, [{ type: 'text', text: 'echo: hi' }]);
        return;
      }
      assert.equal(reply.header('www-authenticate'), bearerChallenge(server.url, expect.challenge));
      assert.deepEqual(jsonBody(reply), expect.body);
      if (expect.body.error === 'unauthorized') assert.doesNotMatch(reply.header('www-authenticate')!, /error=/);
    });
  }

  test("the resource_metadata URL of a challenge serves this resource's metadata", async () => {
    const reply = await callEcho(server, {});
    const url = /resource_metadata="([^"]+)"/.exec(reply.header('www-authenticate') ?? '')?.[1];
    assert.ok(url);
    const doc = jsonBody(await fromFetch(await fetch(url)));
    assert.equal(doc['resource'], server.url);
  });

  test('unknown kids cause at most one extra JWKS fetch per cooldown (the server started < 30 s ago)', async () => {
    const before = authority.jwksRequests;
    for (let i = 0; i < 5; i++) {
      const reply = await callEcho(
        server,
        bearerAuth(await mint({ aud: server.url, scope: 'todo:read' }, { kid: `spray-${i}` })),
      );
      assert.equal(reply.status, 401);
      assert.deepEqual(jsonBody(reply), { error: 'invalid_token', error_description: NO_KEY });
    }
    assert.ok(
      authority.jwksRequests - before <= 1,
      `${authority.jwksRequests - before} JWKS fetches for 5 unknown kids`,
    );
  });
});

// ---------------------------------------------------------------------------------
// Protected Resource Metadata (RFC 9728) and JWKS discovery
// ---------------------------------------------------------------------------------

describe('protected resource metadata', () => {
  for (const path of ['/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-protected-resource']) {
    test(`GET ${path} without a token → 200, CORS *, the resource document`, async () => {
      const reply = await fromFetch(await fetch(new URL(path, server.url)));
      assert.equal(reply.status, 200);
      assert.equal(reply.header('access-control-allow-origin'), '*');
      const doc = jsonBody(reply);
      assert.equal(doc['resource'], server.url);
      assert.ok(!(doc['resource'] as string).endsWith('/'));
      assert.deepEqual(doc, {
        resource: server.url,
        authorization_servers: [authority.issuer],
        scopes_supported: SCOPES_SUPPORTED,
        bearer_methods_supported: ['header'],
      });
    });

    test(`OPTIONS ${path} (CORS preflight) → 204`, async () => {
      const reply = await fromFetch(
        await fetch(new URL(path, server.url), {
          method: 'OPTIONS',
          headers: { Origin: 'https://client.example', 'Access-Control-Request-Method': 'GET' },
        }),
      );
      assert.equal(reply.status, 204);
      assert.equal(reply.header('access-control-allow-origin'), '*');
      assert.match(reply.header('access-control-allow-methods') ?? '', /\bGET\b/);
    });

    test(`POST ${path} → 405`, async () => {
      const reply = await fromFetch(
        await fetch(new URL(path, server.url), {
          method: 'POST',
          body: '{}',
          headers: { 'Content-Type': 'application/json' },
        }),
      );
      assert.equal(reply.status, 405);
      assert.equal(reply.header('allow'), 'GET, OPTIONS');
      assert.deepEqual(jsonBody(reply), { error: 'method_not_allowed' });
    });
  }

  test('scopes_supported is the union of the tool scopes, and the no-token challenge names the same', async () => {
    assert.deepEqual(SCOPES_SUPPORTED, ['todo:read', 'todo:write', 'todo:admin']);
    const reply = await callEcho(server, {});
    assert.match(reply.header('www-authenticate') ?? '', /scope="todo:read todo:write todo:admin"/);
  });

  test('with only an issuer in the manifest, the JWKS URL is discovered from its RFC 8414 metadata', () => {
    const auth = (protectedManifest(authority.issuer) as { auth: Record<string, unknown> }).auth;
    assert.deepEqual(auth, { provider: 'jwt', issuer: authority.issuer });
    assert.equal(server.runtime.snapshot.verifier?.jwksUri, authority.jwksUri);
    assert.deepEqual(server.runtime.keys, { loaded: 2 });
  });
});

// ---------------------------------------------------------------------------------
// HTTP details: health, routing, Origin/Host checks, CORS, body size
// ---------------------------------------------------------------------------------

describe('HTTP', () => {
  test('GET /healthz without a token → 200', async () => {
    const reply = await fromFetch(await fetch(new URL('/healthz', server.url)));
    assert.equal(reply.status, 200);
    assert.deepEqual(jsonBody(reply), { status: 'ok' });
  });

  test('an unknown path → 404 JSON', async () => {
    const reply = await fromFetch(await fetch(new URL('/nope', server.url)));
    assert.equal(reply.status, 404);
    assert.deepEqual(jsonBody(reply), { error: 'not_found', error_description: 'Not found; the MCP endpoint is /mcp' });
  });

  test('Origin: https://evil.example → 403, even with a valid token', async () => {
    const reply = await callEcho(server, {
      ...bearerAuth(await mint({ aud: server.url, scope: 'todo:read' })),
      Origin: 'https://evil.example',
    });
    assert.equal(reply.status, 403);
    assert.equal(jsonBody(reply)['error'], 'forbidden');
    assert.equal(reply.header('access-control-allow-origin'), undefined);
  });

  const expectCors = (reply: Reply, origin: string) => {
    assert.equal(reply.header('access-control-allow-origin'), origin);
    const exposed = (reply.header('access-control-expose-headers') ?? '').split(',').map((h) => h.trim().toLowerCase());
    for (const h of ['www-authenticate', 'mcp-session-id', 'mcp-protocol-version'])
      assert.ok(exposed.includes(h), `${h} not exposed: ${exposed.join(', ')}`);
  };

  test('Origin: http://localhost:3000 is allowed, echoed, and the MCP headers are exposed', async () => {
    const reply = await callEcho(server, {
      ...bearerAuth(await mint({ aud: server.url, scope: 'todo:read' })),
      Origin: 'http://localhost:3000',
    });
    assert.equal(reply.status, 200);
    expectCors(reply, 'http://localhost:3000');
    assert.match(reply.header('vary') ?? '', /Origin/);
  });

  test('a browser client can read the 401 challenge (CORS headers on the 401)', async () => {
    const reply = await callEcho(server, { Origin: 'http://localhost:3000' });
    assert.equal(reply.status, 401);
    expectCors(reply, 'http://localhost:3000');
    assert.equal(reply.header('www-authenticate'), bearerChallenge(server.url, NO_CREDENTIALS.challenge));
  });

  test('CORS preflight OPTIONS /mcp without a token → 204', async () => {
    const reply = await fromFetch(
      await fetch(server.url, {
        method: 'OPTIONS',
        headers: {
          Origin: 'http://localhost:3000',
          'Access-Control-Request-Method': 'POST',
          'Access-Control-Request-Headers': 'authorization, content-type, mcp-protocol-version, mcp-method, mcp-name',
        },
      }),
    );
    assert.equal(reply.status, 204);
    assert.equal(reply.header('www-authenticate'), undefined);
    expectCors(reply, 'http://localhost:3000');
    assert.match(reply.header('access-control-allow-methods') ?? '', /\bPOST\b/);
    const allowed = (reply.header('access-control-allow-headers') ?? '').split(',').map((h) => h.trim().toLowerCase());
    for (const h of ['authorization', 'content-type', 'mcp-protocol-version', 'mcp-method', 'mcp-name'])
      assert.ok(allowed.includes(h), `${h} not allowed`);
  });

  const echoBody = JSON.stringify(toolCall('echo', { text: 'hi' }));
  const echoHeaders = (host: string, token: string) => [
    'Host',
    host,
    ...JSON_HEADERS,
    'Authorization',
    `Bearer ${token}`,
    'Content-Length',
    String(Buffer.byteLength(echoBody)),
  ];

  test('Host: evil.example on the loopback-bound server → 403 (DNS rebinding), even with a valid token', async () => {
    const token = await mint({ aud: server.url, scope: 'todo:read' });
    const reply = await raw(server.url, { headers: echoHeaders('evil.example', token), body: echoBody });
    assert.equal(reply.status, 403);
    assert.equal(jsonBody(reply)['error'], 'forbidden');
    // Control: the same request with the server's own Host is served.
    assert.equal(
      (await raw(server.url, { headers: echoHeaders(new URL(server.url).host, token), body: echoBody })).status,
      200,
    );
  });

  test(`Content-Length over http.maxBodyBytes (${MAX_BODY}) → 413`, async () => {
    const token = await mint({ aud: server.url, scope: 'todo:read' });
    const big = JSON.stringify(toolCall('echo', { text: 'x'.repeat(MAX_BODY + 500) }));
    const reply = await raw(server.url, {
      headers: [
        'Host',
        new URL(server.url).host,
        ...JSON_HEADERS,
        'Authorization',
        `Bearer ${token}`,
        'Content-Length',
        String(Buffer.byteLength(big)),
      ],
      body: big,
    });
    assert.equal(reply.status, 413);
    assert.equal((jsonBody(reply)['error'] as { code: number }).code, -32600);
  });

  test(`a chunked body over http.maxBodyBytes (${MAX_BODY}) → 413`, async () => {
    const token = await mint({ aud: server.url, scope: 'todo:read' });
    const big = JSON.stringify(toolCall('echo', { text: 'x'.repeat(MAX_BODY + 500) }));
    const reply = await raw(server.url, {
      headers: [
        'Host',
        new URL(server.url).host,
        ...JSON_HEADERS,
        'Authorization',
        `Bearer ${token}`,
        'Transfer-Encoding',
        'chunked',
      ],
      body: big,
    });
    assert.equal(reply.status, 413);
  });
});

// ---------------------------------------------------------------------------------
// Per-tool scopes: 403 insufficient_scope step-up challenges over raw HTTP
// ---------------------------------------------------------------------------------

describe('per-tool scopes (403 step-up)', () => {
  const insufficient = (tool: string, scope: string): [string, string][] => [
    ['error', 'insufficient_scope'],
    ['error_description', `The ${tool} tool needs scope ${scope}`],
    ['scope', scope],
  ];

  const expect403 = (reply: Reply, tool: string, scope: string) => {
    assert.equal(reply.status, 403, reply.text);
    const header = reply.header('www-authenticate') ?? '';
    assert.match(header, /error="insufficient_scope"/);
    assert.ok(header.includes(`scope="${scope}"`), header);
    assert.ok(header.includes(`resource_metadata="${metadataUrlOf(server.url)}"`), header);
    assert.equal(header, bearerChallenge(server.url, insufficient(tool, scope)));
    assert.equal(jsonBody(reply)['error'], 'insufficient_scope');
  };

  test('2025-11-25 shape: todo:read calling write → 403 naming todo:write; write never runs', async () => {
    const before = writeCalls();
    const reply = await fromFetch(
      await post(server.url, toolCall('write', { title: 'x' }), {
        headers: {
          ...bearerAuth(await mint({ aud: server.url, scope: 'todo:read' })),
          'MCP-Protocol-Version': '2025-11-25',
        },
      }),
    );
    expect403(reply, 'write', 'todo:write');
    assert.equal(writeCalls(), before);
  });

  test('2026-07-28 shape: todo:read calling write → 403 naming todo:write; write never runs', async () => {
    const before = writeCalls();
    const reply = await modernCall(server, await mint({ aud: server.url, scope: 'todo:read' }), 'write', {
      title: 'x',
    });
    expect403(reply, 'write', 'todo:write');
    assert.equal(writeCalls(), before);
  });

  test('anyOf scopes: the challenge names the preferred alternative only', async () => {
    const reply = await modernCall(server, await mint({ aud: server.url, scope: 'todo:read' }), 'remove', {});
    expect403(reply, 'remove', 'todo:write');
  });

  test('control: with todo:write the same 2026-07-28 call runs write', async () => {
    const before = writeCalls();
    const reply = await modernCall(
      server,
      await mint({ aud: server.url, scope: 'todo:read todo:write', sub: 'stepped-up' }),
      'write',
      { title: 'x' },
    );
    assert.equal(reply.status, 200, reply.text);
    assert.deepEqual(rpc(reply).result?.structuredContent, { title: 'x', subject: 'stepped-up' });
    assert.equal(writeCalls(), before + 1);
  });

  test('the gate decides from the body: Mcp-Name: echo with body name write does not run write', async () => {
    const before = writeCalls();
    const reply = await modernCall(
      server,
      await mint({ aud: server.url, scope: 'todo:read' }),
      'write',
      { title: 'smuggled' },
      'echo',
    );
    assert.notEqual(reply.status, 200, reply.text);
    assert.ok(reply.status === 400 || reply.status === 403, `status ${reply.status}: ${reply.text}`);
    assert.equal(writeCalls(), before);
    assert.ok(!recordedCalls().some((c) => (c.input as { title?: string } | undefined)?.title === 'smuggled'));
  });
});

// ---------------------------------------------------------------------------------
// Key rotation and JWKS outages (simulated clock)
// ---------------------------------------------------------------------------------

/** Moves `Date.now` forward: jose's JWKS cooldown and the verifier's discovery retry both read it. */
const clock = {
  real: Date.now,
  offset: 0,
  install() {
    this.offset = 0;
    Date.now = () => this.real.call(Date) + this.offset;
  },
  advance(ms: number) {
    this.offset += ms;
  },
  uninstall() {
    Date.now = this.real;
  },
};
const PAST_COOLDOWN = 31_000;

const UNAVAILABLE = {
  error: 'temporarily_unavailable',
  error_description: "The authorization server's keys are unavailable; try again shortly",
};

function expect503(reply: Reply): void {
  assert.equal(reply.status, 503, reply.text);
  assert.equal(reply.header('retry-after'), '10');
  assert.equal(reply.header('www-authenticate'), undefined);
  assert.deepEqual(jsonBody(reply), UNAVAILABLE);
}

/** An HTTP proxy in front of the authority's JWKS that counts every fetch, failed ones too. */
async function countingJwks(): Promise<{ url: string; readonly hits: number; close(): Promise<void> }> {
  let hits = 0;
  const proxy: Server = createServer((_req, res) => {
    hits++;
    fetch(authority.jwksUri).then(
      async (r) => {
        res.writeHead(r.status, { 'Content-Type': 'application/json' });
        res.end(await r.text());
      },
      () => res.writeHead(502).end(),
    );
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/jwks`,
    get hits() {
      return hits;
    },
    close: () =>
      new Promise<void>((resolve) => {
        proxy.close(() => resolve());
        proxy.closeAllConnections();
      }),
  };
}

describe('key rotation and JWKS outages', () => {
  let jwks: Awaited<ReturnType<typeof countingJwks>>;
  /** Started while the authority was down, with jwksUri = the counting proxy. */
  let explicit: TestServer | undefined;

  before(async () => {
    clock.install();
    jwks = await countingJwks();
  });
  after(async () => {
    clock.uninstall();
    authority.down = false;
    await explicit?.close();
    await jwks.close();
  });

  test('past the cooldown, a burst of unknown kids costs exactly one JWKS fetch', async () => {
    clock.advance(PAST_COOLDOWN);
    const before = authority.jwksRequests;
    for (let i = 0; i < 5; i++) {
      const reply = await callEcho(
        server,
        bearerAuth(await mint({ aud: server.url, scope: 'todo:read' }, { kid: `rotated-${i}` })),
      );
      assert.equal(reply.status, 401);
      assert.equal(reply.header('www-authenticate'), bearerChallenge(server.url, invalidToken(NO_KEY).challenge));
    }
    assert.equal(authority.jwksRequests - before, 1);
  });

  test('a new kid while the JWKS is down → 503 (not 401, not a crash); valid tokens keep working', async () => {
    clock.advance(PAST_COOLDOWN);
    authority.down = true;
    expect503(
      await callEcho(
        server,
        bearerAuth(await mint({ aud: server.url, scope: 'todo:read' }, { kid: 'rotated-while-down' })),
      ),
    );
    assert.ok(
      server.logs.some((l) => l.startsWith('warning: The signing keys are unavailable')),
      server.logs.join('\n'),
    );
    // The cached keys still verify; the server is alive.
    const valid = await callEcho(server, bearerAuth(await mint({ aud: server.url, scope: 'todo:read' })));
    assert.equal(valid.status, 200, valid.text);
    assert.equal((await fetch(new URL('/healthz', server.url))).status, 200);
    authority.down = false;
    assert.equal((await callEcho(server, bearerAuth(await mint({ aud: server.url, scope: 'todo:read' })))).status, 200);
  });

  test('past jwksCacheSec, the keys held keep verifying while the authority is down; an unknown kid gets 503; refreshed once it is back', async () => {
    clock.advance(11 * 60_000); // past the default jwksCacheSec (600 s) and the retry pause
    authority.down = true;
    try {
      const valid = await callEcho(server, bearerAuth(await mint({ aud: server.url, scope: 'todo:read' })));
      assert.equal(valid.status, 200, valid.text);
      expect503(
        await callEcho(
          server,
          bearerAuth(await mint({ aud: server.url, scope: 'todo:read' }, { kid: 'unknown-while-stale' })),
        ),
      );
      assert.equal((await fetch(new URL('/readyz', server.url))).status, 200);
      assert.equal(
        (await callEcho(server, bearerAuth(await mint({ aud: server.url, scope: 'todo:read' })))).status,
        200,
      );
    } finally {
      authority.down = false;
    }
    clock.advance(6_000); // past the pause that follows a failed fetch
    const before = authority.jwksRequests;
    assert.equal((await callEcho(server, bearerAuth(await mint({ aud: server.url, scope: 'todo:read' })))).status, 200);
    for (let i = 0; i < 100 && authority.jwksRequests === before; i++)
      await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(
      authority.jwksRequests - before,
      1,
      'stale keys are refreshed in the background once the authority answers',
    );
    // Fresh again: the next token costs no fetch.
    assert.equal((await callEcho(server, bearerAuth(await mint({ aud: server.url, scope: 'todo:read' })))).status, 200);
    assert.equal(authority.jwksRequests - before, 1);
  });

  test('a server started while the authority is down answers 503, then recovers once it is up (explicit jwksUri)', async () => {
    authority.down = true;
    explicit = await start(protectedManifest(authority.issuer, { auth: { jwksUri: jwks.url } }));
    assert.deepEqual(explicit.runtime.keys, { error: `signing keys could not be fetched from ${jwks.url} (HTTP 503)` });
    const token = await mint({ aud: explicit.url, scope: 'todo:read' });
    expect503(await callEcho(explicit, bearerAuth(token)));
    // Still down: a bad token is not blamed on the client either.
    expect503(await callEcho(explicit, bearerAuth(await mint({ aud: explicit.url }, { kid: 'whatever' }))));
    assert.equal((await fetch(new URL('/healthz', explicit.url))).status, 200);
    authority.down = false;
    // Within the verifier's 5 s retry pause after the failed fetch: still 503, and this
    // refused attempt must not extend the pause.
    clock.advance(3_000);
    expect503(await callEcho(explicit, bearerAuth(token)));
    clock.advance(3_000);
    const reply = await callEcho(explicit, bearerAuth(token));
    assert.equal(reply.status, 200, reply.text);
    assert.deepEqual(rpc(reply).result?.content, [{ type: 'text', text: 'echo: hi' }]);
  });

  // jose's cooldown starts only after a *successful* fetch; the verifier's own retry
  // pause keeps attacker-chosen kids from each costing an outbound request.
  test('while the JWKS is down, a burst of unknown kids costs at most one fetch per cooldown', async () => {
    assert.ok(explicit, 'needs the previous test');
    clock.advance(PAST_COOLDOWN);
    authority.down = true;
    try {
      const before = jwks.hits;
      for (let i = 0; i < 5; i++)
        expect503(
          await callEcho(
            explicit,
            bearerAuth(await mint({ aud: explicit.url, scope: 'todo:read' }, { kid: `burst-${i}` })),
          ),
        );
      assert.ok(jwks.hits - before <= 1, `${jwks.hits - before} JWKS fetches for 5 unknown kids`);
    } finally {
      authority.down = false;
    }
  });

  test('a server started while the authority is down (discovery) answers 503, and retries discovery after 30 s', async () => {
    authority.down = true;
    const s = await start(protectedManifest(authority.issuer));
    try {
      assert.ok(s.runtime.keys && 'error' in s.runtime.keys, JSON.stringify(s.runtime.keys));
      assert.equal(s.runtime.snapshot.verifier?.jwksUri, undefined);
      const token = await mint({ aud: s.url, scope: 'todo:read' });
      expect503(await callEcho(s, bearerAuth(token)));
      authority.down = false;
      // A failed discovery is not retried on every request...
      expect503(await callEcho(s, bearerAuth(token)));
      // ...but once the retry cooldown has passed.
      clock.advance(PAST_COOLDOWN);
      const reply = await callEcho(s, bearerAuth(await mint({ aud: s.url, scope: 'todo:read' })));
      assert.equal(reply.status, 200, reply.text);
      assert.equal(s.runtime.snapshot.verifier?.jwksUri, authority.jwksUri);
    } finally {
      authority.down = false;
      await s.close();
    }
  });
});

// ---------------------------------------------------------------------------------
// Logs
// ---------------------------------------------------------------------------------

test('no token ever appears in any server log', () => {
  const lines = servers.flatMap((s) => s.logs);
  // Not vacuous: the outage and header-mismatch cases above do log.
  assert.ok(lines.length > 0);
  assert.ok(tokens.size > 30, `${tokens.size} tokens collected`);
  for (const token of tokens) {
    const signature = token.split('.')[2] ?? '';
    for (const line of lines) {
      assert.ok(!line.includes(token), `a log line contains a token: ${line}`);
      if (signature.length >= 16)
        assert.ok(!line.includes(signature), `a log line contains a token signature: ${line}`);
    }
  }
});

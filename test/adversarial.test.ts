/**
 * Adversarial requests against the real runtime and a real token issuer: one row per
 * attack, each with the exact status and the part of the body or header that matters.
 *
 * Every row also checks that the answer is never a 500 and that the server still serves
 * a valid call afterwards; at the end, no token sent here may appear in any log line.
 *
 * Rows whose answer is wrong by the specs (or unsafe) carry `todo` with the reason, so
 * the suite stays green while the gap stays visible.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { Client as LegacyClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as LegacyTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  PROTOCOL_VERSION_META_KEY,
} from '@modelcontextprotocol/server';
import {
  CompactEncrypt,
  type CryptoKey,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
  type JWTPayload,
  SignJWT,
} from 'jose';
import { type Authority, startAuthority } from './support/authority.js';
import {
  fromFetch,
  post,
  type Reply,
  type Rpc,
  rawRequest,
  recordedCalls,
  rpcMessages,
  toolCall,
} from './support/clients.js';
import {
  FIXTURE_TOOLS,
  manifestProblems,
  protectedManifest,
  serveManifest,
  type TestServer,
} from './support/server.js';
import {
  acceptedClaims,
  BAD_SIG,
  bearerAuth,
  bearerChallenge,
  createTokenLedger,
  EXP_BEFORE_IAT,
  ISSUED_IN_FUTURE,
  MALFORMED,
  mustBeString,
  NO_KEY,
  nowSec,
  WRONG_AUD,
} from './support/tokens.js';

// ---------------------------------------------------------------------------------
// Servers and helpers
// ---------------------------------------------------------------------------------

const MODERN = '2026-07-28';
const LEGACY = '2025-11-25';
/** The default http.maxBodyBytes. */
const MAX_BODY = 1024 * 1024;

/** Tools added to the fixture set for these rows. */
const EXTRA_TOOLS = [
  {
    name: 'anything',
    description: 'Accepts any object; records its input',
    inputSchema: { type: 'object' },
    handler: './handlers/record.js#whoami',
  },
  {
    name: 'short',
    description: 'A name of at most 10 characters',
    inputSchema: { type: 'object', properties: { name: { type: 'string', maxLength: 10 } }, required: ['name'] },
    handler: './handlers/record.js#whoami',
  },
  {
    name: 'survey',
    description: 'Asks two questions in two rounds (ctx.elicit)',
    inputSchema: { type: 'object' },
    handler: './handlers/context.js#survey',
  },
];

/** Resources readable only with todo:admin, and one anyone may read: subscribing needs the same. */
const ADMIN_RESOURCES = {
  resources: [
    { uri: 'admin://audit-log', name: 'audit-log', text: 'who did what', scopes: ['todo:admin'] },
    { uri: 'docs://changelog', name: 'changelog', text: 'what changed' },
  ],
  resourceTemplates: [
    { uriTemplate: 'admin://users/{id}', name: 'user', handler: './handlers/record.js#whoami', scopes: ['todo:admin'] },
  ],
};

/** A schema pattern with catastrophic backtracking on a near-miss input. */
const REDOS_TOOL = {
  name: 'redos',
  description: 'A string matching ^(a+)+$',
  inputSchema: { type: 'object', properties: { s: { type: 'string', pattern: '^(a+)+$' } }, required: ['s'] },
  handler: './handlers/record.js#echo',
};
const REDOS_INPUT = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!';

let authority: Authority;
/** The server under attack. */
let server: TestServer;
/** A second resource on the same authority: its tokens must not open `server`. */
let other: TestServer;
/** Serves the attacker's keys at jku/x5u URLs and counts every request it gets. */
let decoy: { url: string; readonly hits: string[]; close(): Promise<void> };
/** The attacker's signing key and its public JWK. */
let attacker: { privateKey: CryptoKey; jwk: JWK };

/**
 * Every token sent to a server (none may appear in any log line), and how they are made:
 * a fresh `jti` keeps every minted token distinct for the log check.
 */
const { mint, remember, tokens } = createTokenLedger(() => authority, { jtiPrefix: 'adv' });
/** Log lines of servers that run in another process. */

before(async () => {
  authority = await startAuthority();
  server = await serveManifest({
    ...protectedManifest(authority.issuer, { tools: [...FIXTURE_TOOLS, ...EXTRA_TOOLS] }),
    ...ADMIN_RESOURCES,
    http: { host: '127.0.0.1', port: 0, path: '/mcp', headersTimeoutMs: 2_000 },
  });
  other = await serveManifest(protectedManifest(authority.issuer));
  const pair = await generateKeyPair('RS256', { extractable: true });
  attacker = {
    privateKey: pair.privateKey,
    jwk: { ...(await exportJWK(pair.publicKey)), kid: 'attacker-1', alg: 'RS256', use: 'sig' },
  };
  decoy = await startDecoy(attacker.jwk);
});
after(async () => {
  await server.close();
  await other.close();
  await decoy.close();
  await authority.close();
});

async function startDecoy(jwk: JWK): Promise<typeof decoy> {
  const hits: string[] = [];
  const http: Server = createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      }),
  };
}

/** Claims that `server` would accept, for tokens built by hand. */
const goodClaims = (): JWTPayload => acceptedClaims(authority.issuer, server.url, 'todo:read todo:write');
/** A valid token for `server` with both fixture scopes. */
const validToken = () => mint({ aud: server.url, scope: 'todo:read todo:write' });

/** The JSON-RPC messages of a reply, and its one message. */
const messages = (reply: Reply): Rpc[] => rpcMessages(reply.text);
function rpc(reply: Reply): Rpc {
  const all = messages(reply);
  assert.equal(all.length, 1, `expected one JSON-RPC message: ${reply.text.slice(0, 500)}`);
  return all[0]!;
}
function rpcError(reply: Reply, code: number): Rpc['error'] {
  const error = rpc(reply).error;
  assert.equal(error?.code, code, `JSON-RPC error code; body: ${reply.text.slice(0, 500)}`);
  return error;
}

const META = {
  [PROTOCOL_VERSION_META_KEY]: MODERN,
  [CLIENT_INFO_META_KEY]: { name: 'adversary', version: '1.0.0' },
  [CLIENT_CAPABILITIES_META_KEY]: {},
};
/** A 2026-07-28 tools/call: the envelope in `_meta`, routing headers alongside. */
const modernCall = (name: string, args: Record<string, unknown>, id = 1) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name, arguments: args, _meta: META },
});
const modernHeaders = (name: string) => ({
  'MCP-Protocol-Version': MODERN,
  'Mcp-Method': 'tools/call',
  'Mcp-Name': name,
});

/** A 2025-11-25-shaped POST (no session) with a valid token unless `headers` says otherwise. */
async function send(body: unknown, headers: Record<string, string> = {}, s: TestServer = server): Promise<Reply> {
  return fromFetch(await post(s.url, body, { headers: { ...bearerAuth(await validToken()), ...headers } }));
}
/** The raw JSON text of a tools/call whose `arguments` are given as JSON text. */
const rawCall = (name: string, argumentsJson: string, meta = false) =>
  `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":${JSON.stringify(name)},"arguments":${argumentsJson}${meta ? `,"_meta":${JSON.stringify(META)}` : ''}}}`;

/** A valid call still works: the server survived whatever came before. */
async function stillServing(s: TestServer = server): Promise<void> {
  const token = await mint({ aud: s.url, scope: 'todo:read' });
  const reply = await fromFetch(
    await post(s.url, toolCall('echo', { text: 'still here' }), { headers: bearerAuth(token) }),
  );
  assert.equal(reply.status, 200, `follow-up call: ${reply.text.slice(0, 500)}`);
  assert.deepEqual(rpc(reply).result?.content, [{ type: 'text', text: 'echo: still here' }]);
}

// ---------------------------------------------------------------------------------
// The table
// ---------------------------------------------------------------------------------

interface Row {
  name: string;
  send: () => Promise<Reply>;
  /** The exact status (or the statuses allowed, for answers the spec leaves open). */
  status: number | readonly number[];
  /** The key part of the body or headers. */
  check?: (reply: Reply) => void | Promise<void>;
  /** Set when the server's answer is wrong: the reason, and what it should be. */
  todo?: string;
}

/** 401 with `error="invalid_token"` and exactly `description`, in the header and the JSON body. */
const invalidToken = (description: string) => (reply: Reply) => {
  const header = reply.header('www-authenticate') ?? '';
  assert.match(header, /^Bearer error="invalid_token", error_description="[^"]*", resource_metadata="[^"]+"$/, header);
  assert.ok(header.includes(`error_description="${description}"`), header);
  assert.deepEqual(JSON.parse(reply.text), { error: 'invalid_token', error_description: description });
};

/** Signs `goodClaims()` with the attacker's key under `header` (alg RS256, typ at+jwt added). */
async function forge(header: Record<string, unknown>): Promise<string> {
  return remember(
    await new SignJWT(goodClaims())
      .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', ...header })
      .sign(attacker.privateKey),
  );
}
/** Also asserts that the decoy holding the attacker's key was never asked for it. */
const notFetched = (description: string) => (reply: Reply) => {
  invalidToken(description)(reply);
  assert.deepEqual(decoy.hits, [], 'the server fetched an attacker-supplied key URL');
};

const TOKEN_ROWS: Row[] = [
  {
    name: "jku header pointing at the attacker's JWKS (signed with the attacker's key, its kid)",
    send: async () =>
      send(
        toolCall('echo', { text: 'hi' }),
        bearerAuth(await forge({ kid: 'attacker-1', jku: `${decoy.url}/jwks.json` })),
      ),
    status: 401,
    check: notFetched(NO_KEY),
  },
  {
    name: "jku header with the authority's kid (signed with the attacker's key)",
    send: async () =>
      send(toolCall('echo', { text: 'hi' }), bearerAuth(await forge({ kid: 'rsa-1', jku: `${decoy.url}/jwks.json` }))),
    status: 401,
    check: notFetched(BAD_SIG),
  },
  {
    name: "x5u header pointing at the attacker's server",
    send: async () =>
      send(toolCall('echo', { text: 'hi' }), bearerAuth(await forge({ kid: 'rsa-1', x5u: `${decoy.url}/cert.pem` }))),
    status: 401,
    check: notFetched(BAD_SIG),
  },
  {
    name: "embedded jwk header holding the attacker's public key (no kid)",
    send: async () => {
      const { kid: _kid, use: _use, ...jwk } = attacker.jwk;
      return send(toolCall('echo', { text: 'hi' }), bearerAuth(await forge({ jwk })));
    },
    status: 401,
    check: notFetched(BAD_SIG),
  },
  {
    name: "embedded jwk header with the attacker's kid",
    send: async () => {
      const { use: _use, ...jwk } = attacker.jwk;
      return send(toolCall('echo', { text: 'hi' }), bearerAuth(await forge({ kid: 'attacker-1', jwk })));
    },
    status: 401,
    check: notFetched(NO_KEY),
  },
  {
    name: "JWE (5-part compact, RSA-OAEP-256/A256GCM to the authority's public key) carrying valid claims",
    send: async () => {
      const { kty, n, e } = authority.publicJwk;
      const key = await importJWK({ kty, n, e }, 'RSA-OAEP-256');
      const jwe = await new CompactEncrypt(new TextEncoder().encode(JSON.stringify(goodClaims())))
        .setProtectedHeader({ alg: 'RSA-OAEP-256', enc: 'A256GCM', typ: 'at+jwt', kid: 'rsa-1' })
        .encrypt(key);
      assert.equal(jwe.split('.').length, 5);
      return send(toolCall('echo', { text: 'hi' }), bearerAuth(remember(jwe)));
    },
    status: 401,
    check: invalidToken(MALFORMED),
  },
  {
    // Node's default limit on the request head is 16 KB: the parser refuses it before any code runs.
    name: "20 KB token (over Node's 16 KB header limit)",
    send: async () =>
      send(
        toolCall('echo', { text: 'hi' }),
        bearerAuth(remember(`${'A'.repeat(20 * 1024)}.${'B'.repeat(10)}.${'C'.repeat(10)}`)),
      ),
    status: 431,
  },
  {
    name: "11 KB signed token (under the header limit; foreign key, authority's kid)",
    send: async () => {
      const foreign = await generateKeyPair('RS256');
      const token = await mint(
        { aud: server.url, scope: 'todo:read', padding: 'p'.repeat(8 * 1024) },
        { key: foreign.privateKey },
      );
      assert.ok(token.length > 10 * 1024 && token.length < 14 * 1024, `${token.length} characters`);
      return send(toolCall('echo', { text: 'hi' }), bearerAuth(token));
    },
    status: 401,
    check: invalidToken(BAD_SIG),
  },
  {
    name: 'OIDC ID token from the same issuer (typ JWT, aud = the client id, nonce, azp)',
    send: async () =>
      send(
        toolCall('echo', { text: 'hi' }),
        bearerAuth(
          await mint(
            { aud: 'test-client', azp: 'test-client', nonce: 'n-0S6_WzA2Mj', auth_time: nowSec() - 5 },
            { typ: 'JWT' },
          ),
        ),
      ),
    status: 401,
    check: invalidToken(WRONG_AUD),
  },
  {
    name: 'token issued for another MCP server of the same authority (aud = that server)',
    send: async () => {
      const token = await mint({ aud: other.url, scope: 'todo:read' });
      // Control: the same token is good where it belongs.
      const there = await fromFetch(
        await post(other.url, toolCall('echo', { text: 'hi' }), { headers: bearerAuth(token) }),
      );
      assert.equal(there.status, 200, there.text);
      return send(toolCall('echo', { text: 'hi' }), bearerAuth(token));
    },
    status: 401,
    check: invalidToken(WRONG_AUD),
  },
];

/** A token for `server` whose claims are valid but for `claims`, over the authority's defaults. */
const claimsToken = (claims: Record<string, unknown>) => mint({ aud: server.url, scope: 'todo:read', ...claims });

/** RFC 7519 section 4.1, RFC 9068 section 2.2: claims typed, times in order; what reaches a handler is what the types promise. */
const CLAIM_ROWS: Row[] = [
  ...(
    [
      ['sub as an object', { sub: { id: 'alice' } }, mustBeString('sub')],
      ['sub as an empty string', { sub: '' }, mustBeString('sub')],
      ['sub as a number', { sub: 42 }, mustBeString('sub')],
      ['client_id as a number', { client_id: 7 }, mustBeString('client_id')],
      ['azp as an array (no client_id)', { client_id: undefined, azp: ['test-client'] }, mustBeString('azp')],
      [
        'scope as an array (RFC 9068: a space-delimited string)',
        { scope: ['todo:read'] },
        "The token's scope claim must be a space-delimited string",
      ],
      [
        'scopes as a string',
        { scope: undefined, scopes: 'todo:read' },
        "The token's scopes claim must be an array of strings",
      ],
      [
        'scp with a non-string element',
        { scope: undefined, scp: ['todo:read', { admin: true }] },
        "The token's scp claim must be a space-delimited string or an array of strings",
      ],
      [
        'iat ten years in the future, exp in ten minutes',
        { iat: nowSec() + 10 * 365 * 86_400, exp: nowSec() + 600 },
        ISSUED_IN_FUTURE,
      ],
      [
        'exp before iat (both within the clock tolerance of now)',
        { iat: nowSec() + 20, exp: nowSec() + 10 },
        EXP_BEFORE_IAT,
      ],
    ] as const
  ).map(
    ([what, claims, description]): Row => ({
      name: `${what} → invalid_token naming it`,
      send: async () => {
        const before = recordedCalls().length;
        const reply = await send(toolCall('whoami'), bearerAuth(await claimsToken(claims)));
        assert.equal(recordedCalls().length, before, 'the handler ran');
        return reply;
      },
      status: 401,
      check: invalidToken(description),
    }),
  ),
  {
    name: 'client credentials (no sub, client_id): accepted; the handler sees the client and no subject',
    send: async () =>
      send(toolCall('whoami'), bearerAuth(await claimsToken({ sub: undefined, client_id: 'billing-service' }))),
    status: 200,
    check: (r) => {
      const auth = rpc(r).result?.structuredContent;
      assert.deepEqual(
        [auth?.['subject'], auth?.['clientId'], auth?.['principal']],
        [undefined, 'billing-service', JSON.stringify([authority.issuer, null, 'billing-service'])],
      );
    },
  },
];

const HTTP_ROWS: Row[] = [
  {
    name: 'malformed JSON body (2025-11-25 shape)',
    send: () => send('{"jsonrpc":"2.0","id":1,"method":'),
    status: 400,
    check: (r) => void rpcError(r, -32700),
  },
  {
    name: 'malformed JSON body (2026-07-28 headers)',
    send: () => send('{"jsonrpc":"2.0","id":1,"method":', modernHeaders('echo')),
    status: 400,
    check: (r) => void rpcError(r, -32700),
  },
  {
    name: 'valid JSON that is not JSON-RPC',
    send: () => send({ hello: 'world' }),
    status: 400,
    check: (r) => void rpcError(r, -32600),
  },
  {
    // MCP 2025-11-25 basic/transports, "Sending Messages" 3: one JSON-RPC message per POST (batching removed in 2025-06-18).
    name: 'JSON-RPC batch with MCP-Protocol-Version: 2025-11-25',
    send: () =>
      send([toolCall('echo', { text: 'a' }, 1), toolCall('echo', { text: 'b' }, 2)], {
        'MCP-Protocol-Version': LEGACY,
      }),
    status: 400,
    check: (r) => assert.match(rpcError(r, -32600)!.message, /takes one JSON-RPC message per request, not a batch/),
  },
  {
    // No version header: the server assumes 2025-03-26 (MCP 2025-11-25, Protocol Version Header), which had batches.
    name: 'JSON-RPC batch without MCP-Protocol-Version (2025-03-26 semantics) runs both calls',
    send: () => send([toolCall('echo', { text: 'a' }, 1), toolCall('echo', { text: 'b' }, 2)]),
    status: 200,
    check: (r) =>
      assert.deepEqual(
        messages(r).map((m) => [m.id, m.result?.content?.[0]?.text]),
        [
          [1, 'echo: a'],
          [2, 'echo: b'],
        ],
      ),
  },
  {
    name: 'JSON-RPC batch on 2026-07-28',
    send: () =>
      send([modernCall('echo', { text: 'a' }, 1), modernCall('echo', { text: 'b' }, 2)], modernHeaders('echo')),
    status: 400,
    check: (r) =>
      assert.match(rpcError(r, -32600)!.message, /batches may not contain requests for protocol revision 2026-07-28/),
  },
  {
    name: 'batch smuggling write past the scope gate (token has todo:read only)',
    send: async () => {
      const before = recordedCalls().length;
      const token = await mint({ aud: server.url, scope: 'todo:read' });
      const reply = await send(
        [toolCall('echo', { text: 'a' }, 1), toolCall('write', { title: 'smuggled' }, 2)],
        bearerAuth(token),
      );
      assert.equal(recordedCalls().length, before, 'a call of the batch ran');
      return reply;
    },
    status: 403,
    check: (r) => {
      assert.match(r.header('www-authenticate') ?? '', /error="insufficient_scope".*scope="todo:write"/);
      assert.equal((JSON.parse(r.text) as { error: string }).error, 'insufficient_scope');
    },
  },
  {
    name: 'Content-Type: text/plain',
    send: () => send(JSON.stringify(toolCall('echo', { text: 'hi' })), { 'Content-Type': 'text/plain' }),
    status: 415,
    check: (r) => assert.match(rpcError(r, -32000)!.message, /^Unsupported Media Type/),
  },
  {
    name: 'Content-Type: text/plain (2026-07-28)',
    send: () =>
      send(JSON.stringify(modernCall('echo', { text: 'hi' })), {
        ...modernHeaders('echo'),
        'Content-Type': 'text/plain',
      }),
    status: 415,
    check: (r) => assert.match(rpcError(r, -32000)!.message, /^Unsupported Media Type/),
  },
  {
    name: 'Accept: text/html (2025-11-25)',
    send: () => send(toolCall('echo', { text: 'hi' }), { Accept: 'text/html' }),
    status: 406,
    check: (r) => assert.match(rpcError(r, -32000)!.message, /^Not Acceptable/),
  },
  {
    name: 'Accept: application/json only (2025-11-25, no text/event-stream)',
    send: () => send(toolCall('echo', { text: 'hi' }), { Accept: 'application/json' }),
    status: 406,
    check: (r) => assert.match(rpcError(r, -32000)!.message, /^Not Acceptable/),
  },
  {
    name: 'no Accept header',
    send: () => send(toolCall('echo', { text: 'hi' }), { Accept: '' }),
    status: 406,
    check: (r) => assert.match(rpcError(r, -32000)!.message, /^Not Acceptable/),
  },
  {
    // 2026-07-28 puts the Accept rule on the client only; the SDK answers in plain JSON.
    name: 'Accept: text/html (2026-07-28) is answered as application/json',
    send: () => send(modernCall('echo', { text: 'hi' }), { ...modernHeaders('echo'), Accept: 'text/html' }),
    status: 200,
    check: (r) => {
      assert.match(r.header('content-type') ?? '', /^application\/json/);
      assert.deepEqual(rpc(r).result?.content, [{ type: 'text', text: 'echo: hi' }]);
    },
  },
  {
    name: 'MCP-Protocol-Version: 1999-01-01 (2025-era request)',
    send: () => send(toolCall('echo', { text: 'hi' }), { 'MCP-Protocol-Version': '1999-01-01' }),
    status: 400,
    check: (r) => assert.match(rpcError(r, -32000)!.message, /Unsupported protocol version: 1999-01-01/),
  },
  {
    name: 'MCP-Protocol-Version and _meta both 2099-01-01 (2026-era request)',
    send: () => {
      const body = modernCall('echo', { text: 'hi' });
      body.params._meta = { ...META, [PROTOCOL_VERSION_META_KEY]: '2099-01-01' };
      return send(body, { ...modernHeaders('echo'), 'MCP-Protocol-Version': '2099-01-01' });
    },
    status: 400,
    check: (r) => {
      const error = rpcError(r, -32022);
      assert.ok(
        (error?.data as { supported?: string[] } | undefined)?.supported?.includes(MODERN),
        JSON.stringify(error),
      );
    },
  },
  {
    name: 'MCP-Protocol-Version header disagreeing with _meta (2026-era request)',
    send: () =>
      send(modernCall('echo', { text: 'hi' }), { ...modernHeaders('echo'), 'MCP-Protocol-Version': '1999-01-01' }),
    status: 400,
    check: (r) => void rpcError(r, -32020),
  },
  {
    name: 'forged Mcp-Session-Id',
    send: () =>
      send(toolCall('echo', { text: 'hi' }), {
        'MCP-Protocol-Version': LEGACY,
        'Mcp-Session-Id': '6f1c1b1e-4d55-4a5b-9c1e-0d1f2a3b4c5d',
      }),
    status: 404,
    check: (r) => assert.deepEqual(rpcError(r, -32001), { code: -32001, message: 'Session not found' }),
  },
];

/** `{"a":{"a":...1...}}` nested `depth` levels. */
const nested = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
/** Depth of `{"a":...}` nesting of a value that reached a handler. */
function depthOf(value: unknown): number {
  let depth = 0;
  for (let v = value; typeof v === 'object' && v !== null; v = (v as { a?: unknown }).a) depth++;
  return depth;
}
const lastCall = () => recordedCalls().at(-1);

const PROTO_ARGS = '{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},"plain":1}';
/** No pollution in this (the server's) process, and the handler got plain data. */
function notPolluted(reply: Reply): void {
  assert.equal(({} as Record<string, unknown>)['polluted'], undefined, 'Object.prototype was polluted');
  assert.equal((Object.prototype as Record<string, unknown>)['polluted'], undefined);
  assert.equal(rpc(reply).result?.isError, undefined, reply.text.slice(0, 500));
  const input = lastCall()?.input as Record<string, unknown>;
  assert.equal(lastCall()?.tool, 'whoami');
  assert.equal(Object.getPrototypeOf(input), Object.prototype, 'the handler input has a foreign prototype');
  assert.equal(input['polluted'], undefined);
  assert.equal(input['plain'], 1);
  // `constructor` arrives as a plain own key; `__proto__` is dropped (never applied as a prototype).
  assert.ok(Object.hasOwn(input, 'constructor'));
  assert.deepEqual(input['constructor'], { prototype: { polluted: 'yes' } });
  assert.ok(
    !Object.hasOwn(input, '__proto__') ||
      typeof Object.getOwnPropertyDescriptor(input, '__proto__')?.value === 'object',
  );
}

const TOOL_ROWS: Row[] = [
  {
    name: 'arguments nested 10,000 levels under a string schema → tool error',
    send: () => send(rawCall('echo', `{"text":${nested(10_000)}}`)),
    status: 200,
    check: (r) => {
      const result = rpc(r).result;
      assert.equal(result?.isError, true);
      assert.match(result?.content?.[0]?.text ?? '', /\/text must be string/);
    },
  },
  {
    // The schema allows any object and nothing limits depth: the handler receives all of it.
    name: 'arguments nested 10,000 levels under { type: object } → handled',
    send: () => send(rawCall('anything', `{"d":${nested(10_000)}}`)),
    status: 200,
    check: (r) => {
      assert.equal(rpc(r).result?.isError, undefined, r.text.slice(0, 300));
      assert.equal(depthOf((lastCall()?.input as { d: unknown } | undefined)?.d), 10_000);
    },
  },
  {
    name: 'arguments nested 100,000 levels (600 KB, under the body limit) → an answer, not a crash',
    send: () => send(rawCall('anything', `{"d":${nested(100_000)}}`)),
    status: [200, 400, 413],
  },
  {
    name: '1 MB string argument under the body limit → validated and served',
    send: () => send(toolCall('echo', { text: 'x'.repeat(MAX_BODY - 1024) })),
    status: 200,
    check: (r) => {
      const text = rpc(r).result?.content?.[0]?.text ?? '';
      assert.equal(text.length, 'echo: '.length + MAX_BODY - 1024);
    },
  },
  {
    name: '1 MB string argument against maxLength 10 → tool error naming the path',
    send: () => send(toolCall('short', { name: 'x'.repeat(MAX_BODY - 1024) })),
    status: 200,
    check: (r) => {
      const result = rpc(r).result;
      assert.equal(result?.isError, true);
      assert.match(result?.content?.[0]?.text ?? '', /\/name must NOT have more than 10 characters/);
      assert.ok(r.text.length < 4096, `the refusal echoes the input back (${r.text.length} bytes)`);
    },
  },
  {
    name: '__proto__ / constructor keys in arguments (2025-11-25 shape)',
    send: () => send(rawCall('whoami', PROTO_ARGS)),
    status: 200,
    check: notPolluted,
  },
  {
    name: '__proto__ / constructor keys in arguments (2026-07-28)',
    send: () => send(rawCall('whoami', PROTO_ARGS, true), modernHeaders('whoami')),
    status: 200,
    check: notPolluted,
  },
];

async function runRow(row: Row): Promise<void> {
  const reply = await row.send();
  assert.notEqual(reply.status, 500, reply.text.slice(0, 500));
  const allowed = typeof row.status === 'number' ? [row.status] : row.status;
  assert.ok(
    allowed.includes(reply.status),
    `status ${reply.status}, expected ${allowed.join(' or ')}; body: ${reply.text.slice(0, 500)}`,
  );
  await row.check?.(reply);
  await stillServing();
}

for (const [title, rows] of [
  ['tokens', TOKEN_ROWS],
  ['claims', CLAIM_ROWS],
  ['HTTP', HTTP_ROWS],
  ['tool calls', TOOL_ROWS],
] as const) {
  describe(`adversarial: ${title}`, () => {
    for (const row of rows) {
      const label = `${row.name} → ${typeof row.status === 'number' ? row.status : row.status.join('/')}`;
      test(label, row.todo === undefined ? {} : { todo: row.todo }, () => runRow(row));
    }
  });
}

// ---------------------------------------------------------------------------------
// Subscriptions need the resource's scopes, like reading it (both revisions)
// ---------------------------------------------------------------------------------

/** Opens a 2025-11-25 session with `token` and returns its id. */
async function openSession(token: string): Promise<{ id: string; close(): Promise<void> }> {
  const client = new LegacyClient({ name: 'adversary', version: '1.0.0' });
  const transport = new LegacyTransport(new URL(server.url), { requestInit: { headers: bearerAuth(token) } });
  await client.connect(transport);
  return { id: transport.sessionId!, close: () => client.close() };
}

const subscribe = (uri: string) => ({ jsonrpc: '2.0', id: 1, method: 'resources/subscribe', params: { uri } });
const listen = (uris: string[]) => ({
  jsonrpc: '2.0',
  id: 1,
  method: 'subscriptions/listen',
  params: { notifications: { resourceSubscriptions: uris }, _meta: META },
});
const listenHeaders = { 'MCP-Protocol-Version': MODERN, 'Mcp-Method': 'subscriptions/listen' };

/** A listen's answer, without waiting for a stream that stays open: status, headers and the first event at most. */
async function sendListen(uris: string[], token: string): Promise<Reply> {
  const controller = new AbortController();
  const response = await post(server.url, listen(uris), {
    headers: { ...bearerAuth(token), ...listenHeaders },
    signal: controller.signal,
  });
  if (!response.headers.get('content-type')?.startsWith('text/event-stream')) return fromFetch(response);
  const reader = response.body!.getReader();
  const first = await reader.read();
  controller.abort();
  return {
    status: response.status,
    header: (name) => response.headers.get(name) ?? undefined,
    text: new TextDecoder().decode(first.value),
  };
}

/** 403 insufficient_scope naming exactly `scope`, with `description`, in the header and the JSON body. */
const insufficientScope =
  (description: string, scope = 'todo:admin') =>
  (reply: Reply) => {
    assert.equal(
      reply.header('www-authenticate'),
      bearerChallenge(server.url, [
        ['error', 'insufficient_scope'],
        ['error_description', description],
        ['scope', scope],
      ]),
    );
    assert.deepEqual(JSON.parse(reply.text), { error: 'insufficient_scope', error_description: description });
  };
const AUDIT_LOG = 'Subscribing to the resource admin://audit-log needs scope todo:admin';

describe('adversarial: subscriptions', () => {
  const readOnly = () => mint({ aud: server.url, scope: 'todo:read' });

  test('2025-11-25 session: a read-only token subscribing to an admin resource gets 403, and the session is not subscribed', async () => {
    const session = await openSession(await readOnly());
    try {
      const reply = await fromFetch(
        await post(server.url, subscribe('admin://audit-log'), {
          headers: { ...bearerAuth(await readOnly()), 'Mcp-Session-Id': session.id, 'MCP-Protocol-Version': LEGACY },
        }),
      );
      assert.equal(reply.status, 403, reply.text);
      insufficientScope(AUDIT_LOG)(reply);
      // A resource without scopes may be subscribed to on the same session.
      const open = await fromFetch(
        await post(server.url, subscribe('docs://changelog'), {
          headers: { ...bearerAuth(await readOnly()), 'Mcp-Session-Id': session.id, 'MCP-Protocol-Version': LEGACY },
        }),
      );
      assert.equal(open.status, 200, open.text);
    } finally {
      await session.close();
    }
  });

  test("2025-11-25 without a session, and a URI only a template matches: 403 naming the template's scope", async () => {
    const direct = await send(subscribe('admin://audit-log'), {
      ...bearerAuth(await readOnly()),
      'MCP-Protocol-Version': LEGACY,
    });
    assert.equal(direct.status, 403, direct.text);
    insufficientScope(AUDIT_LOG)(direct);
    const templated = await send(subscribe('admin://users/42'), {
      ...bearerAuth(await readOnly()),
      'MCP-Protocol-Version': LEGACY,
    });
    assert.equal(templated.status, 403, templated.text);
    insufficientScope('Subscribing to the resource template admin://users/{id} needs scope todo:admin')(templated);
  });

  test('2026-07-28 subscriptions/listen naming an admin resource: 403 before any stream opens', async () => {
    const reply = await sendListen(['docs://changelog', 'admin://audit-log'], await readOnly());
    assert.equal(reply.status, 403, reply.text);
    insufficientScope(AUDIT_LOG)(reply);
  });

  test("with the resource's scope, subscribing works in both revisions", async () => {
    const admin = await mint({ aud: server.url, scope: 'todo:read todo:admin' });
    assert.equal(
      (await send(subscribe('admin://audit-log'), { ...bearerAuth(admin), 'MCP-Protocol-Version': LEGACY })).status,
      200,
    );
    const listened = await sendListen(['admin://audit-log'], admin);
    assert.equal(listened.status, 200, listened.text);
    assert.match(listened.text, /notifications\/subscriptions\/acknowledged/);
  });
});

// ---------------------------------------------------------------------------------
// requestState: sealed to the caller's principal
// ---------------------------------------------------------------------------------

describe('adversarial: requestState', () => {
  const ELICIT_META = { ...META, [CLIENT_CAPABILITIES_META_KEY]: { elicitation: { form: {} } } };
  /** One 2026-07-28 round of the survey tool, with earlier answers sealed in `requestState`. */
  async function round(token: string, extra: Record<string, unknown> = {}): Promise<Rpc> {
    const body = {
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: 'survey', arguments: {}, _meta: ELICIT_META, ...extra },
    };
    return rpc(
      await fromFetch(await post(server.url, body, { headers: { ...bearerAuth(token), ...modernHeaders('survey') } })),
    );
  }
  const accept = (content: Record<string, unknown>) => ({ action: 'accept', content });

  test('a state sealed for one principal is refused for another whose parts would run together ("c" + "x\\0y" vs "c\\0x" + "y")', async () => {
    const victim = await mint({ aud: server.url, scope: 'todo:read', client_id: 'c', sub: 'x\0y' });
    const first = await round(victim);
    const second = await round(victim, {
      inputResponses: { q0: accept({ name: 'Victoria' }) },
      requestState: first.result?.['requestState'],
    });
    const sealed = second.result?.['requestState'];
    assert.equal(typeof sealed, 'string', JSON.stringify(second));
    // Control: the victim finishes the survey with the state.
    assert.deepEqual(
      (await round(victim, { inputResponses: { q1: accept({ color: 'green' }) }, requestState: sealed })).result
        ?.content,
      [{ type: 'text', text: 'Victoria likes green' }],
    );
    const attacker = await mint({ aud: server.url, scope: 'todo:read', client_id: 'c\0x', sub: 'y' });
    const replayed = await round(attacker, { inputResponses: { q1: accept({ color: 'red' }) }, requestState: sealed });
    assert.equal(replayed.error?.code, -32602, JSON.stringify(replayed));
    assert.match(replayed.error?.message ?? '', /Invalid or expired requestState/);
  });
});

// ---------------------------------------------------------------------------------
// Slowloris: a request head that never ends
// ---------------------------------------------------------------------------------

/** Opens a connection and sends a request head one byte every `everyMs`, never finishing it. */
function slowloris(url: string, everyMs: number): { closedAt(): number | undefined; stop(): void; opened: number } {
  const u = new URL(url);
  const opened = Date.now();
  let closed: number | undefined;
  const socket = connect(Number(u.port), u.hostname);
  socket.on('error', () => {});
  socket.on('close', () => (closed ??= Date.now()));
  const head = `POST ${u.pathname} HTTP/1.1\r\nHost: ${u.host}\r\nContent-Type: application/json\r\nX-Padding: ${'z'.repeat(10_000)}`;
  let i = 0;
  const timer = setInterval(() => {
    if (closed !== undefined || socket.destroyed) return clearInterval(timer);
    socket.write(head[i % head.length]!);
    i++;
  }, everyMs);
  return {
    opened,
    closedAt: () => closed,
    stop() {
      clearInterval(timer);
      socket.destroy();
    },
  };
}

const SLOW_DEADLINE_MS = 5_000;

describe('adversarial: slowloris', () => {
  test('while clients drip request heads byte by byte, valid calls are served', async () => {
    const drips = Array.from({ length: 20 }, () => slowloris(server.url, 50));
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      await stillServing();
      assert.ok(drips.every((d) => d.closedAt() === undefined));
    } finally {
      for (const d of drips) d.stop();
    }
  });

  test(`a request head dripped byte by byte is cut off within ${SLOW_DEADLINE_MS / 1000} s (http.headersTimeoutMs 2000 here)`, async () => {
    const { headersTimeout, requestTimeout } = server.runtime.server;
    const drip = slowloris(server.url, 100);
    try {
      while (drip.closedAt() === undefined && Date.now() - drip.opened < SLOW_DEADLINE_MS)
        await new Promise((resolve) => setTimeout(resolve, 100));
      await stillServing();
      const closedAt = drip.closedAt();
      assert.ok(
        closedAt !== undefined,
        `still open after ${Date.now() - drip.opened} ms (headersTimeout ${headersTimeout} ms, requestTimeout ${requestTimeout} ms)`,
      );
    } finally {
      drip.stop();
    }
  });
});

// ---------------------------------------------------------------------------------
// ReDoS in a manifest pattern: refused when the manifest loads, before it can block the server
// ---------------------------------------------------------------------------------

describe('adversarial: manifest', () => {
  const load = (tools: unknown[]) => manifestProblems(protectedManifest(authority.issuer, { tools }));

  test(`a pattern with catastrophic backtracking (^(a+)+$; "${REDOS_INPUT}" would block the server for hours) is refused at load`, async () => {
    assert.deepEqual(
      await load([
        REDOS_TOOL,
        {
          ...REDOS_TOOL,
          name: 'keys',
          inputSchema: { type: 'object', patternProperties: { '^(b*)*$': { type: 'string' } } },
        },
      ]),
      [
        'tools[0].inputSchema.properties.s.pattern: "^(a+)+$" can take exponential time on some inputs (ReDoS: nested or overlapping repetition), and a check blocks the whole server; rewrite it without a repeated group of repeats, e.g. ^a+$ instead of ^(a+)+$',
        'tools[1].inputSchema.patternProperties["^(b*)*$"]: "^(b*)*$" can take exponential time on some inputs (ReDoS: nested or overlapping repetition), and a check blocks the whole server; rewrite it without a repeated group of repeats, e.g. ^a+$ instead of ^(a+)+$',
      ],
    );
  });

  test('a linear pattern loads', async () => {
    assert.deepEqual(
      await load([
        {
          ...REDOS_TOOL,
          inputSchema: { type: 'object', properties: { s: { type: 'string', pattern: '^[a-z][a-z0-9_-]{0,31}$' } } },
        },
      ]),
      [],
    );
  });
});

// ---------------------------------------------------------------------------------
// Logs
// ---------------------------------------------------------------------------------

test('no token sent above appears in any server log line', () => {
  const lines = [...server.logs, ...other.logs].filter((l) => l !== '');
  // Not vacuous: the rows above make the servers log (start-up, SDK errors at debug level).
  assert.ok(lines.length > 0);
  assert.ok(tokens.size >= 40, `${tokens.size} tokens collected`);
  for (const token of tokens) {
    const signature = token.split('.').at(-1) ?? '';
    for (const line of lines) {
      assert.ok(!line.includes(token), `a log line contains a token: ${line.slice(0, 200)}`);
      if (signature.length >= 16)
        assert.ok(!line.includes(signature), `a log line contains a token signature: ${line.slice(0, 200)}`);
    }
  }
});

// ---------------------------------------------------------------------------------
// The request head: methods, repeated headers, and what a client can make the log say
// ---------------------------------------------------------------------------------

const hostOf = (s: TestServer) => new URL(s.url).host;
/** Log lines logged while `run` ran. */
async function logged(s: TestServer, run: () => Promise<void>): Promise<string[]> {
  const from = s.logs.length;
  await run();
  await new Promise((resolve) => setTimeout(resolve, 50));
  return s.logs.slice(from);
}
const STACK_FRAME = /\n\s+at /;

describe('adversarial: methods on the MCP endpoint', () => {
  for (const method of ['TRACE', 'PUT', 'PATCH', 'HEAD', 'PROPFIND']) {
    for (const who of ['a valid token', 'no token']) {
      test(`${method} /mcp with ${who} → 405 with Allow, before the bearer gate, nothing logged`, async () => {
        const auth = who === 'no token' ? '' : `\r\nAuthorization: Bearer ${await validToken()}`;
        let reply: Reply | undefined;
        const lines = await logged(
          server,
          async () =>
            void (reply = await rawRequest(server.url, `${method} /mcp HTTP/1.1\r\nHost: ${hostOf(server)}${auth}`)),
        );
        assert.equal(reply!.status, 405, reply!.text);
        assert.equal(reply!.header('allow'), 'GET, POST, DELETE, OPTIONS');
        assert.equal(reply!.header('www-authenticate'), undefined);
        if (method !== 'HEAD')
          assert.deepEqual(JSON.parse(reply!.text), {
            error: 'method_not_allowed',
            error_description: `The MCP endpoint takes GET, POST, DELETE, OPTIONS, not ${method}`,
          });
        assert.deepEqual(lines, []);
        await stillServing();
      });
    }
  }

  test("TRACK and unknown methods are refused by Node's parser (400), before any code of ours", async () => {
    for (const method of ['TRACK', 'FOO']) {
      const reply = await rawRequest(server.url, `${method} /mcp HTTP/1.1\r\nHost: ${hostOf(server)}`);
      assert.equal(reply.status, 400, method);
    }
  });

  test('paths off the endpoint keep their answers: TRACE on the metadata → 405, elsewhere → 404', async () => {
    assert.equal(
      (
        await rawRequest(
          server.url,
          `TRACE /.well-known/oauth-protected-resource/mcp HTTP/1.1\r\nHost: ${hostOf(server)}`,
        )
      ).status,
      405,
    );
    assert.equal((await rawRequest(server.url, `TRACE /elsewhere HTTP/1.1\r\nHost: ${hostOf(server)}`)).status, 404);
  });
});

describe('adversarial: repeated single-valued headers', () => {
  const call = JSON.stringify(toolCall('echo', { text: 'hi' }));
  const head = (token: string, extra: string) =>
    `POST /mcp HTTP/1.1\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: ${call.length}\r\n${extra}`;
  const rows: [string, string, string][] = [
    // RFC 9112 section 3.2: a request with more than one Host is a 400; Node keeps only the first.
    ['Host', `Host: ${'HOST'}\r\nHost: evil.example`, 'RFC 9112 section 3.2'],
    ['Host', `Host: evil.example\r\nHost: ${'HOST'}`, 'RFC 9112 section 3.2'],
    ['Content-Type', `Host: HOST\r\nContent-Type: application/json`, 'RFC 9110 section 5.3'],
    ['Origin', `Host: HOST\r\nOrigin: http://localhost\r\nOrigin: https://evil.example`, 'RFC 9110 section 5.3'],
    ['Mcp-Session-Id', `Host: HOST\r\nMcp-Session-Id: a\r\nmcp-session-id: b`, 'RFC 9110 section 5.3'],
    [
      'MCP-Protocol-Version',
      `Host: HOST\r\nMCP-Protocol-Version: ${LEGACY}\r\nMCP-Protocol-Version: ${LEGACY}`,
      'RFC 9110 section 5.3',
    ],
    ['Mcp-Method', `Host: HOST\r\nMcp-Method: tools/call\r\nMcp-Method: tools/call`, 'RFC 9110 section 5.3'],
  ];
  for (const [name, extra, rfc] of rows) {
    test(`two ${name} header lines (${extra.split('\r\n').slice(-2).join(' / ').replaceAll('HOST', '<host>')}) → 400`, async () => {
      const reply = await rawRequest(
        server.url,
        head(await validToken(), extra.replaceAll('HOST', hostOf(server))),
        call,
      );
      assert.equal(reply.status, 400, reply.text);
      assert.deepEqual(JSON.parse(reply.text), {
        error: 'invalid_request',
        error_description: `The request has more than one ${name} header; send it once (${rfc})`,
      });
      await stillServing();
    });
  }

  test('a Host that is not a host (a path, a user) → 400; an absolute-form target is served, its authority checked as the Host', async () => {
    // 'êß' goes out as UTF-8 and arrives as Latin-1 "Ã\xaaÃ\x9f", which URL.canParse on Node 20 accepted and new URL then threw on.
    for (const host of ['127.0.0.1/x', 'user@127.0.0.1', '[::1', 'êß']) {
      const reply = await rawRequest(server.url, head(await validToken(), `Host: ${host}`), call);
      assert.equal(reply.status, 400, `${host}: ${reply.text}`);
      assert.match(reply.text, /is not a host name with an optional port \(RFC 9110 section 7.2\)/);
    }
    const absolute = await rawRequest(
      server.url,
      head(await validToken(), `Host: evil.example`).replace('POST /mcp', `POST ${server.url}`),
      call,
    );
    assert.equal(absolute.status, 200, absolute.text);
    assert.deepEqual(rpc(absolute).result?.content, [{ type: 'text', text: 'echo: hi' }]);
    const rebound = await rawRequest(
      server.url,
      head(await validToken(), `Host: ${hostOf(server)}`).replace('POST /mcp', 'POST http://evil.example/mcp'),
      call,
    );
    assert.equal(rebound.status, 403, rebound.text);
  });

  test('repeated list-valued headers (Accept) are fine', async () => {
    const reply = await rawRequest(
      server.url,
      head(await validToken(), `Host: ${hostOf(server)}\r\nAccept: application/json`),
      call,
    );
    assert.equal(reply.status, 200, reply.text);
  });
});

describe('adversarial: deeply nested arguments and the log', () => {
  let isolated: TestServer;
  before(async () => {
    const tools = [
      {
        name: 'deep',
        description: 'Any object, in a worker',
        inputSchema: { type: 'object' },
        isolation: 'worker',
        handler: './handlers/record.js#whoami',
      },
      ...FIXTURE_TOOLS,
    ];
    isolated = await serveManifest(protectedManifest(authority.issuer, { tools }));
  });
  after(() => isolated.close());

  test('arguments nested 10,000 levels for an isolation: worker tool → a tool error and one log line without a stack', async () => {
    const token = await mint({ aud: isolated.url, scope: 'todo:read' });
    let reply: Reply | undefined;
    const lines = await logged(
      isolated,
      async () => void (reply = await send(rawCall('deep', `{"d":${nested(10_000)}}`), bearerAuth(token), isolated)),
    );
    assert.equal(reply!.status, 200);
    const result = rpc(reply!).result;
    assert.equal(result?.isError, true);
    assert.deepEqual(result?.content, [
      {
        type: 'text',
        text: 'tool "deep": its input cannot be sent to the handler\'s worker thread (it is nested too deeply); send arguments nested less deeply',
      },
    ]);
    assert.ok(lines.length <= 1, lines.join('\n'));
    for (const line of lines) assert.doesNotMatch(line, STACK_FRAME);
    await stillServing(isolated);
  });

  test('arguments nested 1,000 levels for an isolation: worker tool → handled', async () => {
    const token = await mint({ aud: isolated.url, scope: 'todo:read' });
    const reply = await send(rawCall('deep', `{"d":${nested(1_000)}}`), bearerAuth(token), isolated);
    assert.equal(rpc(reply).result?.isError, undefined, reply.text.slice(0, 300));
  });

  test('arguments nested 10,000 and 100,000 levels in the main thread → answers, and no stack in the log', async () => {
    const lines = await logged(server, async () => {
      for (const depth of [10_000, 100_000])
        assert.notEqual((await send(rawCall('anything', `{"d":${nested(depth)}}`))).status, 500);
    });
    for (const line of lines) assert.doesNotMatch(line, STACK_FRAME);
  });
});

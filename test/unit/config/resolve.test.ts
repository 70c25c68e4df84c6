/**
 * resolveManifest: from a checked manifest to what the runtime serves. Defaults are
 * applied, paths made absolute against the manifest's directory, scopes made policies,
 * and the result deep-frozen.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CheckedManifest } from '../../../src/config/check.js';
import { resolveManifest } from '../../../src/config/resolve.js';
import type { Manifest } from '../../../src/manifest.js';

const FILE = '/srv/app/mcp-oauth.config.json';
const ALL_ASYMMETRIC = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
];

const checked = (over: Partial<CheckedManifest> = {}): CheckedManifest => ({
  server: { name: 'fixture', version: '1.0.0' },
  auth: { provider: 'jwt', issuer: 'https://issuer.example.com' },
  tools: [],
  resources: [],
  resourceTemplates: [],
  prompts: [],
  ...over,
});
const tool = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  inputSchema: { type: 'object' },
  handler: './handlers/tools.js#run',
  ...extra,
});

describe('resolveManifest: defaults', () => {
  const resolved = resolveManifest(checked(), FILE);

  test('file and dir are the manifest path and its directory', () => {
    assert.deepEqual([resolved.file, resolved.dir], [FILE, '/srv/app']);
  });

  test('server gets the default page size', () => {
    assert.deepEqual(resolved.server, { name: 'fixture', version: '1.0.0', pageSize: 100 });
  });

  test('http gets every default; publicUrl and rateLimit stay absent', () => {
    assert.deepEqual(resolved.http, {
      host: '127.0.0.1',
      port: 3000,
      path: '/mcp',
      allowedOrigins: [],
      allowedHosts: [],
      maxBodyBytes: 1024 * 1024,
      sessions: true,
      accessLog: false,
      metrics: false,
      headersTimeoutMs: 10_000,
    });
  });

  test('jwt: every asymmetric algorithm, the issuer as the one accepted iss, the resource URL as audience', () => {
    assert.deepEqual(resolved.auth, {
      provider: 'jwt',
      algorithms: ALL_ASYMMETRIC,
      clockToleranceSec: 30,
      jwksCacheSec: 600,
      tokenCacheSize: 10_000,
      issuers: ['https://issuer.example.com'],
      discoveryIssuer: 'https://issuer.example.com',
      audienceIncludesResource: true,
      scopeClaims: ['scope', 'scp', 'scopes'],
      authorizationServers: ['https://issuer.example.com'],
    });
  });

  test('resource metadata names the issuer as authorization server, and no scopes when no item has one', () => {
    assert.deepEqual(resolved.resource, {
      scopes_supported: [],
      authorization_servers: ['https://issuer.example.com'],
    });
  });
});

describe('resolveManifest: auth per provider', () => {
  const cases: { description: string; auth: Manifest['auth']; expected: { auth: unknown; resource: unknown } }[] = [
    {
      description: 'none: nothing else, no authorization server',
      auth: { provider: 'none' },
      expected: { auth: { provider: 'none' }, resource: { scopes_supported: [] } },
    },
    {
      description: 'dev: loopback only, one-hour tokens; its authorization server is known once it listens',
      auth: { provider: 'dev' },
      expected: {
        auth: { provider: 'dev', allowNonLoopback: false, accessTokenTtlSec: 3600 },
        resource: { scopes_supported: [] },
      },
    },
    {
      description: 'scalekit: both issuer forms accepted, keys and audience derived, trailing slash dropped',
      auth: { provider: 'scalekit', environmentUrl: 'https://acme.scalekit.dev/', resourceId: 'res_1' },
      expected: {
        auth: {
          provider: 'scalekit',
          algorithms: ALL_ASYMMETRIC,
          clockToleranceSec: 30,
          jwksCacheSec: 600,
          tokenCacheSize: 10_000,
          issuers: ['https://acme.scalekit.dev', 'https://acme.scalekit.dev/resources/res_1'],
          discoveryIssuer: 'https://acme.scalekit.dev/resources/res_1',
          jwksUri: 'https://acme.scalekit.dev/keys',
          audiences: ['res_1'],
          audienceIncludesResource: true,
          scopeClaims: ['scopes', 'scope'],
          authorizationServers: ['https://acme.scalekit.dev/resources/res_1'],
        },
        resource: { scopes_supported: [], authorization_servers: ['https://acme.scalekit.dev/resources/res_1'] },
      },
    },
    {
      description: 'jwt with an audience (then not the resource URL), typ and introspection (cache 60 s)',
      auth: {
        provider: 'jwt',
        issuer: 'https://issuer.example.com',
        audience: 'api',
        typ: 'at+jwt',
        introspection: { endpoint: 'https://issuer.example.com/introspect', clientId: 'c', clientSecret: 's' },
      },
      expected: {
        auth: {
          provider: 'jwt',
          algorithms: ALL_ASYMMETRIC,
          clockToleranceSec: 30,
          jwksCacheSec: 600,
          tokenCacheSize: 10_000,
          typ: 'at+jwt',
          introspection: {
            endpoint: 'https://issuer.example.com/introspect',
            clientId: 'c',
            clientSecret: 's',
            cacheSec: 60,
          },
          issuers: ['https://issuer.example.com'],
          discoveryIssuer: 'https://issuer.example.com',
          audiences: ['api'],
          audienceIncludesResource: false,
          scopeClaims: ['scope', 'scp', 'scopes'],
          authorizationServers: ['https://issuer.example.com'],
        },
        resource: { scopes_supported: [], authorization_servers: ['https://issuer.example.com'] },
      },
    },
  ];
  for (const { description, auth, expected } of cases) {
    test(description, () => {
      const { auth: resolved, resource } = resolveManifest(checked({ auth }), FILE);
      assert.deepEqual({ auth: resolved, resource }, expected);
    });
  }
});

describe('resolveManifest: items', () => {
  const resolved = resolveManifest(
    checked({
      tools: [
        tool('t', { scopes: ['a', 'b', 'a'] }),
        tool('u', { handler: 'handlers/u.js', scopes: { anyOf: ['c', 'c', 'd'] }, timeoutMs: 5 }),
      ],
      resources: [
        { uri: 'docs://a', name: 'a', file: './docs/A.MD' },
        { uri: 'docs://b', name: 'b', text: 'hi' },
        { uri: 'docs://c', name: 'c', blob: 'aGVs\n bG8=' },
        { uri: 'docs://d', name: 'd', handler: './handlers/d.js#read' },
        { uri: 'docs://e', name: 'e', file: 'data.bin', mimeType: 'text/x-custom' },
        { uri: 'docs://f', name: 'f', file: 'data.bin' },
      ],
      resourceTemplates: [
        { uriTemplate: 'docs://{x}', name: 'tp', handler: './handlers/t.js#tpl', complete: { x: ['1', '2'] } },
      ],
      prompts: [
        {
          name: 'p',
          arguments: [{ name: 'q' }, { name: 'r', required: true }],
          messages: [{ role: 'user', text: '{{q}}' }],
          complete: { q: './handlers/c.js#q' },
        },
      ],
    }),
    FILE,
  );

  test('tools: handler absolute with its export (default when none), scopes deduplicated, timeout defaulted', () => {
    assert.deepEqual(resolved.tools, [
      {
        name: 't',
        inputSchema: { type: 'object' },
        scopes: { kind: 'allOf', scopes: ['a', 'b'] },
        handler: { spec: './handlers/tools.js#run', file: '/srv/app/handlers/tools.js', exportName: 'run' },
        timeoutMs: 30_000,
      },
      {
        name: 'u',
        inputSchema: { type: 'object' },
        scopes: { kind: 'anyOf', scopes: ['c', 'd'] },
        handler: { spec: 'handlers/u.js', file: '/srv/app/handlers/u.js', exportName: 'default' },
        timeoutMs: 5,
      },
    ]);
  });

  test('resources: one source each; MIME type from the extension, text/plain for text, given one kept', () => {
    const none = { kind: 'allOf', scopes: [] };
    assert.deepEqual(resolved.resources, [
      {
        uri: 'docs://a',
        name: 'a',
        mimeType: 'text/markdown',
        scopes: none,
        source: { kind: 'file', file: '/srv/app/docs/A.MD' },
      },
      { uri: 'docs://b', name: 'b', mimeType: 'text/plain', scopes: none, source: { kind: 'text', text: 'hi' } },
      {
        uri: 'docs://c',
        name: 'c',
        mimeType: 'application/octet-stream',
        scopes: none,
        source: { kind: 'blob', blob: 'aGVsbG8=' },
      },
      {
        uri: 'docs://d',
        name: 'd',
        scopes: none,
        source: {
          kind: 'handler',
          handler: { spec: './handlers/d.js#read', file: '/srv/app/handlers/d.js', exportName: 'read' },
          timeoutMs: 30_000,
        },
      },
      {
        uri: 'docs://e',
        name: 'e',
        mimeType: 'text/x-custom',
        scopes: none,
        source: { kind: 'file', file: '/srv/app/data.bin' },
      },
      {
        uri: 'docs://f',
        name: 'f',
        mimeType: 'application/octet-stream',
        scopes: none,
        source: { kind: 'file', file: '/srv/app/data.bin' },
      },
    ]);
  });

  test('templates and prompts: completion values or handlers, arguments optional by default', () => {
    assert.deepEqual(resolved.resourceTemplates[0]!.complete, { x: { values: ['1', '2'] } });
    assert.deepEqual(resolved.prompts[0], {
      name: 'p',
      scopes: { kind: 'allOf', scopes: [] },
      arguments: [
        { name: 'q', required: false },
        { name: 'r', required: true },
      ],
      source: { kind: 'messages', messages: [{ role: 'user', text: '{{q}}' }] },
      complete: {
        q: {
          handler: { spec: './handlers/c.js#q', file: '/srv/app/handlers/c.js', exportName: 'q' },
          timeoutMs: 5_000,
        },
      },
      timeoutMs: 30_000,
    });
  });

  test('scopes_supported defaults to every scope of every item, first use first', () => {
    assert.deepEqual(resolved.resource.scopes_supported, ['a', 'b', 'c', 'd']);
  });

  test('the result is deep-frozen', () => {
    const frozen: unknown[] = [
      resolved,
      resolved.http,
      resolved.http.allowedOrigins,
      resolved.auth,
      resolved.tools,
      resolved.tools[0],
      resolved.tools[0]!.handler,
      resolved.tools[0]!.scopes.scopes,
      resolved.resources[0]!.source,
      resolved.prompts[0]!.arguments[0],
    ];
    assert.deepEqual(
      frozen.map((value) => Object.isFrozen(value)),
      frozen.map(() => true),
    );
    assert.throws(() => {
      (resolved.http as { port: number }).port = 1;
    }, TypeError);
  });
});

describe('resolveManifest: http and resource as given', () => {
  const resolved = resolveManifest(
    checked({
      http: { publicUrl: 'https://mcp.example.com/', port: 8080, rateLimit: { perMinute: 60 } },
      resource: {
        resource: 'https://mcp.example.com/mcp',
        scopes_supported: ['z'],
        resource_name: 'Todos',
        authorization_servers: ['https://as.example.com'],
      },
    }),
    FILE,
  );

  test('publicUrl is kept as its origin; the burst defaults to the rate', () => {
    assert.deepEqual(
      [resolved.http.publicUrl, resolved.http.port, resolved.http.rateLimit],
      ['https://mcp.example.com', 8080, { perMinute: 60, burst: 60 }],
    );
  });

  test('given scopes_supported and authorization_servers win; resource itself is left out (derived at serve time)', () => {
    assert.deepEqual(resolved.resource, {
      resource_name: 'Todos',
      scopes_supported: ['z'],
      authorization_servers: ['https://as.example.com'],
    });
  });
});

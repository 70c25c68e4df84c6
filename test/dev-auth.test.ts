/**
 * `auth.provider: dev` end to end: the SDK clients' own OAuth code (discovery, dynamic
 * registration, PKCE, resource indicators, step-up) against the built-in authorization
 * server, with a scripted user on its consent page.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { Client as ModernClient, StreamableHTTPClientTransport as ModernTransport } from '@modelcontextprotocol/client';
import { Client as LegacyClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as LegacyTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { decodeJwt, decodeProtectedHeader, importJWK, SignJWT } from 'jose';
import { createLogger } from '../src/log.js';
import { type Runtime, startRuntime } from '../src/runtime/index.js';
import { Browser } from './support/browser.js';
import { post, toolCall } from './support/clients.js';
import { MemoryOAuthProvider, REDIRECT_URI } from './support/oauth-client.js';
import { FIXTURE_TOOLS, FIXTURES, manifestProblems, ROOT } from './support/server.js';

const run = promisify(execFile);
const BIN = join(ROOT, 'dist', 'src', 'bin.js');

const devManifest = (auth: Record<string, unknown> = {}, http: Record<string, unknown> = {}) => ({
  server: { name: 'dev-fixture', version: '1.0.0' },
  http: { host: '127.0.0.1', port: 0, path: '/mcp', ...http },
  auth: { provider: 'dev', ...auth },
  tools: FIXTURE_TOOLS,
});

function projectDir(manifest: Record<string, unknown> = devManifest()): string {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-oauth-dev-'));
  cpSync(join(FIXTURES, 'handlers'), join(dir, 'handlers'), { recursive: true });
  writeFileSync(join(dir, 'mcp-oauth.config.json'), JSON.stringify(manifest, null, 2));
  return dir;
}

const start = (dir: string, port = 0) =>
  startRuntime({ cwd: dir, http: { port }, log: createLogger({ write: () => {} }), drainMs: 500 });

let dir: string;
let runtime: Runtime;
before(async () => {
  dir = projectDir();
  runtime = await start(dir);
});
after(async () => {
  await runtime.close();
  rmSync(dir, { recursive: true, force: true });
});

interface EraClient {
  connect(oauth: MemoryOAuthProvider): Promise<{
    finish(callback: URL): Promise<void>;
    connected: Promise<unknown>;
    client: {
      callTool(p: unknown): Promise<unknown>;
      listTools(): Promise<{ tools: { name: string }[] }>;
      close(): Promise<void>;
    };
  }>;
  /** What the SDK does on a 403 insufficient_scope; resolves once the user is sent to authorize again. */
  stepUp(call: Promise<unknown>, oauth: MemoryOAuthProvider): Promise<void>;
}

const ERAS: Record<string, EraClient> = {
  '2026-07-28': {
    async connect(oauth) {
      const transport = new ModernTransport(new URL(runtime.url), { authProvider: oauth as never });
      const client = new ModernClient(
        { name: 'dev-e2e', version: '1.0.0' },
        { versionNegotiation: { mode: { pin: '2026-07-28' } } },
      );
      // The v2 client checks the callback's `iss` (RFC 9207), so it takes all the parameters.
      return {
        finish: (callback) => transport.finishAuth(callback.searchParams),
        client: client as never,
        connected: client.connect(transport),
      };
    },
    // v2 re-authorizes with the union of scopes on its own.
    async stepUp(call) {
      await assert.rejects(call, /Unauthorized/i);
    },
  },
  '2025-11-25': {
    async connect(oauth) {
      const transport = new LegacyTransport(new URL(runtime.url), { authProvider: oauth as never });
      const client = new LegacyClient({ name: 'dev-e2e', version: '1.0.0' });
      return {
        finish: (callback) => transport.finishAuth(callback.searchParams.get('code')!),
        client: client as never,
        connected: client.connect(transport),
      };
    },
    // v1 first refreshes (same scopes, so 403 again) and gives up; the application
    // then drops its tokens and connects again, which sends the user to authorize.
    async stepUp(call, oauth) {
      await assert.rejects(call, /403/);
      oauth.stored = undefined;
      await assert.rejects((await this.connect(oauth)).connected, /Unauthorized/i);
    },
  },
};

for (const [era, sdk] of Object.entries(ERAS)) {
  test(`${era}: an SDK client logs in through discovery, registration, PKCE and consent, then steps up`, async () => {
    const oauth = new MemoryOAuthProvider();
    const browser = new Browser();

    // 1. No token: 401 → metadata → registration → the user is sent to authorize.
    const first = await sdk.connect(oauth);
    await assert.rejects(first.connected, /Unauthorized/i);
    assert.ok(oauth.client?.['client_id'], 'the client registered dynamically');
    const authorization = oauth.authorizationUrl!;
    assert.equal(authorization.searchParams.get('code_challenge_method'), 'S256');
    assert.equal(authorization.searchParams.get('resource'), runtime.url);

    // 2. The user grants todo:read only.
    const back = await browser.authorize(authorization, REDIRECT_URI, {
      scopes: ['todo:read'],
      subject: `alice-${era}`,
    });
    assert.deepEqual(browser.page!.offered.sort(), ['todo:admin', 'todo:read', 'todo:write']);
    await first.finish(back);
    const token = oauth.stored!.access_token;
    assert.equal(decodeProtectedHeader(token).typ, 'at+jwt');
    const claims = decodeJwt(token);
    assert.equal(claims.aud, runtime.url);
    assert.equal(claims.iss, new URL(runtime.url).origin);
    assert.equal(claims.scope, 'todo:read');
    assert.ok(oauth.stored!.refresh_token, 'a refresh token is issued');

    // 3. Connected: list and call.
    const { client, finish, connected } = await sdk.connect(oauth);
    await connected;
    assert.deepEqual(
      (await client.listTools()).tools.map((t) => t.name),
      FIXTURE_TOOLS.map((t) => t.name),
    );
    const who = (await client.callTool({ name: 'whoami', arguments: {} })) as {
      structuredContent: { subject: string; scopes: string[]; clientId: string };
    };
    assert.equal(who.structuredContent.subject, `alice-${era}`);
    assert.deepEqual(who.structuredContent.scopes, ['todo:read']);
    assert.equal(who.structuredContent.clientId, oauth.client!['client_id']);

    // 4. todo:write is refused with 403 insufficient_scope; the SDK sends the user back for it.
    oauth.authorizationUrl = undefined;
    await sdk.stepUp(client.callTool({ name: 'write', arguments: { title: 'milk' } }), oauth);
    const stepUp = oauth.authorizationUrl as URL | undefined;
    assert.ok(stepUp, 'the 403 started a new authorization');
    assert.ok(
      stepUp.searchParams.get('scope')!.split(' ').includes('todo:write'),
      `step-up asks for todo:write: ${stepUp.searchParams.get('scope')}`,
    );

    // 5. The user grants it; the same call now succeeds.
    const again = await browser.authorize(stepUp, REDIRECT_URI, {
      scopes: ['todo:read', 'todo:write'],
      subject: `alice-${era}`,
    });
    await finish(again);
    assert.deepEqual(decodeJwt(oauth.stored!.access_token).scope, 'todo:read todo:write');
    const second = await sdk.connect(oauth);
    await second.connected;
    const written = (await second.client.callTool({ name: 'write', arguments: { title: 'milk' } })) as {
      structuredContent: unknown;
    };
    assert.deepEqual(written.structuredContent, { title: 'milk', subject: `alice-${era}` });
    await second.client.close();
    await client.close().catch(() => {});
  });
}

describe('the dev authorization server', () => {
  const origin = () => new URL(runtime.url).origin;

  test('serves RFC 8414 and OIDC metadata with the same issuer; the PRM names it', async () => {
    const rfc8414 = (await (await fetch(`${origin()}/.well-known/oauth-authorization-server`)).json()) as Record<
      string,
      unknown
    >;
    const oidc = (await (await fetch(`${origin()}/.well-known/openid-configuration`)).json()) as Record<
      string,
      unknown
    >;
    assert.equal(rfc8414['issuer'], origin());
    assert.deepEqual(rfc8414, oidc);
    assert.deepEqual(rfc8414['code_challenge_methods_supported'], ['S256']);
    assert.deepEqual(rfc8414['response_types_supported'], ['code']);
    assert.ok(rfc8414['registration_endpoint']);
    const prm = (await (await fetch(`${origin()}/.well-known/oauth-protected-resource/mcp`)).json()) as Record<
      string,
      unknown
    >;
    assert.deepEqual(prm['authorization_servers'], [origin()]);
  });

  test('refresh tokens are honoured, and the new access token works', async () => {
    const { oauth } = await signIn(['todo:read']);
    const response = await fetch(`${origin()}/oauth/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: oauth.stored!.refresh_token!,
        client_id: String(oauth.client!['client_id']),
      }),
    });
    assert.equal(response.status, 200);
    const refreshed = (await response.json()) as { access_token: string; refresh_token?: string };
    assert.notEqual(refreshed.access_token, oauth.stored!.access_token);
    const call = await post(runtime.url, toolCall('echo', { text: 'hi' }), {
      headers: { Authorization: `Bearer ${refreshed.access_token}` },
    });
    assert.equal(call.status, 200);
  });

  test('the user can deny: the client gets access_denied', async () => {
    const oauth = new MemoryOAuthProvider();
    const first = await ERAS['2026-07-28']!.connect(oauth);
    await assert.rejects(first.connected);
    const back = await new Browser().authorize(oauth.authorizationUrl!, REDIRECT_URI, { action: 'deny' });
    assert.equal(back.searchParams.get('error'), 'access_denied');
    assert.equal(back.searchParams.get('code'), null);
  });

  test('a resource other than this MCP server is refused (invalid_target), and PKCE is required', async () => {
    const oauth = new MemoryOAuthProvider();
    const first = await ERAS['2026-07-28']!.connect(oauth);
    await assert.rejects(first.connected);
    const foreign = new URL(oauth.authorizationUrl!);
    foreign.searchParams.set('resource', 'https://other.example/mcp');
    const refused = await new Browser().authorize(foreign, REDIRECT_URI);
    assert.equal(refused.searchParams.get('error'), 'invalid_target');
    const noPkce = new URL(oauth.authorizationUrl!);
    noPkce.searchParams.delete('code_challenge');
    noPkce.searchParams.delete('code_challenge_method');
    const refusedPkce = await new Browser().authorize(noPkce, REDIRECT_URI);
    assert.equal(refusedPkce.searchParams.get('error'), 'invalid_request');
    assert.match(refusedPkce.searchParams.get('error_description') ?? '', /requires PKCE/);
  });

  test('a JWT signed with the dev key but not typed at+jwt is refused (RFC 9068)', async () => {
    const state = JSON.parse(readFileSync(join(dir, '.mcp-oauth', 'dev-authorization-server.json'), 'utf8')) as {
      signingKey: Record<string, string>;
    };
    const key = await importJWK(state.signingKey, 'RS256');
    const mint = (typ: string) =>
      new SignJWT({ scope: 'todo:read' })
        .setProtectedHeader({ alg: 'RS256', typ, kid: state.signingKey['kid']! })
        .setIssuer(origin())
        .setAudience(runtime.url)
        .setSubject('mallory')
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(key);
    const asIdToken = await post(runtime.url, toolCall('echo', { text: 'x' }), {
      headers: { Authorization: `Bearer ${await mint('JWT')}` },
    });
    assert.equal(asIdToken.status, 401);
    assert.match(
      asIdToken.headers.get('www-authenticate') ?? '',
      /error="invalid_token", error_description="The token is not an access token/,
    );
    const proper = await post(runtime.url, toolCall('echo', { text: 'x' }), {
      headers: { Authorization: `Bearer ${await mint('at+jwt')}` },
    });
    assert.equal(proper.status, 200, 'the control token with typ at+jwt passes');
  });

  test('its state lives in a git-ignored, owner-only file beside the manifest', () => {
    assert.equal(
      readFileSync(join(dir, '.mcp-oauth', '.gitignore'), 'utf8')
        .split('\n')
        .filter((l) => l && !l.startsWith('#'))
        .join(),
      '*',
    );
    assert.equal(statSync(join(dir, '.mcp-oauth', 'dev-authorization-server.json')).mode & 0o777, 0o600);
  });
});

test('keys and registrations survive a restart: an old token and refresh token still work', async () => {
  const own = projectDir();
  let server = await start(own);
  const port = Number(new URL(server.url).port);
  const { oauth } = await signIn(['todo:read'], server);
  await server.close();
  server = await start(own, port);
  try {
    const call = await post(server.url, toolCall('echo', { text: 'again' }), {
      headers: { Authorization: `Bearer ${oauth.stored!.access_token}` },
    });
    assert.equal(call.status, 200);
    const refreshed = await fetch(`${new URL(server.url).origin}/oauth/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: oauth.stored!.refresh_token!,
        client_id: String(oauth.client!['client_id']),
      }),
    });
    assert.equal(refreshed.status, 200, await refreshed.clone().text());
  } finally {
    await server.close();
    rmSync(own, { recursive: true, force: true });
  }
});

test('mcp-serve token prints a token the running server accepts, with exactly the asked scopes', async () => {
  const port = new URL(runtime.url).port;
  const config = join(dir, 'mcp-oauth.config.json');
  const { stdout } = await run(process.execPath, [
    BIN,
    'token',
    '--config',
    config,
    '--port',
    port,
    '--scope',
    'todo:read',
    '--sub',
    'carol',
    '--ttl',
    '10m',
  ]);
  const token = stdout.trim();
  const claims = decodeJwt(token);
  assert.equal(claims.sub, 'carol');
  assert.equal(claims.exp! - claims.iat!, 600);
  const read = await post(runtime.url, toolCall('echo', { text: 'x' }), {
    headers: { Authorization: `Bearer ${token}` },
  });
  assert.equal(read.status, 200);
  const write = await post(runtime.url, toolCall('write', { title: 'x' }), {
    headers: { Authorization: `Bearer ${token}` },
  });
  assert.equal(write.status, 403);

  const unknown = await run(process.execPath, [BIN, 'token', '--config', config, '--scope', 'todo:wrte']).catch(
    (e: { code: number; stderr: string }) => e,
  );
  assert.equal((unknown as { code: number }).code, 2);
  assert.match(
    (unknown as { stderr: string }).stderr,
    /Unknown scope todo:wrte; this manifest's scopes are: todo:read, todo:write, todo:admin/,
  );
  const badTtl = await run(process.execPath, [
    BIN,
    'token',
    '--config',
    config,
    '--scope',
    'todo:read',
    '--ttl',
    'soon',
  ]).catch((e: { code: number; stderr: string }) => e);
  assert.match((badTtl as { stderr: string }).stderr, /--ttl soon: expected a duration such as 90s, 15m, 1h or 2d/);
});

test('mcp-serve token refuses manifests that do not use provider dev', async () => {
  const other = projectDir({ ...devManifest(), auth: { provider: 'none' } });
  try {
    const result = await run(process.execPath, [
      BIN,
      'token',
      '--config',
      join(other, 'mcp-oauth.config.json'),
      '--scope',
      'todo:read',
    ]).catch((e: { code: number; stderr: string }) => e);
    assert.equal((result as { code: number }).code, 2);
    assert.match(
      (result as { stderr: string }).stderr,
      /auth.provider is "none"; get tokens from your authorization server, or set auth.provider: dev/,
    );
  } finally {
    rmSync(other, { recursive: true, force: true });
  }
});

describe('provider dev in the manifest', () => {
  const problems = manifestProblems;

  test('is refused off loopback unless forced', async () => {
    assert.deepEqual(await problems(devManifest({}, { host: '0.0.0.0' })), [
      'auth.provider: provider "dev" lets anyone sign in as anyone and is refused off loopback (http.host is "0.0.0.0"); bind 127.0.0.1, or set auth.allowNonLoopback: true for a throwaway test deployment',
    ]);
    assert.deepEqual(await problems(devManifest({}, { publicUrl: 'https://mcp.example.com' })), [
      'auth.provider: provider "dev" lets anyone sign in as anyone and is refused off loopback (http.publicUrl is on "mcp.example.com"); bind 127.0.0.1, or set auth.allowNonLoopback: true for a throwaway test deployment',
    ]);
    assert.deepEqual(await problems(devManifest({ allowNonLoopback: true }, { host: '0.0.0.0' })), []);
  });

  test('refuses the settings of other providers, and dev settings elsewhere', async () => {
    assert.deepEqual(await problems(devManifest({ issuer: 'https://idp.example.com' })), [
      'auth.issuer: auth.issuer is not used with provider "dev"; the development authorization server decides it; choose provider "jwt" to configure it',
    ]);
    assert.deepEqual(await problems({ ...devManifest(), auth: { provider: 'none', accessTokenTtlSec: 60 } }), [
      'auth.accessTokenTtlSec: auth.accessTokenTtlSec is not used with provider "none"; it belongs to provider "dev"',
    ]);
  });
});

/** Runs the whole browser flow for `scopes` and returns the client's stored state. */
async function signIn(scopes: string[], server: Runtime = runtime): Promise<{ oauth: MemoryOAuthProvider }> {
  const oauth = new MemoryOAuthProvider();
  const transport = new ModernTransport(new URL(server.url), { authProvider: oauth as never });
  const client = new ModernClient(
    { name: 'dev-e2e', version: '1.0.0' },
    { versionNegotiation: { mode: { pin: '2026-07-28' } } },
  );
  await assert.rejects(client.connect(transport));
  const back = await new Browser().authorize(oauth.authorizationUrl!, REDIRECT_URI, { scopes });
  await transport.finishAuth(back.searchParams);
  return { oauth };
}

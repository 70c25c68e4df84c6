/**
 * `auth.provider: dev` in a real browser: the SDK client's OAuth flow (401 → metadata →
 * registration → authorize), a user clicking through the consent page in headless
 * Chromium, Chromium following the redirects to the client's own loopback callback
 * server, then token and tool call. The fetch-driven flows in dev-auth.test.ts cannot
 * see what only a browser enforces, such as CSP `form-action` on redirects.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { decodeJwt } from 'jose';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { contentSecurityPolicy } from '../src/auth/dev/csp.js';
import { launchChromium, SKIP_WITHOUT_CHROMIUM } from './support/chromium.js';
import { MemoryOAuthProvider } from './support/oauth-client.js';
import { FIXTURE_TOOLS, serveManifest, type TestServer } from './support/server.js';

/** A client application's side of the login: its loopback callback server and its OAuth state. */
class LoopbackClient extends MemoryOAuthProvider {
  readonly callback: string;
  /** Resolves with the first request the browser makes to the callback. */
  readonly callbackHit: Promise<URL>;
  private readonly server: Server;
  /** Set when the SDK hands the authorization URL to the browser. */
  navigation: Promise<unknown> | undefined;
  private readonly open: (url: URL) => Promise<unknown>;

  private constructor(
    server: Server,
    callback: string,
    callbackHit: Promise<URL>,
    open: (url: URL) => Promise<unknown>,
  ) {
    super();
    this.server = server;
    this.callback = callback;
    this.callbackHit = callbackHit;
    this.open = open;
  }

  /** Listens on 127.0.0.1 like MCP Inspector or mcp-remote; `host` is what the redirect URI names. */
  static async start(host: '127.0.0.1' | 'localhost', open: (url: URL) => Promise<unknown>): Promise<LoopbackClient> {
    let hit: (url: URL) => void = () => {};
    const callbackHit = new Promise<URL>((resolve) => (hit = resolve));
    const server = createServer((req, res) => {
      hit(new URL(req.url ?? '/', `http://${req.headers.host}`));
      res
        .writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' })
        .end('<!doctype html><title>Signed in</title><p>You can close this tab.</p>');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return new LoopbackClient(server, `http://${host}:${port}/oauth/callback`, callbackHit, open);
  }

  override get redirectUrl(): string {
    return this.callback;
  }
  override get clientMetadata() {
    return { ...super.clientMetadata, client_name: 'Browser test client', redirect_uris: [this.callback] };
  }
  override redirectToAuthorization(url: URL): void {
    super.redirectToAuthorization(url);
    this.navigation = this.open(url);
  }
  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const connect = (server: TestServer, oauth: LoopbackClient) => {
  const transport = new StreamableHTTPClientTransport(new URL(server.url), { authProvider: oauth as never });
  const client = new Client(
    { name: 'browser-e2e', version: '1.0.0' },
    { versionNegotiation: { mode: { pin: '2026-07-28' } } },
  );
  return { transport, client, connected: client.connect(transport) };
};

/** `promise`, or a failure naming `what` and the browser's CSP complaints after `ms`. */
async function within<T>(promise: Promise<T>, ms: number, what: string, complaints: string[]): Promise<T> {
  const timeout = sleep(ms, undefined, { ref: false }).then(() => {
    throw new Error(`${what} within ${ms} ms; the browser said: ${complaints.join(' | ') || 'nothing'}`);
  });
  return Promise.race([promise, timeout]);
}

describe('the dev authorization server in headless Chromium', { skip: SKIP_WITHOUT_CHROMIUM }, () => {
  let server: TestServer;
  let browser: Browser;
  before(async () => {
    browser = await launchChromium();
    server = await serveManifest({
      server: { name: 'browser-fixture', version: '1.0.0' },
      http: { host: '127.0.0.1', port: 0, path: '/mcp' },
      auth: { provider: 'dev' },
      tools: FIXTURE_TOOLS,
    });
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  /** A fresh browser profile whose console CSP messages are collected. */
  async function openPage(): Promise<{ context: BrowserContext; page: Page; complaints: string[] }> {
    const context = await browser.newContext();
    const page = await context.newPage();
    const complaints: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) complaints.push(message.text());
    });
    return { context, page, complaints };
  }

  test('a user allows on the consent page; the browser lands on the client callback; the token calls a tool', async () => {
    const { context, page, complaints } = await openPage();
    const oauth = await LoopbackClient.start('127.0.0.1', (url) => page.goto(url.href));
    try {
      // 401 → protected resource metadata → authorization server metadata → registration.
      const first = connect(server, oauth);
      await assert.rejects(first.connected, /Unauthorized/i);
      assert.deepEqual(
        oauth.client?.['redirect_uris'],
        [oauth.callback],
        'the client registered its loopback callback',
      );
      assert.equal(oauth.authorizationUrl?.searchParams.get('resource'), server.url);

      // The SDK opened the authorization URL; Chromium followed it to the consent page.
      const consent = (await oauth.navigation) as Awaited<ReturnType<Page['goto']>>;
      assert.equal(consent?.status(), 200);
      assert.equal(await page.title(), 'Authorize Browser test client');

      // The user signs in as alice and grants todo:read only, with real clicks.
      const offered = await Promise.all(
        (await page.locator('input[name="scope"]').all()).map((box) => box.getAttribute('value')),
      );
      assert.deepEqual(offered.sort(), ['todo:admin', 'todo:read', 'todo:write']);
      await page.getByLabel('Sign in as').fill('alice');
      await page.getByLabel('todo:write').uncheck();
      await page.getByLabel('todo:admin').uncheck();
      await page.getByRole('button', { name: 'Allow' }).click();

      // POST → /oauth/interaction/<uid> → /oauth/authorize/<uid> → 303 to the callback.
      const back = await within(oauth.callbackHit, 15_000, 'the browser did not reach the client callback', complaints);
      assert.equal(back.pathname, '/oauth/callback');
      assert.ok(back.searchParams.get('code'), `a code comes back: ${back.href}`);
      assert.equal(back.searchParams.get('iss'), new URL(server.url).origin);
      await page.waitForURL((url) => url.href.startsWith(oauth.callback));
      assert.equal(await page.title(), 'Signed in');
      assert.deepEqual(complaints, []);
      // What let it through: form-action names the callback's origin; framing stays refused.
      const headers = consent!.headers();
      assert.equal(headers['content-security-policy'], contentSecurityPolicy(oauth.callback));
      assert.match(
        headers['content-security-policy']!,
        / frame-ancestors 'none';.* form-action 'self' http:\/\/127\.0\.0\.1:\d+$/,
      );
      assert.equal(headers['x-frame-options'], 'DENY');

      // The client exchanges the code and calls tools with the token.
      await first.transport.finishAuth(back.searchParams);
      assert.equal(decodeJwt(oauth.stored!.access_token).scope, 'todo:read');
      const { client, connected } = connect(server, oauth);
      await connected;
      const who = (await client.callTool({ name: 'whoami', arguments: {} })) as {
        structuredContent: { subject: string; scopes: string[] };
      };
      assert.equal(who.structuredContent.subject, 'alice');
      assert.deepEqual(who.structuredContent.scopes, ['todo:read']);
      const echo = (await client.callTool({ name: 'echo', arguments: { text: 'from the browser' } })) as {
        isError?: boolean;
      };
      assert.notEqual(echo.isError, true);
      await client.close();
    } finally {
      await context.close();
      await oauth.close();
    }
  });

  test('a user denies; the browser lands on a localhost callback (mcp-remote shape) with access_denied', async () => {
    const { context, page, complaints } = await openPage();
    const oauth = await LoopbackClient.start('localhost', (url) => page.goto(url.href));
    try {
      await assert.rejects(connect(server, oauth).connected, /Unauthorized/i);
      await oauth.navigation;
      assert.equal(await page.title(), 'Authorize Browser test client');
      await page.getByRole('button', { name: 'Deny' }).click();
      const back = await within(oauth.callbackHit, 15_000, 'the browser did not reach the client callback', complaints);
      assert.equal(back.searchParams.get('error'), 'access_denied');
      assert.equal(back.searchParams.get('code'), null);
    } finally {
      await context.close();
      await oauth.close();
    }
  });
});

describe("the consent page's Content-Security-Policy", () => {
  const base = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; form-action 'self'";
  const cases: [string, string | undefined, string][] = [
    ['no redirect URI: forms go to this server only', undefined, base],
    [
      'a loopback IP redirect adds its origin, port kept, path and query dropped',
      'http://127.0.0.1:6274/oauth/callback?x=1',
      `${base} http://127.0.0.1:6274`,
    ],
    ['localhost with a port', 'http://localhost:53121/callback', `${base} http://localhost:53121`],
    ['https on the default port', 'https://app.example.com/cb', `${base} https://app.example.com`],
    [
      'an IPv6 loopback, which the grammar cannot carry: the scheme alone',
      'http://[::1]:8080/callback',
      `${base} http:`,
    ],
    [
      'a custom scheme with a host',
      'cursor://anysphere.cursor-retrieval/oauth/callback',
      `${base} cursor://anysphere.cursor-retrieval`,
    ],
    ['a custom scheme without a host: the scheme alone', 'com.example.app:/oauth', `${base} com.example.app:`],
    [
      'a host the CSP grammar cannot carry cannot add directives: the scheme alone',
      'http://a;script-src-elem/',
      `${base} http:`,
    ],
    ['not a URL: nothing added', 'not a url', base],
  ];
  for (const [description, redirectUri, expected] of cases) {
    test(description, () => assert.equal(contentSecurityPolicy(redirectUri), expected));
  }
});

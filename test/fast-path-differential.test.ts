/**
 * The fast path answers exactly as the SDK's handler does. One corpus of requests in
 * both eras — every kind of traffic the conformance scenarios send to
 * examples/everything (content types, tool errors, validation errors, logging with and
 * without a level, progress, input-required rounds, prompts, resources, templates,
 * completions, discovery), and the adversarial kind (unknown methods and names, bad
 * envelopes, header mismatches, wrong Accept, stale sessions) — goes to two runtimes
 * of the same manifest, one with the fast path and one with MCP_SERVE_FAST_PATH=off.
 * Status, the headers that matter and the body must be the same, byte for byte
 * (sealed requestState aside, which is random by design). The same holds for per-item
 * scope refusals under a real authorization server.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  LOG_LEVEL_META_KEY,
  PROTOCOL_VERSION_META_KEY,
} from '@modelcontextprotocol/server';
import { parse } from 'yaml';
import { createLogger } from '../src/log.js';
import { type Runtime, startRuntime } from '../src/runtime/index.js';
import { type Authority, startAuthority } from './support/authority.js';
import { protectedManifest, ROOT, serveManifest, type TestServer } from './support/server.js';
import { acceptedClaims } from './support/tokens.js';

const EXAMPLE = join(ROOT, 'examples', 'everything');
const MANIFEST = parse(readFileSync(join(EXAMPLE, 'mcp-oauth.config.yaml'), 'utf8')) as {
  tools: { name: string; execution?: unknown }[];
  resources: { uri: string }[];
  prompts: { name: string; arguments?: { name: string }[] }[];
};
const OFF = { MCP_SERVE_FAST_PATH: 'off' };

type Era = 'modern' | 'legacy';
interface Case {
  readonly label: string;
  readonly body: unknown;
  /** Replaces the era's default headers; `undefined` removes one. */
  readonly headers?: Record<string, string | undefined>;
  /** Whether the fast path takes it (checked, so that the corpus cannot quietly go around it). */
  readonly owned: boolean;
}

const CAPABILITIES = { elicitation: { form: {}, url: {} }, sampling: {}, roots: {} };

function envelope(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    [PROTOCOL_VERSION_META_KEY]: '2026-07-28',
    [CLIENT_INFO_META_KEY]: { name: 'differential', version: '1.0.0' },
    [CLIENT_CAPABILITIES_META_KEY]: CAPABILITIES,
    ...extra,
  };
}

function rpc(method: string, params: Record<string, unknown> | undefined, id: number | string = 1): unknown {
  return { jsonrpc: '2.0', id, method, ...(params && { params }) };
}

/** The calls of one era: the same methods and names, with the envelope in 2026-07-28. */
function corpus(era: Era): Case[] {
  const modern = era === 'modern';
  const params = (p: Record<string, unknown>, meta: Record<string, unknown> = {}) =>
    modern ? { ...p, _meta: { ...envelope(), ...meta } } : Object.keys(meta).length ? { ...p, _meta: meta } : p;
  const owned = (label: string, method: string, p: Record<string, unknown>, meta?: Record<string, unknown>): Case => ({
    label,
    body: rpc(method, params(p, meta)),
    owned: true,
  });
  const cases: Case[] = [
    // Tools that run as tasks, and whose calls need a client that answers their questions,
    // have their own tests (test/tasks.test.ts) and conformance scenarios.
    ...MANIFEST.tools
      .filter((t) => t.execution === undefined)
      .map((t) => ({
        ...owned(`tools/call ${t.name}`, 'tools/call', { name: t.name, arguments: {} }),
        // Its Mcp-Param-Region header is checked by the SDK's handler.
        owned: !(modern && t.name === 'test_header_param'),
      })),
    owned(
      'a call with a progress token',
      'tools/call',
      { name: 'test_tool_with_progress', arguments: {} },
      { progressToken: 'p-1' },
    ),
    owned('a call with a string id', 'tools/call', { name: 'test_simple_text', arguments: {} }),
    owned('a validation error', 'tools/call', { name: 'json_schema_2020_12_tool', arguments: { name: 7 } }),
    owned('arguments of the wrong type', 'tools/call', { name: 'test_simple_text', arguments: 'text' }),
    owned('an unknown tool', 'tools/call', { name: 'no_such_tool', arguments: {} }),
    owned('tools/list', 'tools/list', {}),
    owned('tools/list with a bad cursor', 'tools/list', { cursor: 'not-a-cursor' }),
    owned('prompts/list', 'prompts/list', {}),
    ...MANIFEST.prompts.map((p) =>
      owned(`prompts/get ${p.name}`, 'prompts/get', {
        name: p.name,
        arguments: Object.fromEntries(
          (p.arguments ?? []).map((a) => [a.name, a.name === 'resourceUri' ? 'test://static-text' : 'x']),
        ),
      }),
    ),
    owned('a prompt without its arguments', 'prompts/get', { name: 'test_prompt_with_arguments' }),
    owned('an unknown prompt', 'prompts/get', { name: 'no_such_prompt' }),
    owned('resources/list', 'resources/list', {}),
    owned('resources/templates/list', 'resources/templates/list', {}),
    ...MANIFEST.resources.map((r) => owned(`resources/read ${r.uri}`, 'resources/read', { uri: r.uri })),
    owned('a template read', 'resources/read', { uri: 'test://template/123/data' }),
    owned('an unknown resource', 'resources/read', { uri: 'test://nothing-here' }),
    owned('completion/complete', 'completion/complete', {
      ref: { type: 'ref/resource', uri: 'test://template/{id}/data' },
      argument: { name: 'id', value: '4' },
    }),
    owned('ping', 'ping', {}),
  ];
  if (modern) {
    cases.push(
      owned(
        'logging at debug',
        'tools/call',
        { name: 'test_logging_tool', arguments: {} },
        { [LOG_LEVEL_META_KEY]: 'debug' },
      ),
      owned(
        'logging at error',
        'tools/call',
        { name: 'test_tool_with_logging', arguments: {} },
        { [LOG_LEVEL_META_KEY]: 'error' },
      ),
      owned('server/discover', 'server/discover', {}),
      {
        label: 'a call without capabilities (-32021)',
        body: rpc('tools/call', {
          name: 'test_missing_capability',
          arguments: {},
          _meta: { ...envelope(), [CLIENT_CAPABILITIES_META_KEY]: {} },
        }),
        owned: true,
      },
      {
        label: 'an input-required retry with a tampered requestState',
        body: rpc('tools/call', {
          name: 'test_input_required_result_tampered_state',
          arguments: {},
          requestState: 'tampered',
          inputResponses: {},
          _meta: envelope(),
        }),
        owned: true,
      },
      // What the fast path leaves to the SDK's handler, answered the same either way.
      { label: 'no envelope', body: rpc('tools/list', {}), owned: false },
      {
        label: 'an envelope naming another revision',
        body: rpc('tools/list', { _meta: { ...envelope(), [PROTOCOL_VERSION_META_KEY]: '2099-01-01' } }),
        headers: { 'mcp-protocol-version': '2099-01-01' },
        owned: false,
      },
      {
        label: 'a malformed envelope',
        body: rpc('tools/list', { _meta: { ...envelope(), [CLIENT_INFO_META_KEY]: 'me' } }),
        owned: false,
      },
      {
        label: 'Mcp-Method mismatch',
        body: rpc('tools/list', params({})),
        headers: { 'mcp-method': 'prompts/list' },
        owned: false,
      },
      {
        label: 'no Mcp-Method',
        body: rpc('tools/list', params({})),
        headers: { 'mcp-method': undefined },
        owned: false,
      },
      {
        label: 'Mcp-Name mismatch',
        body: rpc('tools/call', params({ name: 'test_simple_text', arguments: {} })),
        headers: { 'mcp-name': 'test_error_handling' },
        owned: false,
      },
      {
        label: 'no Mcp-Name',
        body: rpc('tools/call', params({ name: 'test_simple_text', arguments: {} })),
        headers: { 'mcp-name': undefined },
        owned: false,
      },
      {
        label: 'Mcp-Name on a list',
        body: rpc('tools/list', params({})),
        headers: { 'mcp-name': 'test_simple_text' },
        owned: false,
      },
      {
        label: 'a Base64 Mcp-Name',
        body: rpc('tools/call', params({ name: 'test_simple_text', arguments: {} })),
        headers: { 'mcp-name': `=?base64?${Buffer.from('test_simple_text').toString('base64')}?=` },
        owned: false,
      },
      {
        label: 'a tool with an x-mcp-header parameter',
        body: rpc('tools/call', params({ name: 'test_header_param', arguments: { region: 'eu' } })),
        headers: { 'mcp-param-region': 'eu' },
        owned: false,
      },
      {
        label: 'a mismatched Mcp-Param header',
        body: rpc('tools/call', params({ name: 'test_header_param', arguments: { region: 'eu' } })),
        headers: { 'mcp-param-region': 'us' },
        owned: false,
      },
      {
        label: 'an unknown method',
        body: rpc('tasks/list', params({})),
        owned: false,
      },
      { label: 'a removed method (initialize)', body: rpc('initialize', params({})), owned: false },
    );
  } else {
    cases.push(
      {
        label: 'Accept without SSE',
        body: rpc('tools/list', {}),
        headers: { accept: 'application/json' },
        owned: false,
      },
      { label: 'an unknown session', body: rpc('tools/list', {}), headers: { 'mcp-session-id': 'nope' }, owned: false },
      {
        label: 'no MCP-Protocol-Version',
        body: rpc('tools/call', { name: 'test_simple_text', arguments: {} }),
        headers: { 'mcp-protocol-version': undefined },
        owned: true,
      },
      {
        label: 'an envelope without MCP-Protocol-Version',
        body: rpc('tools/list', { _meta: envelope() }),
        headers: { 'mcp-protocol-version': undefined },
        owned: false,
      },
      {
        label: 'an older revision',
        body: rpc('tools/list', {}),
        headers: { 'mcp-protocol-version': '2025-06-18' },
        owned: false,
      },
      {
        label: 'an unknown revision',
        body: rpc('tools/list', {}),
        headers: { 'mcp-protocol-version': '1999-01-01' },
        owned: false,
      },
      { label: 'an unknown method', body: rpc('no/such', {}), owned: false },
      { label: 'a notification', body: { jsonrpc: '2.0', method: 'notifications/initialized' }, owned: false },
      { label: 'a posted response', body: { jsonrpc: '2.0', id: 9, result: {} }, owned: false },
      { label: 'a null id', body: { jsonrpc: '2.0', id: null, method: 'tools/list' }, owned: false },
      { label: 'a wrong jsonrpc version', body: { jsonrpc: '1.0', id: 1, method: 'tools/list' }, owned: false },
      {
        label: 'params that are not an object',
        body: { jsonrpc: '2.0', id: 1, method: 'tools/list', params: 3 },
        owned: false,
      },
      { label: 'logging/setLevel', body: rpc('logging/setLevel', { level: 'debug' }), owned: false },
      {
        label: 'initialize',
        body: rpc('initialize', {
          protocolVersion: '2025-11-25',
          capabilities: {},
          clientInfo: { name: 'd', version: '1' },
        }),
        owned: false,
      },
    );
  }
  return cases;
}

function headersOf(era: Era, c: Case): Record<string, string> {
  const body = c.body as { method?: string; params?: { name?: unknown; uri?: unknown } };
  const name = body.method === 'resources/read' ? body.params?.uri : body.params?.name;
  const defaults: Record<string, string | undefined> = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': era === 'modern' ? '2026-07-28' : '2025-11-25',
    ...(era === 'modern' && body.method && { 'mcp-method': body.method }),
    ...(era === 'modern' &&
      ['tools/call', 'prompts/get', 'resources/read'].includes(body.method ?? '') &&
      typeof name === 'string' && { 'mcp-name': name }),
  };
  const merged = { ...defaults, ...c.headers };
  return Object.fromEntries(Object.entries(merged).filter((e): e is [string, string] => e[1] !== undefined));
}

/** What must be equal: status, the headers a client reads, and the body. */
interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | null>;
  readonly body: string;
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
const COMPARED_HEADERS = [
  'content-type',
  'cache-control',
  'x-accel-buffering',
  'www-authenticate',
  'allow',
  'mcp-session-id',
];

async function answer(url: string, headers: Record<string, string>, body: unknown): Promise<Answer> {
  const response = await fetch(url, {
    method: 'POST',
    headers,
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(20_000),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: Object.fromEntries(
      COMPARED_HEADERS.map((h) => [h, response.headers.get(h)?.replace(UUID, '<uuid>') ?? null]),
    ),
    // A sealed requestState carries a fresh nonce on every answer, a session a fresh id.
    body: text.replace(/"requestState":"[^"]*"/g, '"requestState":"<sealed>"').replace(UUID, '<uuid>'),
  };
}

async function serveExample(env: Record<string, string>): Promise<Runtime> {
  return startRuntime({
    cwd: EXAMPLE,
    env: { ...process.env, ...env },
    http: { port: 0 },
    log: createLogger({ level: 'error', write: () => {} }),
    drainMs: 1_000,
  });
}

let fast: Runtime;
let slow: Runtime;
before(async () => {
  [fast, slow] = await Promise.all([serveExample({}), serveExample(OFF)]);
});
after(async () => {
  await Promise.all([fast.close(), slow.close()]);
});

for (const era of ['modern', 'legacy'] as const) {
  test(`${era === 'modern' ? '2026-07-28' : '2025-11-25'}: the fast path answers the whole corpus as the SDK's handler does`, async () => {
    assert.equal(slow.snapshot.fastPath, undefined, 'MCP_SERVE_FAST_PATH=off switches it off');
    const fastPath = fast.snapshot.fastPath!;
    for (const c of corpus(era)) {
      const headers = headersOf(era, c);
      const before = fastPath.served;
      const [a, b] = await Promise.all([answer(fast.url, headers, c.body), answer(slow.url, headers, c.body)]);
      assert.deepEqual(a, b, `${c.label}: the two paths differ`);
      assert.equal(
        fastPath.served - before,
        c.owned ? 1 : 0,
        `${c.label}: ${c.owned ? 'not ' : ''}taken by the fast path`,
      );
    }
    assert.equal(fastPath.pending, 0);
  });
}

test('the same JSON-RPC id from two requests in flight at once is answered to each', async () => {
  // Started together: the slower one (progress, then a result) must not get the other's answer.
  const headers = headersOf('modern', { label: '', body: rpc('tools/call', {}), owned: true });
  const call = (name: string) =>
    answer(
      fast.url,
      { ...headers, 'mcp-name': name },
      rpc('tools/call', { name, arguments: {}, _meta: envelope({ progressToken: 7 }) }, 5),
    );
  const [progress, text] = await Promise.all([call('test_tool_with_progress'), call('test_simple_text')]);
  assert.match(progress.body, /notifications\/progress/);
  assert.match(text.body, /This is a simple text response/);
  assert.doesNotMatch(progress.body, /simple text response/);
});

let authority: Authority;
let guardedFast: TestServer;
let guardedSlow: TestServer;
before(async () => {
  authority = await startAuthority();
  [guardedFast, guardedSlow] = await Promise.all([
    serveManifest(protectedManifest(authority.issuer)),
    serveManifest(protectedManifest(authority.issuer), { env: OFF }),
  ]);
});
after(async () => {
  await Promise.all([guardedFast.close(), guardedSlow.close()]);
  await authority.close();
});

test('a per-item scope refusal (403 insufficient_scope) and an allowed call read the same on both paths', async () => {
  const tokenFor = (server: TestServer) => authority.mint(acceptedClaims(authority.issuer, server.url, 'todo:read'));
  for (const era of ['modern', 'legacy'] as const) {
    for (const [tool, args] of [
      ['write', { title: 't' }],
      ['echo', { text: 'hi' }],
    ] as const) {
      const body = rpc('tools/call', {
        name: tool,
        arguments: args,
        ...(era === 'modern' && { _meta: envelope() }),
      });
      const headers = headersOf(era, { label: tool, body, owned: true });
      const send = async (server: TestServer) =>
        answer(server.url, { ...headers, authorization: `Bearer ${await tokenFor(server)}` }, body);
      const [a, b] = await Promise.all([send(guardedFast), send(guardedSlow)]);
      // The resource metadata URL names each server's own port.
      const portless = (x: Answer) => JSON.stringify(x).replaceAll(/127\.0\.0\.1:\d+/g, '127.0.0.1:PORT');
      assert.equal(portless(a), portless(b), `${era} ${tool}`);
      assert.equal(a.status, tool === 'write' ? 403 : 200, `${era} ${tool}`);
    }
  }
});

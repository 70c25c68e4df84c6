/**
 * Property-based fuzzing (fast-check) of what clients and operators feed the server:
 * generated HTTP requests (methods, targets, headers with repeats, JSON-RPC of both
 * protocol eras, argument values, bodies) against the real runtime, with a real token and
 * without; and generated manifests (JSON and YAML text, valid ones broken in a few
 * places) against the loader. Each property stops at its run count or its time limit,
 * whichever comes first, so the file stays well under a minute on two cores.
 */
import assert from 'node:assert/strict';
import { cpSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  PROTOCOL_VERSION_META_KEY,
} from '@modelcontextprotocol/server';
import fc from 'fast-check';
import { stringify as toYaml } from 'yaml';
import { loadManifest } from '../src/config/index.js';
import { McpOAuthError } from '../src/errors.js';
import { type Authority, startAuthority } from './support/authority.js';
import { fromFetch, post, rawRequest, toolCall } from './support/clients.js';
import { scratchDirectories } from './support/scratch.js';
import { FIXTURE_TOOLS, FIXTURES, protectedManifest, serveManifest, type TestServer } from './support/server.js';

const HTTP_RUNS = 5_000;
const HTTP_TIME_LIMIT_MS = 18_000;
const MANIFEST_RUNS = 600;
const MANIFEST_TIME_LIMIT_MS = 10_000;
/** Below this many runs a property has tested too little to count (a 2-core CI box manages several times more). */
const MIN_RUNS = 200;

const MODERN = '2026-07-28';
const LEGACY = '2025-11-25';
const STACK_FRAME = /\n\s+at |^\s+at .+:\d+:\d+\)?$/m;

// ---------------------------------------------------------------------------------
// Servers: one protected by a real issuer, one without auth (so that anonymous
// requests reach as deep into the SDK as authorized ones)
// ---------------------------------------------------------------------------------

/** The fixture tools that cannot fail on purpose (a handler's own throw is logged with its stack, by design). */
const TOOLS = [
  ...FIXTURE_TOOLS.filter((t) => t.name !== 'fail' && t.name !== 'slow'),
  {
    name: 'anything',
    description: 'Any object',
    inputSchema: { type: 'object' },
    handler: './handlers/record.js#whoami',
  },
  {
    name: 'isolated',
    description: 'Any object, in a worker',
    inputSchema: { type: 'object' },
    isolation: 'worker',
    handler: './handlers/record.js#whoami',
  },
];
const CONTENT = {
  resources: [
    { uri: 'docs://hello', name: 'hello', text: 'Hello' },
    { uri: 'docs://whoami', name: 'whoami', handler: './handlers/content.js#whoami' },
  ],
  resourceTemplates: [
    {
      uriTemplate: 'notes://{id}',
      name: 'note',
      handler: './handlers/content.js#note',
      complete: { id: ['alpha', 'beta'] },
    },
  ],
  prompts: [
    {
      name: 'greet',
      arguments: [{ name: 'who', required: true }],
      messages: [{ role: 'user', text: 'Say hello to {{who}}' }],
    },
  ],
};

let authority: Authority;
let guarded: TestServer;
let open: TestServer;
/** Valid tokens, one per server that checks them; none may appear in a log line. */
const tokens: string[] = [];

before(async () => {
  authority = await startAuthority();
  guarded = await serveManifest({ ...protectedManifest(authority.issuer, { tools: TOOLS }), ...CONTENT });
  open = await serveManifest({
    server: { name: 'open', version: '1.0.0' },
    http: { host: '127.0.0.1', port: 0 },
    auth: { provider: 'none' },
    tools: TOOLS,
    ...CONTENT,
  });
  tokens.push(await authority.mint({ aud: guarded.url, scope: 'todo:read todo:write' }, { expiresIn: 600 }));
});
after(async () => {
  await guarded?.close();
  await open?.close();
  await authority?.close();
});

// ---------------------------------------------------------------------------------
// Generated requests
// ---------------------------------------------------------------------------------

/** Header values: printable ASCII and a little Latin-1, never CR or LF (they would end the header). */
const headerText = fc.string({
  unit: fc
    .oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0xa0, max: 0xff }))
    .map((c) => String.fromCharCode(c)),
  maxLength: 40,
});
const name = fc.oneof(
  fc.constantFrom(...TOOLS.map((t) => t.name), 'greet', 'note', 'missing'),
  fc.string({ maxLength: 20 }),
);
const uri = fc.oneof(
  fc.constantFrom('docs://hello', 'docs://whoami', 'notes://alpha', 'notes://', 'file:///etc/passwd', 'docs://../x'),
  fc.webUrl(),
  fc.string({ maxLength: 30 }),
);
/**
 * Arguments nested `depth` levels stand in the generated value as a short marker, put in
 * the body text only on the wire: fast-check could not print (or shrink) the real thing.
 */
const deep = (depth: number) => `__nested_${depth}__`;
const withNesting = (json: string) =>
  json.replace(
    /"__nested_(\d+)__"/g,
    (_, depth: string) => `${'{"a":'.repeat(Number(depth))}1${'}'.repeat(Number(depth))}`,
  );
const argumentsValue = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.dictionary(
      fc.constantFrom('text', 'title', 'name', 'd', '__proto__', 'constructor'),
      fc.jsonValue({ maxDepth: 3 }),
      { maxKeys: 3 },
    ),
  },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 12_000 }).map((depth) => ({ d: deep(depth) })) },
);
const RPC_METHODS = [
  'tools/call',
  'tools/list',
  'resources/read',
  'resources/list',
  'resources/templates/list',
  'resources/subscribe',
  'resources/unsubscribe',
  'prompts/get',
  'prompts/list',
  'completion/complete',
  'initialize',
  'notifications/initialized',
  'notifications/cancelled',
  'ping',
  'logging/setLevel',
  'server/discover',
] as const;
const params = fc.record(
  {
    name,
    uri,
    arguments: argumentsValue,
    cursor: fc.string({ maxLength: 12 }),
    level: fc.constantFrom('debug', 'error', 'nope'),
    protocolVersion: fc.constantFrom(LEGACY, MODERN, '1999-01-01'),
    capabilities: fc.jsonValue({ maxDepth: 2 }),
    clientInfo: fc.constant({ name: 'fuzz', version: '1.0.0' }),
    ref: fc.oneof(
      fc.constant({ type: 'ref/prompt', name: 'greet' }),
      fc.constant({ type: 'ref/resource', uri: 'notes://{id}' }),
      fc.jsonValue({ maxDepth: 2 }),
    ),
    argument: fc.record({ name: fc.constantFrom('who', 'id', 'x'), value: fc.string({ maxLength: 10 }) }),
  },
  { requiredKeys: [] },
);
const rpcMessage = fc.record(
  {
    jsonrpc: fc.oneof(
      { weight: 9, arbitrary: fc.constant('2.0') },
      { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }) },
    ),
    id: fc.oneof(fc.integer(), fc.string({ maxLength: 8 }), fc.constant(null), fc.jsonValue({ maxDepth: 1 })),
    method: fc.oneof(
      { weight: 12, arbitrary: fc.constantFrom(...RPC_METHODS) },
      { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
    ),
    params: fc.oneof({ weight: 8, arbitrary: params }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) }),
  },
  { requiredKeys: ['method'] },
);
type Body =
  | { kind: 'rpc'; message: Record<string, unknown> }
  | { kind: 'batch'; messages: Record<string, unknown>[] }
  | { kind: 'text'; text: string };
const body: fc.Arbitrary<Body> = fc.oneof(
  { weight: 8, arbitrary: rpcMessage.map((message) => ({ kind: 'rpc' as const, message })) },
  {
    weight: 1,
    arbitrary: fc.array(rpcMessage, { maxLength: 3 }).map((messages) => ({ kind: 'batch' as const, messages })),
  },
  {
    weight: 1,
    arbitrary: fc
      .oneof(fc.json({ maxDepth: 3 }), fc.string({ maxLength: 60 }), fc.constant(''))
      .map((text) => ({ kind: 'text' as const, text })),
  },
);

const SINGLE_VALUED = [
  'Host',
  'Content-Type',
  'Origin',
  'Mcp-Session-Id',
  'MCP-Protocol-Version',
  'Mcp-Method',
  'Mcp-Name',
  'Authorization',
];
/** Usually `usual`, sometimes one of `other`: most requests must be nearly right to get past the first check. */
const mostly = <T>(usual: T, other: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 9, arbitrary: fc.constant(usual) }, { weight: 1, arbitrary: other });
const request = fc.record({
  open: fc.boolean(),
  method: mostly(
    'POST',
    fc.constantFrom('GET', 'DELETE', 'OPTIONS', 'TRACE', 'PUT', 'PATCH', 'HEAD', 'PROPFIND', 'TRACK', 'FOO'),
  ),
  path: mostly(
    '/mcp',
    fc.constantFrom(
      '/mcp?x=1',
      '/mcp/',
      '//mcp',
      '/',
      '/healthz',
      '/readyz',
      '/metrics',
      '/.well-known/oauth-protected-resource/mcp',
      '/.well-known/oauth-protected-resource',
      'ABSOLUTE',
      '*',
    ),
  ),
  era: fc.constantFrom(LEGACY, MODERN),
  host: mostly(
    'RIGHT',
    fc.oneof(fc.constantFrom('localhost', 'evil.example', '127.0.0.1/x', 'u@127.0.0.1', '[::1', ''), headerText),
  ),
  token: mostly('valid', fc.constantFrom('none', 'garbage', 'basic')),
  contentType: mostly(
    'application/json',
    fc.oneof(
      fc.constantFrom('application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', ''),
      headerText,
    ),
  ),
  accept: mostly(
    'application/json, text/event-stream',
    fc.oneof(fc.constantFrom('application/json', 'text/event-stream', '*/*', ''), headerText),
  ),
  routing: mostly('matching', fc.constantFrom('none', 'wrong')),
  meta: mostly<unknown>('envelope', fc.jsonValue({ maxDepth: 2 })),
  extra: mostly<[string, string][]>(
    [],
    fc.array(
      fc.tuple(
        fc.constantFrom(
          'Origin',
          'Mcp-Session-Id',
          'Last-Event-ID',
          'MCP-Protocol-Version',
          'X-Forwarded-For',
          'Cookie',
          'Expect',
        ),
        headerText,
      ),
      { minLength: 1, maxLength: 2 },
    ),
  ),
  repeat: mostly<string[]>([], fc.subarray(SINGLE_VALUED, { minLength: 1, maxLength: 2 })),
  body,
});
type Generated = typeof request extends fc.Arbitrary<infer T> ? T : never;

/** The request as bytes on the wire: the head, and the body. */
function wire(r: Generated): { server: TestServer; head: string; payload: string } {
  const server = r.open ? open : guarded;
  const right = new URL(server.url).host;
  const headers: [string, string][] = [];
  const host = r.host === 'RIGHT' ? right : r.host;
  headers.push(['Host', host]);
  const token = r.token === 'valid' ? tokens[0]! : r.token === 'garbage' ? 'not.a.token' : undefined;
  if (token) headers.push(['Authorization', `Bearer ${token}`]);
  if (r.token === 'basic') headers.push(['Authorization', 'Basic dXNlcjpwYXNz']);
  if (r.contentType !== '') headers.push(['Content-Type', r.contentType]);
  if (r.accept !== '') headers.push(['Accept', r.accept]);
  let payload = '';
  if (r.body.kind === 'text') payload = r.body.text;
  else {
    const messages = r.body.kind === 'rpc' ? [r.body.message] : r.body.messages;
    // 2026-07-28: the envelope in _meta of every request, the routing headers beside it.
    if (r.era === MODERN) {
      for (const m of messages) {
        if (m['params'] !== null && typeof m['params'] === 'object' && !Array.isArray(m['params'])) {
          const meta =
            r.meta === 'envelope'
              ? {
                  [PROTOCOL_VERSION_META_KEY]: MODERN,
                  [CLIENT_INFO_META_KEY]: { name: 'fuzz', version: '1.0.0' },
                  [CLIENT_CAPABILITIES_META_KEY]: {},
                }
              : r.meta;
          m['params'] = { ...(m['params'] as object), _meta: meta };
        }
      }
      headers.push(['MCP-Protocol-Version', MODERN]);
      const first = messages[0];
      if (first && r.routing !== 'none') {
        headers.push(['Mcp-Method', r.routing === 'wrong' ? 'tools/list' : String(first['method'])]);
        const named = first['params'] as { name?: unknown; uri?: unknown } | undefined;
        const value = named?.name ?? named?.uri;
        if (typeof value === 'string') headers.push(['Mcp-Name', value]);
      }
    } else if (r.routing !== 'none') headers.push(['MCP-Protocol-Version', LEGACY]);
    payload = withNesting(JSON.stringify(r.body.kind === 'rpc' ? messages[0] : messages));
  }
  for (const [name, value] of r.extra) headers.push([name, value]);
  for (const name of r.repeat) {
    const first = headers.find(([n]) => n === name);
    headers.push([name, first ? first[1] : 'again']);
  }
  // Header values are sent as Latin-1 (what a raw socket writes for them); a JSON body as UTF-8.
  const safe = headers.map(([n, v]) => [n, v.replace(/[^\x20-\x7e\xa0-\xff]/g, '?')] as const);
  if (r.method === 'POST' || payload !== '') safe.push(['Content-Length', String(Buffer.byteLength(payload))]);
  const target = r.path === 'ABSOLUTE' ? server.url : r.path;
  return {
    server,
    head: [`${r.method} ${target} HTTP/1.1`, ...safe.map(([n, v]) => `${n}: ${v}`)].join('\r\n'),
    payload,
  };
}

describe('fuzz: generated requests', () => {
  test(`no generated request gets a 5xx, crashes the server, or puts a stack or a token in the log (${HTTP_RUNS} runs or ${HTTP_TIME_LIMIT_MS / 1000} s)`, async (t) => {
    let runs = 0;
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const { server, head, payload } = wire(r);
        const reply = await rawRequest(server.url, head, payload, 5_000);
        runs++;
        statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
        const stream = reply.header('content-type')?.startsWith('text/event-stream') === true;
        assert.ok(Number.isInteger(reply.status) || stream, `no answer to:\n${head}\n\n${payload.slice(0, 300)}`);
        assert.ok(
          reply.status < 500,
          `${reply.status} for:\n${head}\n\n${payload.slice(0, 300)}\n→ ${reply.text.slice(0, 300)}`,
        );
      }),
      { numRuns: HTTP_RUNS, interruptAfterTimeLimit: HTTP_TIME_LIMIT_MS, markInterruptAsFailure: false },
    );
    t.diagnostic(`${runs} requests: ${JSON.stringify(Object.fromEntries([...statuses].sort(([a], [b]) => a - b)))}`);
    assert.ok(runs >= MIN_RUNS, `only ${runs} runs`);
    // Not vacuous: the generated requests reach the tools, and the refusals are varied.
    assert.ok((statuses.get(200) ?? 0) > runs / 25, JSON.stringify([...statuses]));
    for (const status of [400, 401, 405])
      assert.ok(statuses.has(status), `no ${status} in ${JSON.stringify([...statuses])}`);
  });

  test('both servers still serve a valid call, and no log line carries a stack or a token', async () => {
    for (const [server, headers] of [
      [guarded, { Authorization: `Bearer ${tokens[0]}` }],
      [open, {}],
    ] as const) {
      const reply = await fromFetch(await post(server.url, toolCall('echo', { text: 'after' }), { headers }));
      assert.equal(reply.status, 200, reply.text);
    }
    const lines = [...guarded.logs, ...open.logs];
    assert.ok(lines.length > 0);
    for (const line of lines) {
      assert.doesNotMatch(line, STACK_FRAME, line.slice(0, 500));
      for (const token of tokens) {
        assert.ok(!line.includes(token), `a log line holds a token: ${line.slice(0, 200)}`);
        assert.ok(!line.includes(token.split('.')[2]!), `a log line holds a token signature: ${line.slice(0, 200)}`);
      }
    }
  });
});

// ---------------------------------------------------------------------------------
// Generated manifests
// ---------------------------------------------------------------------------------

const scratch = scratchDirectories('mcp-oauth-fuzz-');

/** A manifest that loads, with something in every section. */
const BASE = {
  server: { name: 'fuzz', version: '1.0.0', title: 'Fuzz' },
  http: { host: '127.0.0.1', port: 0, path: '/mcp', allowedOrigins: ['https://app.example'] },
  auth: {
    provider: 'jwt',
    issuer: 'https://issuer.example',
    audience: 'https://api.example/mcp',
    algorithms: ['RS256'],
  },
  tools: [
    {
      name: 'echo',
      description: 'Echo',
      inputSchema: { type: 'object', properties: { text: { type: 'string', minLength: 1 } }, required: ['text'] },
      scopes: ['todo:read'],
      handler: './handlers/record.js#echo',
    },
    {
      name: 'write',
      inputSchema: { type: 'object' },
      outputSchema: { type: 'object', properties: { title: { type: 'string' } } },
      scopes: { anyOf: ['a', 'b'] },
      timeoutMs: 1000,
      handler: './handlers/record.js#write',
    },
  ],
  ...CONTENT,
};

/** Every path to a value in `value`. */
function pathsOf(value: unknown, at: (string | number)[] = []): (string | number)[][] {
  const here = [at];
  if (Array.isArray(value)) return [...here, ...value.flatMap((v, i) => pathsOf(v, [...at, i]))];
  if (value !== null && typeof value === 'object')
    return [...here, ...Object.entries(value).flatMap(([k, v]) => pathsOf(v, [...at, k]))];
  return here;
}
const BASE_PATHS = pathsOf(BASE).filter((p) => p.length > 0);

type Edit =
  | { path: (string | number)[]; change: 'set'; value: unknown }
  | { path: (string | number)[]; change: 'delete' }
  | { path: (string | number)[]; change: 'add'; key: string; value: unknown };
const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({
    path: fc.constantFrom(...BASE_PATHS),
    change: fc.constant('set' as const),
    value: fc.oneof(
      fc.jsonValue({ maxDepth: 2 }),
      fc.constantFrom(
        '${UNSET_VAR}',
        '../outside.js#x',
        './handlers/record.js#missing',
        '/etc/passwd',
        'worker',
        '^(a+)+$',
        -1,
        1e308,
        '',
      ),
    ),
  }),
  fc.record({ path: fc.constantFrom(...BASE_PATHS), change: fc.constant('delete' as const) }),
  fc.record({
    path: fc.constantFrom(...BASE_PATHS),
    change: fc.constant('add' as const),
    key: fc.oneof(
      fc.constantFrom('__proto__', 'constructor', 'isolation', 'pattern', '$ref'),
      fc.string({ maxLength: 8 }),
    ),
    value: fc.jsonValue({ maxDepth: 2 }),
  }),
);

function applyEdit(doc: unknown, e: Edit): unknown {
  const copy = structuredClone(doc) as Record<string | number, unknown>;
  const parent = e.path
    .slice(0, -1)
    .reduce<unknown>((node, key) => (node as Record<string | number, unknown> | undefined)?.[key], copy) as
    | Record<string | number, unknown>
    | undefined;
  const last = e.path.at(-1)!;
  if (parent === null || typeof parent !== 'object') return copy;
  if (e.change === 'set') parent[last] = e.value;
  else if (e.change === 'delete') Array.isArray(parent) ? parent.splice(Number(last), 1) : delete parent[last];
  else {
    const target = parent[last];
    if (target !== null && typeof target === 'object' && !Array.isArray(target))
      Object.defineProperty(target, e.key, { value: e.value, enumerable: true, writable: true, configurable: true });
  }
  return copy;
}

type Text = { format: 'json' | 'yaml'; text: string };
const manifestText: fc.Arbitrary<Text> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .tuple(
        fc.array(edit, { minLength: 1, maxLength: 3 }),
        fc.constantFrom('json', 'yaml') as fc.Arbitrary<'json' | 'yaml'>,
      )
      .map(([edits, format]) => {
        const doc = edits.reduce<unknown>(applyEdit, BASE);
        return { format, text: format === 'json' ? JSON.stringify(doc, null, 2) : toYaml(doc) };
      }),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.jsonValue({ maxDepth: 3 }), fc.constantFrom('json', 'yaml') as fc.Arbitrary<'json' | 'yaml'>)
      .map(([doc, format]) => ({ format, text: format === 'json' ? JSON.stringify(doc) : toYaml(doc) })),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.string({ maxLength: 80 }), fc.constantFrom('json', 'yaml') as fc.Arbitrary<'json' | 'yaml'>)
      .map(([text, format]) => ({ format, text })),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom<Text>(
      {
        format: 'yaml',
        text: 'a: &a [1]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n',
      },
      { format: 'yaml', text: 'server: {name: x, version: "1"}\nserver: {name: y, version: "2"}\n' },
      { format: 'yaml', text: 'base: &b {name: x}\nserver:\n  <<: *b\n' },
      { format: 'json', text: '{"server": {"name": "x", "version": "1"}, "server": {}}' },
      { format: 'json', text: '\uFEFF{"server": 1}' },
    ),
  },
);

/**
 * Loader answers that fall short of the rule (MANIFEST_INVALID, every problem with its
 * line) in src/config, which this file's author does not own: collected, shown by the
 * `todo` test below, and left out of the property so that it guards everything else.
 */
function knownGap(error: McpOAuthError): string | undefined {
  // The file is there: cosmiconfig reads a null document (null, ~, only a comment) as no config at all.
  if (error.code === 'MANIFEST_NOT_FOUND')
    return 'a manifest file whose document is null (null, ~, only a comment) is reported as not found (MANIFEST_NOT_FOUND)';
  const unlocated = error.problems.find((p) => p.line === undefined);
  if (!unlocated) return undefined;
  if (unlocated.message.startsWith('JSON syntax:'))
    return 'a JSON syntax error whose message has no position (Node 20: "Unexpected token ..., "..." is not valid JSON") has no line';
  if (unlocated.message.startsWith('YAML aliases expand too far')) return 'an alias bomb has no line';
  if (unlocated.message.startsWith('the manifest is empty')) return 'an empty manifest has no line';
  return undefined;
}
const gaps = new Map<string, string>();

describe('fuzz: generated manifests', () => {
  test(`every manifest either loads or fails with MANIFEST_INVALID and located problems (${MANIFEST_RUNS} runs or ${MANIFEST_TIME_LIMIT_MS / 1000} s)`, async (t) => {
    const dir = scratch();
    cpSync(join(FIXTURES, 'handlers'), join(dir, 'handlers'), { recursive: true });
    let runs = 0;
    let loaded = 0;
    await fc.assert(
      fc.asyncProperty(manifestText, async ({ format, text }) => {
        runs++;
        for (const ext of ['json', 'yaml']) rmSync(join(dir, `mcp-oauth.config.${ext}`), { force: true });
        const file = join(dir, `mcp-oauth.config.${format}`);
        writeFileSync(file, text);
        const shown = `${format}:\n${text.slice(0, 400)}`;
        let error: unknown;
        try {
          const manifest = await loadManifest({ cwd: dir, env: {} });
          loaded++;
          await manifest.release();
          return;
        } catch (thrown) {
          error = thrown;
        }
        assert.ok(
          error instanceof McpOAuthError,
          `not an McpOAuthError: ${String((error as Error)?.stack ?? error)}\n${shown}`,
        );
        const gap = knownGap(error);
        if (gap) return void gaps.set(gap, shown);
        assert.equal(error.code, 'MANIFEST_INVALID', `${error.code}: ${error.message}\n${shown}`);
        assert.ok(error.problems.length > 0, `no problems listed: ${error.message}\n${shown}`);
        for (const p of error.problems) {
          assert.equal(p.file, file, JSON.stringify(p));
          assert.ok(
            typeof p.message === 'string' && p.message.length > 0 && !STACK_FRAME.test(p.message),
            JSON.stringify(p),
          );
          assert.ok(Number.isInteger(p.line) && p.line! >= 1, `no line: ${JSON.stringify(p)}\n${shown}`);
        }
      }),
      { numRuns: MANIFEST_RUNS, interruptAfterTimeLimit: MANIFEST_TIME_LIMIT_MS, markInterruptAsFailure: false },
    );
    t.diagnostic(`${runs} manifests, ${loaded} loaded`);
    assert.ok(runs >= MIN_RUNS, `only ${runs} runs`);
    // Not vacuous: some edits leave a manifest that still loads, most break it.
    assert.ok(loaded > 0 && loaded < runs, `${loaded} of ${runs} loaded`);
  });

  test("the loader's known gaps are closed", () => {
    assert.deepEqual(
      [...gaps].map(([gap, example]) => `${gap}, e.g. ${example}`),
      [],
    );
  });
});

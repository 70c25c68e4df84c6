/**
 * The manifest-error table: each bad manifest yields exactly the listed problems
 * (path, message and, for YAML/JSON, line:column), all of them at once; and
 * `mcp-serve` exits 1 on a bad manifest with those lines, nothing started and no
 * stack trace. Beside the table: env interpolation, .env, where manifests are found.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, test } from 'node:test';
import { type LoadOptions, loadManifest, SEARCH_PLACES } from '../src/config/index.js';
import { McpOAuthError } from '../src/errors.js';
import { scratchDirectories } from './support/scratch.js';
import { FIXTURES, ROOT } from './support/server.js';

const scratch = scratchDirectories('mcp-oauth-config-');

/** An existing module outside every manifest directory (a sibling of them in the temp dir). */
const OUTSIDE = scratch();
writeFileSync(join(OUTSIDE, 'outside.js'), 'export function x() { return "outside"; }\n');

const yaml = (...lines: string[]) => `${lines.join('\n')}\n`;
const SERVER = 'server: {name: fixture, version: 1.0.0}';
const JWT = 'auth: {provider: jwt, issuer: https://issuer.example.com}';
/** A valid manifest up to `tools:` (lines 1-3); the tool starts on line 4. */
const TOOLS = [SERVER, JWT, 'tools:'];
/** A handler module with two function exports and one that is not a function. */
const writeGreet = (dir: string) =>
  writeFileSync(
    join(dir, 'handlers', 'greet.js'),
    'export function hello() { return "hi"; }\nexport const bye = () => "bye";\nexport const version = "1.0.0";\n',
  );
const oneTool = (handler: string, inputSchema = '{type: object}') =>
  yaml(...TOOLS, '  - name: echo', `    inputSchema: ${inputSchema}`, `    handler: ${handler}`);

/** [line, column, path, message]; line and column are undefined where the format gives none. */
type Expected = [line: number | undefined, column: number | undefined, path: string, message: string];

interface Case {
  /** What is wrong with the manifest. */
  name: string;
  /** The manifest text, written to `file` (default mcp-oauth.config.yaml) beside a copy of the fixture handlers. */
  text: string;
  file?: string;
  env?: Record<string, string>;
  /** Every problem, in the order reported (by position). */
  problems: Expected[] | ((dir: string) => Expected[]);
  setup?: (dir: string) => void;
}

const CASES: Case[] = [
  // Scopes
  {
    name: 'a scope with a space gets the colon form suggested',
    text: yaml(
      ...TOOLS,
      '  - name: echo',
      '    inputSchema: {type: object}',
      '    scopes: [todo write]',
      '    handler: ./handlers/record.js#echo',
    ),
    problems: [
      [6, 14, 'tools[0].scopes[0]', '"todo write" is not a valid scope token (no spaces); did you mean "todo:write"?'],
    ],
  },
  {
    name: 'a scope with a space inside scopes.anyOf',
    text: yaml(
      ...TOOLS,
      '  - name: echo',
      '    inputSchema: {type: object}',
      '    scopes: {anyOf: [todo:read, todo write]}',
      '    handler: ./handlers/record.js#echo',
    ),
    problems: [
      [
        6,
        33,
        'tools[0].scopes.anyOf[1]',
        '"todo write" is not a valid scope token (no spaces); did you mean "todo:write"?',
      ],
    ],
  },
  {
    name: 'a scope with a space in resource.scopes_supported',
    text: yaml(SERVER, JWT, 'resource: {scopes_supported: [todo write]}', 'tools: []'),
    problems: [
      [
        3,
        31,
        'resource.scopes_supported[0]',
        '"todo write" is not a valid scope token (no spaces); did you mean "todo:write"?',
      ],
    ],
  },
  // Keys, types and enums (the JSON Schema)
  {
    name: 'unknown keys get the nearest known key suggested (isuer, toools, prompt), and a missing required key is named',
    text: yaml('auth:', '  provider: jwt', '  isuer: https://issuer.example.com', 'toools: []', 'prompt: []'),
    problems: [
      [1, 1, '', 'missing required key "server"'],
      [3, 3, 'auth.isuer', 'unknown key "isuer"; did you mean "issuer"?'],
      [4, 1, 'toools', 'unknown key "toools"; did you mean "tools"?'],
      [5, 1, 'prompt', 'unknown key "prompt"; did you mean "prompts"?'],
    ],
  },
  {
    name: 'an unknown key with no near match lists the allowed keys',
    text: yaml('server: {name: fixture, version: 1.0.0, colour: red}', JWT, 'tools: []'),
    problems: [
      [1, 41, 'server.colour', 'unknown key "colour"; allowed keys: name, version, title, instructions, pageSize'],
    ],
  },
  {
    name: 'an unknown key in a JSON manifest is located and gets a suggestion',
    file: 'mcp-oauth.config.json',
    text: '{\n  "server": { "name": "fixture", "version": "1.0.0" },\n  "auth": { "provider": "jwt", "isuer": "https://issuer.example.com" },\n  "tools": []\n}\n',
    problems: [[3, 32, 'auth.isuer', 'unknown key "isuer"; did you mean "issuer"?']],
  },
  {
    name: 'three independent mistakes (missing required key, enum typo jwk, wrong type) are reported together',
    text: yaml(
      'server: {name: fixture}',
      'auth: {provider: jwk, issuer: https://issuer.example.com}',
      'tools:',
      '  - name: echo',
      '    inputSchema: {type: object}',
      '    handler: ./handlers/record.js#echo',
      '    timeoutMs: soon',
    ),
    problems: [
      [1, 9, 'server', 'missing required key "version"'],
      [2, 18, 'auth.provider', '"jwk" is not one of jwt, scalekit, dev, none; did you mean "jwt"?'],
      [7, 16, 'tools[0].timeoutMs', '"soon" is a string; expected an integer'],
    ],
  },
  {
    name: 'HS256 in auth.algorithms is refused with the asymmetric list',
    text: yaml(
      SERVER,
      'auth:',
      '  provider: jwt',
      '  issuer: https://issuer.example.com',
      '  algorithms: [RS256, HS256]',
      'tools: []',
    ),
    problems: [
      [
        5,
        23,
        'auth.algorithms[1]',
        '"HS256" is refused: only asymmetric algorithms are accepted (an HMAC key would have to be the public key); use one of RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA, Ed25519',
      ],
    ],
  },
  // Tool names
  {
    name: 'duplicate tool names and invalid ones (a space, 65 characters) each get a problem',
    text: yaml(
      ...TOOLS,
      '  - {name: echo, inputSchema: {type: object}, handler: ./handlers/record.js#echo}',
      '  - {name: echo, inputSchema: {type: object}, handler: ./handlers/record.js#write}',
      '  - {name: my tool, inputSchema: {type: object}, handler: ./handlers/record.js#remove}',
      `  - {name: ${'a'.repeat(65)}, inputSchema: {type: object}, handler: ./handlers/record.js#whoami}`,
    ),
    problems: [
      [5, 12, 'tools[1].name', 'duplicate tool name "echo" (also tools[0]); tool names must be unique'],
      [
        6,
        12,
        'tools[2].name',
        '"my tool" is not a valid tool name (1-64 characters of A-Z a-z 0-9 _ . -); did you mean "my_tool"?',
      ],
      [
        7,
        12,
        'tools[3].name',
        `"${'a'.repeat(65)}" is not a valid tool name (1-64 characters of A-Z a-z 0-9 _ . -); did you mean "${'a'.repeat(64)}"?`,
      ],
    ],
  },
  // Handlers
  {
    name: 'a handler file that does not exist',
    text: oneTool('./handlers/missing.js#echo'),
    problems: (dir) => [
      [
        6,
        14,
        'tools[0].handler',
        `"./handlers/missing.js#echo": no file at ${join(dir, 'handlers', 'missing.js')}; check the path (relative to the manifest)`,
      ],
    ],
  },
  {
    name: 'a handler path with .. escaping the manifest directory',
    text: oneTool(`../${basename(OUTSIDE)}/outside.js#x`),
    problems: [
      [
        6,
        14,
        'tools[0].handler',
        `"../${basename(OUTSIDE)}/outside.js#x" points outside the manifest's directory; handlers must live beside the manifest or below it`,
      ],
    ],
  },
  {
    name: 'a handler that is a symlink to a file outside the directory',
    text: oneTool('./handlers/link.js#x'),
    setup: (dir) => symlinkSync(join(OUTSIDE, 'outside.js'), join(dir, 'handlers', 'link.js')),
    problems: [
      [
        6,
        14,
        'tools[0].handler',
        `"./handlers/link.js#x" is a symlink that leads outside the manifest's directory (${realpathSync(join(OUTSIDE, 'outside.js'))}); copy the module inside instead`,
      ],
    ],
  },
  {
    name: 'a handler without the named export lists the functions the module exports',
    text: oneTool('./handlers/greet.js#helo'),
    setup: writeGreet,
    problems: [
      [6, 14, 'tools[0].handler', '"./handlers/greet.js#helo" has no export named "helo"; it exports "bye", "hello"'],
    ],
  },
  {
    name: 'a handler without #export and without a default export',
    text: oneTool('./handlers/greet.js'),
    setup: writeGreet,
    problems: [
      [
        6,
        14,
        'tools[0].handler',
        '"./handlers/greet.js" has no default export; it exports "bye", "hello"; add "#<name>" to name an export',
      ],
    ],
  },
  {
    name: 'a handler with a syntax error',
    text: oneTool('./handlers/broken.js#x'),
    setup: (dir) => writeFileSync(join(dir, 'handlers', 'broken.js'), 'export const x = () => { return 1 +; };\n'),
    problems: [
      [
        6,
        14,
        'tools[0].handler',
        '"./handlers/broken.js#x" failed to load: syntax error at handlers/broken.js:1:36: Unexpected token \';\'',
      ],
    ],
  },
  // Tool schemas
  {
    name: 'an inputSchema of another type than object',
    text: oneTool('./handlers/record.js#echo', '{type: array}'),
    problems: [
      [
        5,
        25,
        'tools[0].inputSchema.type',
        'inputSchema must be an object schema: add "type": "object" (MCP tool arguments and structured results are JSON objects)',
      ],
    ],
  },
  {
    name: 'an inputSchema without a type',
    text: oneTool('./handlers/record.js#echo', '{properties: {}}'),
    problems: [
      [
        5,
        18,
        'tools[0].inputSchema.type',
        'inputSchema must be an object schema: add "type": "object" (MCP tool arguments and structured results are JSON objects)',
      ],
    ],
  },
  {
    name: 'an inputSchema with a remote $ref',
    text: oneTool('./handlers/record.js#echo', '{type: object, properties: {a: {$ref: "https://example.com/a.json"}}}'),
    problems: [
      [
        5,
        56,
        'tools[0].inputSchema.properties.a.$ref',
        '"https://example.com/a.json" is not a local reference; only "#/..." refs are allowed (no remote or file $ref): inline the schema or put it under $defs',
      ],
    ],
  },
  {
    name: 'an inputSchema with a file $ref',
    text: oneTool('./handlers/record.js#echo', '{type: object, properties: {a: {$ref: "./a.schema.json#/a"}}}'),
    problems: [
      [
        5,
        56,
        'tools[0].inputSchema.properties.a.$ref',
        '"./a.schema.json#/a" is not a local reference; only "#/..." refs are allowed (no remote or file $ref): inline the schema or put it under $defs',
      ],
    ],
  },
  {
    name: 'an inputSchema that does not compile',
    text: oneTool('./handlers/record.js#echo', '{type: object, properties: {a: {type: nope}}}'),
    problems: [
      [
        5,
        18,
        'tools[0].inputSchema',
        'does not compile as JSON Schema 2020-12: schema is invalid: data/properties/a/type must be equal to one of the allowed values, data/properties/a/type must be array, data/properties/a/type must match a schema in anyOf',
      ],
    ],
  },
  // Prototype keys
  {
    name: 'a __proto__ key (JSON)',
    file: 'mcp-oauth.config.json',
    text: '{\n  "server": { "name": "fixture", "version": "1.0.0" },\n  "auth": { "provider": "jwt", "issuer": "https://issuer.example.com", "__proto__": { "admin": true } },\n  "tools": []\n}\n',
    problems: [
      [
        3,
        72,
        'auth.__proto__',
        'the key "__proto__" is not allowed anywhere in a manifest (prototype pollution); rename or remove it',
      ],
    ],
  },
  {
    name: 'a constructor key, even deep inside an inputSchema',
    text: oneTool('./handlers/record.js#echo', '{type: object, properties: {constructor: {type: string}}}'),
    problems: [
      [
        5,
        46,
        'tools[0].inputSchema.properties.constructor',
        'the key "constructor" is not allowed anywhere in a manifest (prototype pollution); rename or remove it',
      ],
    ],
  },
  // Unsafe or malformed YAML and JSON
  {
    name: 'a YAML merge key <<',
    text: yaml(
      'base: &base {provider: jwt}',
      SERVER,
      'auth:',
      '  <<: *base',
      '  issuer: https://issuer.example.com',
      'tools: []',
    ),
    problems: [
      [4, 3, '', 'YAML merge keys (<<) are not supported in a manifest; write the keys out where they are used'],
    ],
  },
  {
    // Billion laughs, six levels deep (9^6 strings): enough to trip the limit, small
    // enough that without the limit this case fails fast instead of exhausting memory.
    name: 'a YAML alias bomb (billion laughs)',
    text: yaml(
      'a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]',
      ...['b', 'c', 'd', 'e', 'f'].map((k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcde'[i]}`).join(', ')}]`),
      SERVER,
      JWT,
      'tools: []',
    ),
    problems: [
      [
        2,
        8,
        '',
        'YAML aliases expand too far (Excessive alias count indicates a resource exhaustion attack); a manifest may reuse a node through aliases at most 100 times',
      ],
    ],
  },
  {
    name: 'a duplicate YAML key',
    text: yaml(
      SERVER,
      'auth:',
      '  provider: jwt',
      '  issuer: https://a.example.com',
      '  issuer: https://b.example.com',
      'tools: []',
    ),
    problems: [[5, 3, '', 'YAML syntax: Map keys must be unique']],
  },
  {
    name: 'a JSON syntax error is located by line and column',
    file: 'mcp-oauth.config.json',
    text: '{\n  "server": { "name": "fixture", "version": "1.0.0" },\n  "auth": { "provider": "jwt", },\n  "tools": []\n}\n',
    problems: [[3, 32, '', 'JSON syntax: Expected double-quoted property name']],
  },
  // URLs and paths
  {
    name: 'resource.resource with a trailing slash is not the canonical publicUrl + path',
    text: yaml(
      SERVER,
      'http: {publicUrl: https://mcp.example.com, path: /mcp}',
      JWT,
      'resource: {resource: https://mcp.example.com/mcp/}',
      'tools: []',
    ),
    problems: [
      [
        4,
        22,
        'resource.resource',
        '"https://mcp.example.com/mcp/" must equal publicUrl + path exactly, "https://mcp.example.com/mcp" (the canonical form has no trailing slash) (RFC 9728 section 3.3); or leave it out and it is derived',
      ],
    ],
  },
  {
    name: 'a publicUrl with a path',
    text: yaml(SERVER, 'http: {publicUrl: https://mcp.example.com/mcp}', JWT, 'tools: []'),
    problems: [
      [
        2,
        19,
        'http.publicUrl',
        '"https://mcp.example.com/mcp" has a path; publicUrl is the origin only (e.g. "https://mcp.example.com") and the path goes in http.path (e.g. "/mcp")',
      ],
    ],
  },
  {
    name: 'an http.path with a trailing slash',
    text: yaml(SERVER, 'http: {path: /mcp/}', JWT, 'tools: []'),
    problems: [
      [
        2,
        14,
        'http.path',
        '"/mcp/" ends with "/"; write "/mcp": the resource URL clients compare is canonical, without a trailing slash',
      ],
    ],
  },
  // The shared store
  {
    name: 'a store URL that is not redis:// names the value (without its password) and the fix',
    text: yaml(SERVER, JWT, 'store: {url: "http://:hunter2@cache.internal:6379"}', 'tools: []'),
    problems: [
      [
        3,
        14,
        'store.url',
        '"http://:***@cache.internal:6379" is not a Redis URL (scheme "http"); write redis://host:6379, or rediss://host:6380 for TLS, with credentials through ${VAR} (redis://:${REDIS_PASSWORD}@host:6379)',
      ],
    ],
  },
  {
    name: 'a store URL that does not parse',
    text: yaml(SERVER, JWT, 'store: {url: "cache:6379"}', 'tools: []'),
    problems: [
      [
        3,
        14,
        'store.url',
        '"cache:6379" is not a Redis URL (scheme "cache"); write redis://host:6379, or rediss://host:6380 for TLS, with credentials through ${VAR} (redis://:${REDIS_PASSWORD}@host:6379)',
      ],
    ],
  },
  {
    name: 'a store without a URL, and an unknown store key',
    text: yaml(SERVER, JWT, 'store: {keyprefix: "x:"}', 'tools: []'),
    problems: [
      [3, 8, 'store', 'missing required key "url"'],
      [3, 9, 'store.keyprefix', 'unknown key "keyprefix"; did you mean "keyPrefix"?'],
    ],
  },
  // Providers
  {
    name: 'provider none on host 0.0.0.0',
    text: yaml(SERVER, 'http: {host: 0.0.0.0}', 'auth: {provider: none}', 'tools: []'),
    problems: [
      [
        3,
        18,
        'auth.provider',
        'provider "none" serves without any authorization and is refused on a non-loopback host (http.host is "0.0.0.0"); bind 127.0.0.1 or configure provider "jwt"',
      ],
    ],
  },
  {
    name: 'provider jwt without an issuer',
    text: yaml(SERVER, 'auth: {provider: jwt}', 'tools: []'),
    problems: [[2, 7, 'auth', 'auth.provider "jwt" needs auth.issuer (the authorization server\'s issuer URL)']],
  },
  {
    name: 'provider scalekit without a resourceId',
    text: yaml(SERVER, 'auth: {provider: scalekit, environmentUrl: https://acme.scalekit.dev}', 'tools: []'),
    problems: [
      [2, 7, 'auth', 'auth.provider "scalekit" needs auth.resourceId (the res_... id of this MCP server in Scalekit)'],
    ],
  },
  {
    name: 'an http issuer on a non-loopback host',
    text: yaml(SERVER, 'auth: {provider: jwt, issuer: http://auth.example.com}', 'tools: []'),
    problems: [
      [
        2,
        31,
        'auth.issuer',
        '"http://auth.example.com" must use https (plain http is accepted only for loopback addresses)',
      ],
    ],
  },
  // Environment
  {
    name: 'a missing environment variable is named, once, where it is used',
    text: yaml(SERVER, 'auth:', '  provider: jwt', '  issuer: ${ISSUER}', 'tools: []'),
    problems: [
      [
        4,
        11,
        'auth.issuer',
        'environment variable ISSUER is not set; set it in the environment or in a .env file beside the manifest, or give a default: ${ISSUER:-value}',
      ],
    ],
  },
  {
    name: 'an environment value that is not a number where one is expected',
    text: yaml(SERVER, 'http: {port: "${PORT:-3000}"}', JWT, 'tools: []'),
    env: { PORT: 'abc' },
    problems: [[2, 14, 'http.port', '"abc" is a string; expected an integer']],
  },
  // Where the manifest comes from
  {
    name: 'a mistake in package.json#mcp-oauth is located inside package.json',
    file: 'package.json',
    text: JSON.stringify(
      {
        name: 'app',
        'mcp-oauth': {
          server: { name: 'fixture', version: '1.0.0' },
          auth: { provider: 'jwk', issuer: 'https://issuer.example.com' },
          tools: [],
        },
      },
      null,
      2,
    ),
    problems: [[9, 19, 'auth.provider', '"jwk" is not one of jwt, scalekit, dev, none; did you mean "jwt"?']],
  },
  {
    name: 'an empty manifest file found by the search is reported as empty, not as missing',
    text: '',
    problems: [
      [1, 1, '', 'the manifest is empty; start from examples/todo/mcp-oauth.config.yaml, or run npx mcp-serve init'],
    ],
  },
  {
    name: 'a manifest whose document is null (only a comment) is reported as empty, not as missing',
    text: '# nothing yet\n',
    problems: [
      [1, 1, '', 'the manifest is empty; start from examples/todo/mcp-oauth.config.yaml, or run npx mcp-serve init'],
    ],
  },
];

/** Loads and returns the error; fails the test if the manifest loads. */
async function loadError(options: LoadOptions): Promise<McpOAuthError> {
  try {
    await loadManifest(options);
  } catch (error) {
    assert.ok(error instanceof McpOAuthError, `expected an McpOAuthError, got ${String(error)}`);
    return error;
  }
  assert.fail('the manifest loaded; expected it to be refused');
}

/** A fresh directory holding `files` (name → text) and a copy of the fixture handlers. */
function manifestDir(files: Record<string, string>): string {
  const dir = scratch();
  cpSync(join(FIXTURES, 'handlers'), join(dir, 'handlers'), { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('manifest-error table', () => {
  for (const c of CASES) {
    test(c.name, async () => {
      const dir = manifestDir({});
      c.setup?.(dir);
      const file = join(dir, c.file ?? 'mcp-oauth.config.yaml');
      writeFileSync(file, c.text);
      const error = await loadError({ cwd: dir, env: c.env ?? {} });
      assert.equal(error.code, 'MANIFEST_INVALID');
      const expected = (typeof c.problems === 'function' ? c.problems(dir) : c.problems).map(
        ([line, column, path, message]) => ({
          file,
          path,
          message,
          ...(line !== undefined && { line, column }),
        }),
      );
      assert.deepEqual(error.problems, expected);
    });
  }
});

describe('environment interpolation', () => {
  const manifest = yaml(
    SERVER,
    'http: {port: "${PORT:-3000}"}',
    'auth: {provider: jwt, issuer: "${ISSUER}"}',
    'tools: []',
  );

  test('${PORT:-3000} falls back to its default, coerced to a number; a set PORT wins', async () => {
    const dir = manifestDir({ 'mcp-oauth.config.yaml': manifest });
    const byDefault = await loadManifest({ cwd: dir, env: { ISSUER: 'https://issuer.example.com' } });
    assert.equal(byDefault.manifest.http.port, 3000);
    const fromEnv = await loadManifest({ cwd: dir, env: { ISSUER: 'https://issuer.example.com', PORT: '8080' } });
    assert.equal(fromEnv.manifest.http.port, 8080);
  });

  test('a .env beside the manifest supplies variables; the environment wins over it', async () => {
    const dir = manifestDir({
      'mcp-oauth.config.yaml': manifest,
      '.env': 'ISSUER=https://dotenv.example.com\nPORT=4000\n',
    });
    const fromDotEnv = await loadManifest({ cwd: dir, env: {} });
    assert.deepEqual(fromDotEnv.manifest.auth.provider === 'jwt' && fromDotEnv.manifest.auth.issuers, [
      'https://dotenv.example.com',
    ]);
    assert.equal(fromDotEnv.manifest.http.port, 4000);
    assert.deepEqual(fromDotEnv.dotEnv, { ISSUER: 'https://dotenv.example.com', PORT: '4000' });
    const envWins = await loadManifest({ cwd: dir, env: { ISSUER: 'https://env.example.com' } });
    assert.deepEqual(envWins.manifest.auth.provider === 'jwt' && envWins.manifest.auth.issuers, [
      'https://env.example.com',
    ]);
    assert.equal(envWins.manifest.http.port, 4000);
  });
});

describe('finding the manifest', () => {
  const valid = {
    server: { name: 'found', version: '1.0.0' },
    auth: { provider: 'jwt', issuer: 'https://issuer.example.com' },
    tools: [],
  };

  test('the search finds .mcp-oauthrc.yaml', async () => {
    const dir = manifestDir({ '.mcp-oauthrc.yaml': yaml('server: {name: found, version: 1.0.0}', JWT, 'tools: []') });
    const loaded = await loadManifest({ cwd: dir, env: {} });
    assert.equal(loaded.manifest.file, join(dir, '.mcp-oauthrc.yaml'));
    assert.equal(loaded.manifest.server.name, 'found');
  });

  test('the search finds package.json#mcp-oauth', async () => {
    const dir = manifestDir({ 'package.json': JSON.stringify({ name: 'app', 'mcp-oauth': valid }) });
    const loaded = await loadManifest({ cwd: dir, env: {} });
    assert.equal(loaded.manifest.file, join(dir, 'package.json'));
    assert.equal(loaded.manifest.server.name, 'found');
  });

  test('an empty directory (or a package.json without "mcp-oauth") is MANIFEST_NOT_FOUND, listing where it looked', async () => {
    for (const files of [{}, { 'package.json': JSON.stringify({ name: 'app' }) }] as Record<string, string>[]) {
      const dir = manifestDir(files);
      const error = await loadError({ cwd: dir, env: {} });
      assert.equal(error.code, 'MANIFEST_NOT_FOUND');
      assert.deepEqual(error.problems, []);
      assert.match(
        error.message,
        new RegExp(`^No manifest found in ${dir}\\. Create mcp-oauth\\.config\\.json \\(or \\.yaml\\)`),
      );
      assert.match(error.message, /pass --config PATH/);
      assert.ok(error.message.endsWith(`\nLooked for: ${SEARCH_PLACES.join(', ')}`), error.message);
      // It must not send the user to a command that does not exist (the CLI has serve and validate only).
      assert.doesNotMatch(error.message, /mcp-serve init/);
    }
  });

  test('--config pointing to a missing file is MANIFEST_NOT_FOUND, naming the path', async () => {
    const dir = manifestDir({});
    const error = await loadError({ cwd: dir, configPath: 'nope.yaml', env: {} });
    assert.equal(error.code, 'MANIFEST_NOT_FOUND');
    assert.equal(error.message, `No manifest at ${join(dir, 'nope.yaml')}; check --config`);
  });
});

describe('mcp-serve on a bad manifest', () => {
  const BIN = join(ROOT, 'dist', 'src', 'bin.js');
  const THREE = 'test/fixtures/manifests/three-mistakes.yaml';
  const THREE_LINES = `${[
    '3 problems in the manifest:',
    `  ${THREE}:3:3  server: missing required key "version"`,
    `  ${THREE}:5:13  auth.provider: "jwk" is not one of jwt, scalekit, dev, none; did you mean "jwt"?`,
    `  ${THREE}:11:16  tools[0].timeoutMs: "soon" is a string; expected an integer`,
  ].join('\n')}\n`;

  /** Runs the CLI from the repository root, without test-runner or manifest variables in its environment. */
  function cli(args: string[], env: Record<string, string> = {}) {
    const inherited = Object.fromEntries(
      Object.entries(process.env).filter(
        ([k]) => !['ISSUER', 'PORT', 'MCP_PUBLIC_URL', 'NODE_TEST_CONTEXT'].includes(k),
      ),
    );
    const result = spawnSync(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 15_000,
      env: { ...inherited, ...env },
    });
    assert.equal(result.error, undefined, 'the CLI should exit on its own');
    assert.equal(result.signal, null, 'the CLI should exit on its own, not be killed');
    return result;
  }

  const noStackTrace = (stderr: string) => assert.doesNotMatch(stderr, /^\s+at /m, 'no stack trace');

  test('validate exits 1 and lists every problem as file:line:col  path: message', () => {
    const { status, stdout, stderr } = cli(['validate', '--config', THREE]);
    assert.equal(status, 1);
    assert.equal(stdout, '');
    assert.equal(stderr, THREE_LINES);
    noStackTrace(stderr);
  });

  test('serve exits 1 with the same problems and starts nothing', () => {
    const { status, stdout, stderr } = cli(['--config', THREE, '--port', '0']);
    assert.equal(status, 1);
    assert.equal(stdout, '', 'no banner: nothing was started');
    assert.equal(stderr, THREE_LINES);
    noStackTrace(stderr);
  });

  test('serve on a JSON syntax error exits 1 with its line and column', () => {
    const { status, stdout, stderr } = cli(['--config', 'test/fixtures/manifests/syntax-error.json', '--port', '0']);
    assert.equal(status, 1);
    assert.equal(stdout, '');
    assert.equal(
      stderr,
      '1 problem in the manifest:\n  test/fixtures/manifests/syntax-error.json:3:32  JSON syntax: Expected double-quoted property name\n',
    );
    noStackTrace(stderr);
  });

  test('--config pointing to a missing file exits 1 naming the path', () => {
    for (const args of [['validate'], []]) {
      const { status, stdout, stderr } = cli([
        ...args,
        '--config',
        'test/fixtures/manifests/missing.yaml',
        '--port',
        '0',
      ]);
      assert.equal(status, 1);
      assert.equal(stdout, '');
      assert.equal(stderr, `No manifest at ${join(ROOT, 'test/fixtures/manifests/missing.yaml')}; check --config\n`);
    }
  });

  test('validate on the todo example exits 0 and prints the tool table', () => {
    const { status, stdout, stderr } = cli(['validate', '--config', 'examples/todo/mcp-oauth.config.yaml'], {
      ISSUER: 'http://127.0.0.1:9',
    });
    assert.equal(stderr, '');
    assert.equal(status, 0);
    assert.equal(
      stdout,
      [
        '✔ examples/todo/mcp-oauth.config.yaml is valid',
        '  server         todo 1.0.0',
        '  resource       http://127.0.0.1:3000/mcp',
        '  authorization  jwt: issuer http://127.0.0.1:9 (JWKS discovered from the issuer)',
        '',
        '  Tools (5)',
        '    name         scopes',
        '    create_todo  todo:write',
        '    list_todos   todo:read',
        '    get_todo     todo:read',
        '    update_todo  todo:write',
        '    delete_todo  any of: todo:write, todo:admin',
        '',
      ].join('\n'),
    );
  });
});

/**
 * The manifest checks one by one, without a file: each kind of finding with its exact
 * path and message. Locating findings as line:column is config.test.ts's table.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type CheckedManifest,
  checkForbiddenKeys,
  checkSchema,
  checkSemantics,
  closest,
  type Finding,
} from '../../../src/config/check.js';

const SERVER = { name: 'fixture', version: '1.0.0' };
const JWT = { provider: 'jwt', issuer: 'https://issuer.example.com' };
/** The smallest manifest the schema accepts. */
const BASE = { server: SERVER, auth: JWT };
const tool = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  inputSchema: { type: 'object' },
  handler: './handlers/record.js#echo',
  ...extra,
});
const ALGORITHMS = 'RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA, Ed25519';
const SPACE_IN_SCOPE = (scope: string, fixed: string) =>
  `"${scope}" is not a valid scope token (no spaces); did you mean "${fixed}"?`;
const HMAC_REFUSED = (alg: string) =>
  `"${alg}" is refused: only asymmetric algorithms are accepted (an HMAC key would have to be the public key); use one of ${ALGORITHMS}`;

interface Case<T> {
  description: string;
  input: T;
  expected: Finding[];
}

describe('checkSchema', () => {
  const cases: Case<unknown>[] = [
    { description: 'a minimal manifest passes', input: BASE, expected: [] },
    {
      description: 'every missing required key is named, at the object that lacks it',
      input: {},
      expected: [
        { path: [], message: 'missing required key "server"' },
        { path: [], message: 'missing required key "auth"' },
      ],
    },
    {
      description: 'a missing nested key is reported at its parent',
      input: { ...BASE, server: { version: '1.0.0' } },
      expected: [{ path: ['server'], message: 'missing required key "name"' }],
    },
    {
      description: 'a document that is not an object',
      input: [],
      expected: [{ path: [], message: '[] is an array; expected an object' }],
    },
    {
      description: 'an unknown key close to a known one gets it suggested, located at the key',
      input: { ...BASE, tool: [] },
      expected: [{ path: ['tool'], atKey: true, message: 'unknown key "tool"; did you mean "tools"?' }],
    },
    {
      description: 'an unknown nested key is suggested from its own object',
      input: { ...BASE, http: { prot: 3000 } },
      expected: [{ path: ['http', 'prot'], atKey: true, message: 'unknown key "prot"; did you mean "port"?' }],
    },
    {
      description: 'an unknown key far from every known one lists the allowed keys',
      input: { ...BASE, zzzzzz: 1 },
      expected: [
        {
          path: ['zzzzzz'],
          atKey: true,
          message:
            'unknown key "zzzzzz"; allowed keys: $schema, server, http, auth, resource, tools, resources, resourceTemplates, prompts, isolation, tasks, store',
        },
      ],
    },
    {
      description: 'a value of the wrong type names both types',
      input: { ...BASE, http: { port: 'abc' } },
      expected: [{ path: ['http', 'port'], message: '"abc" is a string; expected an integer' }],
    },
    {
      description: 'null where an object is expected reads as a sentence',
      input: { ...BASE, http: null },
      expected: [{ path: ['http'], message: 'null; expected an object' }],
    },
    {
      description: 'a value outside an enum gets the closest allowed value',
      input: { ...BASE, auth: { provider: 'jwtt' } },
      expected: [
        { path: ['auth', 'provider'], message: '"jwtt" is not one of jwt, scalekit, dev, none; did you mean "jwt"?' },
      ],
    },
    {
      description: 'a value outside an enum with no close value lists them only',
      input: { ...BASE, auth: { provider: 'oauth' } },
      expected: [{ path: ['auth', 'provider'], message: '"oauth" is not one of jwt, scalekit, dev, none' }],
    },
    {
      description: 'an HMAC algorithm is refused with the reason (RFC 8725 section 3.1)',
      input: { ...BASE, auth: { ...JWT, algorithms: ['RS256', 'HS256'] } },
      expected: [{ path: ['auth', 'algorithms', 1], message: HMAC_REFUSED('HS256') }],
    },
    {
      description: 'alg "none" is refused like HMAC',
      input: { ...BASE, auth: { ...JWT, algorithms: ['none'] } },
      expected: [{ path: ['auth', 'algorithms', 0], message: HMAC_REFUSED('none') }],
    },
    {
      description: 'a URL that is not one asks for an absolute URL',
      input: { ...BASE, auth: { provider: 'jwt', issuer: 'not a url' } },
      expected: [
        {
          path: ['auth', 'issuer'],
          message: '"not a url" is not a valid uri; write an absolute URL such as https://example.com',
        },
      ],
    },
    {
      description: 'a pattern other than tool names and scopes is quoted',
      input: { ...BASE, http: { path: 'mcp' } },
      expected: [{ path: ['http', 'path'], message: '"mcp" does not match ^/' }],
    },
    {
      description: "other keywords use Ajv's message after the value",
      input: { ...BASE, http: { port: -1 } },
      expected: [{ path: ['http', 'port'], message: '-1 must be >= 0' }],
    },
    {
      description: 'a tool name the pattern refuses is left to checkSemantics (which suggests a name)',
      input: { ...BASE, tools: [tool('get weather!')] },
      expected: [],
    },
    {
      description: 'a tool scope the pattern refuses gets the scope-token message, in the same report as the rest',
      input: { ...BASE, tools: [tool('echo', { scopes: ['todo write'] })] },
      expected: [{ path: ['tools', 0, 'scopes', 0], message: SPACE_IN_SCOPE('todo write', 'todo:write') }],
    },
    {
      description: 'resource, template and prompt scopes and resource.scopes_supported get the same message',
      input: {
        ...BASE,
        resources: [{ uri: 'docs://a', name: 'a', text: 'x', scopes: ['a b'] }],
        resourceTemplates: [{ uriTemplate: 'docs://{id}', name: 't', handler: './h.js', scopes: { anyOf: ['c d'] } }],
        prompts: [{ name: 'p', handler: './h.js', scopes: ['e f'] }],
        resource: { scopes_supported: ['g h'] },
      },
      expected: [
        { path: ['resource', 'scopes_supported', 0], message: SPACE_IN_SCOPE('g h', 'g:h') },
        { path: ['resources', 0, 'scopes', 0], message: SPACE_IN_SCOPE('a b', 'a:b') },
        { path: ['resourceTemplates', 0, 'scopes', 'anyOf', 0], message: SPACE_IN_SCOPE('c d', 'c:d') },
        { path: ['prompts', 0, 'scopes', 0], message: SPACE_IN_SCOPE('e f', 'e:f') },
      ],
    },
    {
      description: 'inside a oneOf, the error of the branch that was meant is kept, the other branch dropped',
      input: { ...BASE, tools: [tool('echo', { scopes: { anyOf: 'todo:read' } })] },
      expected: [{ path: ['tools', 0, 'scopes', 'anyOf'], message: '"todo:read" is a string; expected an array' }],
    },
    {
      description: 'a oneOf whose value is of the type of one branch reports that branch only',
      input: { ...BASE, auth: { ...JWT, audience: '' } },
      expected: [{ path: ['auth', 'audience'], message: '"" must NOT have fewer than 1 characters' }],
    },
    {
      description: 'an object meant as { anyOf } reports its own keys, not that it is no list',
      input: { ...BASE, tools: [tool('echo', { scopes: { anyof: ['a'] } })] },
      expected: [
        { path: ['tools', 0, 'scopes'], message: 'missing required key "anyOf"' },
        { path: ['tools', 0, 'scopes', 'anyof'], atKey: true, message: 'unknown key "anyof"; did you mean "anyOf"?' },
      ],
    },
    {
      description: 'a value that fits no branch of a oneOf: one problem, naming the forms to write',
      input: { ...BASE, tools: [tool('echo', { scopes: 'a' })] },
      expected: [
        {
          path: ['tools', 0, 'scopes'],
          message: '"a" is a string; expected a list of scope strings, or { anyOf: [...] }; did you mean ["a"]?',
        },
      ],
    },
    {
      description: 'null where scopes are expected: one problem',
      input: { ...BASE, prompts: [{ name: 'p', handler: './h.js', scopes: null }] },
      expected: [
        { path: ['prompts', 0, 'scopes'], message: 'null; expected a list of scope strings, or { anyOf: [...] }' },
      ],
    },
    {
      description: 'an audience of neither form: one problem, naming both',
      input: { ...BASE, auth: { ...JWT, audience: { a: 1 } } },
      expected: [
        { path: ['auth', 'audience'], message: '{"a":1} is an object; expected a non-empty string, or a list of them' },
      ],
    },
    {
      description: 'a completion of neither form: one problem, naming both',
      input: { ...BASE, prompts: [{ name: 'p', handler: './h.js', complete: { a: {} } }] },
      expected: [
        {
          path: ['prompts', 0, 'complete', 'a'],
          message: '{} is an object; expected a list of values, or a handler spec such as "./complete.js#city"',
        },
      ],
    },
    {
      description: 'every tool missing keys is reported, each key once',
      input: { ...BASE, tools: [{ name: 'echo' }] },
      expected: [
        { path: ['tools', 0], message: 'missing required key "inputSchema"' },
        { path: ['tools', 0], message: 'missing required key "handler"' },
      ],
    },
  ];
  for (const { description, input, expected } of cases) {
    test(description, () => assert.deepEqual(checkSchema(input), expected));
  }

  test('a number given as a string (as env values are) is coerced in place', () => {
    const manifest = { ...BASE, http: { port: '3000', sessions: 'false' } };
    assert.deepEqual(checkSchema(manifest), []);
    assert.deepEqual(manifest.http, { port: 3000, sessions: false });
  });
});

describe('checkForbiddenKeys', () => {
  const message = (key: string) =>
    `the key "${key}" is not allowed anywhere in a manifest (prototype pollution); rename or remove it`;
  const cases: Case<unknown>[] = [
    { description: 'plain keys pass', input: { a: { b: [1, { c: 'constructor' }] } }, expected: [] },
    { description: 'scalars pass', input: 'prototype', expected: [] },
    {
      description: '__proto__, constructor and prototype are found at any depth, inside arrays too',
      input: JSON.parse('{"a":{"__proto__":{"x":1}},"b":[{"constructor":1}],"prototype":2}'),
      expected: [
        { path: ['a', '__proto__'], atKey: true, message: message('__proto__') },
        { path: ['b', 0, 'constructor'], atKey: true, message: message('constructor') },
        { path: ['prototype'], atKey: true, message: message('prototype') },
      ],
    },
    {
      description: 'below a forbidden key nothing more is reported',
      input: JSON.parse('{"__proto__":{"constructor":{}}}'),
      expected: [{ path: ['__proto__'], atKey: true, message: message('__proto__') }],
    },
  ];
  for (const { description, input, expected } of cases) {
    test(description, () => assert.deepEqual(checkForbiddenKeys(input), expected));
  }
});

/** A schema-valid manifest with its lists defaulted, as checkSemantics receives it. */
const checked = (over: Partial<CheckedManifest> = {}): CheckedManifest => ({
  server: SERVER,
  auth: { provider: 'jwt', issuer: 'https://issuer.example.com' },
  tools: [],
  resources: [],
  resourceTemplates: [],
  prompts: [],
  ...over,
});

describe('checkSemantics', () => {
  const cases: Case<CheckedManifest>[] = [
    { description: 'a minimal manifest passes', input: checked(), expected: [] },

    // Tools
    {
      description: 'an invalid tool name gets a valid one suggested',
      input: checked({ tools: [tool('get weather!')] }),
      expected: [
        {
          path: ['tools', 0, 'name'],
          message:
            '"get weather!" is not a valid tool name (1-64 characters of A-Z a-z 0-9 _ . -); did you mean "get_weather_"?',
        },
      ],
    },
    {
      description: 'an empty tool name gets "tool" suggested',
      input: checked({ tools: [tool('')] }),
      expected: [
        {
          path: ['tools', 0, 'name'],
          message: '"" is not a valid tool name (1-64 characters of A-Z a-z 0-9 _ . -); did you mean "tool"?',
        },
      ],
    },
    {
      description: 'a second tool of the same name names the first',
      input: checked({ tools: [tool('a'), tool('b'), tool('a')] }),
      expected: [
        { path: ['tools', 2, 'name'], message: 'duplicate tool name "a" (also tools[0]); tool names must be unique' },
      ],
    },

    // Scopes (RFC 6749 section 3.3: scope-token is %x21 / %x23-5B / %x5D-7E)
    {
      description: 'a scope with a space gets the colon form suggested',
      input: checked({ tools: [tool('a', { scopes: ['todo write'] })] }),
      expected: [
        {
          path: ['tools', 0, 'scopes', 0],
          message: '"todo write" is not a valid scope token (no spaces); did you mean "todo:write"?',
        },
      ],
    },
    {
      description: 'a scope with a backslash, inside anyOf, gets it dropped in the suggestion',
      input: checked({ tools: [tool('a', { scopes: { anyOf: ['todo:read', 'todo\\x'] } })] }),
      expected: [
        {
          path: ['tools', 0, 'scopes', 'anyOf', 1],
          message:
            '"todo\\\\x" is not a valid scope token (printable ASCII without spaces, quotes or backslashes); did you mean "todox"?',
        },
      ],
    },
    {
      description: 'a scope with nothing valid left suggests nothing',
      input: checked({ tools: [tool('a', { scopes: ['tödo'] })] }),
      expected: [
        {
          path: ['tools', 0, 'scopes', 0],
          message: '"tödo" is not a valid scope token (printable ASCII without spaces, quotes or backslashes)',
        },
      ],
    },
    {
      description: 'resource.scopes_supported is checked like item scopes',
      input: checked({ resource: { scopes_supported: ['ok', 'a b'] } }),
      expected: [
        {
          path: ['resource', 'scopes_supported', 1],
          message: '"a b" is not a valid scope token (no spaces); did you mean "a:b"?',
        },
      ],
    },

    // Resources
    {
      description: 'a resource URI without a scheme gets one suggested',
      input: checked({ resources: [{ uri: '/readme', name: 'r', text: 'x' }] }),
      expected: [
        {
          path: ['resources', 0, 'uri'],
          message: '"/readme" is not an absolute URI; give it a scheme, e.g. "docs://readme"',
        },
      ],
    },
    {
      description: 'a resource without content',
      input: checked({ resources: [{ uri: 'docs://a', name: 'r' }] }),
      expected: [{ path: ['resources', 0], message: 'give the content: one of text, blob, file or handler' }],
    },
    {
      description: 'a resource with two contents names both',
      input: checked({ resources: [{ uri: 'docs://a', name: 'r', text: 'x', file: './a.txt' }] }),
      expected: [
        { path: ['resources', 0], message: 'give exactly one of text, blob, file or handler, not text and file' },
      ],
    },
    {
      description: 'a second resource of the same URI names the first',
      input: checked({
        resources: [
          { uri: 'docs://a', name: 'r', text: 'x' },
          { uri: 'docs://a', name: 's', text: 'y' },
        ],
      }),
      expected: [
        {
          path: ['resources', 1, 'uri'],
          message: 'duplicate resource URI "docs://a" (also resources[0]); resource URIs must be unique',
        },
      ],
    },
    {
      description: 'a blob that is not base64 (whitespace in base64 is allowed)',
      input: checked({
        resources: [
          { uri: 'docs://a', name: 'a', blob: 'aGVs\n bG8=' },
          { uri: 'docs://b', name: 'b', blob: 'not base64!' },
        ],
      }),
      expected: [
        {
          path: ['resources', 1, 'blob'],
          message: 'is not base64; encode the bytes with base64 (e.g. `base64 -w0 file`)',
        },
      ],
    },

    // Resource templates
    {
      description: 'a template without a variable',
      input: checked({ resourceTemplates: [{ uriTemplate: 'docs://a', name: 't', handler: './h.js' }] }),
      expected: [
        {
          path: ['resourceTemplates', 0, 'uriTemplate'],
          message: '"docs://a" has no {variable}; use resources for a fixed URI',
        },
      ],
    },
    {
      description: 'completion for a name that is not a variable (RFC 6570 operators and modifiers understood)',
      input: checked({
        resourceTemplates: [
          {
            uriTemplate: 'docs://{id}{?q,lang*}',
            name: 't',
            handler: './h.js',
            complete: { id: ['1'], q: ['x'], lang: ['en'], nope: ['x'] },
          },
        ],
      }),
      expected: [
        {
          path: ['resourceTemplates', 0, 'complete', 'nope'],
          atKey: true,
          message: '"nope" is not a variable of docs://{id}{?q,lang*} (its variables: id, q, lang)',
        },
      ],
    },

    // Prompts
    {
      description: 'a prompt with neither messages nor a handler',
      input: checked({ prompts: [{ name: 'p' }] }),
      expected: [{ path: ['prompts', 0], message: 'give the prompt messages or a handler' }],
    },
    {
      description: 'a prompt with both messages and a handler',
      input: checked({ prompts: [{ name: 'p', handler: './h.js', messages: [{ role: 'user', text: 'hi' }] }] }),
      expected: [{ path: ['prompts', 0], message: 'give messages or a handler, not both' }],
    },
    {
      description: 'duplicate arguments, a message without text, an undeclared {{placeholder}} and completion',
      input: checked({
        prompts: [
          {
            name: 'p',
            arguments: [{ name: 'a' }, { name: 'a' }],
            messages: [{ role: 'user' }, { role: 'user', text: 'hi {{ a }} {{b}}' }],
            complete: { a: ['x'], c: ['y'] },
          },
        ],
      }),
      expected: [
        {
          path: ['prompts', 0, 'arguments', 1, 'name'],
          message: 'duplicate argument name "a" (also prompts[0].arguments[0]); argument names must be unique',
        },
        { path: ['prompts', 0, 'messages', 0], message: 'give text or content (one of them)' },
        {
          path: ['prompts', 0, 'messages', 1, 'text'],
          message: '{{b}} is not an argument of this prompt; declare it under arguments (declared: a, a)',
        },
        {
          path: ['prompts', 0, 'complete', 'c'],
          atKey: true,
          message: '"c" is not an argument of this prompt (declared: a, a)',
        },
      ],
    },

    // http and resource (RFC 9728 section 3.3)
    {
      description: 'an MCP path with a trailing slash',
      input: checked({ http: { path: '/mcp/' } }),
      expected: [
        {
          path: ['http', 'path'],
          message:
            '"/mcp/" ends with "/"; write "/mcp": the resource URL clients compare is canonical, without a trailing slash',
        },
      ],
    },
    { description: 'the root path is not a trailing slash', input: checked({ http: { path: '/' } }), expected: [] },
    {
      description: 'an MCP path with a query',
      input: checked({ http: { path: '/mcp?x=1' } }),
      expected: [
        {
          path: ['http', 'path'],
          message: '"/mcp?x=1" contains a query or fragment; the MCP path is a plain path such as /mcp',
        },
      ],
    },
    {
      description: 'a publicUrl with a path says where the path goes',
      input: checked({ http: { publicUrl: 'https://mcp.example.com/mcp/' } }),
      expected: [
        {
          path: ['http', 'publicUrl'],
          message:
            '"https://mcp.example.com/mcp/" has a path; publicUrl is the origin only (e.g. "https://mcp.example.com") and the path goes in http.path (e.g. "/mcp")',
        },
      ],
    },
    {
      description: 'a publicUrl that is not http(s)',
      input: checked({ http: { publicUrl: 'ftp://mcp.example.com' } }),
      expected: [{ path: ['http', 'publicUrl'], message: '"ftp://mcp.example.com" must be an http(s) URL' }],
    },
    {
      description: 'resource.resource equal to publicUrl + path passes',
      input: checked({
        http: { publicUrl: 'https://mcp.example.com' },
        resource: { resource: 'https://mcp.example.com/mcp' },
      }),
      expected: [],
    },
    {
      description: 'resource.resource with a trailing slash is told the canonical form',
      input: checked({
        http: { publicUrl: 'https://mcp.example.com' },
        resource: { resource: 'https://mcp.example.com/mcp/' },
      }),
      expected: [
        {
          path: ['resource', 'resource'],
          message:
            '"https://mcp.example.com/mcp/" must equal publicUrl + path exactly, "https://mcp.example.com/mcp" (the canonical form has no trailing slash) (RFC 9728 section 3.3); or leave it out and it is derived',
        },
      ],
    },
    {
      description: 'without publicUrl, resource.resource is compared with the default host and port',
      input: checked({ resource: { resource: 'http://localhost:3000/mcp' } }),
      expected: [
        {
          path: ['resource', 'resource'],
          message:
            '"http://localhost:3000/mcp" must equal publicUrl + path exactly, "http://127.0.0.1:3000/mcp" (RFC 9728 section 3.3); or leave it out and it is derived',
        },
      ],
    },

    // auth, per provider
    {
      description: 'jwt without an issuer',
      input: checked({ auth: { provider: 'jwt' } }),
      expected: [
        { path: ['auth'], message: 'auth.provider "jwt" needs auth.issuer (the authorization server\'s issuer URL)' },
      ],
    },
    {
      description: 'jwt: keys of other providers refused; http only on loopback (the JWKS may be)',
      input: checked({
        auth: {
          provider: 'jwt',
          issuer: 'http://issuer.example.com',
          jwksUri: 'http://127.0.0.1:9/jwks',
          environmentUrl: 'https://acme.scalekit.dev',
          allowNonLoopback: true,
        },
      }),
      expected: [
        {
          path: ['auth', 'allowNonLoopback'],
          atKey: true,
          message: 'auth.allowNonLoopback is not used with provider "jwt"; it belongs to provider "dev"',
        },
        {
          path: ['auth', 'environmentUrl'],
          atKey: true,
          message: 'auth.environmentUrl is not used with provider "jwt"; these belong to provider "scalekit"',
        },
        {
          path: ['auth', 'issuer'],
          message: '"http://issuer.example.com" must use https (plain http is accepted only for loopback addresses)',
        },
      ],
    },
    {
      description: 'an introspection endpoint over plain http off loopback (RFC 7662 section 4)',
      input: checked({
        auth: {
          ...JWT,
          provider: 'jwt',
          introspection: { endpoint: 'http://issuer.example.com/introspect', clientId: 'a', clientSecret: 'b' },
        },
      }),
      expected: [
        {
          path: ['auth', 'introspection', 'endpoint'],
          message:
            '"http://issuer.example.com/introspect" must use https (plain http is accepted only for loopback addresses): the client secret travels with every request',
        },
      ],
    },
    {
      description: 'scalekit: needs resourceId, derives the issuer, https only',
      input: checked({
        auth: {
          provider: 'scalekit',
          issuer: 'https://issuer.example.com',
          environmentUrl: 'http://acme.scalekit.dev',
        },
      }),
      expected: [
        {
          path: ['auth'],
          message: 'auth.provider "scalekit" needs auth.resourceId (the res_... id of this MCP server in Scalekit)',
        },
        {
          path: ['auth', 'issuer'],
          atKey: true,
          message: 'auth.issuer is not used with provider "scalekit"; they are derived from auth.environmentUrl',
        },
        {
          path: ['auth', 'environmentUrl'],
          message: '"http://acme.scalekit.dev" must use https (plain http is accepted only for loopback addresses)',
        },
      ],
    },
    {
      description: 'dev: refuses jwt keys, and is refused off loopback naming every exposure',
      input: checked({
        auth: { provider: 'dev', issuer: 'https://issuer.example.com' },
        http: { host: '0.0.0.0', publicUrl: 'https://mcp.example.com' },
      }),
      expected: [
        {
          path: ['auth', 'issuer'],
          atKey: true,
          message:
            'auth.issuer is not used with provider "dev"; the development authorization server decides it; choose provider "jwt" to configure it',
        },
        {
          path: ['auth', 'provider'],
          message:
            'provider "dev" lets anyone sign in as anyone and is refused off loopback (http.host is "0.0.0.0", http.publicUrl is on "mcp.example.com"); bind 127.0.0.1, or set auth.allowNonLoopback: true for a throwaway test deployment',
        },
      ],
    },
    {
      description: 'dev off loopback with allowNonLoopback passes',
      input: checked({ auth: { provider: 'dev', allowNonLoopback: true }, http: { host: '0.0.0.0' } }),
      expected: [],
    },
    {
      description: 'none: refuses jwt keys, and is refused on a non-loopback host',
      input: checked({ auth: { provider: 'none', typ: 'at+jwt' }, http: { host: '::' } }),
      expected: [
        {
          path: ['auth', 'typ'],
          atKey: true,
          message: 'auth.typ is not used with provider "none"; remove it, or choose provider "jwt"',
        },
        {
          path: ['auth', 'provider'],
          message:
            'provider "none" serves without any authorization and is refused on a non-loopback host (http.host is "::"); bind 127.0.0.1 or configure provider "jwt"',
        },
      ],
    },
    {
      description: 'none on the IPv6 loopback passes',
      input: checked({ auth: { provider: 'none' }, http: { host: '[::1]' } }),
      expected: [],
    },
  ];
  for (const { description, input, expected } of cases) {
    test(description, () => assert.deepEqual(checkSemantics(input), expected));
  }
});

describe('closest', () => {
  const candidates = ['tools', 'http', 'resources'];
  const cases: { description: string; word: string; expected: string | undefined }[] = [
    { description: 'one edit away', word: 'tols', expected: 'tools' },
    { description: 'two edits away', word: 'htpt', expected: 'http' },
    { description: 'another case only', word: 'TOOLS', expected: 'tools' },
    { description: 'three edits away: nothing', word: 'toolsxyz', expected: undefined },
  ];
  for (const { description, word, expected } of cases) {
    test(description, () => assert.equal(closest(word, candidates), expected));
  }
});

/**
 * Manifest checks: the JSON Schema, then what a schema cannot say. Each check
 * returns problems (path + message); locating them in the file happens later.
 */

import { showValue } from '../errors.js';
import {
  ASYMMETRIC_ALGORITHMS,
  DEFAULTS,
  isLoopbackHost,
  type Manifest,
  resourceUrl,
  type ScopeRequirement,
} from '../manifest.js';
import { STORE_SCHEMES, withoutPassword } from '../store/url.js';
import { manifestValidator } from './manifest-schema.js';
import type { ErrorObject } from './validator.js';

export interface Finding {
  /** Path segments into the document. */
  path: (string | number)[];
  message: string;
  /** Locate the key rather than its value (unknown keys). */
  atKey?: boolean;
}

const validateSchema = manifestValidator();

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const TOOL_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/** Keys that could pollute prototypes are refused anywhere in the document. */
export function checkForbiddenKeys(value: unknown, path: (string | number)[] = []): Finding[] {
  if (Array.isArray(value)) return value.flatMap((item, i) => checkForbiddenKeys(item, [...path, i]));
  if (value === null || typeof value !== 'object') return [];
  return Object.keys(value).flatMap((key) =>
    FORBIDDEN_KEYS.has(key)
      ? [
          {
            path: [...path, key],
            atKey: true,
            message: `the key "${key}" is not allowed anywhere in a manifest (prototype pollution); rename or remove it`,
          },
        ]
      : checkForbiddenKeys((value as Record<string, unknown>)[key], [...path, key]),
  );
}

/** JSON Schema validation; coerces `"3000"` to 3000 where a number is expected (env values are strings). */
export function checkSchema(value: unknown): Finding[] {
  if (validateSchema(value)) return [];
  const errors = validateSchema.errors ?? [];
  // A oneOf branch's type error only says which branch was not meant; the oneOf
  // itself reports when no branch was (see `describeOneOf`).
  return errors.filter((e) => !isBranchTypeError(e)).flatMap((e) => describeSchemaError(e, value, errors));
}

function isBranchTypeError(e: ErrorObject): boolean {
  return e.keyword === 'type' && /\/oneOf\/\d+\/type$/.test(e.schemaPath);
}

/**
 * What to write where a oneOf matched no branch, by where it stands in the document
 * (schema paths inside a $ref are relative to it, so they do not say which oneOf).
 */
function oneOfForms(path: readonly (string | number)[]): string | undefined {
  const [section, , key] = path;
  if (path.length === 3 && key === 'scopes') return 'a list of scope strings, or { anyOf: [...] }';
  if (path.length === 2 && section === 'auth' && path[1] === 'audience') return 'a non-empty string, or a list of them';
  if (path.length === 4 && key === 'complete')
    return 'a list of values, or a handler spec such as "./complete.js#city"';
  return undefined;
}

/**
 * One problem for a oneOf at its path. When a branch got past its type check, that
 * branch was the one meant and its own errors are reported instead; otherwise the
 * value fits no branch, and the message says which forms it may take.
 */
function describeOneOf(e: ErrorObject, value: unknown, errors: readonly ErrorObject[]): Finding[] {
  const path = pointerToPath(e.instancePath);
  const belongs = (o: ErrorObject) =>
    o !== e &&
    (o.instancePath.startsWith(`${e.instancePath}/`) ||
      (o.instancePath === e.instancePath && o.schemaPath.startsWith(`${e.schemaPath}/`)));
  if (errors.some((o) => belongs(o) && !isBranchTypeError(o))) return [];
  if (e.params['passingSchemas'] != null)
    return [{ path, message: `${showValue(value)} matches more than one of the allowed forms; give exactly one` }];
  const branches = Array.isArray(e.schema) ? (e.schema as { type?: unknown }[]) : [];
  const types = branches.flatMap((b) => (typeof b?.type === 'string' ? [b.type] : []));
  const forms = oneOfForms(path) ?? (types.map(withArticle).join(' or ') || 'one of the allowed forms');
  const list = typeof value === 'string' && types.includes('array') && !types.includes('string');
  return [
    {
      path,
      message: `${describeValue(value)}; expected ${forms}${list ? `; did you mean [${showValue(value)}]?` : ''}`,
    },
  ];
}

function describeSchemaError(e: ErrorObject, root: unknown, errors: readonly ErrorObject[]): Finding[] {
  const path = pointerToPath(e.instancePath);
  const value = valueAt(root, path);
  const where = [...path];
  switch (e.keyword) {
    case 'oneOf':
      return describeOneOf(e, value, errors);
    case 'if':
    case 'anyOf':
      return []; // the branch errors say more
    case 'additionalProperties': {
      const key = String(e.params['additionalProperty']);
      const known = Object.keys(propertiesAt(e.parentSchema));
      const guess = closest(key, known);
      return [
        {
          path: [...where, key],
          atKey: true,
          message: `unknown key "${key}"; ${guess ? `did you mean "${guess}"?` : `allowed keys: ${known.join(', ')}`}`,
        },
      ];
    }
    case 'required':
      return [{ path: where, message: `missing required key "${String(e.params['missingProperty'])}"` }];
    case 'type': {
      const expected = String(e.params['type']).split(',').map(withArticle).join(' or ');
      return [{ path: where, message: `${describeValue(value)}; expected ${expected}` }];
    }
    case 'enum': {
      const allowed = (e.params['allowedValues'] as unknown[]).map(String);
      if (path[0] === 'auth' && path[1] === 'algorithms' && typeof value === 'string' && /^HS|^none$/i.test(value)) {
        return [
          {
            path: where,
            message: `${showValue(value)} is refused: only asymmetric algorithms are accepted (an HMAC key would have to be the public key); use one of ${ASYMMETRIC_ALGORITHMS.join(', ')}`,
          },
        ];
      }
      const guess = typeof value === 'string' ? closest(value, allowed) : undefined;
      return [
        {
          path: where,
          message: `${showValue(value)} is not one of ${allowed.join(', ')}${guess ? `; did you mean "${guess}"?` : ''}`,
        },
      ];
    }
    case 'pattern':
      // A tool name gets a valid one suggested by checkSemantics.
      if (isToolName(path)) return [];
      // A scope token gets the message checkSemantics gives, wherever it is written
      // (tools, resources, templates, prompts, anyOf lists, resource.scopes_supported).
      if (e.params['pattern'] === SCOPE_TOKEN.source && typeof value === 'string')
        return [{ path: where, message: scopeProblem(value) ?? `${showValue(value)} is not a valid scope token` }];
      return [{ path: where, message: `${showValue(value)} does not match ${String(e.params['pattern'])}` }];
    case 'format':
      return [
        {
          path: where,
          message: `${showValue(value)} is not a valid ${String(e.params['format'])}; write an absolute URL such as https://example.com`,
        },
      ];
    default:
      return [{ path: where, message: `${showValue(value)} ${e.message ?? 'is invalid'}` }];
  }
}

/** A manifest that passed the schema, with its lists defaulted to empty. */
export type CheckedManifest = Manifest &
  Required<Pick<Manifest, 'tools' | 'resources' | 'resourceTemplates' | 'prompts'>>;

/** Checks a schema cannot express. Runs only on a document that passed the schema. */
export function checkSemantics(m: CheckedManifest): Finding[] {
  const findings: Finding[] = [];
  const seen = new Map<string, number>();
  m.tools.forEach((tool, i) => {
    if (!TOOL_NAME.test(tool.name)) {
      const fixed = tool.name.replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, 64) || 'tool';
      findings.push({
        path: ['tools', i, 'name'],
        message: `${showValue(tool.name)} is not a valid tool name (1-64 characters of A-Z a-z 0-9 _ . -); did you mean "${fixed}"?`,
      });
    }
    const first = seen.get(tool.name);
    if (first !== undefined)
      findings.push({
        path: ['tools', i, 'name'],
        message: `duplicate tool name "${tool.name}" (also tools[${first}]); tool names must be unique`,
      });
    else seen.set(tool.name, i);
    findings.push(...checkScopes(tool.scopes, ['tools', i]));
  });
  findings.push(...checkResources(m), ...checkTemplates(m), ...checkPrompts(m));
  (m.resource?.scopes_supported ?? []).forEach((scope, j) => {
    const problem = scopeProblem(scope);
    if (problem) findings.push({ path: ['resource', 'scopes_supported', j], message: problem });
  });
  findings.push(...checkHttp(m), ...checkAuth(m), ...checkStore(m));
  return findings;
}

const STORE_URL_FIX =
  'write redis://host:6379, or rediss://host:6380 for TLS, with credentials through ${VAR} (redis://:${REDIS_PASSWORD}@host:6379)';

/** `store.url` names a Redis server; shown without its password, which may be in it. */
function checkStore(m: Manifest): Finding[] {
  const url = m.store?.url;
  if (url === undefined) return [];
  const parsed = safeUrl(url);
  const shown = withoutPassword(url);
  if (!parsed) return [{ path: ['store', 'url'], message: `"${shown}" is not a URL; ${STORE_URL_FIX}` }];
  if (!(STORE_SCHEMES as readonly string[]).includes(parsed.protocol))
    return [
      {
        path: ['store', 'url'],
        message: `"${shown}" is not a Redis URL (scheme "${parsed.protocol.slice(0, -1)}"); ${STORE_URL_FIX}`,
      },
    ];
  if (!parsed.hostname) return [{ path: ['store', 'url'], message: `"${shown}" names no host; ${STORE_URL_FIX}` }];
  return [];
}

function checkScopes(scopes: ScopeRequirement | undefined, at: (string | number)[]): Finding[] {
  const list = scopes === undefined ? [] : Array.isArray(scopes) ? scopes : (scopes as { anyOf: string[] }).anyOf;
  const path = Array.isArray(scopes) ? [...at, 'scopes'] : [...at, 'scopes', 'anyOf'];
  return list.flatMap((scope, j) => {
    const problem = scopeProblem(scope);
    return problem ? [{ path: [...path, j], message: problem }] : [];
  });
}

/** Reports a second item with the same key, naming the first. */
function duplicates<T>(
  items: readonly T[],
  key: (item: T) => string,
  section: string,
  field: string,
  what: string,
): Finding[] {
  const seen = new Map<string, number>();
  return items.flatMap((item, i) => {
    const k = key(item);
    const first = seen.get(k);
    if (first === undefined) {
      seen.set(k, i);
      return [];
    }
    return [
      {
        path: [section, i, field],
        message: `duplicate ${what} ${showValue(k)} (also ${section}[${first}]); ${what}s must be unique`,
      },
    ];
  });
}

const CONTENT_KEYS = ['text', 'blob', 'file', 'handler'] as const;

function checkResources(m: CheckedManifest): Finding[] {
  const findings = duplicates(m.resources, (r) => r.uri, 'resources', 'uri', 'resource URI');
  m.resources.forEach((r, i) => {
    if (!/^[A-Za-z][A-Za-z0-9+.-]*:/.test(r.uri))
      findings.push({
        path: ['resources', i, 'uri'],
        message: `${showValue(r.uri)} is not an absolute URI; give it a scheme, e.g. "docs://${r.uri.replace(/^\/+/, '')}"`,
      });
    const given = CONTENT_KEYS.filter((k) => r[k] !== undefined);
    if (given.length !== 1) {
      findings.push({
        path: ['resources', i],
        message:
          given.length === 0
            ? 'give the content: one of text, blob, file or handler'
            : `give exactly one of text, blob, file or handler, not ${given.join(' and ')}`,
      });
    }
    if (r.blob !== undefined && !/^[A-Za-z0-9+/]*={0,2}$/.test(r.blob.replace(/\s+/g, '')))
      findings.push({
        path: ['resources', i, 'blob'],
        message: 'is not base64; encode the bytes with base64 (e.g. `base64 -w0 file`)',
      });
    findings.push(...checkScopes(r.scopes, ['resources', i]));
  });
  return findings;
}

function templateVariables(template: string): string[] {
  return [...template.matchAll(/\{[+#./;?&]?([^}]+)\}/g)].flatMap((match) =>
    match[1]!.split(',').map((v) => v.replace(/[*:].*$/, '').trim()),
  );
}

function checkTemplates(m: CheckedManifest): Finding[] {
  const findings = duplicates(m.resourceTemplates, (t) => t.name, 'resourceTemplates', 'name', 'template name');
  m.resourceTemplates.forEach((t, i) => {
    const variables = templateVariables(t.uriTemplate);
    if (variables.length === 0)
      findings.push({
        path: ['resourceTemplates', i, 'uriTemplate'],
        message: `${showValue(t.uriTemplate)} has no {variable}; use resources for a fixed URI`,
      });
    for (const name of Object.keys(t.complete ?? {})) {
      if (!variables.includes(name))
        findings.push({
          path: ['resourceTemplates', i, 'complete', name],
          atKey: true,
          message: `"${name}" is not a variable of ${t.uriTemplate} (its variables: ${variables.join(', ') || 'none'})`,
        });
    }
    findings.push(...checkScopes(t.scopes, ['resourceTemplates', i]));
  });
  return findings;
}

function checkPrompts(m: CheckedManifest): Finding[] {
  const findings = duplicates(m.prompts, (p) => p.name, 'prompts', 'name', 'prompt name');
  m.prompts.forEach((p, i) => {
    const args = (p.arguments ?? []).map((a) => a.name);
    findings.push(
      ...duplicates(p.arguments ?? [], (a) => a.name, `prompts[${i}].arguments`, 'name', 'argument name').map((f) => ({
        ...f,
        path: ['prompts', i, 'arguments', f.path[1]!, 'name'],
      })),
    );
    if ((p.messages === undefined) === (p.handler === undefined)) {
      findings.push({
        path: ['prompts', i],
        message:
          p.messages === undefined ? 'give the prompt messages or a handler' : 'give messages or a handler, not both',
      });
    }
    (p.messages ?? []).forEach((message, j) => {
      if ((message.text === undefined) === (message.content === undefined))
        findings.push({ path: ['prompts', i, 'messages', j], message: 'give text or content (one of them)' });
      for (const [, name] of (message.text ?? '').matchAll(/\{\{\s*([^}\s]+)\s*\}\}/g)) {
        if (!args.includes(name!))
          findings.push({
            path: ['prompts', i, 'messages', j, 'text'],
            message: `{{${name}}} is not an argument of this prompt; declare it under arguments (declared: ${args.join(', ') || 'none'})`,
          });
      }
    });
    for (const name of Object.keys(p.complete ?? {})) {
      if (!args.includes(name))
        findings.push({
          path: ['prompts', i, 'complete', name],
          atKey: true,
          message: `"${name}" is not an argument of this prompt (declared: ${args.join(', ') || 'none'})`,
        });
    }
    findings.push(...checkScopes(p.scopes, ['prompts', i]));
  });
  return findings;
}

function scopeProblem(scope: string): string | undefined {
  if (SCOPE_TOKEN.test(scope)) return undefined;
  const fixed = scope.trim().replace(/\s+/g, ':').replace(/["\\]/g, '');
  return /\s/.test(scope)
    ? `${showValue(scope)} is not a valid scope token (no spaces); did you mean "${fixed}"?`
    : `${showValue(scope)} is not a valid scope token (printable ASCII without spaces, quotes or backslashes)${fixed && SCOPE_TOKEN.test(fixed) ? `; did you mean "${fixed}"?` : ''}`;
}

function checkHttp(m: Manifest): Finding[] {
  const findings: Finding[] = [];
  const path = m.http?.path ?? DEFAULTS.path;
  if (path.length > 1 && path.endsWith('/')) {
    findings.push({
      path: ['http', 'path'],
      message: `"${path}" ends with "/"; write "${path.replace(/\/+$/, '')}": the resource URL clients compare is canonical, without a trailing slash`,
    });
  }
  if (/[?#]/.test(path))
    findings.push({
      path: ['http', 'path'],
      message: `"${path}" contains a query or fragment; the MCP path is a plain path such as /mcp`,
    });
  const publicUrl = m.http?.publicUrl;
  let origin: string | undefined;
  if (publicUrl !== undefined) {
    const url = safeUrl(publicUrl);
    if (url && !/^https?:$/.test(url.protocol))
      findings.push({ path: ['http', 'publicUrl'], message: `"${publicUrl}" must be an http(s) URL` });
    else if (url && (url.pathname !== '/' || url.search || url.hash)) {
      findings.push({
        path: ['http', 'publicUrl'],
        message: `"${publicUrl}" has a path; publicUrl is the origin only (e.g. "${url.origin}") and the path goes in http.path (e.g. "${url.pathname.replace(/\/+$/, '') || '/mcp'}")`,
      });
    } else if (url) origin = url.origin;
  }
  const given = m.resource?.resource;
  if (given !== undefined) {
    // Derived as serve derives it, so that the one URL serve announces is the one accepted here.
    const expected = resourceUrl({
      host: m.http?.host ?? DEFAULTS.host,
      port: m.http?.port ?? DEFAULTS.port,
      path,
      publicUrl: origin,
    });
    if (given !== expected) {
      const hint = given.replace(/\/+$/, '') === expected ? ' (the canonical form has no trailing slash)' : '';
      findings.push({
        path: ['resource', 'resource'],
        message: `"${given}" must equal publicUrl + path exactly, "${expected}"${hint} (RFC 9728 section 3.3); or leave it out and it is derived`,
      });
    }
  }
  return findings;
}

/** The auth settings that configure token verification: meaningless for providers "dev" and "none". */
const TOKEN_SETTINGS = [
  'issuer',
  'jwksUri',
  'audience',
  'algorithms',
  'scopeClaims',
  'environmentUrl',
  'resourceId',
  'clockToleranceSec',
  'typ',
  'introspection',
  'jwksCacheSec',
  'tokenCacheSize',
] as const satisfies readonly (keyof Manifest['auth'])[];

function checkAuth(m: Manifest): Finding[] {
  const a = m.auth;
  const findings: Finding[] = [];
  const require = (key: keyof Manifest['auth'], what: string) => {
    if (a[key] === undefined)
      findings.push({ path: ['auth'], message: `auth.provider "${a.provider}" needs auth.${key} (${what})` });
  };
  const refuse = (keys: readonly (keyof Manifest['auth'])[], why: string) => {
    for (const key of keys)
      if (a[key] !== undefined)
        findings.push({
          path: ['auth', key],
          atKey: true,
          message: `auth.${key} is not used with provider "${a.provider}"; ${why}`,
        });
  };
  const requireHttps = (key: 'issuer' | 'jwksUri' | 'environmentUrl') => {
    const value = a[key];
    const url = value === undefined ? undefined : safeUrl(value);
    if (url && url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
      findings.push({
        path: ['auth', key],
        message: `"${value}" must use https (plain http is accepted only for loopback addresses)`,
      });
    }
  };
  if (a.provider !== 'dev') refuse(['allowNonLoopback', 'accessTokenTtlSec'], 'it belongs to provider "dev"');
  const checkIntrospection = () => {
    const url = a.introspection === undefined ? undefined : safeUrl(a.introspection.endpoint);
    if (url && url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
      findings.push({
        path: ['auth', 'introspection', 'endpoint'],
        message: `"${a.introspection!.endpoint}" must use https (plain http is accepted only for loopback addresses): the client secret travels with every request`,
      });
    }
  };
  switch (a.provider) {
    case 'dev': {
      refuse(TOKEN_SETTINGS, 'the development authorization server decides it; choose provider "jwt" to configure it');
      const host = m.http?.host ?? DEFAULTS.host;
      const publicHost = m.http?.publicUrl === undefined ? undefined : safeUrl(m.http.publicUrl)?.hostname;
      const exposed = [
        !isLoopbackHost(host) && `http.host is "${host}"`,
        publicHost !== undefined && !isLoopbackHost(publicHost) && `http.publicUrl is on "${publicHost}"`,
      ].filter(Boolean);
      if (exposed.length > 0 && a.allowNonLoopback !== true) {
        findings.push({
          path: ['auth', 'provider'],
          message: `provider "dev" lets anyone sign in as anyone and is refused off loopback (${exposed.join(', ')}); bind 127.0.0.1, or set auth.allowNonLoopback: true for a throwaway test deployment`,
        });
      }
      break;
    }
    case 'none': {
      refuse(TOKEN_SETTINGS, 'remove it, or choose provider "jwt"');
      const host = m.http?.host ?? DEFAULTS.host;
      if (!isLoopbackHost(host)) {
        findings.push({
          path: ['auth', 'provider'],
          message: `provider "none" serves without any authorization and is refused on a non-loopback host (http.host is "${host}"); bind 127.0.0.1 or configure provider "jwt"`,
        });
      }
      break;
    }
    case 'jwt':
      require('issuer', "the authorization server's issuer URL");
      checkIntrospection();
      refuse(['environmentUrl', 'resourceId'], 'these belong to provider "scalekit"');
      requireHttps('issuer');
      requireHttps('jwksUri');
      break;
    case 'scalekit':
      checkIntrospection();
      require('environmentUrl', 'e.g. https://acme.scalekit.dev');
      require('resourceId', 'the res_... id of this MCP server in Scalekit');
      refuse(['issuer', 'jwksUri'], 'they are derived from auth.environmentUrl');
      requireHttps('environmentUrl');
      break;
  }
  return findings;
}

function isToolName(path: (string | number)[]): boolean {
  return path.length === 3 && path[0] === 'tools' && path[2] === 'name';
}

function pointerToPath(pointer: string): (string | number)[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => {
      const key = s.replace(/~1/g, '/').replace(/~0/g, '~');
      return /^\d+$/.test(key) ? Number(key) : key;
    });
}

function valueAt(root: unknown, path: (string | number)[]): unknown {
  let node = root;
  for (const segment of path) node = (node as Record<string | number, unknown> | undefined)?.[segment];
  return node;
}

function propertiesAt(parentSchema: unknown): Record<string, unknown> {
  return (parentSchema as { properties?: Record<string, unknown> } | undefined)?.properties ?? {};
}

/** `"abc" is a string`, `[] is an array`; null is just `null` (not "a null"). */
function describeValue(value: unknown): string {
  if (value === null) return 'null';
  return `${showValue(value)} is ${withArticle(Array.isArray(value) ? 'array' : typeof value)}`;
}

function withArticle(name: string): string {
  return /^[aeiou]/.test(name) ? `an ${name}` : `a ${name}`;
}

function safeUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/** The candidate within edit distance 2 (or a case-insensitive match), if any. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of candidates) {
    const d = candidate.toLowerCase() === word.toLowerCase() ? 0 : distance(word, candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}

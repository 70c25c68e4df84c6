/**
 * `mcp-serve doctor URL`: probes a deployed MCP server as a strict client would, and
 * says for each check what is wrong and how to fix it. Only reads: a request without
 * a token, the metadata documents, the JWKS, and a CORS preflight.
 */
import * as oauth from 'oauth4webapi';
import { describeError } from '../errors.js';
import { isLoopbackHost } from '../manifest.js';

export interface Check {
  readonly name: string;
  readonly status: 'pass' | 'warn' | 'fail';
  /** What was seen, and for warn/fail what to change. */
  readonly detail: string;
}

const TIMEOUT_MS = 5_000;

export async function runDoctor(target: string): Promise<Check[]> {
  const checks: Check[] = [];
  const add = (name: string, status: Check['status'], detail: string) => checks.push({ name, status, detail });
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    add('MCP URL', 'fail', `"${target}" is not a URL; pass the MCP endpoint, e.g. https://mcp.example.com/mcp`);
    return checks;
  }
  const insecure = url.protocol === 'http:' && isLoopbackHost(url.hostname);
  if (url.protocol !== 'https:' && !insecure)
    add('HTTPS', 'fail', `${url.origin} is plain http; clients require https off loopback`);
  const path = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '');
  const resource = `${url.origin}${path}`;
  if (url.pathname.length > 1 && url.pathname.endsWith('/'))
    add(
      'MCP URL',
      'warn',
      `${url.href} ends with "/"; the canonical resource URL has no trailing slash, and clients compare it exactly`,
    );

  // 1. An unauthenticated request must be challenged (RFC 6750, RFC 9728 section 5.1).
  let challenge = '';
  let challenged = false;
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    await response.body?.cancel();
    challenge = response.headers.get('www-authenticate') ?? '';
    challenged = response.status === 401 && /^Bearer\b/i.test(challenge);
    if (response.status !== 401)
      add(
        '401 challenge',
        'fail',
        `a request without a token got ${response.status}; it must get 401 with WWW-Authenticate: Bearer resource_metadata="…" (is authorization turned on?)`,
      );
    else if (!challenged)
      add(
        '401 challenge',
        'fail',
        'the 401 has no WWW-Authenticate: Bearer header; clients cannot discover how to log in',
      );
    else if (!/resource_metadata="[^"]+"/.test(challenge))
      add(
        '401 challenge',
        'fail',
        `the challenge has no resource_metadata parameter (${challenge}); add resource_metadata="<metadata URL>" (RFC 9728 section 5.1)`,
      );
    else if (/error=/.test(challenge))
      add(
        '401 challenge',
        'warn',
        'the challenge to a request without credentials carries error=; RFC 6750 section 3.1 says it should not',
      );
    else add('401 challenge', 'pass', challenge);
  } catch (error) {
    add('401 challenge', 'fail', `${url.href} cannot be reached (${describeError(error)})`);
    return checks;
  }

  // 2. Protected resource metadata at the path-inserted URL (and the root form).
  const metadataUrl = `${url.origin}/.well-known/oauth-protected-resource${path}`;
  const rootUrl = `${url.origin}/.well-known/oauth-protected-resource`;
  const advertised = /resource_metadata="([^"]+)"/.exec(challenge)?.[1];
  if (advertised && advertised !== metadataUrl && advertised !== rootUrl) {
    add('metadata URL', 'warn', `the challenge points at ${advertised}; RFC 9728 puts it at ${metadataUrl}`);
  }
  const prm = await fetchJson(advertised ?? metadataUrl);
  const rootForm = (advertised ?? metadataUrl) === rootUrl ? prm : await fetchJson(rootUrl);
  if (!prm.ok) {
    // A wrong path: the origin's root-form document may still name the MCP URL.
    const named = rootForm.ok ? otherResource(rootForm.value, resource) : undefined;
    add(
      'protected resource metadata',
      'fail',
      `${advertised ?? metadataUrl}: ${prm.error}; ${named ? tryInstead(named) : 'serve the RFC 9728 document there'}`,
    );
    return checks;
  }
  const doc = prm.value;
  const named = otherResource(doc, resource);
  if (named !== undefined) {
    // Not an MCP endpoint (no challenge): most likely the origin or a wrong path; the metadata says which URL to probe.
    if (!challenged) {
      add('resource', 'fail', tryInstead(named));
      return checks;
    }
    add(
      'resource',
      'fail',
      `${tryInstead(named)} if that is the MCP URL, or make "resource" equal ${resource} exactly (RFC 9728 section 3.3)`,
    );
  } else if (doc['resource'] !== resource) {
    add(
      'resource',
      'fail',
      `"resource" is ${JSON.stringify(doc['resource'])}; it must equal the MCP URL exactly, "${resource}" (RFC 9728 section 3.3; no trailing slash)`,
    );
  } else add('resource', 'pass', resource);
  if (prm.cors !== '*' && prm.cors === undefined)
    add(
      'metadata CORS',
      'warn',
      'the metadata document has no Access-Control-Allow-Origin; browser-based clients cannot read it',
    );
  if (path && !rootForm.ok)
    add('metadata (root form)', 'warn', `${rootUrl}: ${rootForm.error}; some clients look there first`);

  // 3. Each authorization server: metadata, exact issuer, PKCE S256, registration, JWKS.
  const servers = Array.isArray(doc['authorization_servers'])
    ? (doc['authorization_servers'] as unknown[]).filter((s): s is string => typeof s === 'string')
    : [];
  if (servers.length === 0)
    add(
      'authorization servers',
      'fail',
      'the metadata lists no authorization_servers; clients cannot find where to log in',
    );
  for (const issuer of servers) await checkAuthorizationServer(issuer, add);

  // 4. CORS preflight of the MCP endpoint, for browser-based clients.
  try {
    const preflight = await fetch(url, {
      method: 'OPTIONS',
      headers: {
        Origin: 'http://localhost:6274',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'authorization, content-type, mcp-protocol-version',
      },
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    await preflight.body?.cancel();
    const allowHeaders = (preflight.headers.get('access-control-allow-headers') ?? '').toLowerCase();
    if (preflight.status >= 400 || !allowHeaders.includes('authorization'))
      add(
        'CORS',
        'warn',
        `a preflight from a local browser client got ${preflight.status} without Authorization allowed; browser clients such as MCP Inspector cannot call it (fine if none will)`,
      );
    else add('CORS', 'pass', `preflight ${preflight.status}, allows ${allowHeaders}`);
  } catch (error) {
    add('CORS', 'warn', `the preflight failed (${describeError(error)})`);
  }
  return checks;
}

async function checkAuthorizationServer(
  issuer: string,
  add: (name: string, status: Check['status'], detail: string) => void,
): Promise<void> {
  let issuerUrl: URL;
  try {
    issuerUrl = new URL(issuer);
  } catch {
    return add(`authorization server ${issuer}`, 'fail', 'is not a URL');
  }
  const insecure = issuerUrl.protocol === 'http:' && isLoopbackHost(issuerUrl.hostname);
  let metadata: oauth.AuthorizationServer | undefined;
  let lastError: unknown;
  for (const algorithm of ['oauth2', 'oidc'] as const) {
    try {
      const response = await oauth.discoveryRequest(issuerUrl, {
        algorithm,
        [oauth.allowInsecureRequests]: insecure,
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      metadata = await oauth.processDiscoveryResponse(issuerUrl, response);
      break;
    } catch (error) {
      lastError = error;
    }
  }
  if (!metadata)
    return add(
      `authorization server ${issuer}`,
      'fail',
      `no RFC 8414 or OpenID metadata whose issuer is exactly "${issuer}" (${describeError(lastError)})`,
    );
  add(`authorization server ${issuer}`, 'pass', 'metadata found; issuer matches exactly');
  const methods = metadata.code_challenge_methods_supported ?? [];
  if (!methods.includes('S256'))
    add('PKCE', 'fail', `code_challenge_methods_supported is ${JSON.stringify(methods)}; MCP clients require S256`);
  if (!metadata.registration_endpoint && metadata['client_id_metadata_document_supported'] !== true) {
    add(
      'client registration',
      'warn',
      'no registration_endpoint and no Client ID Metadata Documents: clients must be registered by hand',
    );
  }
  if (typeof metadata.jwks_uri !== 'string')
    return add('JWKS', 'warn', 'the metadata has no jwks_uri; tokens cannot be verified locally');
  const jwks = await fetchJson(metadata.jwks_uri);
  const keys = jwks.ok && Array.isArray(jwks.value['keys']) ? (jwks.value['keys'] as unknown[]).length : 0;
  if (!jwks.ok || keys === 0) add('JWKS', 'fail', `${metadata.jwks_uri}: ${jwks.ok ? 'no keys' : jwks.error}`);
  else add('JWKS', 'pass', `${keys} key${keys === 1 ? '' : 's'} at ${metadata.jwks_uri}`);
}

/** The `resource` a metadata document names when it is a URL other than `resource` (not merely it with a trailing slash). */
function otherResource(doc: Record<string, unknown>, resource: string): string | undefined {
  const named = doc['resource'];
  if (typeof named !== 'string' || !URL.canParse(named) || named.replace(/\/$/, '') === resource) return undefined;
  return named;
}

function tryInstead(resource: string): string {
  return `the metadata names resource ${resource}: run mcp-serve doctor ${resource}`;
}

async function fetchJson(
  url: string,
): Promise<{ ok: true; value: Record<string, unknown>; cors: string | undefined } | { ok: false; error: string }> {
  try {
    const response = await fetch(url, {
      headers: { Accept: 'application/json' },
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    if (!response.ok) {
      await response.body?.cancel();
      return { ok: false, error: `HTTP ${response.status}` };
    }
    const value = (await response.json()) as unknown;
    if (value === null || typeof value !== 'object' || Array.isArray(value))
      return { ok: false, error: 'not a JSON object' };
    return {
      ok: true,
      value: value as Record<string, unknown>,
      cors: response.headers.get('access-control-allow-origin') ?? undefined,
    };
  } catch (error) {
    return { ok: false, error: describeError(error) };
  }
}

/** `doctor --json`: the URL probed, whether every check passed or only warned, and the checks. */
export function doctorReport(
  url: string,
  checks: readonly Check[],
): { url: string; ok: boolean; checks: readonly Check[] } {
  return { url, ok: !checks.some((c) => c.status === 'fail'), checks };
}

/** One line per check, the verdict first. */
export function formatChecks(target: string, checks: readonly Check[]): string {
  const mark = { pass: '✔', warn: '!', fail: '✖' } as const;
  const width = Math.max(...checks.map((c) => c.name.length));
  const failed = checks.filter((c) => c.status === 'fail').length;
  const warned = checks.filter((c) => c.status === 'warn').length;
  return [
    `mcp-serve doctor ${target}`,
    ...checks.map((c) => `  ${mark[c.status]} ${c.name.padEnd(width)}  ${c.detail}`),
    '',
    failed > 0
      ? `${failed} check(s) failed${warned ? `, ${warned} warning(s)` : ''}: clients will not be able to log in until they are fixed.`
      : warned > 0
        ? `No failures; ${warned} warning(s).`
        : 'All checks passed.',
  ].join('\n');
}

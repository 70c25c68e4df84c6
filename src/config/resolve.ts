/** Applies defaults to a validated manifest and freezes it (pure). */
import { dirname } from 'node:path';
import { parseHandlerSpec } from '../handlers.js';
import { ASYMMETRIC_ALGORITHMS, DEFAULTS, deepFreeze, type Manifest, type ResolvedAuth, type ResolvedManifest, type ScopePolicy } from '../manifest.js';

export function resolveManifest(m: Manifest, file: string): ResolvedManifest {
  const dir = dirname(file);
  const tools = m.tools.map((tool) => ({
    name: tool.name,
    ...(tool.title !== undefined && { title: tool.title }),
    ...(tool.description !== undefined && { description: tool.description }),
    inputSchema: tool.inputSchema,
    ...(tool.outputSchema !== undefined && { outputSchema: tool.outputSchema }),
    ...(tool.annotations !== undefined && { annotations: tool.annotations }),
    scopes: resolveScopes(tool.scopes),
    handler: { ...parseHandlerSpec(tool.handler, dir), spec: tool.handler },
    timeoutMs: tool.timeoutMs ?? DEFAULTS.timeoutMs,
  }));
  const auth = resolveAuth(m);
  const { resource: _resource, scopes_supported, authorization_servers, ...resourceRest } = m.resource ?? {};
  // The dev authorization server's URL is the server's own origin, known once it listens.
  const authorizationServers = authorization_servers ?? (auth.provider === 'none' || auth.provider === 'dev' ? undefined : auth.authorizationServers);
  const toolScopes = [...new Set(tools.flatMap((t) => t.scopes.scopes))];
  const origin = m.http?.publicUrl === undefined ? undefined : new URL(m.http.publicUrl).origin;
  return deepFreeze({
    file,
    dir,
    server: { ...m.server },
    http: {
      host: m.http?.host ?? DEFAULTS.host,
      port: m.http?.port ?? DEFAULTS.port,
      path: m.http?.path ?? DEFAULTS.path,
      ...(origin !== undefined && { publicUrl: origin }),
      allowedOrigins: m.http?.allowedOrigins ?? [],
      allowedHosts: m.http?.allowedHosts ?? [],
      maxBodyBytes: m.http?.maxBodyBytes ?? DEFAULTS.maxBodyBytes,
    },
    auth,
    resource: {
      ...resourceRest,
      scopes_supported: scopes_supported ?? toolScopes,
      ...(authorizationServers !== undefined && { authorization_servers: [...authorizationServers] }),
    },
    tools,
  });
}

function resolveScopes(scopes: Manifest['tools'][number]['scopes']): ScopePolicy {
  if (scopes === undefined) return { kind: 'allOf', scopes: [] };
  if (Array.isArray(scopes)) return { kind: 'allOf', scopes: [...new Set(scopes as string[])] };
  return { kind: 'anyOf', scopes: [...new Set((scopes as { anyOf: string[] }).anyOf)] };
}

function resolveAuth(m: Manifest): ResolvedAuth {
  const a = m.auth;
  if (a.provider === 'none') return { provider: 'none' };
  if (a.provider === 'dev') {
    return { provider: 'dev', allowNonLoopback: a.allowNonLoopback ?? false, accessTokenTtlSec: a.accessTokenTtlSec ?? DEFAULTS.devAccessTokenTtlSec };
  }
  const common = {
    algorithms: a.algorithms ?? [...ASYMMETRIC_ALGORITHMS],
    clockToleranceSec: a.clockToleranceSec ?? DEFAULTS.clockToleranceSec,
  };
  const audiences = a.audience === undefined ? undefined : Array.isArray(a.audience) ? a.audience : [a.audience];
  if (a.provider === 'scalekit') {
    const env = a.environmentUrl!.replace(/\/+$/, '');
    const authorizationServer = `${env}/resources/${a.resourceId!}`;
    return {
      provider: 'scalekit',
      ...common,
      // Scalekit's `iss` is the environment URL, moving to the resource's AS URL: accept both.
      issuers: [env, authorizationServer],
      discoveryIssuer: authorizationServer,
      jwksUri: `${env}/keys`,
      // `aud` carries the res_ id, and the server URL when one is registered.
      audiences: audiences ?? [a.resourceId!],
      audienceIncludesResource: true,
      scopeClaims: a.scopeClaims ?? [...DEFAULTS.scalekitScopeClaims],
      authorizationServers: [authorizationServer],
    };
  }
  return {
    provider: 'jwt',
    ...common,
    issuers: [a.issuer!],
    discoveryIssuer: a.issuer!,
    ...(a.jwksUri !== undefined && { jwksUri: a.jwksUri }),
    ...(audiences !== undefined && { audiences }),
    audienceIncludesResource: audiences === undefined,
    scopeClaims: a.scopeClaims ?? [...DEFAULTS.scopeClaims],
    authorizationServers: [a.issuer!],
  };
}

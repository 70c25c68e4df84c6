/** Applies defaults to a validated manifest and freezes it (pure). */
import { dirname, extname, resolve } from 'node:path';
import { parseHandlerSpec } from '../handlers/modules.js';
import {
  ASYMMETRIC_ALGORITHMS,
  type Completion,
  DEFAULTS,
  deepFreeze,
  type Manifest,
  type ManifestResource,
  type ResolvedAuth,
  type ResolvedCompletion,
  type ResolvedManifest,
  type ScopePolicy,
  type ScopeRequirement,
} from '../manifest.js';
import type { CheckedManifest } from './check.js';

export function resolveManifest(m: CheckedManifest, file: string): ResolvedManifest {
  const dir = dirname(file);
  const handler = (spec: string) => parseHandlerSpec(spec, dir);
  const tools = m.tools.map((tool) => ({
    name: tool.name,
    ...(tool.title !== undefined && { title: tool.title }),
    ...(tool.description !== undefined && { description: tool.description }),
    inputSchema: tool.inputSchema,
    ...(tool.outputSchema !== undefined && { outputSchema: tool.outputSchema }),
    ...(tool.annotations !== undefined && { annotations: tool.annotations }),
    ...(tool.icons !== undefined && { icons: tool.icons }),
    scopes: resolveScopes(tool.scopes),
    handler: handler(tool.handler),
    timeoutMs: tool.timeoutMs ?? DEFAULTS.timeoutMs,
    ...(tool.execution?.taskSupport !== undefined &&
      tool.execution.taskSupport !== 'forbidden' && {
        task: {
          support: tool.execution.taskSupport,
          ttlMs: tool.execution.ttlMs ?? DEFAULTS.taskTtlMs,
          pollIntervalMs: tool.execution.pollIntervalMs ?? DEFAULTS.taskPollIntervalMs,
        },
      }),
  }));
  const complete = (c: Completion | undefined): ResolvedCompletion =>
    Object.fromEntries(
      Object.entries(c ?? {}).map(([name, value]) => [
        name,
        typeof value === 'string'
          ? { handler: handler(value), timeoutMs: DEFAULTS.completionTimeoutMs }
          : { values: value },
      ]),
    );
  const resources = m.resources.map((r) => ({
    uri: r.uri,
    name: r.name,
    ...optional(r, ['title', 'description', 'size', 'annotations', 'icons'] as const),
    ...(r.mimeType !== undefined || r.file !== undefined || r.text !== undefined || r.blob !== undefined
      ? { mimeType: r.mimeType ?? defaultMimeType(r) }
      : {}),
    scopes: resolveScopes(r.scopes),
    source:
      r.text !== undefined
        ? { kind: 'text' as const, text: r.text }
        : r.blob !== undefined
          ? { kind: 'blob' as const, blob: r.blob.replace(/\s+/g, '') }
          : r.file !== undefined
            ? { kind: 'file' as const, file: resolve(dir, r.file) }
            : { kind: 'handler' as const, handler: handler(r.handler!), timeoutMs: DEFAULTS.timeoutMs },
  }));
  const resourceTemplates = m.resourceTemplates.map((t) => ({
    uriTemplate: t.uriTemplate,
    name: t.name,
    ...optional(t, ['title', 'description', 'mimeType', 'annotations', 'icons'] as const),
    scopes: resolveScopes(t.scopes),
    handler: handler(t.handler),
    complete: complete(t.complete),
    timeoutMs: DEFAULTS.timeoutMs,
  }));
  const prompts = m.prompts.map((p) => ({
    name: p.name,
    ...optional(p, ['title', 'description', 'icons'] as const),
    scopes: resolveScopes(p.scopes),
    arguments: (p.arguments ?? []).map((a) => ({ ...a, required: a.required ?? false })),
    source:
      p.handler !== undefined
        ? { kind: 'handler' as const, handler: handler(p.handler) }
        : { kind: 'messages' as const, messages: p.messages! },
    complete: complete(p.complete),
    timeoutMs: DEFAULTS.timeoutMs,
  }));
  const auth = resolveAuth(m);
  const { resource: _resource, scopes_supported, authorization_servers, ...resourceRest } = m.resource ?? {};
  // The dev authorization server's URL is the server's own origin, known once it listens.
  const authorizationServers =
    authorization_servers ??
    (auth.provider === 'none' || auth.provider === 'dev' ? undefined : auth.authorizationServers);
  const toolScopes = [
    ...new Set([...tools, ...resources, ...resourceTemplates, ...prompts].flatMap((t) => t.scopes.scopes)),
  ];
  const origin = m.http?.publicUrl === undefined ? undefined : new URL(m.http.publicUrl).origin;
  return deepFreeze({
    file,
    dir,
    server: { ...m.server, pageSize: m.server.pageSize ?? DEFAULTS.pageSize },
    http: {
      host: m.http?.host ?? DEFAULTS.host,
      port: m.http?.port ?? DEFAULTS.port,
      path: m.http?.path ?? DEFAULTS.path,
      ...(origin !== undefined && { publicUrl: origin }),
      allowedOrigins: m.http?.allowedOrigins ?? [],
      allowedHosts: m.http?.allowedHosts ?? [],
      maxBodyBytes: m.http?.maxBodyBytes ?? DEFAULTS.maxBodyBytes,
      sessions: m.http?.sessions ?? true,
      accessLog: m.http?.accessLog ?? false,
      metrics: m.http?.metrics ?? false,
      headersTimeoutMs: m.http?.headersTimeoutMs ?? DEFAULTS.headersTimeoutMs,
      ...(m.http?.rateLimit && {
        rateLimit: {
          perMinute: m.http.rateLimit.perMinute,
          burst: m.http.rateLimit.burst ?? m.http.rateLimit.perMinute,
        },
      }),
    },
    auth,
    tasks: {
      maxLive: m.tasks?.maxLive ?? DEFAULTS.maxLiveTasks,
      maxLivePerCaller: m.tasks?.maxLivePerCaller ?? DEFAULTS.maxLiveTasksPerCaller,
    },
    ...(m.store && { store: { url: m.store.url, keyPrefix: m.store.keyPrefix ?? `mcp-serve:${m.server.name}:` } }),
    resource: {
      ...resourceRest,
      scopes_supported: scopes_supported ?? toolScopes,
      ...(authorizationServers !== undefined && { authorization_servers: [...authorizationServers] }),
    },
    tools,
    resources,
    resourceTemplates,
    prompts,
  });
}

/** The keys of `item` that are set, copied (exactOptionalPropertyTypes-friendly). */
function optional<T extends object, K extends keyof T>(item: T, keys: readonly K[]): Partial<Pick<T, K>> {
  return Object.fromEntries(keys.filter((k) => item[k] !== undefined).map((k) => [k, item[k]])) as Partial<Pick<T, K>>;
}

const MIME_TYPES: Record<string, string> = {
  '.txt': 'text/plain',
  '.md': 'text/markdown',
  '.html': 'text/html',
  '.css': 'text/css',
  '.csv': 'text/csv',
  '.json': 'application/json',
  '.yaml': 'application/yaml',
  '.yml': 'application/yaml',
  '.xml': 'application/xml',
  '.js': 'text/javascript',
  '.ts': 'text/plain',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.svg': 'image/svg+xml',
  '.webp': 'image/webp',
  '.pdf': 'application/pdf',
  '.wav': 'audio/wav',
  '.mp3': 'audio/mpeg',
};

function defaultMimeType(r: ManifestResource): string {
  if (r.text !== undefined) return 'text/plain';
  if (r.file !== undefined) return MIME_TYPES[extname(r.file).toLowerCase()] ?? 'application/octet-stream';
  return 'application/octet-stream';
}

function resolveScopes(scopes: ScopeRequirement | undefined): ScopePolicy {
  if (scopes === undefined) return { kind: 'allOf', scopes: [] };
  if (Array.isArray(scopes)) return { kind: 'allOf', scopes: [...new Set(scopes as string[])] };
  return { kind: 'anyOf', scopes: [...new Set((scopes as { anyOf: string[] }).anyOf)] };
}

function resolveAuth(m: Manifest): ResolvedAuth {
  const a = m.auth;
  if (a.provider === 'none') return { provider: 'none' };
  if (a.provider === 'dev') {
    return {
      provider: 'dev',
      allowNonLoopback: a.allowNonLoopback ?? false,
      accessTokenTtlSec: a.accessTokenTtlSec ?? DEFAULTS.devAccessTokenTtlSec,
    };
  }
  const common = {
    algorithms: a.algorithms ?? [...ASYMMETRIC_ALGORITHMS],
    clockToleranceSec: a.clockToleranceSec ?? DEFAULTS.clockToleranceSec,
    jwksCacheSec: a.jwksCacheSec ?? DEFAULTS.jwksCacheSec,
    tokenCacheSize: a.tokenCacheSize ?? DEFAULTS.tokenCacheSize,
    ...(a.typ !== undefined && { typ: a.typ }),
    ...(a.introspection !== undefined && {
      introspection: { ...a.introspection, cacheSec: a.introspection.cacheSec ?? 60 },
    }),
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

/**
 * The manifest in two forms: what the user wrote (`Manifest`, field names are a
 * public contract) and what the runtime serves (`ResolvedManifest`: defaults applied,
 * paths absolute, deep-frozen).
 */

export type JsonSchema = Record<string, unknown>;

export type ScopeRequirement = readonly string[] | { readonly anyOf: readonly string[] };

export interface Icon {
  src: string;
  mimeType?: string;
  sizes?: string[];
  theme?: 'light' | 'dark';
}

export interface ManifestTool {
  name: string;
  title?: string;
  description?: string;
  inputSchema: JsonSchema;
  outputSchema?: JsonSchema;
  annotations?: Record<string, unknown>;
  icons?: Icon[];
  scopes?: ScopeRequirement;
  handler: string;
  timeoutMs?: number;
  isolation?: 'none' | 'worker';
  /** Whether a call may or must run as a task (the tasks extension, SEP-2663), and how long one lives. */
  execution?: { taskSupport?: TaskSupport; ttlMs?: number; pollIntervalMs?: number };
}

/** The spec's own words (Tool.execution.taskSupport): never, when the client supports tasks, or always. */
export type TaskSupport = 'forbidden' | 'optional' | 'required';

/** Completion values per variable/argument: a list, or a handler spec. */
export type Completion = Record<string, string[] | string>;

export interface ManifestResource {
  uri: string;
  name: string;
  title?: string;
  description?: string;
  mimeType?: string;
  size?: number;
  annotations?: Record<string, unknown>;
  icons?: Icon[];
  scopes?: ScopeRequirement;
  text?: string;
  blob?: string;
  file?: string;
  handler?: string;
}

export interface ManifestResourceTemplate {
  uriTemplate: string;
  name: string;
  title?: string;
  description?: string;
  mimeType?: string;
  annotations?: Record<string, unknown>;
  icons?: Icon[];
  scopes?: ScopeRequirement;
  handler: string;
  complete?: Completion;
}

export interface ManifestPromptMessage {
  role: 'user' | 'assistant';
  text?: string;
  content?: Record<string, unknown>;
}

export interface ManifestPrompt {
  name: string;
  title?: string;
  description?: string;
  icons?: Icon[];
  scopes?: ScopeRequirement;
  arguments?: { name: string; title?: string; description?: string; required?: boolean }[];
  messages?: ManifestPromptMessage[];
  handler?: string;
  complete?: Completion;
}

export interface Manifest {
  $schema?: string;
  server: { name: string; version: string; title?: string; instructions?: string; pageSize?: number };
  http?: {
    host?: string;
    port?: number;
    path?: string;
    publicUrl?: string;
    allowedOrigins?: string[];
    allowedHosts?: string[];
    maxBodyBytes?: number;
    sessions?: boolean;
    rateLimit?: { perMinute: number; burst?: number };
    accessLog?: boolean;
    metrics?: boolean;
    headersTimeoutMs?: number;
  };
  auth: {
    provider: 'jwt' | 'scalekit' | 'dev' | 'none';
    issuer?: string;
    jwksUri?: string;
    audience?: string | string[];
    algorithms?: string[];
    scopeClaims?: string[];
    clockToleranceSec?: number;
    environmentUrl?: string;
    resourceId?: string;
    allowNonLoopback?: boolean;
    accessTokenTtlSec?: number;
    typ?: string;
    introspection?: { endpoint: string; clientId: string; clientSecret: string; cacheSec?: number };
    jwksCacheSec?: number;
    tokenCacheSize?: number;
  };
  resource?: {
    resource?: string;
    authorization_servers?: string[];
    scopes_supported?: string[];
    resource_name?: string;
    resource_documentation?: string;
    resource_policy_uri?: string;
    resource_tos_uri?: string;
  };
  /** Default `isolation` of every tool. */
  isolation?: 'none' | 'worker';
  /** Shared state on Redis, for replicas behind a load balancer. */
  store?: { url: string; keyPrefix?: string };
  /** Bounds on tasks (tools with `execution.taskSupport`). */
  tasks?: { maxLive?: number; maxLivePerCaller?: number };
  tools?: ManifestTool[];
  resources?: ManifestResource[];
  resourceTemplates?: ManifestResourceTemplate[];
  prompts?: ManifestPrompt[];
}

/** Scopes a call needs: every one of `allOf`, or at least one of `anyOf`. */
export type ScopePolicy =
  | { readonly kind: 'allOf'; readonly scopes: readonly string[] }
  | { readonly kind: 'anyOf'; readonly scopes: readonly string[] };

/** What every listed item has: tools, resources, resource templates and prompts. */
interface ResolvedItem {
  readonly name: string;
  readonly title?: string;
  readonly description?: string;
  readonly icons?: readonly Icon[];
  readonly scopes: ScopePolicy;
}

export interface ResolvedTool extends ResolvedItem {
  readonly inputSchema: JsonSchema;
  readonly outputSchema?: JsonSchema;
  readonly annotations?: Record<string, unknown>;
  /** Absolute path of the handler module and the export to call. */
  readonly handler: ResolvedHandler;
  readonly timeoutMs: number;
  /** Absent: the tool never runs as a task. */
  readonly task?: ResolvedTaskExecution;
}

export interface ResolvedTaskExecution {
  readonly support: 'optional' | 'required';
  /** How long a task lives from its creation; its handler is aborted then, and the task removed. */
  readonly ttlMs: number;
  readonly pollIntervalMs: number;
}

export interface ResolvedHandler {
  readonly file: string;
  readonly exportName: string;
  readonly spec: string;
}

/** Where a resource's content comes from. */
export type ResourceSource =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'blob'; readonly blob: string }
  | { readonly kind: 'file'; readonly file: string }
  | { readonly kind: 'handler'; readonly handler: ResolvedHandler; readonly timeoutMs: number };

export interface ResolvedResource extends ResolvedItem {
  readonly uri: string;
  readonly mimeType?: string;
  readonly size?: number;
  readonly annotations?: Record<string, unknown>;
  readonly source: ResourceSource;
}

/** Completion per variable/argument: fixed values, or a handler. */
export type ResolvedCompletion = Readonly<
  Record<
    string,
    { readonly values: readonly string[] } | { readonly handler: ResolvedHandler; readonly timeoutMs: number }
  >
>;

export interface ResolvedResourceTemplate extends ResolvedItem {
  readonly uriTemplate: string;
  readonly mimeType?: string;
  readonly annotations?: Record<string, unknown>;
  readonly handler: ResolvedHandler;
  readonly complete: ResolvedCompletion;
  readonly timeoutMs: number;
}

export interface ResolvedPrompt extends ResolvedItem {
  readonly arguments: readonly {
    readonly name: string;
    readonly title?: string;
    readonly description?: string;
    readonly required: boolean;
  }[];
  readonly source:
    | { readonly kind: 'messages'; readonly messages: readonly ManifestPromptMessage[] }
    | { readonly kind: 'handler'; readonly handler: ResolvedHandler };
  readonly complete: ResolvedCompletion;
  readonly timeoutMs: number;
}

export interface ResolvedJwtAuth {
  readonly provider: 'jwt' | 'scalekit';
  /** Accepted `iss` values, compared exactly. */
  readonly issuers: readonly string[];
  /** The issuer whose metadata is discovered when `jwksUri` is absent. */
  readonly discoveryIssuer: string;
  readonly jwksUri?: string;
  /** Accepted audiences besides the resource URL; absent means "the resource URL only". */
  readonly audiences?: readonly string[];
  /** Whether the resource URL itself is an accepted audience. */
  readonly audienceIncludesResource: boolean;
  readonly algorithms: readonly string[];
  readonly scopeClaims: readonly string[];
  readonly clockToleranceSec: number;
  readonly authorizationServers: readonly string[];
  /** Required JWT `typ` header; absent means not checked. */
  readonly typ?: string;
  /** RFC 7662 introspection of opaque tokens. */
  readonly introspection?: {
    readonly endpoint: string;
    readonly clientId: string;
    readonly clientSecret: string;
    readonly cacheSec: number;
  };
  /** How long fetched signing keys count as fresh; older ones are refreshed, and kept while refreshing fails. */
  readonly jwksCacheSec: number;
  /** Accepted tokens remembered (by hash) so a repeated one skips verification; 0 turns it off. */
  readonly tokenCacheSize: number;
}

/** The built-in development authorization server; its issuer is the server's own origin. */
export interface ResolvedDevAuth {
  readonly provider: 'dev';
  readonly allowNonLoopback: boolean;
  readonly accessTokenTtlSec: number;
}

export type ResolvedAuth = { readonly provider: 'none' } | ResolvedJwtAuth | ResolvedDevAuth;

/** Where replicas keep what they share: a Redis URL (credentials included) and the prefix of every key. */
export interface ResolvedStore {
  readonly url: string;
  readonly keyPrefix: string;
}

export interface ResolvedManifest {
  /** Absolute path of the manifest file. */
  readonly file: string;
  /** Directory that handler paths are relative to and must stay inside. */
  readonly dir: string;
  readonly server: {
    readonly name: string;
    readonly version: string;
    readonly title?: string;
    readonly instructions?: string;
    readonly pageSize: number;
  };
  readonly http: {
    readonly host: string;
    readonly port: number;
    readonly path: string;
    readonly publicUrl?: string;
    readonly allowedOrigins: readonly string[];
    readonly allowedHosts: readonly string[];
    readonly maxBodyBytes: number;
    /** Whether 2025-11-25 `initialize` opens a session. */
    readonly sessions: boolean;
    readonly rateLimit?: { readonly perMinute: number; readonly burst: number };
    readonly accessLog: boolean;
    readonly metrics: boolean;
    readonly headersTimeoutMs: number;
  };
  readonly auth: ResolvedAuth;
  /** Shared state on Redis; absent: everything is per process. */
  readonly store?: ResolvedStore;
  readonly tasks: { readonly maxLive: number; readonly maxLivePerCaller: number };
  /** RFC 9728 fields given in the manifest (snake_case), without `resource` itself. */
  readonly resource: {
    readonly authorization_servers?: readonly string[];
    readonly scopes_supported: readonly string[];
    readonly resource_name?: string;
    readonly resource_documentation?: string;
    readonly resource_policy_uri?: string;
    readonly resource_tos_uri?: string;
  };
  readonly tools: readonly ResolvedTool[];
  readonly resources: readonly ResolvedResource[];
  readonly resourceTemplates: readonly ResolvedResourceTemplate[];
  readonly prompts: readonly ResolvedPrompt[];
}

export const ASYMMETRIC_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
] as const;

export const DEFAULTS = {
  host: '127.0.0.1',
  port: 3000,
  path: '/mcp',
  maxBodyBytes: 1024 * 1024,
  scopeClaims: ['scope', 'scp', 'scopes'],
  scalekitScopeClaims: ['scopes', 'scope'],
  clockToleranceSec: 30,
  /** For every handler but a completion's. */
  timeoutMs: 30_000,
  /** A completion answers while the user types: it gets less time. */
  completionTimeoutMs: 5_000,
  devAccessTokenTtlSec: 3600,
  pageSize: 100,
  headersTimeoutMs: 10_000,
  jwksCacheSec: 600,
  tokenCacheSize: 10_000,
  taskTtlMs: 3_600_000,
  taskPollIntervalMs: 1_000,
  maxLiveTasks: 1_000,
  maxLiveTasksPerCaller: 20,
} as const;

/**
 * The resource identifier clients compare tokens and metadata against (RFC 9728
 * section 3.3): `publicUrl + path`, or else the address served on. A wildcard bind
 * (`0.0.0.0`, `::`) is no address a client can use: it is reached at `localhost`.
 * An IPv6 literal is bracketed (RFC 3986 section 3.2.2). `port`: the port actually
 * listened on, when it differs from `http.port` (port 0 picks one).
 */
export function resourceUrl(
  http: {
    readonly host: string;
    readonly port: number;
    readonly path: string;
    readonly publicUrl?: string | undefined;
  },
  port: number = http.port,
): string {
  const host =
    http.host === '0.0.0.0' || http.host === '::'
      ? 'localhost'
      : http.host.includes(':')
        ? `[${http.host}]`
        : http.host;
  const origin = http.publicUrl ?? `http://${host}:${port}`;
  return http.path === '/' ? origin : `${origin}${http.path}`;
}

/** Hosts that only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

/** Deep-freezes a plain data structure (the resolved manifest is immutable). */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}

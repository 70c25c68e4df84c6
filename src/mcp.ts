/**
 * Builds the SDK server from a loaded manifest. Everything derivable (validators,
 * tool definitions, scope checks) is prepared once per load; the factory that the
 * SDK calls per request only registers the prepared pieces.
 */
import { randomBytes } from 'node:crypto';
import {
  McpServer, createRequestStateCodec, fromJsonSchema, inputRequired, isCallToolResult,
  type AuthInfo, type CallToolResult, type InputRequiredResult, type ServerContext, type McpServerFactory, type RegisteredTool, type ScopeChallengeHandler, type StandardSchemaWithJSON, type ToolAnnotations,
} from '@modelcontextprotocol/server';
import { scopeChallenge } from './auth/scopes.js';
import type { HandlerCall, HandlerRunner, LoadedManifest } from './config/index.js';
import { InputNeeded, type ContextSinks } from './context.js';
import type { AuthContext } from './handler-types.js';
import type { Logger } from './log.js';
import type { ResolvedTool } from './manifest.js';

interface ToolConfig {
  title?: string;
  description?: string;
  inputSchema: StandardSchemaWithJSON<Record<string, unknown>>;
  outputSchema?: StandardSchemaWithJSON;
  annotations?: ToolAnnotations;
  scopeChallenge: ScopeChallengeHandler;
}

interface PreparedTool {
  readonly tool: ResolvedTool;
  readonly config: ToolConfig;
  readonly run: (args: Record<string, unknown>, ctx: ServerContext) => Promise<CallToolResult | InputRequiredResult>;
}

/** What a multi-round call carries between rounds: the answers so far. */
interface RoundState {
  readonly answers: Record<string, unknown>;
}

/**
 * Seals the answers between rounds (HMAC, bound to the method, the client and the
 * subject): requestState travels through the client and comes back untrusted. One key
 * per process, so a round may cross a reload.
 */
const rounds = createRequestStateCodec<RoundState>({
  key: randomBytes(32),
  bind: (ctx) => {
    const auth = authOf(ctx.http?.authInfo);
    return `${ctx.mcpReq.method}\0${auth?.clientId ?? ''}\0${auth?.subject ?? ''}`;
  },
});

/** Where a handler's log and progress go: the client of this request. */
function sinksOf(ctx: ServerContext): ContextSinks {
  const token = ctx.mcpReq._meta?.progressToken;
  return {
    log: (level, data, logger) => ctx.mcpReq.log(level, data, logger),
    progress: async (progress, total, message) => {
      if (token === undefined) return;
      await ctx.mcpReq.notify({ method: 'notifications/progress', params: { progressToken: token, progress, ...(total !== undefined && { total }), ...(message !== undefined && { message }) } });
    },
  };
}

/** The SDK's `AuthInfo` carries our verified `AuthContext` here; the raw token is never set. */
export function toAuthInfo(auth: AuthContext, resourceUrl: string, resourceMetadataUrl: string): AuthInfo {
  return {
    token: '',
    clientId: auth.clientId ?? '',
    scopes: [...auth.scopes],
    expiresAt: auth.expiresAt,
    resource: new URL(resourceUrl),
    resourceMetadataUrl,
    extra: { auth },
  };
}

function authOf(info: AuthInfo | undefined): AuthContext | undefined {
  return info?.extra?.['auth'] as AuthContext | undefined;
}

/** Everything a server instance needs, prepared once per manifest load. */
export interface McpBlueprint {
  readonly info: { name: string; version: string; title?: string };
  readonly options: {
    instructions?: string;
    jsonSchemaValidator: LoadedManifest['schemas'];
    requestState: { verify: (state: string, ctx: ServerContext) => Promise<unknown> };
    capabilities: { logging: Record<string, never> };
  };
  readonly tools: ReadonlyMap<string, PreparedTool>;
}

export function prepareMcp(loaded: LoadedManifest, log: Logger): McpBlueprint {
  const { manifest, handlers, schemas } = loaded;
  return {
    info: { name: manifest.server.name, version: manifest.server.version, ...(manifest.server.title !== undefined && { title: manifest.server.title }) },
    options: {
      ...(manifest.server.instructions !== undefined && { instructions: manifest.server.instructions }),
      jsonSchemaValidator: schemas,
      requestState: { verify: rounds.verify },
      // Handlers may log (ctx.log); clients choose the level with logging/setLevel.
      capabilities: { logging: {} },
    },
    tools: new Map(manifest.tools.map((tool) => [tool.name, prepareTool(tool, handlers.get(tool.name)!, schemas, log)])),
  };
}

/** For the SDK's per-request serving: a fresh server with the prepared tools. */
export function createServerFactory(blueprint: McpBlueprint): McpServerFactory {
  return () => {
    const server = new McpServer(blueprint.info, blueprint.options);
    for (const t of blueprint.tools.values()) registerTool(server, t, () => t);
    return server;
  };
}

/**
 * A long-lived server (a 2025-11-25 session) whose tools follow reloads: `update`
 * re-points unchanged tools at the new handlers silently and registers, removes or
 * replaces the others, which the SDK announces with `notifications/tools/list_changed`.
 */
export interface LiveServer {
  readonly server: McpServer;
  update(next: McpBlueprint): void;
}

export function createLiveServer(initial: McpBlueprint): LiveServer {
  const server = new McpServer(initial.info, initial.options);
  let current = initial;
  const registered = new Map<string, { tool: ResolvedTool; handle: RegisteredTool }>();
  const register = (t: PreparedTool) => registered.set(t.tool.name, { tool: t.tool, handle: registerTool(server, t, () => current.tools.get(t.tool.name) ?? t) });
  for (const t of initial.tools.values()) register(t);
  return {
    server,
    update(next) {
      current = next;
      for (const [name, entry] of registered) {
        const t = next.tools.get(name);
        if (t && JSON.stringify(t.tool) === JSON.stringify(entry.tool)) continue;
        entry.handle.remove();
        registered.delete(name);
      }
      for (const t of next.tools.values()) if (!registered.has(t.tool.name)) register(t);
    },
  };
}

/** `resolve` picks the prepared tool at call time, so a session's calls reach the newest handlers. */
function registerTool(server: McpServer, t: PreparedTool, resolve: () => PreparedTool): RegisteredTool {
  return server.registerTool(t.tool.name, t.config, (args: Record<string, unknown>, ctx) =>
    resolve().run(args, ctx),
  );
}

function prepareTool(tool: ResolvedTool, handler: HandlerRunner, schemas: LoadedManifest['schemas'], log: Logger): PreparedTool {
  const inputSchema = fromJsonSchema<Record<string, unknown>>(tool.inputSchema as never, schemas);
  const outputSchema = tool.outputSchema === undefined ? undefined : fromJsonSchema(tool.outputSchema as never, schemas);
  // Scopes are checked before dispatch; the SDK answers HTTP 403 insufficient_scope
  // with a WWW-Authenticate challenge in both protocol eras.
  const challenge: ScopeChallengeHandler = ({ authInfo }) => {
    const auth = authOf(authInfo);
    const needed = auth && scopeChallenge(tool.scopes, auth.scopes);
    return needed ? { scopes: needed as [string, ...string[]], errorDescription: `The ${tool.name} tool needs scope ${needed.join(' ')}` } : undefined;
  };
  const config: ToolConfig = {
    ...(tool.title !== undefined && { title: tool.title }),
    ...(tool.description !== undefined && { description: tool.description }),
    inputSchema,
    ...(outputSchema !== undefined && { outputSchema }),
    ...(tool.annotations !== undefined && { annotations: tool.annotations as ToolAnnotations }),
    scopeChallenge: challenge,
  };
  const run = async (args: Record<string, unknown>, ctx: ServerContext): Promise<CallToolResult | InputRequiredResult> => {
    const timeout = AbortSignal.timeout(tool.timeoutMs);
    const signal = AbortSignal.any([ctx.mcpReq.signal, timeout]);
    // Answers from earlier rounds (sealed in requestState) plus this round's.
    const earlier = ctx.mcpReq.requestState<RoundState>()?.answers ?? {};
    const answers = { ...earlier, ...ctx.mcpReq.inputResponses };
    const call: HandlerCall = { auth: authOf(ctx.http?.authInfo), signal, toolName: tool.name, sinks: sinksOf(ctx), answers };
    try {
      const value = await raceAbort(Promise.resolve().then(() => handler(args, call)), signal);
      return toCallToolResult(value);
    } catch (error) {
      if (error instanceof InputNeeded) {
        const request = error.request.method === 'elicitation/create' ? inputRequired.elicit(error.request.params) : inputRequired.createMessage(error.request.params);
        return inputRequired({ inputRequests: { [error.key]: request }, requestState: await rounds.mint({ answers }, ctx) });
      }
      if (timeout.aborted) return toolError(`${tool.name} timed out after ${tool.timeoutMs} ms`);
      if (ctx.mcpReq.signal.aborted) return toolError(`${tool.name} was cancelled`);
      log.error(`tool ${tool.name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      return toolError(error instanceof Error ? error.message : String(error));
    }
  };
  return { tool, config, run };
}

/** A string is text; a `CallToolResult` passes as is; any other value is structured content. */
export function toCallToolResult(value: unknown): CallToolResult {
  if (typeof value === 'string') return { content: [{ type: 'text', text: value }] };
  if (value === undefined || value === null) return { content: [] };
  if (isCallToolResult(value)) return value;
  // A function or symbol has no JSON form; String() would send a function's source code.
  if (typeof value === 'function' || typeof value === 'symbol') throw new TypeError(`the handler returned a ${typeof value}; return a string, plain data or a CallToolResult`);
  const text = JSON.stringify(value);
  const structured = typeof value === 'object' && !Array.isArray(value) ? { structuredContent: value as Record<string, unknown> } : {};
  return { content: [{ type: 'text', text }], ...structured };
}

function toolError(message: string): CallToolResult {
  return { content: [{ type: 'text', text: message }], isError: true };
}

/** Settles with `work`, or rejects as soon as `signal` aborts (a handler that ignores its signal no longer holds the call). */
function raceAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * Builds the SDK server from a loaded manifest. Everything derivable (validators,
 * tool definitions, scope checks) is prepared once per load; the factory that the
 * SDK calls per request only registers the prepared pieces.
 */
import {
  McpServer, fromJsonSchema, isCallToolResult,
  type AuthInfo, type CallToolResult, type McpServerFactory, type ScopeChallengeHandler, type StandardSchemaWithJSON, type ToolAnnotations,
} from '@modelcontextprotocol/server';
import { scopeChallenge } from './auth/scopes.js';
import type { LoadedManifest } from './config/index.js';
import type { AuthContext, ToolContext, ToolHandler } from './handler-types.js';
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
  readonly run: (args: Record<string, unknown>, ctx: { signal: AbortSignal; authInfo: AuthInfo | undefined }) => Promise<CallToolResult>;
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

export function createServerFactory(loaded: LoadedManifest, log: Logger): McpServerFactory {
  const { manifest, handlers, schemas } = loaded;
  const tools = manifest.tools.map((tool) => prepareTool(tool, handlers.get(tool.name)!, schemas, log));
  const info = { name: manifest.server.name, version: manifest.server.version, ...(manifest.server.title !== undefined && { title: manifest.server.title }) };
  const options = {
    ...(manifest.server.instructions !== undefined && { instructions: manifest.server.instructions }),
    jsonSchemaValidator: schemas,
  };
  return () => {
    const server = new McpServer(info, options);
    for (const t of tools) {
      server.registerTool(t.tool.name, t.config, (args: Record<string, unknown>, ctx) =>
        t.run(args, { signal: ctx.mcpReq.signal, authInfo: ctx.http?.authInfo }),
      );
    }
    return server;
  };
}

function prepareTool(tool: ResolvedTool, handler: ToolHandler, schemas: LoadedManifest['schemas'], log: Logger): PreparedTool {
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
  const run = async (args: Record<string, unknown>, ctx: { signal: AbortSignal; authInfo: AuthInfo | undefined }): Promise<CallToolResult> => {
    const timeout = AbortSignal.timeout(tool.timeoutMs);
    const signal = AbortSignal.any([ctx.signal, timeout]);
    const context: ToolContext = { auth: authOf(ctx.authInfo), signal, toolName: tool.name };
    try {
      const value = await raceAbort(Promise.resolve().then(() => handler(args, context)), signal);
      return toCallToolResult(value);
    } catch (error) {
      if (timeout.aborted) return toolError(`${tool.name} timed out after ${tool.timeoutMs} ms`);
      if (ctx.signal.aborted) return toolError(`${tool.name} was cancelled`);
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
  const text = JSON.stringify(value) ?? String(value);
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

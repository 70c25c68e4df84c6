/** Tools: input validated by the shared AJV instance, scopes checked by the SDK before dispatch. */
import {
  type CallToolResult,
  fromJsonSchema,
  type InputRequiredResult,
  isCallToolResult,
  type ServerContext,
  type ToolAnnotations,
} from '@modelcontextprotocol/server';
import { authOf } from '../auth/auth-info.js';
import { callerFields } from '../auth/claims.js';
import type { HandlerRunner } from '../handlers/runner.js';
import type { ResolvedTool } from '../manifest.js';
import { callFailure, callHandler, type PrepareEnv, scopeCheck } from './calls.js';
import type { PreparedItem } from './item.js';

export interface PreparedTool extends PreparedItem {
  run(args: Record<string, unknown>, ctx: ServerContext): Promise<CallToolResult | InputRequiredResult>;
}

export function prepareTool(tool: ResolvedTool, runner: HandlerRunner, env: PrepareEnv): PreparedTool {
  const { schemas, log } = env;
  const inputSchema = fromJsonSchema<Record<string, unknown>>(tool.inputSchema as never, schemas);
  const outputSchema =
    tool.outputSchema === undefined ? undefined : fromJsonSchema(tool.outputSchema as never, schemas);
  const config = {
    ...(tool.title !== undefined && { title: tool.title }),
    ...(tool.description !== undefined && { description: tool.description }),
    inputSchema,
    ...(outputSchema !== undefined && { outputSchema }),
    ...(tool.annotations !== undefined && { annotations: tool.annotations as ToolAnnotations }),
    ...(tool.icons !== undefined && { icons: [...tool.icons] }),
    scopeChallenge: scopeCheck(tool.scopes, `The ${tool.name} tool`, (auth, needed) =>
      env.observer?.tool({
        tool: tool.name,
        ...callerFields(auth),
        decision: 'deny',
        outcome: `missing ${needed.join(' ')}`,
      }),
    ),
  };
  const item: PreparedTool = {
    id: `tool:${tool.name}`,
    signature: JSON.stringify(tool),
    async run(args, ctx) {
      const audit = (outcome: string) =>
        env.observer?.tool({
          tool: tool.name,
          ...callerFields(authOf(ctx.http?.authInfo)),
          decision: 'allow',
          outcome,
        });
      try {
        const outcome = await callHandler(runner, [args], ctx, tool.name, tool.timeoutMs, env);
        const result = 'inputRequired' in outcome ? outcome.inputRequired : toCallToolResult(outcome.value);
        audit('inputRequired' in outcome ? 'input_required' : 'ok');
        return result;
      } catch (error) {
        // A tool's failure is a result the model can read (isError), not a JSON-RPC error.
        const failure = callFailure(error, `tool ${tool.name}`, log);
        audit(failure.reason);
        return { content: [{ type: 'text', text: failure.message }], isError: true };
      }
    },
    register: (server, current) =>
      server.registerTool(tool.name, config, (args: Record<string, unknown>, ctx) =>
        (current() as PreparedTool).run(args, ctx),
      ),
  };
  return item;
}

/** A string is text; a `CallToolResult` passes as is; any other value is structured content. */
export function toCallToolResult(value: unknown): CallToolResult {
  if (typeof value === 'string') return { content: [{ type: 'text', text: value }] };
  if (value === undefined || value === null) return { content: [] };
  if (isCallToolResult(value)) return value;
  // A function or symbol has no JSON form; String() would send a function's source code.
  if (typeof value === 'function' || typeof value === 'symbol')
    throw new TypeError(`the handler returned a ${typeof value}; return a string, plain data or a CallToolResult`);
  const text = JSON.stringify(value);
  const structured =
    typeof value === 'object' && !Array.isArray(value) ? { structuredContent: value as Record<string, unknown> } : {};
  return { content: [{ type: 'text', text }], ...structured };
}

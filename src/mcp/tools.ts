/** Tools: input validated by the shared AJV instance, scopes checked by the SDK before dispatch. */
import {
  type CallToolResult,
  fromJsonSchema,
  type InputRequiredResult,
  isCallToolResult,
  type ServerContext,
  type StandardSchemaWithJSON,
  type ToolAnnotations,
} from '@modelcontextprotocol/server';
import { authOf } from '../auth/auth-info.js';
import { callerFields } from '../auth/claims.js';
import type { HandlerRunner } from '../handlers/runner.js';
import type { ResolvedTaskExecution, ResolvedTool } from '../manifest.js';
import { MISSING_EXTENSION, type TaskTool } from '../tasks/engine.js';
import { carryTask } from '../tasks/methods.js';
import {
  askRound,
  CallFailed,
  callFailure,
  callHandler,
  inputRequestsOf,
  type PrepareEnv,
  raceAbort,
  roundAnswers,
  scopeCheck,
} from './calls.js';
import type { PreparedItem } from './item.js';

export interface PreparedTool extends PreparedItem {
  run(args: Record<string, unknown>, ctx: ServerContext): Promise<CallToolResult | InputRequiredResult>;
  /** What the tasks engine runs, when the tool supports tasks. */
  readonly taskTool?: TaskTool;
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
  const taskTool = tool.task && prepareTaskTool(tool, tool.task, runner, outputSchema, env);
  const item: PreparedTool = {
    id: `tool:${tool.name}`,
    signature: JSON.stringify(tool),
    ...(taskTool && { taskTool }),
    async run(args, ctx) {
      const audit = (outcome: string) =>
        env.observer?.tool({
          tool: tool.name,
          ...callerFields(authOf(ctx.http?.authInfo)),
          decision: 'allow',
          outcome,
        });
      if (taskTool && env.tasks) {
        if (env.tasks.declared(ctx)) {
          const outcome = await env.tasks.call(taskTool, args, ctx, roundAnswers(ctx));
          if (outcome.kind === 'task') {
            audit('task');
            return carryTask(outcome.created);
          }
          audit(outcome.kind === 'input_required' ? 'input_required' : outcome.result.isError ? 'error' : 'ok');
          return outcome.result;
        }
        if (taskTool.task.support === 'required') throw MISSING_EXTENSION();
      }
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

/** The tool as the tasks engine runs it: one round of its handler to a checked result. */
function prepareTaskTool(
  tool: ResolvedTool,
  task: ResolvedTaskExecution,
  runner: HandlerRunner,
  outputSchema: StandardSchemaWithJSON | undefined,
  env: PrepareEnv,
): TaskTool {
  const failure = (error: unknown, cancelled?: boolean): CallToolResult => {
    const failed = cancelled ? new CallFailed('cancelled', `${tool.name} was cancelled`) : error;
    return {
      content: [{ type: 'text', text: callFailure(failed, `tool ${tool.name}`, env.log).message }],
      isError: true,
    };
  };
  return {
    name: tool.name,
    scopes: tool.scopes,
    task,
    async round(args, call) {
      const result = toCallToolResult(
        await raceAbort(
          Promise.resolve().then(() => runner([args], call)),
          call.signal,
        ),
      );
      if (outputSchema === undefined || result.isError) return result;
      // What the SDK checks of a call's result, checked here: a task's result does not pass through it.
      const checked = await outputSchema['~standard'].validate(result.structuredContent);
      if (result.structuredContent !== undefined && !checked.issues) return result;
      const problem =
        result.structuredContent === undefined
          ? 'the tool has an output schema but no structured content was provided'
          : (checked.issues ?? []).map((issue) => issue.message).join('; ');
      return { content: [{ type: 'text', text: `Output validation error: ${problem}` }], isError: true };
    },
    failure,
    inputRequests: inputRequestsOf,
    ask: (error, answers, ctx) => askRound(error, answers, ctx, env),
  };
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

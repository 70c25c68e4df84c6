/**
 * What a server is built from, prepared once per manifest load: everything derivable
 * (validators, definitions, scope checks) is made here, so that the servers built
 * from it (servers.ts) only register the prepared items.
 */
import type { ServerContext } from '@modelcontextprotocol/server';
import type { LoadedManifest } from '../config/index.js';
import type { HandlerRunner } from '../handlers/runner.js';
import type { Logger } from '../log.js';
import type { Observer } from '../observe.js';
import type { Tasks, TaskTool } from '../tasks/engine.js';
import { createRoundSeal, type PrepareEnv } from './calls.js';
import type { Completions } from './completion.js';
import type { PreparedItem } from './item.js';
import type { ListKey } from './pages.js';
import { preparePrompt } from './prompts.js';
import { prepareResource, prepareTemplate } from './resources.js';
import { type PreparedTool, prepareTool } from './tools.js';

/** Everything a server instance needs, prepared once per manifest load. */
export interface McpBlueprint {
  readonly info: { name: string; version: string; title?: string };
  readonly options: {
    instructions?: string;
    jsonSchemaValidator: LoadedManifest['schemas'];
    requestState: { verify: (state: string, ctx: ServerContext) => Promise<unknown> };
    capabilities: { logging: Record<string, never>; resources?: { subscribe: boolean; listChanged: boolean } };
  };
  /** By id, in manifest order: tools, resources, templates, prompts. */
  readonly items: ReadonlyMap<string, PreparedItem>;
  readonly completions: Completions;
  /** Present when some tool supports tasks: the engine, and those tools by name. */
  readonly tasks?: { readonly engine: Tasks; readonly tools: ReadonlyMap<string, TaskTool> };
  readonly env: PrepareEnv;
  /** Items per page of tools/list, resources/list, resources/templates/list, prompts/list. */
  readonly pageSize: number;
  readonly listSizes: Readonly<Record<ListKey, number>>;
}

/**
 * `resourceUpdated` announces a resource change to its subscribers, in every version and
 * session. `roundKey`: the key that seals requestState, when replicas share one.
 */
export function prepareMcp(
  loaded: LoadedManifest,
  log: Logger,
  resourceUpdated: (uri: string) => void,
  observer?: Observer,
  roundKey?: () => Promise<Uint8Array>,
  tasks?: Tasks,
): McpBlueprint {
  const { manifest, handlers, schemas } = loaded;
  const seal = createRoundSeal(roundKey);
  const env: PrepareEnv = {
    schemas,
    log,
    resourceUpdated,
    seal,
    ...(observer && { observer }),
    ...(tasks && { tasks }),
  };
  const runner = (key: string): HandlerRunner => handlers.get(key)!;
  const items: PreparedItem[] = [
    ...manifest.tools.map((t, i) => prepareTool(t, runner(`tools[${i}].handler`), env)),
    ...manifest.resources.map((r, i) => prepareResource(r, handlers.get(`resources[${i}].handler`), env, manifest.dir)),
    ...manifest.resourceTemplates.map((t, i) => prepareTemplate(t, runner(`resourceTemplates[${i}].handler`), env)),
    ...manifest.prompts.map((p, i) => preparePrompt(p, handlers.get(`prompts[${i}].handler`), env)),
  ];
  const taskTools = new Map(
    items.flatMap((item) => {
      const taskTool = (item as PreparedTool).taskTool;
      return taskTool ? [[taskTool.name, taskTool] as const] : [];
    }),
  );
  const hasResources = manifest.resources.length + manifest.resourceTemplates.length > 0;
  const completionRunners = (section: string, i: number, complete: object) =>
    new Map(
      Object.keys(complete).flatMap((name) => {
        const found = handlers.get(`${section}[${i}].complete.${name}`);
        return found ? [[name, found] as const] : [];
      }),
    );
  const byRef = new Map([
    ...manifest.resourceTemplates.map(
      (t, i) =>
        [
          `template:${t.uriTemplate}`,
          { scopes: t.scopes, complete: t.complete, runners: completionRunners('resourceTemplates', i, t.complete) },
        ] as const,
    ),
    ...manifest.prompts.map(
      (p, i) =>
        [
          `prompt:${p.name}`,
          { scopes: p.scopes, complete: p.complete, runners: completionRunners('prompts', i, p.complete) },
        ] as const,
    ),
  ]);
  return {
    info: {
      name: manifest.server.name,
      version: manifest.server.version,
      ...(manifest.server.title !== undefined && { title: manifest.server.title }),
    },
    options: {
      ...(manifest.server.instructions !== undefined && { instructions: manifest.server.instructions }),
      jsonSchemaValidator: schemas,
      requestState: { verify: seal.verify },
      // Handlers may log (ctx.log); clients choose the level. Resources can be subscribed to.
      capabilities: { logging: {}, ...(hasResources && { resources: { subscribe: true, listChanged: true } }) },
    },
    items: new Map(items.map((item) => [item.id, item])),
    ...(tasks && taskTools.size > 0 && { tasks: { engine: tasks, tools: taskTools } }),
    completions: { byRef },
    env,
    pageSize: manifest.server.pageSize,
    listSizes: {
      tools: manifest.tools.length,
      resources: manifest.resources.length,
      resourceTemplates: manifest.resourceTemplates.length,
      prompts: manifest.prompts.length,
    },
  };
}

/**
 * Resources and resource templates. Static content is inline text, a base64 blob, or
 * a file read on every read (edits show at once); dynamic content comes from a
 * handler. Scopes are checked by the SDK before anything is read.
 */
import { readFile } from 'node:fs/promises';
import { ProtocolError, ProtocolErrorCode, ResourceTemplate, type InputRequiredResult, type ReadResourceResult, type ServerContext } from '@modelcontextprotocol/server';
import type { HandlerRunner } from '../config/index.js';
import { DEFAULTS, type ResolvedResource, type ResolvedResourceTemplate } from '../manifest.js';
import { CallFailed, callHandler, scopeCheck, type PrepareEnv } from './calls.js';
import type { PreparedItem } from './item.js';
import { describe } from './tools.js';

type ReadOutcome = ReadResourceResult | InputRequiredResult;

export interface PreparedResource extends PreparedItem {
  read(uri: URL, ctx: ServerContext): Promise<ReadOutcome>;
}

export interface PreparedTemplate extends PreparedItem {
  read(uri: URL, variables: Record<string, string | string[]>, ctx: ServerContext): Promise<ReadOutcome>;
}

/** MIME types whose bytes are sent as text rather than base64. */
const TEXTUAL = /^text\/|[/+](json|xml|yaml|javascript)$/;

function metadata(item: ResolvedResource | ResolvedResourceTemplate) {
  return {
    ...(item.title !== undefined && { title: item.title }),
    ...(item.description !== undefined && { description: item.description }),
    ...(item.mimeType !== undefined && { mimeType: item.mimeType }),
    ...('size' in item && item.size !== undefined && { size: item.size }),
    ...(item.annotations !== undefined && { annotations: item.annotations }),
    ...(item.icons !== undefined && { icons: [...item.icons] }),
  };
}

export function prepareResource(resource: ResolvedResource, runner: HandlerRunner | undefined, env: PrepareEnv): PreparedResource {
  const { source } = resource;
  const mimeType = resource.mimeType;
  const read = async (uri: URL, ctx: ServerContext): Promise<ReadOutcome> => {
    switch (source.kind) {
      case 'text':
        return { contents: [{ uri: uri.href, ...(mimeType && { mimeType }), text: source.text }] };
      case 'blob':
        return { contents: [{ uri: uri.href, ...(mimeType && { mimeType }), blob: source.blob }] };
      case 'file': {
        const bytes = await readFile(source.file);
        return { contents: [mimeType === undefined || TEXTUAL.test(mimeType) ? { uri: uri.href, ...(mimeType && { mimeType }), text: bytes.toString('utf8') } : { uri: uri.href, mimeType, blob: bytes.toString('base64') }] };
      }
      case 'handler':
        return readWith(runner!, [uri.href], ctx, uri, mimeType, resource.name, env);
    }
  };
  return {
    id: `resource:${resource.uri}`,
    signature: JSON.stringify(resource),
    read,
    register: (server, current) =>
      server.registerResource(resource.name, resource.uri, { ...metadata(resource), scopeChallenge: scopeCheck(resource.scopes, `The resource ${resource.uri}`) }, (uri, ctx) => (current() as PreparedResource).read(uri, ctx)),
  };
}

export function prepareTemplate(template: ResolvedResourceTemplate, runner: HandlerRunner, env: PrepareEnv): PreparedTemplate {
  const read = (uri: URL, variables: Record<string, string | string[]>, ctx: ServerContext) => readWith(runner, [uri.href, variables], ctx, uri, template.mimeType, template.name, env);
  return {
    id: `template:${template.name}`,
    signature: JSON.stringify(template),
    read,
    register: (server, current) =>
      server.registerResource(
        template.name,
        new ResourceTemplate(template.uriTemplate, { list: undefined }),
        { ...metadata(template), scopeChallenge: scopeCheck(template.scopes, `The resource template ${template.uriTemplate}`) },
        (uri, variables, ctx) => (current() as PreparedTemplate).read(uri, variables, ctx),
      ),
  };
}

async function readWith(runner: HandlerRunner, args: unknown[], ctx: ServerContext, uri: URL, mimeType: string | undefined, name: string, env: PrepareEnv): Promise<ReadOutcome> {
  const { log } = env;
  try {
    const outcome = await callHandler(runner, args, ctx, name, DEFAULTS.timeoutMs, env);
    return 'inputRequired' in outcome ? outcome.inputRequired : toReadResourceResult(outcome.value, uri, mimeType);
  } catch (error) {
    if (error instanceof ProtocolError) throw error;
    if (!(error instanceof CallFailed) || error.reason === 'error') log.error(`resource ${uri.href} failed: ${describe(error instanceof CallFailed ? (error.cause ?? error) : error)}`);
    throw new ProtocolError(ProtocolErrorCode.InternalError, `Reading ${uri.href} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** A string is text; `{ text }` / `{ blob }` one content item; `{ contents }` passes as is. */
export function toReadResourceResult(value: unknown, uri: URL, mimeType: string | undefined): ReadResourceResult {
  const base = { uri: uri.href, ...(mimeType && { mimeType }) };
  if (typeof value === 'string') return { contents: [{ ...base, text: value }] };
  if (value !== null && typeof value === 'object') {
    const v = value as Record<string, unknown>;
    if (Array.isArray(v['contents'])) return value as ReadResourceResult;
    if (typeof v['text'] === 'string') return { contents: [{ ...base, ...(typeof v['mimeType'] === 'string' && { mimeType: v['mimeType'] }), text: v['text'] }] };
    if (typeof v['blob'] === 'string') return { contents: [{ ...base, ...(typeof v['mimeType'] === 'string' && { mimeType: v['mimeType'] }), blob: v['blob'] }] };
  }
  throw new TypeError('the handler returned neither a string, { text }, { blob } nor { contents }');
}

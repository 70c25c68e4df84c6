/**
 * Resources and resource templates. Static content is inline text, a base64 blob, or
 * a file read on every read (edits show at once) that must still lie inside the
 * manifest's directory; dynamic content comes from a handler. Scopes are checked by
 * the SDK before anything is read.
 */
import { constants, realpathSync } from 'node:fs';
import { type FileHandle, open, readlink, realpath, stat } from 'node:fs/promises';
import { relative } from 'node:path';
import {
  type InputRequiredResult,
  ProtocolError,
  ProtocolErrorCode,
  type ReadResourceResult,
  ResourceTemplate,
  type ServerContext,
} from '@modelcontextprotocol/server';
import { isInside } from '../handlers/modules.js';
import type { HandlerRunner } from '../handlers/runner.js';
import type { Logger } from '../log.js';
import type { ResolvedResource, ResolvedResourceTemplate } from '../manifest.js';
import { callFailure, callHandler, type PrepareEnv, scopeCheck } from './calls.js';
import type { PreparedItem } from './item.js';

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

/** `dir` is the manifest's directory: a file resource is served only while it lies inside. */
export function prepareResource(
  resource: ResolvedResource,
  runner: HandlerRunner | undefined,
  env: PrepareEnv,
  dir: string,
): PreparedResource {
  const { source } = resource;
  const mimeType = resource.mimeType;
  // The load has checked that the file is inside; its real path is the root every read is held to.
  const root = source.kind === 'file' ? { dir, real: realpathSync(dir) } : undefined;
  const read = async (uri: URL, ctx: ServerContext): Promise<ReadOutcome> => {
    switch (source.kind) {
      case 'text':
        return { contents: [{ uri: uri.href, ...(mimeType && { mimeType }), text: source.text }] };
      case 'blob':
        return { contents: [{ uri: uri.href, ...(mimeType && { mimeType }), blob: source.blob }] };
      case 'file': {
        const bytes = await readFileInside(source.file, root!, uri, env.log);
        return {
          contents: [
            mimeType === undefined || TEXTUAL.test(mimeType)
              ? { uri: uri.href, ...(mimeType && { mimeType }), text: bytes.toString('utf8') }
              : { uri: uri.href, mimeType, blob: bytes.toString('base64') },
          ],
        };
      }
      case 'handler':
        return readWith(
          runner!,
          [uri.href],
          ctx,
          { uri, mimeType, name: resource.name, timeoutMs: source.timeoutMs },
          env,
        );
    }
  };
  return {
    id: `resource:${resource.uri}`,
    signature: JSON.stringify(resource),
    read,
    register: (server, current) =>
      server.registerResource(
        resource.name,
        resource.uri,
        { ...metadata(resource), scopeChallenge: scopeCheck(resource.scopes, `The resource ${resource.uri}`) },
        (uri, ctx) => (current() as PreparedResource).read(uri, ctx),
      ),
  };
}

export function prepareTemplate(
  template: ResolvedResourceTemplate,
  runner: HandlerRunner,
  env: PrepareEnv,
): PreparedTemplate {
  const read = (uri: URL, variables: Record<string, string | string[]>, ctx: ServerContext) =>
    readWith(
      runner,
      [uri.href, variables],
      ctx,
      { uri, mimeType: template.mimeType, name: template.name, timeoutMs: template.timeoutMs },
      env,
    );
  return {
    id: `template:${template.name}`,
    signature: JSON.stringify(template),
    read,
    register: (server, current) =>
      server.registerResource(
        template.name,
        new ResourceTemplate(template.uriTemplate, { list: undefined }),
        {
          ...metadata(template),
          scopeChallenge: scopeCheck(template.scopes, `The resource template ${template.uriTemplate}`),
        },
        (uri, variables, ctx) => (current() as PreparedTemplate).read(uri, variables, ctx),
      ),
  };
}

/** What a handler read is about: the URI read, its item's MIME type, name and timeout. */
interface HandlerRead {
  readonly uri: URL;
  readonly mimeType: string | undefined;
  readonly name: string;
  readonly timeoutMs: number;
}

async function readWith(
  runner: HandlerRunner,
  args: unknown[],
  ctx: ServerContext,
  read: HandlerRead,
  env: PrepareEnv,
): Promise<ReadOutcome> {
  const { uri } = read;
  try {
    const outcome = await callHandler(runner, args, ctx, read.name, read.timeoutMs, env);
    return 'inputRequired' in outcome ? outcome.inputRequired : toReadResourceResult(outcome.value, uri, read.mimeType);
  } catch (error) {
    const failure = callFailure(error, `resource ${uri.href}`, env.log);
    throw new ProtocolError(ProtocolErrorCode.InternalError, `Reading ${uri.href} failed: ${failure.message}`);
  }
}

/** Why a file resource was not read: said in the log (`log`) and, without paths, to the client. */
class FileRefused extends Error {
  readonly log: string;
  constructor(log: string, client: string) {
    super(client);
    this.log = log;
  }
}

/**
 * The bytes of `file`, read from a descriptor checked to be a regular file inside `root`,
 * so that nothing swapped in since the load (the file, or a directory on its way,
 * replaced by a symlink that leads out) is served; links that stay inside are fine, as
 * at load. The real path is opened with O_NOFOLLOW, so the last component cannot turn
 * into a link; a directory on the way still could, so the descriptor is then held to the
 * root: on Linux by the kernel's own path of it (/proc/self/fd), which no swap after the
 * open can change; elsewhere by a second realpath that must name the opened file (same
 * device and inode). O_NONBLOCK: a FIFO put in its place is refused, not waited on.
 */
async function readFileInside(
  file: string,
  root: { dir: string; real: string },
  uri: URL,
  log: Logger,
): Promise<Buffer> {
  const shown = relative(root.dir, file);
  const outside = (to: string) =>
    new FileRefused(
      `${shown} now leads outside the manifest's directory (to ${to})`,
      "it leads outside the server's directory",
    );
  let handle: FileHandle | undefined;
  try {
    const real = await realpath(file);
    if (!isInside(root.real, real)) throw outside(real);
    handle = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    const opened = await handle.stat();
    if (!opened.isFile()) throw new FileRefused(`${shown} is no longer a regular file`, 'it is not a regular file');
    const kernelPath = await descriptorPath(handle.fd);
    const where = kernelPath ?? (await realpath(file));
    if (!isInside(root.real, where)) throw outside(where);
    const named = kernelPath === undefined ? await stat(where) : opened;
    if (named.dev !== opened.dev || named.ino !== opened.ino)
      throw new FileRefused(`${shown} changed while it was opened`, 'it changed while it was read');
    return await handle.readFile();
  } catch (error) {
    const refused = error instanceof FileRefused ? error : fileError(error, shown);
    log.error(
      `resource ${uri.href} not read: ${refused.log}; a file resource must stay a file inside the manifest's directory`,
    );
    throw new ProtocolError(ProtocolErrorCode.InternalError, `Reading ${uri.href} failed: ${refused.message}`);
  } finally {
    await handle?.close();
  }
}

/** The path the kernel holds for an open descriptor; undefined where there is no /proc (macOS, Windows). */
async function descriptorPath(fd: number): Promise<string | undefined> {
  try {
    return await readlink(`/proc/self/fd/${fd}`);
  } catch {
    return undefined;
  }
}

function fileError(error: unknown, shown: string): FileRefused {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return new FileRefused(`${shown} is missing`, 'the file is missing');
    // O_NOFOLLOW met a link swapped in after the realpath (ELOOP; EMLINK on FreeBSD), or a link loop.
    case 'ELOOP':
    case 'EMLINK':
      return new FileRefused(
        `${shown} changed into a symlink while it was opened, or is a link loop`,
        'it changed while it was read',
      );
    default:
      return new FileRefused(
        `${shown} cannot be read (${code ?? (error instanceof Error ? error.message : String(error))})`,
        'the file cannot be read',
      );
  }
}

/** A string is text; `{ text }` / `{ blob }` one content item; `{ contents }` passes as is. */
export function toReadResourceResult(value: unknown, uri: URL, mimeType: string | undefined): ReadResourceResult {
  const base = { uri: uri.href, ...(mimeType && { mimeType }) };
  if (typeof value === 'string') return { contents: [{ ...base, text: value }] };
  if (value !== null && typeof value === 'object') {
    const v = value as Record<string, unknown>;
    if (Array.isArray(v['contents'])) return value as ReadResourceResult;
    if (typeof v['text'] === 'string')
      return {
        contents: [{ ...base, ...(typeof v['mimeType'] === 'string' && { mimeType: v['mimeType'] }), text: v['text'] }],
      };
    if (typeof v['blob'] === 'string')
      return {
        contents: [{ ...base, ...(typeof v['mimeType'] === 'string' && { mimeType: v['mimeType'] }), blob: v['blob'] }],
      };
  }
  throw new TypeError('the handler returned neither a string, { text }, { blob } nor { contents }');
}

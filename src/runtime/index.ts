/**
 * Load a manifest, listen, build the snapshot, serve; with `watch`, rebuild and swap
 * the snapshot when its files change; close with a drain.
 */
import { realpath } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, relative } from 'node:path';
import { type AuthInfo, InMemoryServerEventBus } from '@modelcontextprotocol/server';
import { authOf } from '../auth/auth-info.js';
import { callerFields } from '../auth/claims.js';
import { type LoadedManifest, type LoadOptions, loadManifest } from '../config/index.js';
import { formatError, McpOAuthError } from '../errors.js';
import { createRequestListener, refusalReason, requestedCall } from '../http/listener.js';
import { createLogger, type Logger } from '../log.js';
import { resourceUrl } from '../manifest.js';
import { createSessions } from '../mcp/sessions.js';
import { createObserver, type RequestRecord } from '../observe.js';
import {
  codeChanges,
  describeReload,
  diffManifests,
  type HandlerGraph,
  listChanged,
  type ManifestChanges,
} from './reload.js';
import { buildSnapshot, type SharedState, type Snapshot } from './snapshot.js';
import type { FileWatcher } from './watch.js';

/** The reconnection delay every SSE stream suggests to its client (SSE `retry`, SEP-1699). */
const STREAM_RETRY_MS = 1_000;

export interface RuntimeOptions extends LoadOptions {
  log?: Logger;
  /** How long `close()` waits for requests in flight. Default 10 s. */
  drainMs?: number;
  /**
   * Reload when the manifest, its `.env` or any handler module (tools, prompts,
   * resources, templates, completions; or a local module it imports) changes.
   * Handlers then run in a worker thread that is replaced on each reload.
   */
  watch?: boolean;
  /**
   * Called with the manifest served: once serving has started, and after each
   * successful reload (its line printed). A failure is logged as a warning; it stops
   * nothing.
   */
  onLoaded?: (loaded: LoadedManifest) => void | Promise<void>;
}

export type ReloadResult =
  | { ok: true; ms: number; changes: ManifestChanges }
  | { ok: false; ms: number; error: unknown };

export interface Runtime {
  /** The snapshot serving new requests. */
  readonly snapshot: Snapshot;
  /** The MCP endpoint URL (the resource identifier). */
  readonly url: string;
  /** Outcome of the JWKS prefetch at start: key count, or why it failed (the verifier's `failure`, naming URL and cause). */
  readonly keys: { loaded: number } | { error: string } | undefined;
  readonly server: Server;
  /** Versions whose handlers are still loaded: the current one, and retired ones with requests still running. */
  readonly versions: number;
  /**
   * Rebuilds from the files and swaps it in; on failure the current snapshot stays.
   * `changed`: the files whose change asks for it, named in the reload line.
   */
  reload(changed?: readonly string[]): Promise<ReloadResult>;
  close(): Promise<void>;
}

/** A snapshot with the requests still running on it, released once retired and idle. */
class Generation {
  private requests = 0;
  private retired = false;
  private released: Promise<void> | undefined;
  readonly snapshot: Snapshot;
  private readonly onReleased: (g: Generation) => void;
  constructor(snapshot: Snapshot, onReleased: (g: Generation) => void) {
    this.snapshot = snapshot;
    this.onReleased = onReleased;
  }
  enter(): () => void {
    this.requests++;
    return () => {
      this.requests--;
      this.releaseIfDone();
    };
  }
  retire(): void {
    this.retired = true;
    this.releaseIfDone();
  }
  /** Frees the handlers now (at shutdown, after the drain). */
  release(): Promise<void> {
    return (this.released ??= this.snapshot.loaded.release().finally(() => this.onReleased(this)));
  }
  private releaseIfDone(): void {
    if (this.retired && this.requests === 0) void this.release();
  }
}

export async function startRuntime(options: RuntimeOptions = {}): Promise<Runtime> {
  const log = options.log ?? createLogger();
  // What only --watch uses (the worker loader, the watcher, the import scanner) loads only then.
  // The scanner also warns then about handler imports that leave the manifest's directory.
  const watching = options.watch && {
    handlers: (await import('../handlers/worker-loader.js')).workerHandlers,
    checkImports: true,
  };
  const loadOptions = { ...options, ...watching };
  const loaded = await loadManifest(loadOptions);
  let current: Generation | undefined;
  // Calls are waited for at shutdown; streams (2025 GET, 2026 subscriptions/listen)
  // only carry notifications, and are ended once the calls are done.
  const inFlight = new Set<Promise<void>>();
  const openStreams = new Map<Promise<void>, Snapshot>();
  let closing: Promise<void> | undefined;
  const observer = createObserver({
    accessLog: () => current?.snapshot.loaded.manifest.http.accessLog ?? false,
    write: (line) => log.info(line),
  });
  const listener = createRequestListener(log, () => closing !== undefined, observer);
  // Slow-header clients are cut off quickly; Node's defaults would let them hold a socket for a minute or more.
  const headersTimeout = loaded.manifest.http.headersTimeoutMs;
  const server = createServer(
    {
      headersTimeout,
      requestTimeout: Math.max(headersTimeout, 60_000),
      connectionsCheckingInterval: Math.min(1_000, headersTimeout),
    },
    (req, res) => {
      const generation = current;
      const done = new Promise<void>((resolve) => res.once('close', resolve));
      const started = performance.now();
      // Recorded only when someone reads it: the access log or /metrics.
      const { accessLog, metrics } = generation?.snapshot.loaded.manifest.http ?? {};
      if (accessLog || metrics)
        res.once('finish', () => observer.request(requestRecord(req, res, performance.now() - started)));
      // Streams do not hold an old version's handlers alive either.
      const stream = req.method === 'GET' || req.headers['mcp-method'] === 'subscriptions/listen';
      if (stream && generation) {
        openStreams.set(done, generation.snapshot);
        void done.then(() => openStreams.delete(done));
      } else {
        inFlight.add(done);
        void done.then(() => inFlight.delete(done));
        if (generation) void done.then(generation.enter());
      }
      listener(generation?.snapshot, req, res);
    },
  );
  const { host, port } = loaded.manifest.http;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new McpOAuthError(
          'LISTEN_FAILED',
          error.code === 'EADDRINUSE'
            ? `Port ${port} on ${host} is in use; stop the other process or pass --port`
            : `Cannot listen on ${host}:${port}: ${error.message}`,
          { cause: error },
        ),
      ),
    );
    server.listen(port, host, resolve);
  });
  const actualPort = (server.address() as AddressInfo).port;
  // Shared by every version: 2026-07-28 listen streams hear list changes on the one
  // bus, and 2025-11-25 sessions are re-pointed at each reload.
  const shared: SharedState = {
    observer,
    // 2026-07-28 listeners hear it on the bus; 2025-11-25 sessions that subscribed, directly.
    resourceUpdated: (uri) => {
      current?.snapshot.mcp.notify.resourceUpdated(uri);
      shared.sessions.resourceUpdated(uri);
    },
    bus: new InMemoryServerEventBus(),
    sessions: createSessions({
      maxSessions: 1000,
      idleMs: 30 * 60_000,
      maxBodyBytes: loaded.manifest.http.maxBodyBytes,
      maxEvents: 1000,
      retryMs: STREAM_RETRY_MS,
      log,
    }),
    streamRetryMs: STREAM_RETRY_MS,
  };
  const build = async (next: LoadedManifest) => {
    if (next.manifest.http.metrics) await observer.enableMetrics();
    return buildSnapshot(next, resourceUrl(next.manifest.http, actualPort), log, shared);
  };
  // Every version whose handlers are still loaded, so that close() can free them all.
  const generations = new Set<Generation>();
  const generation = (snapshot: Snapshot) => {
    const g = new Generation(snapshot, (released) => generations.delete(released));
    generations.add(g);
    return g;
  };
  current = generation(await build(loaded));
  const keys = await prefetchKeys(current.snapshot);
  const onLoaded = guardHook(options.onLoaded, log);

  let watcher: FileWatcher | undefined;
  // The files the watcher follows, and which handler each belongs to (the serving version's).
  let watched: Watched = { root: loaded.manifest.dir, files: [], handlers: [] };
  // `keep`: files to go on following besides `next`'s (after a refused reload, the serving version's).
  const follow = async (next: LoadedManifest, keep: readonly string[] = []) => {
    if (!watcher) return;
    let found: Watched;
    try {
      found = await watchedFiles(next);
    } catch {
      return; // The manifest's directory is gone; what was followed stays followed.
    }
    watched = keep.length > 0 ? { ...watched, files: [...new Set([...keep, ...found.files])] } : found;
    watcher.update(watched.files);
  };
  let reloading: Promise<ReloadResult> | undefined;
  let again = false;
  // Files changed since the last reload began; the next one names them.
  const pending = new Set<string>();
  const reloadOnce = async (changedFiles: readonly string[]): Promise<ReloadResult> => {
    const started = performance.now();
    if (closing) return { ok: false, ms: 0, error: new Error('the server is shutting down') };
    let next: Snapshot;
    try {
      const nextLoaded = await loadManifest(loadOptions);
      try {
        next = await build(nextLoaded);
      } catch (error) {
        await nextLoaded.release();
        throw error;
      }
    } catch (error) {
      const ms = performance.now() - started;
      await followFailedVersion();
      log.error(`reload failed; still serving the previous version.\n${formatError(error)}`);
      return { ok: false, ms, error };
    }
    const previous = current!;
    const changes = diffManifests(previous.snapshot.loaded.manifest, next.loaded.manifest);
    if (
      changes.settings.includes('http') &&
      (next.loaded.manifest.http.host !== host || next.loaded.manifest.http.port !== loaded.manifest.http.port)
    ) {
      log.warn('http.host and http.port changes take effect after a restart');
    }
    current = generation(next);
    shared.sessions.update(next.blueprint);
    previous.retire();
    const ms = performance.now() - started;
    if (listChanged(changes.tools)) next.mcp.notify.toolsChanged();
    if (listChanged(changes.prompts)) next.mcp.notify.promptsChanged();
    if (listChanged(changes.resources) || listChanged(changes.resourceTemplates)) next.mcp.notify.resourcesChanged();
    // Which items the changed files belong to, by the version the watcher followed when they changed.
    const code = codeChanges(previous.snapshot.loaded.manifest, watched.handlers, changedFiles);
    const shown = changedFiles.map((file) => relative(watched.root, file));
    // Followed before the line is printed: an edit made once it is read is seen.
    await follow(next.loaded);
    log.info(describeReload(changes, code, shown, ms));
    for (const warning of next.loaded.warnings) log.warn(warning);
    void onLoaded(next.loaded);
    void prefetchKeys(next).then(
      (result) => result && 'error' in result && log.warn(`${result.error}: requests get 503 until they can`),
    );
    return { ok: true, ms, changes };
  };
  /**
   * After a refused reload, also follow the handler modules the new manifest names
   * (checked without importing them): fixing a new handler's syntax error reloads.
   */
  const followFailedVersion = async () => {
    if (!watcher) return;
    try {
      await follow(await loadManifest({ ...loadOptions, handlers: false }), watched.files);
    } catch {
      // The manifest itself is broken: its own file is followed already.
    }
  };
  // One reload at a time; changes during a reload trigger one more afterwards.
  const reload = (changed: readonly string[] = []): Promise<ReloadResult> => {
    for (const file of changed) pending.add(file);
    if (reloading) {
      again = true;
      return reloading;
    }
    const files = [...pending];
    pending.clear();
    reloading = reloadOnce(files).finally(() => {
      reloading = undefined;
      if (again) {
        again = false;
        void reload();
      }
    });
    return reloading;
  };
  if (options.watch) {
    const { watchFiles } = await import('./watch.js');
    watcher = watchFiles([], (changed) => void reload(changed));
    await follow(loaded);
  }
  await onLoaded(loaded);

  const drainMs = options.drainMs ?? 10_000;
  return {
    get snapshot() {
      return current!.snapshot;
    },
    get url() {
      return current!.snapshot.resourceUrl;
    },
    keys,
    server,
    get versions() {
      return generations.size;
    },
    reload,
    close: () =>
      (closing ??= (async () => {
        watcher?.close();
        server.close();
        server.closeIdleConnections();
        const deadline = new Promise<void>((resolve) => setTimeout(resolve, drainMs).unref());
        await Promise.race([Promise.all(inFlight), deadline]);
        // Then the streams end: 2026-07-28 subscriptions with their graceful end (the
        // listen result), 2025-11-25 sessions closed. Each stream was told at its start
        // how soon to reconnect (SSE retry).
        await shared.sessions.close();
        const streams = [...openStreams.keys()];
        const handlers = new Set([current!.snapshot.mcp, ...[...openStreams.values()].map((s) => s.mcp)]);
        await Promise.all([...handlers].map((mcp) => mcp.close()));
        await Promise.race([Promise.all(streams), new Promise<void>((resolve) => setTimeout(resolve, 1_000).unref())]);
        server.closeAllConnections();
        await Promise.all([...generations].map((g) => g.release()));
      })()),
  };
}

/** What the access log and the metrics record of a finished request: never a token. */
function requestRecord(req: IncomingMessage, res: ServerResponse, durationMs: number): RequestRecord {
  const auth = authOf((req as IncomingMessage & { auth?: AuthInfo }).auth);
  const reason = refusalReason(res);
  // From the body when it was read; else from the 2026-07-28 headers.
  const call = requestedCall(res);
  const rpcMethod = call?.rpcMethod ?? header(req, 'mcp-method');
  const tool = call?.tool ?? (rpcMethod === 'tools/call' ? header(req, 'mcp-name') : undefined);
  return {
    method: req.method ?? 'GET',
    path: (req.url ?? '/').split('?')[0]!,
    ...(rpcMethod !== undefined && { rpcMethod }),
    ...(tool !== undefined && { tool }),
    ...callerFields(auth),
    status: res.statusCode,
    durationMs: Math.round(durationMs * 10) / 10,
    decision: res.statusCode >= 500 ? 'error' : reason !== undefined ? 'deny' : 'allow',
    ...(reason !== undefined && { reason }),
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' ? value.slice(0, 128) : undefined;
}

/** Fail early and visibly on a wrong JWKS, but keep serving: an outage is a 503, not a crash. */
async function prefetchKeys(snapshot: Snapshot): Promise<Runtime['keys']> {
  if (!snapshot.verifier) return undefined;
  return snapshot.verifier.prefetch().then(
    (loaded) => ({ loaded }),
    (error: unknown) => ({ error: error instanceof Error ? error.message : String(error) }),
  );
}

/** The hook, awaited, with a failure logged instead of thrown: the version it was told of serves all the same. */
function guardHook(hook: RuntimeOptions['onLoaded'], log: Logger): (loaded: LoadedManifest) => Promise<void> {
  return async (loaded) => {
    try {
      await hook?.(loaded);
    } catch (error) {
      log.warn(`onLoaded failed (${error instanceof Error ? error.message : String(error)})`);
    }
  };
}

/** What --watch follows for one version, and which handler each file belongs to. */
interface Watched {
  /** The manifest's directory, symlinks resolved: every path below is spelled under it, as Node's module cache spells them. */
  readonly root: string;
  readonly files: readonly string[];
  readonly handlers: readonly HandlerGraph[];
}

/**
 * The manifest, the `.env` beside it, and every handler module the loader imports
 * (`handlerModules`) with the local modules it imports. A handler module that does
 * not exist yet is followed too, so creating it reloads. `file:` resources are not:
 * each read reads the file, so the next read serves the edit without a reload.
 */
async function watchedFiles(loaded: LoadedManifest): Promise<Watched> {
  const { manifest, handlerModules } = loaded;
  const { collectImportGraph } = await import('../handlers/import-graph.js');
  const root = await realpath(manifest.dir);
  const rooted = (file: string) => join(root, relative(manifest.dir, file));
  const entries = [...new Set(handlerModules.map((m) => rooted(m.file)))];
  const graphs = new Map(
    await Promise.all(entries.map(async (file) => [file, await collectImportGraph([file], root)] as const)),
  );
  const handlers = handlerModules.map(({ path, file }) => ({
    path,
    files: [...new Set([rooted(file), ...graphs.get(rooted(file))!])],
  }));
  return {
    root,
    files: [...new Set([rooted(manifest.file), join(root, '.env'), ...handlers.flatMap((h) => h.files)])],
    handlers,
  };
}

/**
 * Load a manifest, listen, build the snapshot, serve; with `watch`, rebuild and swap
 * the snapshot when its files change; close with a drain.
 */
import type { Server } from 'node:http';
import { type LoadedManifest, type LoadOptions, loadManifest } from '../config/index.js';
import { createRequestListener } from '../http/listener.js';
import { createLogger, type Logger } from '../log.js';
import { resourceUrl } from '../manifest.js';
import { createObserver } from '../observe.js';
import { drain } from './drain.js';
import { createGenerations } from './generation.js';
import { prefetchKeys } from './keys.js';
import { LIMITS } from './limits.js';
import { listen } from './listen.js';
import { createRebuild } from './rebuild.js';
import { createReloader, type ReloadResult } from './reloader.js';
import { recordOnFinish } from './request-record.js';
import { createRequests } from './requests.js';
import { createSharedState, hearFleet } from './shared.js';
import { buildSnapshot, type Snapshot } from './snapshot.js';
import { createStores } from './stores.js';
import { notWatching, startWatching, type Watching } from './watching.js';

export type { ReloadResult } from './reloader.js';

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

export async function startRuntime(options: RuntimeOptions = {}): Promise<Runtime> {
  const log = options.log ?? createLogger();
  const loadOptions = await runtimeLoadOptions(options);
  const loaded = await loadManifest(loadOptions);
  const generations = createGenerations();
  const current = () => generations.current?.snapshot;
  const requests = createRequests();
  let closing: Promise<void> | undefined;
  const observer = createObserver({
    accessLog: () => current()?.accessLog ?? false,
    write: (line) => log.info(line),
  });
  const listener = createRequestListener(log, () => closing !== undefined, observer);
  const { server, port } = await listen(loaded.manifest.http, (req, res) => {
    const generation = generations.current;
    recordOnFinish(observer, generation?.snapshot.loaded.manifest.http, req, res);
    requests.track(req, res, generation);
    listener(generation?.snapshot, req, res);
  });
  const shared = createSharedState({
    observer,
    log,
    maxBodyBytes: loaded.manifest.http.maxBodyBytes,
    current,
    // A switch for comparing the two paths (npm run bench) and for ruling the fast path out.
    fastPath: (options.env ?? process.env)['MCP_SERVE_FAST_PATH'] !== 'off',
  });
  const stores = createStores(log, (store) => hearFleet(store, shared, current));
  const build = async (next: LoadedManifest) => {
    if (next.manifest.http.metrics) await observer.enableMetrics();
    return buildSnapshot(next, resourceUrl(next.manifest.http, port), log, shared, stores.use(next.manifest.store));
  };
  generations.serve(await build(loaded));
  const keys = await prefetchKeys(generations.current!.snapshot);

  const onLoaded = guardHook(options.onLoaded, log);
  let watching: Watching = notWatching(loaded);
  const rebuild = createRebuild({
    loadOptions,
    build,
    generations,
    sessions: shared.sessions,
    listening: { host: loaded.manifest.http.host, port: loaded.manifest.http.port },
    watching: () => watching,
    closing: () => closing !== undefined,
    onLoaded: (next) => void onLoaded(next),
    log,
  });
  // A store the reload changed (or opened and then refused) is closed once it is over.
  const reload = createReloader((changed) => rebuild(changed).finally(() => stores.keepOnly(current()?.store)));
  if (options.watch) watching = await startWatching(loaded, loadOptions, (changed) => void reload(changed));
  await onLoaded(loaded);

  const drainMs = options.drainMs ?? LIMITS.drainMs;
  return {
    get snapshot() {
      return current()!;
    },
    get url() {
      return current()!.resourceUrl;
    },
    keys,
    server,
    get versions() {
      return generations.size;
    },
    reload,
    close: () =>
      // Tasks outlast any drain: their handlers are stopped, and with a store another replica reports them failed.
      (closing ??= drain({ server, requests, sessions: shared.sessions, generations, watching, drainMs }).finally(
        () => {
          shared.tasks.close();
          return stores.close();
        },
      )),
  };
}

/**
 * What only --watch uses (the worker loader, the watcher, the import scanner) loads only then.
 * The scanner also warns then about handler imports that leave the manifest's directory.
 */
async function runtimeLoadOptions(options: RuntimeOptions): Promise<LoadOptions> {
  if (!options.watch) return options;
  const { workerHandlers } = await import('../handlers/worker-loader.js');
  return { ...options, handlers: workerHandlers, checkImports: true };
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

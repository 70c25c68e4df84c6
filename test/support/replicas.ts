/**
 * N real `mcp-serve` processes (dist/src/bin.js) of one manifest behind a round-robin
 * HTTP proxy, as behind a load balancer without sticky routing. The proxy is test code
 * (node:http): each request goes to the next replica that is still running, and its
 * answer carries `X-Replica` (the replica's index), which the proxy also records, so
 * tests can assert how requests were spread. The manifest's `http.publicUrl` is the
 * proxy's origin, so every replica has the one resource URL that tokens name: written
 * into a fixture manifest (`startReplicas`), or given in the environment to a manifest
 * directory of the repository (`startAppReplicas`).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './redis.js';
import { FIXTURES, ROOT } from './server.js';

const BIN = join(ROOT, 'dist', 'src', 'bin.js');

export interface Replica {
  readonly index: number;
  /** The replica's own MCP URL, past the proxy. */
  readonly url: string;
  readonly origin: string;
  /** What it wrote to stdout and stderr. */
  readonly output: () => string;
  readonly running: boolean;
  /** SIGKILL: the replica dies, as a crashed pod does. */
  kill(): Promise<void>;
}

export interface Replicas {
  /** The MCP URL through the proxy (the resource URL). */
  readonly url: string;
  readonly replicas: readonly Replica[];
  /** The replica index of each request the proxy forwarded, in order. */
  readonly served: number[];
  /** Each request the proxy forwarded, in order: where, its method and its headers. */
  readonly forwarded: { replica: number; method: string; headers: Record<string, unknown> }[];
  /** Starts one more replica of the same manifest, not behind the proxy. */
  startExtra(): Promise<Replica>;
  close(): Promise<void>;
}

/** Writes `manifest(publicUrl)` beside the fixture handlers, starts `count` replicas, and waits until each answers /healthz. */
export async function startReplicas(
  count: number,
  manifest: (publicUrl: string) => Record<string, unknown>,
): Promise<Replicas> {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-oauth-replicas-'));
  cpSync(join(FIXTURES, 'handlers'), join(dir, 'handlers'), { recursive: true });
  return startFleet(count, dir, (publicUrl) => {
    writeFileSync(join(dir, 'mcp-oauth.config.json'), JSON.stringify(manifest(publicUrl), null, 2));
    return {};
  });
}

/**
 * `count` replicas of a manifest directory of the repository (an image's `APP`), copied
 * alone to a fresh directory, configured by the environment `env(publicUrl)` gives.
 */
export async function startAppReplicas(
  count: number,
  app: string,
  env: (publicUrl: string) => Record<string, string>,
): Promise<Replicas> {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-oauth-replicas-'));
  cpSync(app, dir, { recursive: true });
  return startFleet(count, dir, env);
}

/** The proxy, then `count` replicas served from `dir` once `prepare(publicUrl)` has written their manifest. */
async function startFleet(
  count: number,
  dir: string,
  prepare: (publicUrl: string) => Record<string, string>,
): Promise<Replicas> {
  const replicas: Replica[] = [];
  const served: number[] = [];
  const forwarded: Replicas['forwarded'] = [];
  let next = 0;
  const proxy: Server = createServer((req, res) => {
    const alive = replicas.filter((r) => r.running);
    if (alive.length === 0) {
      res.writeHead(502).end();
      return;
    }
    const target = alive[next++ % alive.length]!;
    served.push(target.index);
    forwarded.push({ replica: target.index, method: req.method ?? '', headers: req.headers });
    const upstream = request(`${target.origin}${req.url}`, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, { ...answer.headers, 'x-replica': String(target.index) });
      answer.pipe(res);
      // A replica that dies mid-answer ends the client's connection, as a load balancer does.
      answer.on('close', () => answer.complete || res.destroy());
    });
    upstream.on('error', () => (res.headersSent ? res.destroy() : res.writeHead(502).end()));
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const publicUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  const env = prepare(publicUrl);

  const start = async (index: number): Promise<Replica> => {
    const port = await freePort();
    const child: ChildProcess = spawn(process.execPath, [BIN, 'serve', '--port', String(port)], {
      cwd: dir,
      env: { ...process.env, ...env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const origin = `http://127.0.0.1:${port}`;
    const replica: Replica = {
      index,
      url: `${origin}/mcp`,
      origin,
      output: () => output,
      get running() {
        return child.exitCode === null && child.signalCode === null;
      },
      async kill() {
        if (!replica.running) return;
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        await exited;
      },
    };
    for (let i = 0; i < 200; i++) {
      if (!replica.running) throw new Error(`replica ${index} exited:\n${output}`);
      const alive = await fetch(`${origin}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
      if (alive) return replica;
      await sleep(50);
    }
    await replica.kill();
    throw new Error(`replica ${index} did not answer /healthz:\n${output}`);
  };
  try {
    replicas.push(...(await Promise.all(Array.from({ length: count }, (_, i) => start(i)))));
  } catch (error) {
    await Promise.all(replicas.map((r) => r.kill()));
    proxy.close();
    throw error;
  }
  const extras: Replica[] = [];
  return {
    url: `${publicUrl}/mcp`,
    replicas,
    served,
    forwarded,
    async startExtra() {
      const extra = await start(count + extras.length);
      extras.push(extra);
      return extra;
    },
    async close() {
      await Promise.all([...replicas, ...extras].map((r) => r.kill()));
      proxy.closeAllConnections();
      await new Promise((resolve) => proxy.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls `probe` until it returns true; fails after `ms` with `what`. */
export async function eventually(what: string, probe: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await probe().catch(() => false)) return;
    await sleep(50);
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}`);
}

/** Waits until every replica of `fleet` answers /readyz with 200; `what` names the wait ("ready", "ready again"). */
export async function allReady(fleet: Replicas, what = 'ready'): Promise<void> {
  for (const replica of fleet.replicas)
    await eventually(`replica ${replica.index} ${what}`, async () => (await readiness(replica)).status === 200);
}

/** A replica's /readyz status and reason. */
export async function readiness(replica: Replica): Promise<{ status: number; reason?: string }> {
  const response = await fetch(`${replica.origin}/readyz`);
  const body = (await response.json()) as { reason?: string };
  return { status: response.status, ...(body.reason !== undefined && { reason: body.reason }) };
}

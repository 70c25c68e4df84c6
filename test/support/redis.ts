/**
 * A real redis-server for tests: the system's binary on an ephemeral 127.0.0.1 port,
 * without persistence, in a temp directory; it can be stopped and started again on the
 * same port (outages mid-test). Tests that need it skip with one line saying how to
 * install it, except under CI, where they run and fail.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** The executable: on $PATH, else where Debian puts it. */
export function findRedisServer(): string | undefined {
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter).filter(Boolean), '/usr/bin', '/usr/sbin'];
  return dirs
    .map((dir) => join(dir, 'redis-server'))
    .find((path) => {
      try {
        accessSync(path, constants.X_OK);
        return true;
      } catch {
        return false;
      }
    });
}

export const REDIS_SERVER = findRedisServer();

export const NO_REDIS = 'no redis-server found (apt-get install redis-server)';

/** The `skip` option for a test that needs redis-server; under CI it runs and fails instead. */
export const SKIP_WITHOUT_REDIS: string | false = REDIS_SERVER === undefined && !process.env['CI'] && NO_REDIS;

export interface TestRedis {
  readonly port: number;
  readonly url: string;
  /** Kills the server (SIGKILL: an outage, not a shutdown); its data is gone unless it is persistent. */
  stop(): Promise<void>;
  /** Starts it again on the same port. */
  start(): Promise<void>;
  close(): Promise<void>;
}

/** `persistent`: an append-only file synced on every write, so data survives `stop()` as on a production Redis. */
export async function startRedis(options: { persistent?: boolean } = {}): Promise<TestRedis> {
  if (REDIS_SERVER === undefined) throw new Error(NO_REDIS);
  const binary = REDIS_SERVER;
  const dir = mkdtempSync(join(tmpdir(), 'mcp-oauth-redis-'));
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async () => {
    const persistence = options.persistent
      ? ['--appendonly', 'yes', '--appendfsync', 'always']
      : ['--appendonly', 'no'];
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...persistence, '--dir', dir];
    const started = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = started;
    let output = '';
    started.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    started.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    for (let i = 0; i < 100; i++) {
      if (/Ready to accept connections/.test(output)) return;
      if (started.exitCode !== null) break;
      await sleep(50);
    }
    throw new Error(`redis-server did not start on port ${port}:\n${output}`);
  };
  const stop = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGKILL');
    await exited;
  };
  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop,
    start,
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A port nothing listens on now (bound, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

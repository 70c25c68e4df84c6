/**
 * What an image built from the Dockerfile holds and runs, without a Docker daemon: the
 * Dockerfile's own commands, with `/app` and `/srv` moved to temporary directories.
 * `/app` is the packed tarball with the production dependencies its lock file pins;
 * `/srv` is one `APP` directory copied alone, nothing of the repository beside it, with
 * its own dependencies installed. Each documented `APP` is started as the image's
 * ENTRYPOINT and CMD start it (on 0.0.0.0), waited for with the image's HEALTHCHECK,
 * called with a real token, and stopped with SIGTERM. Static checks keep the Dockerfile
 * saying what the README claims.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, execFileSync, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { basename, join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadManifest } from '../src/config/index.js';
import { findImportsOutside } from '../src/handlers/import-graph.js';
import { createLogger } from '../src/log.js';
import { startRuntime } from '../src/runtime/index.js';
import { type Authority, startAuthority } from './support/authority.js';
import { connectModern, type TestClient } from './support/clients.js';
import { SKIP_WITHOUT_REDIS, startRedis } from './support/redis.js';
import { scratchDirectories } from './support/scratch.js';
import { FIXTURES, ROOT } from './support/server.js';

const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const SCALEKIT_RESOURCE_ID = 'res_94716342712893732';
const scratch = scratchDirectories('mcp-oauth-image-');

interface Instruction {
  /** 0 for the first FROM's stage, and so on. */
  readonly stage: number;
  readonly keyword: string;
  readonly args: string;
}

/** Instructions in order, continuation lines joined, comments dropped. */
function parseDockerfile(text: string): Instruction[] {
  const logical = text
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#'))
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  let stage = -1;
  return logical.map((line) => {
    const [keyword = '', ...rest] = line.split(/\s+/);
    if (keyword.toUpperCase() === 'FROM') stage++;
    return { stage, keyword: keyword.toUpperCase(), args: rest.join(' ') };
  });
}

const DOCKERFILE = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
const RUNTIME_STAGE = Math.max(...DOCKERFILE.map((i) => i.stage));
const runtime = DOCKERFILE.filter((i) => i.stage === RUNTIME_STAGE);
const build = DOCKERFILE.filter((i) => i.stage < RUNTIME_STAGE);

function only(list: Instruction[], keyword: string, contains = ''): Instruction {
  const found = list.filter((i) => i.keyword === keyword && i.args.includes(contains));
  assert.equal(
    found.length,
    1,
    `expected one ${keyword} containing "${contains}" in the Dockerfile, found ${found.length}`,
  );
  return found[0]!;
}

/** A RUN's shell command, without flags such as `--mount=…`. */
function shellOf(run: Instruction): string {
  return run.args.replace(/^(--\S+\s+)*/, '');
}

/** The image's paths moved to where this test keeps them, in one pass (the new paths may contain the old names). */
function relocate(text: string, paths: Partial<Record<'app' | 'srv' | 'tmp', string>>): string {
  return text.replace(
    /(?<![\w.-])\/(app|srv|tmp)(?=\/|\s|"|$)/g,
    (whole, name: 'app' | 'srv' | 'tmp') => paths[name] ?? whole,
  );
}

function sh(command: string, cwd: string): void {
  // The registry is reachable; the cache makes repeated runs quick.
  const env = { ...process.env, npm_config_prefer_offline: 'true', npm_config_loglevel: 'error' };
  execFileSync('sh', ['-ec', command], { cwd, env, stdio: ['ignore', 'ignore', 'inherit'] });
}

/** The documented `APP`s: the Dockerfile's default and each `APP=` in the README. */
function documentedApps(): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const fromReadme = [...readme.matchAll(/--build-arg APP=([\w./-]+)/g)].map((m) => m[1]!);
  const fallback = /^APP=(\S+)$/.exec(only(runtime, 'ARG', 'APP').args)?.[1];
  assert.ok(fallback, 'the Dockerfile declares ARG APP=<default>');
  return [...new Set([fallback, ...fromReadme])].sort();
}

interface Configured {
  env: Record<string, string>;
  token: string;
  /** A call that proves the handlers load; default: create_todo. */
  check?: (client: TestClient) => Promise<void>;
  /** Stops what the APP needed beside it (its Redis). */
  close?: () => Promise<void>;
}

/** A todo server's proof: create_todo answers with the todo. */
async function createsTodo(client: TestClient): Promise<void> {
  const result = await client.callTool('create_todo', { title: 'from the image' });
  assert.equal(result.isError, undefined, JSON.stringify(result));
  assert.equal((result.structuredContent as { title?: string }).title, 'from the image');
}

/** How each documented APP is configured in a container, and a call that proves its handlers load. */
const APPS: Record<string, (authority: Authority, origin: string) => Promise<Configured>> = {
  'examples/todo': async (authority, origin) => ({
    env: { ISSUER: authority.issuer, MCP_PUBLIC_URL: origin },
    token: await authority.mint({ aud: `${origin}/mcp`, scope: 'todo:write' }),
  }),
  // The authority stands in for the Scalekit environment (see scalekit.test.ts).
  'examples/scalekit': async (authority, origin) => ({
    env: { SCALEKIT_ENVIRONMENT_URL: authority.issuer, SCALEKIT_RESOURCE_ID, MCP_URL: origin },
    token: await authority.mint({ aud: [SCALEKIT_RESOURCE_ID], scopes: ['todo:write'] }),
  }),
  // Meant for replicas: its store is a real redis-server (see deploy-example.test.ts for the fleet).
  'examples/deploy/app': async (authority, origin) => {
    const redis = await startRedis();
    return {
      env: { OIDC_ISSUER: authority.issuer, MCP_URL: origin, REDIS_URL: redis.url },
      token: await authority.mint({ aud: `${origin}/mcp`, sub: 'ada', scope: 'fleet:read' }),
      async check(client) {
        const result = await client.callTool('whoami', {});
        assert.equal(result.isError, undefined, JSON.stringify(result));
        assert.deepEqual((result.structuredContent as { subject?: string; scopes?: string[] }).scopes, ['fleet:read']);
      },
      close: () => redis.close(),
    };
  },
};

/** The APPs that need a redis-server beside them. */
const NEEDS_REDIS = new Set(['examples/deploy/app']);

let authority: Authority;
before(async () => void (authority = await startAuthority()));
after(() => authority.close());

/** `/app` as the build stage leaves it: the packed tarball, installed with the lock's production dependencies. */
let installed: Promise<string> | undefined;
function imageApp(): Promise<string> {
  return (installed ??= (async () => {
    const tmp = scratch();
    const app = join(scratch(), 'app');
    execFileSync(NPM, ['pack', '--silent', '--pack-destination', tmp], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    sh(relocate(shellOf(only(build, 'RUN', 'npm ci --omit=dev')), { app, tmp }), ROOT);
    return app;
  })());
}

/** `/srv` as the runtime stage makes it: the APP directory alone (minus what .dockerignore keeps out), then its dependencies. */
function imageSrv(appDir: string): string {
  const srv = join(scratch(), 'srv');
  mkdirSync(srv);
  const ignored = new Set(['node_modules', '.env', '.mcp-oauth']);
  cpSync(appDir, srv, { recursive: true, filter: (source) => !ignored.has(basename(source)) });
  sh(shellOf(only(runtime, 'RUN')), srv);
  return srv;
}

interface Container {
  readonly child: ChildProcess;
  output(): string;
  /** The HEALTHCHECK command's exit code. */
  healthcheck(): Promise<number>;
  /** Polls the HEALTHCHECK until it passes. */
  healthy(): Promise<void>;
  /** SIGTERM, as `docker stop` sends it; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Starts ENTRYPOINT + CMD with the runtime stage's ENV, in WORKDIR /srv, with only the variables given. */
async function startContainer(srv: string, env: Record<string, string>): Promise<Container> {
  const app = await imageApp();
  const argv = [only(runtime, 'ENTRYPOINT'), only(runtime, 'CMD')].flatMap(
    (i) => JSON.parse(relocate(i.args, { app, srv })) as string[],
  );
  const imageEnv = Object.fromEntries(
    runtime.filter((i) => i.keyword === 'ENV').map((i) => i.args.split('=') as [string, string]),
  );
  const fullEnv = { PATH: process.env['PATH'] ?? '', ...imageEnv, ...env };
  const [command, ...args] = argv;
  assert.equal(command, 'node', 'ENTRYPOINT starts node itself (exec form), so node is PID 1 and gets SIGTERM');
  const child = spawn(process.execPath, args, { cwd: srv, env: fullEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const check = only(runtime, 'HEALTHCHECK').args.replace(/^.*?\bCMD\s+/, '');
  const healthcheck = () =>
    new Promise<number>((resolve) => {
      const command = check.replace(/^node\b/, JSON.stringify(process.execPath));
      execFile('sh', ['-c', command], { env: fullEnv }, (error) => resolve(error ? Number(error.code ?? 1) : 0));
    });
  return {
    child,
    output: () => output,
    healthcheck,
    async healthy() {
      const deadline = Date.now() + 30_000;
      while ((await healthcheck()) !== 0) {
        if (child.exitCode !== null) assert.fail(`mcp-serve exited with ${child.exitCode}:\n${output}`);
        if (Date.now() > deadline) assert.fail(`the healthcheck never passed:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const [code] = (await exited) as [number | null];
      return code;
    },
  };
}

test('the documented APPs are the ones this file runs (the Dockerfile default and each APP= in the README)', () => {
  assert.deepEqual(documentedApps(), Object.keys(APPS).sort());
});

for (const [name, configure] of Object.entries(APPS)) {
  test(`${name}, alone in the image, starts on 0.0.0.0, turns healthy, serves a tool call and drains on SIGTERM`, {
    timeout: 120_000,
    skip: NEEDS_REDIS.has(name) && SKIP_WITHOUT_REDIS,
  }, async () => {
    const srv = imageSrv(join(ROOT, name));
    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    const { env, token, check = createsTodo, close } = await configure(authority, origin);
    try {
      const container = await startContainer(srv, { ...env, PORT: String(port) });
      try {
        await container.healthy();
        assert.match(container.output(), new RegExp(`MCP endpoint\\s+${origin}/mcp`));
        const client = await connectModern(`${origin}/mcp`, token);
        try {
          await check(client);
        } finally {
          await client.close();
        }
      } finally {
        assert.equal(await container.stop(), 0, `mcp-serve did not exit 0 on SIGTERM:\n${container.output()}`);
      }
      assert.match(container.output(), /SIGTERM: finishing requests in flight/);
    } finally {
      await close?.();
    }
  });
}

test("an APP with a package.json gets its dependencies installed: its handler's import of them loads", {
  timeout: 120_000,
}, async () => {
  const srv = imageSrv(join(FIXTURES, 'app-with-deps'));
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const container = await startContainer(srv, { ISSUER: authority.issuer, MCP_PUBLIC_URL: origin, PORT: String(port) });
  try {
    await container.healthy();
    const client = await connectModern(
      `${origin}/mcp`,
      await authority.mint({ aud: `${origin}/mcp`, scope: 'durations:read' }),
    );
    try {
      assert.deepEqual((await client.callTool('parse_duration', { text: '2h' })).structuredContent, { ms: 7_200_000 });
    } finally {
      await client.close();
    }
  } finally {
    await container.stop();
  }
});

test('the HEALTHCHECK is readiness: unhealthy while the signing keys cannot be fetched though the process is alive, then healthy', {
  timeout: 120_000,
}, async () => {
  const srv = imageSrv(join(ROOT, 'examples', 'scalekit'));
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const { env } = await APPS['examples/scalekit']!(authority, origin);
  authority.down = true;
  const container = await startContainer(srv, { ...env, PORT: String(port) });
  try {
    while (!container.output().includes('Ctrl-C to stop.')) {
      if (container.child.exitCode !== null) assert.fail(`mcp-serve exited:\n${container.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal((await fetch(`${origin}/healthz`)).status, 200);
    assert.equal(await container.healthcheck(), 1);
    authority.down = false;
    await container.healthy();
    // Keys once loaded keep verifying: an outage after start leaves it healthy.
    authority.down = true;
    assert.equal(await container.healthcheck(), 0);
  } finally {
    authority.down = false;
    await container.stop();
  }
});

/** Each manifest directory under examples/: `examples/<name>`, or one level down (`examples/deploy/app`). */
function exampleApps(): string[] {
  const holdsManifest = (dir: string) => readdirSync(dir).some((file) => file.startsWith('mcp-oauth.config.'));
  const examples = join(ROOT, 'examples');
  return readdirSync(examples, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((entry) => {
      const dir = join(examples, entry.name);
      if (holdsManifest(dir)) return [dir];
      return readdirSync(dir, { withFileTypes: true })
        .filter((sub) => sub.isDirectory() && holdsManifest(join(dir, sub.name)))
        .map((sub) => join(dir, sub.name));
    });
}

test('every example is self-contained: no handler module imports a file outside its directory', async () => {
  const apps = exampleApps();
  assert.ok(apps.includes(join(ROOT, 'examples', 'deploy', 'app')), `found ${apps}`);
  for (const dir of apps) {
    const modules = readdirSync(join(dir, 'handlers')).map((file) => join(dir, 'handlers', file));
    assert.deepEqual(await findImportsOutside(modules, dir), [], dir);
  }
});

/** A manifest directory `app/` whose handler re-exports `../shared/todo.js`, as examples/scalekit once did. */
function leakyApp(): string {
  const base = scratch();
  mkdirSync(join(base, 'app', 'handlers'), { recursive: true });
  cpSync(join(ROOT, 'examples', 'todo', 'handlers', 'todo.js'), join(base, 'shared', 'todo.js'));
  writeFileSync(join(base, 'app', 'handlers', 'todo.js'), "export * from '../../shared/todo.js';\n");
  const tool = { name: 'list_todos', inputSchema: { type: 'object' }, handler: './handlers/todo.js#listTodos' };
  const manifest = { server: { name: 'leaky', version: '1.0.0' }, auth: { provider: 'none' }, tools: [tool] };
  writeFileSync(join(base, 'app', 'mcp-oauth.config.json'), JSON.stringify(manifest));
  return base;
}

const LEAK = (where: string, file: string) =>
  `${file} imports ../../shared/todo.js, outside ${where}: this file is not in an image built from this directory; ` +
  `move it into ${where}, or publish it as a package and list it in ${join(where, 'package.json')}`;

test('validate warns, and still passes, when a handler imports a file outside the manifest directory', () => {
  const base = leakyApp();
  const bin = join(ROOT, 'dist', 'src', 'bin.js');
  const result = spawnSync(process.execPath, [bin, 'validate', '--config', 'app/mcp-oauth.config.json'], {
    cwd: base,
    encoding: 'utf8',
  });
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /✔ app\/mcp-oauth\.config\.json is valid/);
  assert.equal(result.stderr, `warning: ${LEAK('app', 'app/handlers/todo.js')}\n`);
});

test('serve scans the imports only with --watch (its banner warns); a plain start stays lean', async () => {
  const app = join(leakyApp(), 'app');
  assert.deepEqual((await loadManifest({ cwd: app })).warnings, []);
  const runtime = await startRuntime({
    cwd: app,
    http: { port: 0 },
    watch: true,
    log: createLogger({ write: () => {} }),
  });
  try {
    assert.deepEqual(runtime.snapshot.loaded.warnings, [LEAK(app, 'handlers/todo.js')]);
  } finally {
    await runtime.close();
  }
});

test('examples/scalekit serves the todo handlers: its copy is identical to examples/todo/handlers/todo.js', () => {
  const todo = readFileSync(join(ROOT, 'examples', 'todo', 'handlers', 'todo.js'), 'utf8');
  const copy = readFileSync(join(ROOT, 'examples', 'scalekit', 'handlers', 'todo.js'), 'utf8');
  assert.ok(
    copy === todo,
    'examples/scalekit/handlers/todo.js differs; copy it: cp examples/todo/handlers/todo.js examples/scalekit/handlers/',
  );
});

test('the Dockerfile does what the README says', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('### The image');
  assert.ok(start >= 0, 'the README has no "### The image" section');
  const docker = readme.slice(start, readme.indexOf('\n#', start + 1));
  // Installs from the lock file, both the build and the runtime dependencies.
  assert.match(only(build, 'RUN', 'npm ci --ignore-scripts --no-audit').args, /^npm ci /);
  assert.match(
    only(build, 'RUN', 'npm ci --omit=dev').args,
    /cp package-lock\.json \/app\/ .*npm ci --omit=dev --ignore-scripts/,
  );
  assert.ok(
    !DOCKERFILE.some((i) => /npm install (-g|--global)|npm install [^;]*\.tgz/.test(i.args)),
    'no npm install of the tarball',
  );
  // Compiles the product only.
  assert.ok(!DOCKERFILE.some((i) => i.keyword === 'COPY' && /(^|\s)\.?\/?test\b/.test(i.args)), 'no COPY of test/');
  assert.match(only(build, 'RUN', 'tsc').args, /tsc -p tsconfig\.build\.json/);
  const tsconfig = JSON.parse(readFileSync(join(ROOT, 'tsconfig.build.json'), 'utf8')) as { include: string[] };
  assert.deepEqual(tsconfig.include, ['src']);
  // Runs as the unprivileged node user, from the point where the files are in place.
  const user = runtime.findIndex((i) => i.keyword === 'USER');
  assert.equal(runtime[user]?.args, 'node');
  assert.ok(
    runtime.slice(user).every((i) => i.keyword !== 'RUN' && i.keyword !== 'COPY'),
    'USER node comes after every RUN and COPY',
  );
  assert.match(docker, /Runs as the `node` user/);
  // The healthcheck is the readiness probe, and the README says so.
  assert.match(only(runtime, 'HEALTHCHECK').args, /\/readyz'/);
  assert.match(docker, /HEALTHCHECK.*`\/readyz`/s);
  // Exec form, so signals reach node.
  assert.ok(Array.isArray(JSON.parse(only(runtime, 'ENTRYPOINT').args)), 'ENTRYPOINT in exec form (a JSON array)');
  assert.ok((JSON.parse(only(runtime, 'CMD').args) as string[]).join(' ').includes('--host 0.0.0.0'));
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

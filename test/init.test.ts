/**
 * `mcp-serve init`: the scaffold is a server that loads and answers, and init never
 * overwrites: a file in the way means nothing is written at all.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join, relative, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { mintDevToken, openDevState } from '../src/auth/dev/index.js';
import { formatInit, initServer, serverName } from '../src/commands/init.js';
import { type INIT_AUTH, INIT_FILES } from '../src/commands/init-files.js';
import { loadDependencySpec } from '../src/commands/init-source.js';
import { loadManifest } from '../src/config/index.js';
import { McpOAuthError } from '../src/errors.js';
import { createLogger } from '../src/log.js';
import { startRuntime } from '../src/runtime/index.js';
import { type Authority, startAuthority } from './support/authority.js';
import { connectModern } from './support/clients.js';
import { scratchDirectories } from './support/scratch.js';
import { ROOT } from './support/server.js';

const scratch = scratchDirectories('mcp-oauth-init-');

/** Every file under `dir` with its bytes and modification time. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else out[relative(dir, path)] = `${statSync(path).mtimeMs} ${readFileSync(path, 'utf8')}`;
    }
  };
  walk(dir);
  return out;
}

const ALL_FILES = [...INIT_FILES, 'package.json'];
// Tests run from a checkout, so the scaffold depends on it by path.
const DOCKER_NOTE =
  'docker build cannot reach a file: dependency (it lies outside the build context); for an image, depend on mcp-serve from the registry';

describe('a new server', () => {
  const parent = scratch();
  const dir = join(parent, 'My Weather Server!');
  const result = initServer({ cwd: parent, dir: 'My Weather Server!' });
  const read = (file: string) => readFileSync(join(dir, file), 'utf8');

  test('is written into the directory, created when missing, named after it', () => {
    assert.equal(result.dir, dir);
    assert.equal(result.name, 'my-weather-server');
    assert.deepEqual(result.created, ALL_FILES);
    assert.deepEqual(Object.keys(snapshot(dir)).sort(), [...ALL_FILES].sort());
    assert.deepEqual(result.notes, [DOCKER_NOTE]);
  });

  test('its package.json depends on the mcp-serve that ran init: this checkout, and init says so', () => {
    const spec = (JSON.parse(read('package.json')) as { dependencies: Record<string, string> }).dependencies[
      'mcp-serve'
    ]!;
    assert.match(spec, /^file:/);
    assert.equal(resolve(dir, spec.slice('file:'.length)), ROOT);
    assert.deepEqual(result.dependency, { spec, from: `the checkout ${ROOT}` });
    assert.ok(formatInit(result, parent).includes(`\npackage.json: "mcp-serve": "${spec}" (the checkout ${ROOT})\n`));
  });

  test('loads as a manifest (schema, semantics, the handler imports) and its tool answers over MCP', async () => {
    const loaded = await loadManifest({ configPath: join(dir, 'mcp-oauth.config.yaml'), env: {} });
    assert.equal(loaded.manifest.server.name, 'my-weather-server');
    assert.deepEqual(
      loaded.manifest.tools.map((t) => [t.name, t.scopes.scopes, t.handler.spec]),
      [['hello', ['hello:read'], './handlers/hello.js#hello']],
    );
    const hello = loaded.handlers.get('tools[0].handler')!;
    const sinks = {
      log: async () => {},
      progress: async () => {},
      resourceUpdated: async () => {},
      closeStream: async () => {},
    };
    const ctx = {
      auth: {
        issuer: 'https://as.example.com',
        subject: 'alice',
        clientId: 'cli',
        principal: '["https://as.example.com","alice","cli"]',
        scopes: ['hello:read'],
        claims: {},
        expiresAt: 0,
      },
      signal: new AbortController().signal,
      toolName: 'hello',
      clientCapabilities: undefined,
      sinks,
      answers: {},
    };
    assert.equal(await hello([{ name: 'Ada' }], ctx), 'Hello, Ada! (called by alice)');

    const runtime = await startRuntime({
      configPath: join(dir, 'mcp-oauth.config.yaml'),
      env: {},
      http: { port: 0 },
      log: createLogger({ write: () => {} }),
    });
    try {
      // It starts on the dev authorization server: no token, no call; a dev token works.
      await assert.rejects(connectModern(runtime.url), /401/);
      const token = await mintDevToken(await openDevState(dir), {
        resourceUrl: runtime.url,
        scopes: ['hello:read'],
        subject: 'ada',
        ttlSec: 60,
      });
      const client = await connectModern(runtime.url, token);
      assert.deepEqual((await client.callTool('hello', { name: 'Ada' })).content, [
        { type: 'text', text: 'Hello, Ada! (called by ada)' },
      ]);
      await client.close();
    } finally {
      await runtime.close();
    }
  });

  test('the manifest points editors at the installed schema and keeps auth in one place', () => {
    const manifest = read('mcp-oauth.config.yaml');
    assert.match(manifest, /^\$schema: \.\/node_modules\/mcp-serve\/schemas\/manifest\.schema\.json$/m);
    assert.match(manifest, /^server:\n {2}name: "my-weather-server"$/m);
    assert.equal(manifest.match(/^auth: .*$/gm)?.length, 1);
  });

  test('ignores, env example, package.json', () => {
    assert.deepEqual(read('.gitignore').split('\n').filter(Boolean), ['node_modules/', '.env', '.mcp-oauth/']);
    assert.match(read('.dockerignore'), /^\.env$/m);
    assert.match(read('.env.example'), /^PORT=3000$/m);
    const pkg = JSON.parse(read('package.json')) as Record<string, unknown>;
    assert.equal(pkg['name'], 'my-weather-server');
    assert.equal(pkg['type'], 'module');
    assert.deepEqual(Object.keys(pkg['dependencies'] as object), ['mcp-serve']);
  });

  test('the Dockerfile installs from the lock file and runs mcp-serve as node on 0.0.0.0, healthy once ready', () => {
    const dockerfile = read('Dockerfile');
    assert.match(dockerfile, /^COPY package\.json package-lock\.json \.\/\nRUN npm ci --omit=dev /m);
    assert.match(dockerfile, /^USER node$/m);
    assert.match(dockerfile, /^HEALTHCHECK .*\\\n {2}CMD .*\/readyz/m);
    assert.match(
      dockerfile,
      /^ENTRYPOINT \["mcp-serve"\]\nCMD \["--config", "\/srv\/mcp-oauth\.config\.yaml", "--host", "0\.0\.0\.0"\]$/m,
    );
  });

  test('the README gives the next steps', () => {
    const readme = read('README.md');
    for (const step of [
      'npx mcp-serve ',
      'npx mcp-serve token --scope hello:read',
      'http://127.0.0.1:3000/mcp',
      'npx mcp-serve types',
    ]) {
      assert.ok(readme.includes(step), step);
    }
  });

  test('a second init into the same directory fails, names every file, and changes nothing', () => {
    const before = snapshot(dir);
    assert.throws(
      () => initServer({ dir }),
      (error: unknown) => {
        assert.ok(error instanceof McpOAuthError);
        assert.equal(error.code, 'FILES_EXIST');
        assert.equal(
          error.message,
          `mcp-serve init would overwrite files in ${dir}:\n${INIT_FILES.map((f) => `  ${f}`).join('\n')}\n` +
            'Nothing was written. Move them away, or init another directory: mcp-serve init my-server',
        );
        return true;
      },
    );
    assert.deepEqual(snapshot(dir), before);
  });
});

test('one file in the way: init fails naming it, and writes nothing else', () => {
  const dir = scratch();
  writeFileSync(join(dir, '.gitignore'), 'dist/\n');
  assert.throws(() => initServer({ dir }), {
    code: 'FILES_EXIST',
    message: new RegExp(`would overwrite a file in ${dir}:\n  \\.gitignore\nNothing was written`),
  });
  assert.deepEqual(snapshot(dir), { '.gitignore': `${statSync(join(dir, '.gitignore')).mtimeMs} dist/\n` });
});

test('an existing package.json is left as it is, with notes on what it needs', () => {
  const dir = scratch();
  const pkg = '{ "name": "existing", "dependencies": {} }\n';
  writeFileSync(join(dir, 'package.json'), pkg);
  const result = initServer({ dir });
  assert.deepEqual(result.created, [...INIT_FILES]);
  assert.equal(readFileSync(join(dir, 'package.json'), 'utf8'), pkg);
  assert.deepEqual(result.notes, [
    'package.json was already there and is left as it is',
    `add mcp-serve to it: npm install 'mcp-serve@${result.dependency.spec}'`,
    'add "type": "module" to it: handlers/hello.js is an ES module',
    DOCKER_NOTE,
  ]);
});

test('a target that is a file is refused', () => {
  const dir = scratch();
  writeFileSync(join(dir, 'file'), '');
  assert.throws(() => initServer({ dir: join(dir, 'file') }), {
    code: 'WRITE_FAILED',
    message: `${join(dir, 'file')} is a file, not a directory; pass a directory to mcp-serve init`,
  });
});

test('server names: the directory name made valid', async () => {
  const cases: [dir: string, name: string][] = [
    ['/srv/weather', 'weather'],
    ['/srv/My Weather Server!', 'my-weather-server'],
    ['/srv/_private.', 'private'],
    ['/srv/???', 'mcp-server'],
    ['/srv/2024', '2024'],
    [`/srv/${'a'.repeat(70)}`, 'a'.repeat(64)],
  ];
  assert.deepEqual(
    cases.map(([dir]) => serverName(dir)),
    cases.map(([, name]) => name),
  );
  // A name YAML would read as a number is quoted, so it stays a string.
  const parent = scratch();
  mkdirSync(join(parent, '2024'));
  initServer({ cwd: parent, dir: '2024' });
  const loaded = await loadManifest({ configPath: join(parent, '2024', 'mcp-oauth.config.yaml'), env: {} });
  assert.equal(loaded.manifest.server.name, '2024');
});

describe('--auth: the provider the scaffold names', () => {
  let authority: Authority;
  before(async () => (authority = await startAuthority()));
  after(() => authority.close());

  // What each provider's manifest reads from the environment, and a token it accepts.
  const providers = {
    jwt: {
      env: () => ({ ISSUER: authority.issuer, MCP_URL: 'http://127.0.0.1' }),
      mint: (resourceUrl: string) => authority.mint({ aud: resourceUrl, scope: 'hello:read' }),
    },
    scalekit: {
      env: () => ({
        SCALEKIT_ENVIRONMENT_URL: authority.issuer,
        SCALEKIT_RESOURCE_ID: 'res_123',
        MCP_URL: 'http://127.0.0.1',
      }),
      mint: () => authority.mint({ aud: ['res_123'], scopes: ['hello:read'] }),
    },
  } as const;

  for (const [auth, provider] of Object.entries(providers)) {
    test(`${auth}: the manifest names it from \${VAR}s that .env.example lists, and its tokens call the tool`, async () => {
      const dir = join(scratch(), 'app');
      const result = initServer({ dir, auth: auth as keyof typeof providers });
      assert.equal(result.auth, auth);
      const manifest = readFileSync(join(dir, 'mcp-oauth.config.yaml'), 'utf8');
      assert.match(manifest, new RegExp(`^auth:\\n  provider: ${auth}$`, 'm'));
      const required = [...manifest.replace(/^\s*#.*$/gm, '').matchAll(/\$\{([A-Z_]+)\}/g)].map((m) => m[1]!);
      assert.deepEqual(required.sort(), Object.keys(provider.env()).sort());
      const example = readFileSync(join(dir, '.env.example'), 'utf8');
      for (const name of required) assert.match(example, new RegExp(`^${name}=.+$`, 'm'), name);

      const runtime = await startRuntime({
        configPath: join(dir, 'mcp-oauth.config.yaml'),
        env: provider.env(),
        http: { port: 0 },
        log: createLogger({ write: () => {} }),
      });
      try {
        const url = `http://127.0.0.1:${(runtime.server.address() as AddressInfo).port}/mcp`;
        await assert.rejects(connectModern(url), /401/);
        const client = await connectModern(url, await provider.mint(runtime.url));
        assert.deepEqual((await client.callTool('hello', { name: 'Ada' })).content, [
          { type: 'text', text: 'Hello, Ada! (called by alice)' },
        ]);
        await client.close();
      } finally {
        await runtime.close();
      }
    });
  }

  test('each README says how to get a token from that provider; each Dockerfile run line passes its variables', () => {
    const files = (auth: (typeof INIT_AUTH)[number]) => {
      const dir = join(scratch(), auth);
      initServer({ dir, auth });
      return {
        readme: readFileSync(join(dir, 'README.md'), 'utf8'),
        dockerfile: readFileSync(join(dir, 'Dockerfile'), 'utf8'),
      };
    };
    const dev = files('dev');
    const jwt = files('jwt');
    const scalekit = files('scalekit');
    assert.match(dev.readme, /^TOKEN=\$\(npx mcp-serve token --scope hello:read\)$/m);
    assert.match(jwt.readme, /-d grant_type=client_credentials/);
    assert.match(jwt.readme, /-d resource="\$MCP_URL\/mcp"/);
    assert.match(scalekit.readme, /Scalekit issues tokens to the clients that sign in/);
    assert.match(
      jwt.dockerfile,
      /^# {3}docker run --rm -p 3000:3000 -e ISSUER -e MCP_URL=https:\/\/mcp\.example\.com jwt$/m,
    );
    assert.match(
      scalekit.dockerfile,
      /^# {3}docker run --rm -p 3000:3000 -e SCALEKIT_ENVIRONMENT_URL -e SCALEKIT_RESOURCE_ID -e MCP_URL=https:\/\/mcp\.example\.com scalekit$/m,
    );
    for (const { dockerfile } of [jwt, scalekit]) assert.doesNotMatch(dockerfile, /provider: \*"\?dev/);
  });
});

describe('the dev Dockerfile', () => {
  const dir = scratch();
  initServer({ dir });
  const dockerfile = readFileSync(join(dir, 'Dockerfile'), 'utf8');
  // The guard step as the image's /bin/sh runs it (Dockerfile line continuations joined).
  const guard = /^RUN (if grep[\s\S]*?; fi)$/m.exec(dockerfile)?.[1]?.replace(/\\\n/g, '');
  const build = (manifest: string) => {
    writeFileSync(join(dir, 'mcp-oauth.config.yaml'), manifest);
    return spawnSync('sh', ['-c', guard!], { cwd: dir, encoding: 'utf8' });
  };
  const original = readFileSync(join(dir, 'mcp-oauth.config.yaml'), 'utf8');

  test('stops the build while the manifest names provider dev, saying how to switch', () => {
    assert.ok(guard, dockerfile);
    const refused = build(original);
    assert.equal(refused.status, 1);
    assert.equal(
      refused.stderr,
      'mcp-oauth.config.yaml: auth.provider "dev" lets anyone sign in as anyone and is refused in a container; ' +
        'switch auth to jwt or scalekit (the comment above this step in the Dockerfile shows how)\n',
    );
    assert.match(dockerfile, /^# {3}auth: {2}\{ provider: jwt, issuer: \$\{ISSUER\} \}/m);
    assert.match(dockerfile, /allowNonLoopback: true/);
    assert.equal(build(original.replace('auth: { provider: dev }', 'auth:\n  provider: "dev"')).status, 1);
  });

  test('builds once auth is jwt (or scalekit), or dev is allowed off loopback on purpose', () => {
    assert.equal(
      build(original.replace('auth: { provider: dev }', 'auth:\n  provider: jwt\n  issuer: ${ISSUER}')).status,
      0,
    );
    assert.equal(
      build(
        original.replace(
          'auth: { provider: dev }',
          'auth: { provider: scalekit, environmentUrl: x, resourceId: y } # was provider: dev',
        ),
      ).status,
      0,
    );
    assert.equal(
      build(original.replace('auth: { provider: dev }', 'auth:\n  provider: dev\n  allowNonLoopback: true')).status,
      0,
    );
  });
});

describe('the dependency spec: where the running mcp-serve was installed from', () => {
  const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  /** A project at `root` with mcp-serve installed under node_modules and a lock file recording `resolved`. */
  const install = (root: string, resolved: string | undefined, lock = 'node_modules/.package-lock.json') => {
    const packageRoot = join(root, 'node_modules', 'mcp-serve');
    mkdirSync(packageRoot, { recursive: true });
    writeFileSync(join(packageRoot, 'package.json'), JSON.stringify({ name: 'mcp-serve', version }));
    if (resolved !== undefined)
      writeFileSync(
        join(root, lock),
        JSON.stringify({ lockfileVersion: 3, packages: { 'node_modules/mcp-serve': { version, resolved } } }),
      );
    return packageRoot;
  };

  test('a checkout: file: to it, relative to the new server when that is shorter', () => {
    const home = scratch();
    mkdirSync(join(home, 'mcp-oauth'));
    writeFileSync(join(home, 'mcp-oauth', 'package.json'), JSON.stringify({ name: 'mcp-serve', version }));
    assert.deepEqual(loadDependencySpec(join(home, 'mcp-oauth'), join(home, 'weather')), {
      spec: 'file:../mcp-oauth',
      from: `the checkout ${home}/mcp-oauth`,
    });
    assert.deepEqual(
      loadDependencySpec(
        join(home, 'mcp-oauth'),
        join(home, 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l'),
      ).spec,
      `file:${home}/mcp-oauth`,
    );
  });

  test('a tarball install (npm install ./x.tgz, npx --package ./x.tgz): file: to the tarball while it exists', () => {
    const home = scratch();
    writeFileSync(join(home, 'mcp-serve-0.1.0.tgz'), '');
    const packageRoot = install(join(home, 'project'), 'file:../mcp-serve-0.1.0.tgz');
    assert.deepEqual(loadDependencySpec(packageRoot, join(home, 'project', 'app')), {
      spec: 'file:../../mcp-serve-0.1.0.tgz',
      from: `the tarball ${home}/mcp-serve-0.1.0.tgz`,
    });
    rmSync(join(home, 'mcp-serve-0.1.0.tgz'));
    assert.deepEqual(loadDependencySpec(packageRoot, join(home, 'project', 'app')), {
      spec: `^${version}`,
      from: 'the registry',
      note: `mcp-serve was installed from ${home}/mcp-serve-0.1.0.tgz, which is gone, so package.json names mcp-serve ^${version} from the registry`,
    });
  });

  test('a registry install: ^version; git: the recorded spec; no record (a global install): ^version, said', () => {
    const home = scratch();
    const registry = install(
      join(home, 'a'),
      `https://registry.npmjs.org/mcp-serve/-/mcp-serve-${version}.tgz`,
      'package-lock.json',
    );
    assert.deepEqual(loadDependencySpec(registry, home), { spec: `^${version}`, from: 'the registry' });
    const git = install(join(home, 'b'), 'git+ssh://git@github.com/acme/mcp-oauth.git#0123abc');
    assert.deepEqual(loadDependencySpec(git, home), {
      spec: 'git+ssh://git@github.com/acme/mcp-oauth.git#0123abc',
      from: 'the git repository git+ssh://git@github.com/acme/mcp-oauth.git#0123abc',
    });
    const global = install(join(home, 'lib'), undefined);
    assert.deepEqual(loadDependencySpec(global, home), {
      spec: `^${version}`,
      from: 'the registry',
      note: `no record of where ${global} was installed from, so package.json names mcp-serve ^${version} from the registry`,
    });
  });
});

test('mcp-serve init --auth refuses a provider it does not scaffold, and writes nothing', () => {
  const dir = scratch();
  const run = spawnSync(process.execPath, [join(ROOT, 'dist', 'src', 'bin.js'), 'init', 'app', '--auth', 'auth0'], {
    cwd: dir,
    encoding: 'utf8',
  });
  assert.equal(run.status, 2);
  assert.equal(run.stderr, '--auth auth0: expected one of dev, jwt, scalekit\n');
  assert.deepEqual(readdirSync(dir), []);
});

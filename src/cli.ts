/**
 * argv → runtime. The only module that touches `process` (exit codes, signals, stdout).
 */
import { readFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { DEV_STATE_DIR } from './auth/dev/state.js';
import type { WrittenTypes } from './commands/types.js';
import type { LoadedManifest, LoadOptions } from './config/index.js';
import { formatError } from './errors.js';
import { createLogger } from './log.js';
import type { ResolvedManifest } from './manifest.js';
import type { Runtime, RuntimeOptions } from './runtime.js';

// Each command imports what it needs when it runs: --help, init and doctor do not pay
// for loading the MCP SDK, and serve does not load the code generators.
const loadManifest = async (options: LoadOptions) => (await import('./config/index.js')).loadManifest(options);
const resourceUrlFor = async (loaded: LoadedManifest, port: number) => (await import('./snapshot.js')).resourceUrlFor(loaded, port);

const USAGE = `Usage:
  mcp-serve [--config PATH] [--host HOST] [--port PORT] [--watch]
                                                          serve the manifest; --watch reloads it on every change
  mcp-serve dev [--config PATH] [--host HOST] [--port PORT]
                                                          the same as --watch
  mcp-serve validate [--config PATH]                      check the manifest and print what it declares
  mcp-serve token --scope SCOPE [--sub SUBJECT] [--ttl 1h] [--config PATH] [--port PORT]
                                                          print an access token from the dev authorization server
  mcp-serve types [--config PATH] [--out FILE]            write Zod schemas and handler types for the tools
                                                          (default FILE: mcp-oauth.types.ts beside the manifest)
  mcp-serve doctor [URL]                                  probe a deployment as a strict client would (default: this manifest's URL)
  mcp-serve init [DIR]                                    start a new server in DIR (default: the current directory)

Without --config, the manifest is looked up in the current directory:
mcp-oauth.config.{json,yaml,yml,js,mjs,cjs}, .mcp-oauthrc*, or package.json#mcp-oauth.`;

export async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        config: { type: 'string', short: 'c' },
        host: { type: 'string' },
        port: { type: 'string', short: 'p' },
        scope: { type: 'string', multiple: true },
        sub: { type: 'string' },
        ttl: { type: 'string' },
        out: { type: 'string', short: 'o' },
        watch: { type: 'boolean', short: 'w' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) return print(USAGE, 0);
  if (values.version) return print(packageVersion(), 0);
  const command = positionals[0] ?? 'serve';
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535)) {
    process.stderr.write(`--port ${values.port}: expected a port number 0-65535\n`);
    return 2;
  }
  const load = { ...(values.config !== undefined && { configPath: values.config }), http: { ...(values.host !== undefined && { host: values.host }), ...(port !== undefined && { port }) } };
  try {
    switch (command) {
      case 'serve':
        return await serve({ ...load, watch: values.watch === true });
      case 'dev':
        return await serve({ ...load, watch: true });
      case 'validate':
        return validate(await loadManifest(load));
      case 'token':
        return await token(await loadManifest(load), { scopes: (values.scope ?? []).flatMap((s) => s.split(/[\s,]+/)).filter(Boolean), subject: values.sub, ttl: values.ttl });
      case 'types':
        return types(await (await import('./commands/types.js')).writeTypes({ ...load, ...(values.out !== undefined && { out: values.out }) }));
      case 'doctor': {
        let target = positionals[1];
        if (target === undefined) {
          const loaded = await loadManifest({ ...load, handlers: false });
          target = await resourceUrlFor(loaded, loaded.manifest.http.port);
        }
        const { formatChecks, runDoctor } = await import('./commands/doctor.js');
        const checks = await runDoctor(target);
        process.stdout.write(`${formatChecks(target, checks)}\n`);
        return checks.some((c) => c.status === 'fail') ? 1 : 0;
      }
      case 'init':
        const { formatInit, initServer } = await import('./commands/init.js');
        return print(formatInit(initServer({ ...(positionals[1] !== undefined && { dir: positionals[1] }) }), process.cwd()), 0);
      default:
        process.stderr.write(`Unknown command "${command}".\n\n${USAGE}\n`);
        return 2;
    }
  } catch (error) {
    process.stderr.write(`${formatError(error)}\n`);
    return 1;
  }
}

async function serve(load: RuntimeOptions): Promise<number> {
  const log = createLogger();
  const { startRuntime } = await import('./runtime.js');
  const runtime = await startRuntime({ ...load, log });
  process.stdout.write(banner(runtime, load?.watch === true) + '\n');
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      process.stdout.write(`\n${signal}: finishing requests in flight...\n`);
      void runtime.close().then(resolve);
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  return 0;
}

async function token(loaded: LoadedManifest, request: { scopes: string[]; subject: string | undefined; ttl: string | undefined }): Promise<number> {
  const m = loaded.manifest;
  const usage = (message: string) => print(message, 2, process.stderr);
  if (m.auth.provider !== 'dev') {
    return usage(`mcp-serve token signs with the built-in dev authorization server, but auth.provider is "${m.auth.provider}"; get tokens from your authorization server, or set auth.provider: dev`);
  }
  const known = m.resource.scopes_supported;
  const unknown = request.scopes.filter((s) => !known.includes(s));
  if (unknown.length > 0) return usage(`Unknown scope${unknown.length === 1 ? '' : 's'} ${unknown.join(', ')}; this manifest's scopes are: ${known.join(', ') || '(none)'}`);
  const { mintDevToken, openDevState, parseTtl } = await import('./auth/dev/index.js');
  const ttlSec = request.ttl === undefined ? m.auth.accessTokenTtlSec : parseTtl(request.ttl);
  if (ttlSec === undefined) return usage(`--ttl ${request.ttl}: expected a duration such as 90s, 15m, 1h or 2d`);
  const state = await openDevState(m.dir);
  const resourceUrl = await resourceUrlFor(loaded, m.http.port);
  process.stdout.write(`${await mintDevToken(state, { resourceUrl, scopes: request.scopes, subject: request.subject ?? 'dev-user', ttlSec })}\n`);
  return 0;
}

function validate(loaded: LoadedManifest): number {
  const m = loaded.manifest;
  process.stdout.write(`✔ ${relative(process.cwd(), m.file) || m.file} is valid\n${summary(m)}\n`);
  return 0;
}

function types(written: WrittenTypes): number {
  const file = relative(process.cwd(), written.file) || written.file;
  const tools = `${written.tools} tool${written.tools === 1 ? '' : 's'}`;
  return print(written.changed ? `✔ wrote ${file}: types for ${tools}` : `✔ ${file} is up to date (${tools})`, 0);
}

function banner(r: Runtime, watch: boolean): string {
  const m = r.snapshot.loaded.manifest;
  const lines = [
    `mcp-serve: ${m.server.title ?? m.server.name} ${m.server.version} (${relative(process.cwd(), m.file) || m.file})`,
    `  MCP endpoint       ${r.url}`,
    `  Resource metadata  ${r.snapshot.resourceMetadataUrl}`,
    `  Authorization      ${authLine(m, r)}`,
    ...(watch ? ['  Hot reload         on: the manifest, .env and the handler modules are watched; handlers run in a worker thread'] : []),
  ];
  if (r.keys && 'error' in r.keys) lines.push(`  warning: ${r.keys.error}: requests get 503 until they can`);
  if (m.auth.provider === 'none') {
    lines.push('', '  WARNING: auth.provider is "none": anyone who can reach this port can call every tool.', '  Use it only for local experiments; configure provider "jwt" or "scalekit" to protect the server.');
  }
  if (m.auth.provider === 'dev') {
    lines.push(
      '',
      '  DEVELOPMENT ONLY: auth.provider is "dev": the built-in authorization server lets anyone sign in as anyone.',
      '  Connect any MCP client to the endpoint above and sign in on its consent page, or get a token for curl:',
      `    ${selfCommand()} token --scope ${m.resource.scopes_supported[0] ?? 'SCOPE'}${dirname(m.file) === process.cwd() ? '' : ` --config ${relative(process.cwd(), m.file)}`}`,
    );
  }
  lines.push('', toolTable(m), '', 'Ctrl-C to stop.');
  return lines.join('\n');
}

function summary(m: ResolvedManifest): string {
  const url = `${m.http.publicUrl ?? `http://${m.http.host}:${m.http.port}`}${m.http.path === '/' ? '' : m.http.path}`;
  return [`  server         ${m.server.name} ${m.server.version}`, `  resource       ${url}`, `  authorization  ${authLine(m)}`, '', toolTable(m)].join('\n');
}

function authLine(m: ResolvedManifest, r?: Runtime): string {
  const a = m.auth;
  if (a.provider === 'none') return 'none (no tokens checked)';
  if (a.provider === 'dev') {
    const issuer = r?.snapshot.authorizationServer?.issuer ?? 'this server';
    return `dev: built-in authorization server at ${issuer} (state in ${join(relative(process.cwd(), m.dir), DEV_STATE_DIR)}/)`;
  }
  const jwks = r?.snapshot.verifier?.jwksUri ?? a.jwksUri ?? 'discovered from the issuer';
  const keys = r?.keys && 'loaded' in r.keys ? `, ${r.keys.loaded} key${r.keys.loaded === 1 ? '' : 's'} loaded` : '';
  return `${a.provider}: issuer ${a.issuers.join(' or ')} (JWKS ${jwks}${keys})`;
}

function toolTable(m: ResolvedManifest): string {
  if (m.tools.length === 0) return '  No tools declared.';
  const width = Math.max(4, ...m.tools.map((t) => t.name.length));
  const rows = m.tools.map((t) => {
    const scopes = t.scopes.scopes.length === 0 ? '(any valid token)' : t.scopes.kind === 'anyOf' ? `any of: ${t.scopes.scopes.join(', ')}` : t.scopes.scopes.join(' + ');
    return `    ${t.name.padEnd(width)}  ${scopes}`;
  });
  return [`  Tools (${m.tools.length})`, `    ${'name'.padEnd(width)}  scopes`, ...rows].join('\n');
}

/** How this CLI was started, for hints: `npx mcp-serve` when installed, else `node path/to/bin.js`. */
function selfCommand(): string {
  const script = process.argv[1] ?? '';
  return basename(script) === 'mcp-serve' ? 'npx mcp-serve' : `node ${relative(process.cwd(), script) || script}`;
}

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function print(text: string, code: number, stream: NodeJS.WriteStream = process.stdout): number {
  stream.write(text + '\n');
  return code;
}



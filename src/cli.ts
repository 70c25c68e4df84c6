/**
 * argv → commands. The only module that touches `process` (exit codes, signals, stdout).
 * One table, COMMANDS, says what each command takes and does; it drives the parser (each
 * command accepts only its own flags), the overview (`mcp-serve help`) and each
 * command's help (`mcp-serve help validate`, `mcp-serve validate --help`).
 */
import { readFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEV_STATE_DIR } from './auth/dev/state.js';
import type { WrittenTypes } from './commands/types.js';
import type { LoadedManifest, LoadOptions } from './config/index.js';
import { formatError, McpOAuthError, type Problem } from './errors.js';
import { createLogger } from './log.js';
import { type ResolvedManifest, type ResolvedStore, resourceUrl } from './manifest.js';
import type { Runtime, RuntimeOptions } from './runtime/index.js';

// Each command imports what it needs when it runs: --help, init and doctor do not pay
// for loading the MCP SDK, and serve does not load the code generators.
const loadManifest = async (options: LoadOptions) => (await import('./config/index.js')).loadManifest(options);

interface Flag {
  readonly short?: string;
  /** The value's placeholder in help (`PATH`); a flag without one is a switch. */
  readonly value?: string;
  /** May be given more than once; the values are collected. */
  readonly multiple?: true;
  readonly help: string;
}

const FLAGS = {
  config: {
    short: 'c',
    value: 'PATH',
    help: 'the manifest file (default: looked up in the current directory, see mcp-serve help)',
  },
  host: { value: 'HOST', help: "the address to listen on (overrides the manifest's http.host)" },
  port: {
    short: 'p',
    value: 'PORT',
    help: "the port, 0-65535; 0 picks a free one (overrides the manifest's http.port)",
  },
  watch: { short: 'w', help: 'reload on every change to the manifest, .env and the handler modules' },
  scope: {
    value: 'SCOPE',
    multiple: true,
    help: 'a scope to grant; repeat it or separate scopes with commas (default: every scope the manifest declares)',
  },
  sub: { value: 'SUBJECT', help: 'the subject (sub claim) of the token (default: dev-user)' },
  ttl: {
    value: 'DURATION',
    help: "how long the token lives: 90s, 15m, 1h, 2d (default: the manifest's auth.accessTokenTtlSec)",
  },
  out: {
    short: 'o',
    value: 'FILE',
    help: 'the file to write, or a directory for mcp-oauth.types.ts (default: beside the manifest)',
  },
  json: { help: 'print the result as JSON on stdout (the shapes are in the README)' },
  url: { value: 'URL', help: 'the MCP endpoint to talk to (default: the URL this manifest serves)' },
  token: {
    value: 'TOKEN',
    help: 'the bearer token to send (default: $MCP_TOKEN; with auth.provider "dev", one is minted)',
  },
  write: { help: "merge the configuration into the client's project-level file" },
  force: { help: 'with --write: replace an entry of the same name that differs' },
  auth: {
    value: 'PROVIDER',
    help: "the scaffold's authorization: dev (the built-in login, the default), jwt or scalekit",
  },
  help: { short: 'h', help: 'print this help' },
  version: { short: 'v', help: "print mcp-serve's version" },
} as const satisfies Record<string, Flag>;

type FlagName = keyof typeof FLAGS;
type FlagValue<F> = F extends { readonly value: string }
  ? F extends { readonly multiple: true }
    ? string[]
    : string
  : boolean;
/** The flags given, typed by their definitions; only those the command accepts. */
type Values = { readonly [K in FlagName]?: FlagValue<(typeof FLAGS)[K]> };

/** Accepted by every command. */
const GLOBAL_FLAGS: readonly FlagName[] = ['help', 'version'];

interface Invocation {
  readonly values: Values;
  /** The command's first positional argument, when it takes one. */
  readonly arg: string | undefined;
  /** All of its positional arguments. */
  readonly args: readonly string[];
  /** --config, --host and --port as options for loading the manifest. */
  readonly load: LoadOptions;
}

interface Command {
  readonly name: string;
  /** The placeholders of its optional positional arguments (`URL`), if it takes any. */
  readonly arg?: string;
  readonly moreArgs?: readonly string[];
  readonly flags: readonly FlagName[];
  /** One line for the overview. */
  readonly summary: string;
  /** What it does, in full, for its own help. */
  readonly details: string;
  readonly example: string;
  readonly run: (invocation: Invocation) => Promise<number> | number;
}

const COMMANDS: readonly Command[] = [
  {
    name: 'serve',
    flags: ['config', 'host', 'port', 'watch'],
    summary: 'serve the manifest (the default command); --watch reloads it on every change',
    details:
      'Serves the MCP endpoint, its protected-resource metadata and, with auth.provider "dev", the development\n' +
      'authorization server. Prints the URLs and each tool with its scopes, then serves until Ctrl-C or SIGTERM,\n' +
      'finishing the requests in flight.',
    example: 'mcp-serve --config examples/todo/mcp-oauth.config.yaml --port 8080',
    run: ({ values, load }) => serve({ ...load, watch: values.watch === true }),
  },
  {
    name: 'dev',
    flags: ['config', 'host', 'port'],
    summary: 'the same as serve --watch',
    details:
      'Serves the manifest and reloads it on every change to the manifest, .env and the handler modules;\n' +
      'handlers run in a worker thread that is replaced on each reload.',
    example: 'mcp-serve dev --port 3000',
    run: ({ load }) => serve({ ...load, watch: true }),
  },
  {
    name: 'validate',
    flags: ['config', 'host', 'port', 'json'],
    summary: 'check the manifest and print what it declares',
    details:
      'Checks the manifest as serve would (schema, meaning, handler modules) and prints the server, the resource URL,\n' +
      'the authorization and each tool with its scopes; or every problem with its file:line:column, and exits 1.',
    example: 'mcp-serve validate --config examples/todo/mcp-oauth.config.yaml --json',
    run: validate,
  },
  {
    name: 'token',
    flags: ['scope', 'sub', 'ttl', 'config', 'host', 'port'],
    summary: 'print an access token from the dev authorization server',
    details:
      'Signs an access token with the key of the dev authorization server (auth.provider "dev"), for curl and scripts;\n' +
      'stdout holds the token alone. The host and port are part of its audience: pass the ones the server runs with.',
    example: 'TOKEN=$(mcp-serve token --scope todo:read --sub alice --ttl 1h)',
    run: token,
  },
  {
    name: 'types',
    flags: ['config', 'out'],
    summary: 'write Zod schemas and handler types for the tools',
    details:
      'Checks the manifest (its handler modules need not exist yet) and writes a TypeScript module with a Zod 4 schema\n' +
      "and a type for each tool's input and output, and a handler type. It imports zod: the project needs it installed.",
    example: 'mcp-serve types --out src/mcp-oauth.types.ts',
    run: types,
  },
  {
    name: 'doctor',
    arg: 'URL',
    flags: ['json', 'config', 'host', 'port'],
    summary: "probe a deployment as a strict client would (default URL: this manifest's)",
    details:
      'Probes a running MCP server as a strict client would: the 401 challenge, the protected-resource metadata, each\n' +
      'authorization server (exact issuer, PKCE S256, registration, JWKS) and a browser preflight. Prints each check\n' +
      'with what to fix, and exits 1 when one fails. Without URL it probes the URL this manifest serves, and the\n' +
      "manifest's shared store (reachable, PING latency, key prefix) when it names one.",
    example: 'mcp-serve doctor https://mcp.example.com/mcp',
    run: doctor,
  },
  {
    name: 'init',
    arg: 'DIR',
    flags: ['auth'],
    summary: 'start a new server in DIR (default: the current directory)',
    details:
      'Starts a new server in DIR (default: the current directory): a manifest, a handler, a package.json and a\n' +
      'Dockerfile. Changes nothing when one of its files is already there.',
    example: 'mcp-serve init weather --auth scalekit',
    run: async ({ arg, values }) => {
      const { formatInit, initServer } = await import('./commands/init.js');
      const { INIT_AUTH, isInitAuth } = await import('./commands/init-files.js');
      if (values.auth !== undefined && !isInitAuth(values.auth))
        return usageError(`--auth ${values.auth}: expected one of ${INIT_AUTH.join(', ')}`);
      const options = {
        ...(arg !== undefined && { dir: arg }),
        ...(values.auth !== undefined && { auth: values.auth }),
      };
      return print(formatInit(initServer(options), process.cwd()), 0);
    },
  },
  {
    name: 'list',
    flags: ['url', 'token', 'json', 'config', 'host', 'port'],
    summary: "list the running server's tools, prompts and resources through an MCP client",
    details:
      'Connects to the running server (the URL this manifest serves, or --url) with the official MCP client, as any\n' +
      'client would, and lists its tools (with the scopes this manifest gives them), prompts and resources. With\n' +
      'auth.provider "dev" a token with every declared scope is minted; otherwise pass --token or set MCP_TOKEN.',
    example: 'mcp-serve list --url https://mcp.example.com/mcp --token "$TOKEN"',
    run: list,
  },
  {
    name: 'call',
    arg: 'TOOL',
    moreArgs: ['JSON'],
    flags: ['url', 'token', 'json', 'config', 'host', 'port'],
    summary: 'call a tool of the running server with JSON arguments, through an MCP client',
    details:
      "Calls TOOL on the running server with JSON (an object) as its arguments and prints the result's text and\n" +
      'structured content; exits 1 when the tool reports an error. A 401 or 403 is explained with the scope the\n' +
      'server asked for. Tokens as for list.',
    example: `mcp-serve call create_todo '{"title":"milk"}'`,
    run: call,
  },
  {
    name: 'connect',
    arg: 'CLIENT',
    flags: ['write', 'force', 'url', 'config', 'host', 'port'],
    summary: 'print how to add this server to claude-code, cursor, vscode, inspector or claude-desktop',
    details:
      "Prints the exact command or configuration that adds this manifest's server to CLIENT (claude-code, cursor,\n" +
      "vscode, inspector, claude-desktop). --write merges it into the client's project-level file (.mcp.json,\n" +
      '.cursor/mcp.json, .vscode/mcp.json), keeping the other servers. No token is written: each client logs in itself.',
    example: 'mcp-serve connect claude-code --write',
    run: connect,
  },
  {
    name: 'help',
    arg: 'COMMAND',
    flags: [],
    summary: "print a command's options and an example",
    details: "Prints a command's options and an example; without COMMAND, lists the commands.",
    example: 'mcp-serve help token',
    run: ({ arg }) => {
      if (arg === undefined) return print(overview(), 0);
      const command = COMMANDS.find((c) => c.name === arg);
      if (command) return print(commandHelp(command), 0);
      return usageError(`unknown command "${arg}"; the commands are ${COMMANDS.map((c) => c.name).join(', ')}`);
    },
  },
];

export async function main(argv: string[]): Promise<number> {
  const parsed = await parseCommandLine(argv);
  if ('error' in parsed) return usageError(parsed.error);
  const { command, values, arg, args } = parsed;
  if (values.version) return print(packageVersion(), 0);
  if (values.help) return print(parsed.named ? commandHelp(command) : overview(), 0);
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535)) {
    return usageError(`--port ${values.port}: expected a port number 0-65535`);
  }
  const http = { ...(values.host !== undefined && { host: values.host }), ...(port !== undefined && { port }) };
  const load = { ...(values.config !== undefined && { configPath: values.config }), http };
  try {
    return await command.run({ values, arg, args, load });
  } catch (error) {
    process.stderr.write(`${formatError(error)}${notFoundHint(error, values)}\n`);
    return 1;
  }
}

type ParsedCommandLine =
  | { command: Command; named: boolean; values: Values; arg: string | undefined; args: string[] }
  | { error: string };

/**
 * Finds the command (the first positional argument; `serve` when there is none), then
 * checks every flag against that command's own: our message, not parseArgs's, for a
 * flag that is unknown or belongs to another command.
 */
async function parseCommandLine(argv: string[]): Promise<ParsedCommandLine> {
  const options = Object.fromEntries(
    Object.entries(FLAGS).map(([name, flag]) => {
      const type = 'value' in flag ? 'string' : 'boolean';
      return [name, { type, ...('short' in flag && { short: flag.short }) } as const];
    }),
  );
  const { tokens } = parseArgs({ args: argv, options, strict: false, allowPositionals: true, tokens: true });
  const positionals = tokens.flatMap((t) => (t.kind === 'positional' ? [t.value] : []));
  const name = positionals[0];
  const command = COMMANDS.find((c) => c.name === (name ?? 'serve'));
  if (!command) {
    const guess = (await import('./config/check.js')).closest(
      name!,
      COMMANDS.map((c) => c.name),
    );
    return { error: `unknown command "${name}"${guess ? ` (did you mean "${guess}"?)` : ''}; see mcp-serve help` };
  }
  const seeHelp = `see mcp-serve help ${command.name}`;
  const values: Record<string, string | string[] | boolean> = {};
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    const accepted = [...command.flags, ...GLOBAL_FLAGS];
    if (!(accepted as string[]).includes(token.name)) {
      return {
        error: `unknown option ${token.rawName} for "${command.name}"${await unknownFlagHint(token.name, command)}; ${seeHelp}`,
      };
    }
    const flag: Flag = FLAGS[token.name as FlagName];
    if (flag.value === undefined) {
      if (token.value !== undefined) return { error: `${token.rawName} takes no value; ${seeHelp}` };
      values[token.name] = true;
    } else {
      // parseArgs takes the next argument even when it is a flag: `--config --watch`.
      if (token.value === undefined || (!token.inlineValue && token.value.startsWith('-'))) {
        return { error: `${token.rawName} needs a value: ${token.rawName} ${flag.value}; ${seeHelp}` };
      }
      const previous = values[token.name];
      values[token.name] = flag.multiple ? [...(Array.isArray(previous) ? previous : []), token.value] : token.value;
    }
  }
  const args = name === undefined ? [] : positionals.slice(1);
  const allowed = command.arg === undefined ? 0 : 1 + (command.moreArgs?.length ?? 0);
  if (args.length > allowed)
    return { error: `unexpected argument "${args[allowed]}" for "${command.name}"; ${seeHelp}` };
  return { command, named: name !== undefined, values: values as Values, arg: args[0], args };
}

/** ` (did you mean --scope?)` for a near miss, or which command a flag belongs to. */
async function unknownFlagHint(name: string, command: Command): Promise<string> {
  const guess = (await import('./config/check.js')).closest(name, command.flags);
  if (guess !== undefined) return ` (did you mean --${guess}?)`;
  const owners = COMMANDS.filter((c) => (c.flags as string[]).includes(name)).map((c) => `"${c.name}"`);
  return owners.length > 0 ? ` (it is an option of ${owners.join(', ')})` : '';
}

/** Without --config, an empty directory is most likely a new project. */
function notFoundHint(error: unknown, values: Values): string {
  if (!(error instanceof McpOAuthError) || error.code !== 'MANIFEST_NOT_FOUND' || values.config !== undefined)
    return '';
  return '\nTo start a new server here, run: npx mcp-serve init';
}

function overview(): string {
  return [
    'mcp-serve: an OAuth-protected MCP server from a manifest.',
    '',
    'Usage:',
    ...COMMANDS.flatMap((c) => [`  ${synopsis(c)}`, `      ${c.summary}`]),
    '',
    'Without --config, the manifest is looked up in the current directory:',
    'mcp-oauth.config.{json,yaml,yml,js,mjs,cjs}, .mcp-oauthrc*, or package.json#mcp-oauth.',
    'Run mcp-serve help COMMAND (or mcp-serve COMMAND --help) for its options and an example; mcp-serve --version for the version.',
  ].join('\n');
}

function commandHelp(command: Command): string {
  const flags = [...command.flags, ...GLOBAL_FLAGS].map((name) => {
    const flag: Flag = FLAGS[name];
    return {
      name: `${flag.short ? `-${flag.short}, ` : '    '}--${name}${flag.value ? ` ${flag.value}` : ''}`,
      help: flag.help,
    };
  });
  const width = Math.max(...flags.map((f) => f.name.length));
  return [
    `Usage: ${synopsis(command)}`,
    '',
    command.details,
    '',
    'Options:',
    ...flags.map((f) => `  ${f.name.padEnd(width)}  ${f.help}`),
    '',
    'Example:',
    `  ${command.example}`,
  ].join('\n');
}

/** `mcp-serve types [--config PATH] [--out FILE]`; serve is the default, so its name is optional. */
function synopsis(command: Command): string {
  const flags = command.flags.map((name) => {
    const flag: Flag = FLAGS[name];
    return ` [--${name}${flag.value ? ` ${flag.value}` : ''}]${flag.multiple ? '...' : ''}`;
  });
  const name = command.name === 'serve' ? '[serve]' : command.name;
  const args = [command.arg, ...(command.moreArgs ?? [])].flatMap((a) => (a === undefined ? [] : [` [${a}]`])).join('');
  return `mcp-serve ${name}${args}${flags.join('')}`;
}

async function serve(load: RuntimeOptions): Promise<number> {
  const log = createLogger();
  const { startRuntime } = await import('./runtime/index.js');
  // While watching, a generated types file follows the manifest (the generator loads only then).
  const onLoaded = load.watch ? (await import('./commands/types.js')).createTypesRefresh(log) : undefined;
  const runtime = await startRuntime({ ...load, log, ...(onLoaded && { onLoaded }) });
  process.stdout.write(`${banner(runtime, load?.watch === true)}\n`);
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

async function token({ values, load }: Invocation): Promise<number> {
  const loaded = await loadManifest(load);
  const m = loaded.manifest;
  if (m.auth.provider !== 'dev') {
    return usageError(
      `mcp-serve token signs with the built-in dev authorization server, but auth.provider is "${m.auth.provider}"; get tokens from your authorization server, or set auth.provider: dev`,
    );
  }
  const known = m.resource.scopes_supported;
  const asked = (values.scope ?? []).flatMap((s) => s.split(/[\s,]+/)).filter(Boolean);
  const unknown = asked.filter((s) => !known.includes(s));
  if (unknown.length > 0)
    return usageError(
      `Unknown scope${unknown.length === 1 ? '' : 's'} ${unknown.join(', ')}; this manifest's scopes are: ${known.join(', ') || '(none)'}`,
    );
  const { parseTtl } = await import('./auth/dev/index.js');
  const ttlSec = values.ttl === undefined ? m.auth.accessTokenTtlSec : parseTtl(values.ttl);
  if (ttlSec === undefined) return usageError(`--ttl ${values.ttl}: expected a duration such as 90s, 15m, 1h or 2d`);
  // A token with no scopes would be refused by every tool that needs one; grant what the manifest declares.
  const scopes = values.scope === undefined ? known : asked;
  if (values.scope === undefined) {
    process.stderr.write(
      known.length === 0
        ? 'no --scope: the manifest declares no scopes, so the token grants none\n'
        : `no --scope: the token grants every scope the manifest declares: ${known.join(' ')}\n`,
    );
  }
  process.stdout.write(`${await devToken(loaded, scopes, values.sub ?? 'dev-user', ttlSec)}\n`);
  return 0;
}

/** A token signed with the dev authorization server's key, for this manifest's resource URL. */
async function devToken(
  loaded: LoadedManifest,
  scopes: readonly string[],
  subject: string,
  ttlSec: number,
): Promise<string> {
  const { mintDevToken, openDevState } = await import('./auth/dev/index.js');
  const state = await openDevState(loaded.manifest.dir);
  return mintDevToken(state, { resourceUrl: resourceUrl(loaded.manifest.http), scopes: [...scopes], subject, ttlSec });
}

/**
 * Where list and call go, and with which token: --url or this manifest's URL; --token,
 * $MCP_TOKEN, or with provider dev a fresh token with every declared scope.
 */
async function clientTarget({
  values,
  load,
}: Invocation): Promise<{ url: string; token: string | undefined; loaded?: LoadedManifest }> {
  const explicit = values.token ?? (process.env['MCP_TOKEN'] || undefined);
  const needsManifest = values.url === undefined || explicit === undefined;
  const loaded = needsManifest ? await loadManifest({ ...load, handlers: false }) : undefined;
  const url = values.url ?? resourceUrl(loaded!.manifest.http);
  const auth = loaded?.manifest.auth;
  if (explicit !== undefined || loaded === undefined || auth?.provider !== 'dev')
    return { url, token: explicit, ...(loaded && { loaded }) };
  // Short-lived: it exists for this one command.
  const token = await devToken(
    loaded,
    loaded.manifest.resource.scopes_supported,
    'dev-user',
    Math.min(auth.accessTokenTtlSec, 300),
  );
  return { url, token, loaded };
}

async function list(invocation: Invocation): Promise<number> {
  const target = await clientTarget(invocation);
  const { formatListing, listServer } = await import('./commands/client.js');
  const listing = await listServer(target);
  if (invocation.values.json) return print(JSON.stringify(listing, null, 2), 0);
  const scopes = new Map((target.loaded?.manifest.tools ?? []).map((t) => [t.name, scopeText(t.scopes)]));
  return print(formatListing(target.url, listing, scopes), 0);
}

async function call(invocation: Invocation): Promise<number> {
  const [tool, json] = invocation.args;
  if (tool === undefined)
    return usageError(
      'mcp-serve call needs the tool\'s name: mcp-serve call TOOL \'{"arg":"value"}\'; see mcp-serve list',
    );
  const { callServerTool, formatCall, parseToolArguments } = await import('./commands/client.js');
  const args = parseToolArguments(json);
  const outcome = await callServerTool(await clientTarget(invocation), tool, args);
  print(
    invocation.values.json ? JSON.stringify(outcome.result, null, 2) : formatCall(outcome),
    0,
    outcome.isError ? process.stderr : process.stdout,
  );
  return outcome.isError ? 1 : 0;
}

async function connect({ values, arg, load }: Invocation): Promise<number> {
  const { CLIENT_NAMES, clientSetup, isClientName, writeClientSetup } = await import('./commands/connect.js');
  if (!isClientName(arg))
    return usageError(
      `mcp-serve connect needs a client: ${CLIENT_NAMES.join(', ')}${arg === undefined ? '' : ` (not "${arg}")`}`,
    );
  const loaded = await loadManifest({ ...load, handlers: false });
  const url = values.url ?? resourceUrl(loaded.manifest.http);
  const setup = clientSetup(arg, loaded.manifest.server.name, url);
  if (!values.write) return print(setup.instructions, 0);
  const written = writeClientSetup(
    setup,
    loaded.manifest.server.name,
    dirname(loaded.manifest.file),
    values.force === true,
  );
  const file = relative(process.cwd(), written.file) || written.file;
  return print(
    written.changed
      ? `✔ wrote ${file}: server "${loaded.manifest.server.name}" at ${url}`
      : `✔ ${file} already has server "${loaded.manifest.server.name}" at ${url}`,
    0,
  );
}

async function validate({ values, load }: Invocation): Promise<number> {
  let loaded: LoadedManifest;
  try {
    loaded = await loadManifest({ ...load, checkImports: true });
  } catch (error) {
    if (!values.json || !(error instanceof McpOAuthError)) throw error;
    return print(JSON.stringify({ ok: false, code: error.code, problems: jsonProblems(error, load) }, null, 2), 1);
  }
  const m = loaded.manifest;
  const url = resourceUrl(m.http);
  if (values.json) return print(JSON.stringify({ ...manifestReport(m, url), warnings: loaded.warnings }, null, 2), 0);
  for (const warning of loaded.warnings) process.stderr.write(`warning: ${warning}\n`);
  return print(`✔ ${relative(process.cwd(), m.file) || m.file} is valid\n${summary(m, url)}`, 0);
}

/** Every problem with the same fields, `line` and `column` null where the format gives none. */
function jsonProblems(error: McpOAuthError, load: LoadOptions): Required<Record<keyof Problem, unknown>>[] {
  const whole: Problem = { file: resolve(load.configPath ?? ''), path: '', message: error.message };
  const problems = error.problems.length > 0 ? error.problems : [whole];
  return problems.map((p) => ({
    file: p.file,
    line: p.line ?? null,
    column: p.column ?? null,
    path: p.path,
    message: p.message,
  }));
}

/** `validate --json`: what the manifest declares once resolved; never a secret (introspection's client secret stays out). */
function manifestReport(m: ResolvedManifest, url: string): Record<string, unknown> {
  const a = m.auth;
  const auth =
    a.provider === 'none'
      ? { provider: a.provider }
      : a.provider === 'dev'
        ? { provider: a.provider, issuer: new URL(url).origin }
        : {
            provider: a.provider,
            issuers: a.issuers,
            jwksUri: a.jwksUri ?? null,
            authorizationServers: a.authorizationServers,
          };
  return {
    ok: true,
    file: m.file,
    server: {
      name: m.server.name,
      version: m.server.version,
      ...(m.server.title !== undefined && { title: m.server.title }),
    },
    resource: url,
    auth,
    scopes: m.resource.scopes_supported,
    tools: m.tools.map((t) => ({ name: t.name, scopes: { [t.scopes.kind]: t.scopes.scopes } })),
  };
}

async function types({ values, load }: Invocation): Promise<number> {
  const { writeTypes } = await import('./commands/types.js');
  const written: WrittenTypes = await writeTypes({ ...load, ...(values.out !== undefined && { out: values.out }) });
  for (const warning of written.warnings) process.stderr.write(`${warning}\n`);
  const file = relative(process.cwd(), written.file) || written.file;
  const tools = `${written.tools} tool${written.tools === 1 ? '' : 's'}`;
  return print(written.changed ? `✔ wrote ${file}: types for ${tools}` : `✔ ${file} is up to date (${tools})`, 0);
}

async function doctor({ values, arg, load }: Invocation): Promise<number> {
  let target = arg;
  let store: ResolvedStore | undefined;
  if (target === undefined) {
    const loaded = await loadManifest({ ...load, handlers: false });
    target = resourceUrl(loaded.manifest.http);
    store = loaded.manifest.store;
  }
  const { doctorReport, formatChecks, runDoctor } = await import('./commands/doctor.js');
  const checks = await runDoctor(target);
  // The manifest's store, when doctor probes this manifest's server.
  if (store) checks.push(await (await import('./commands/doctor-store.js')).checkStore(store));
  const report = doctorReport(target, checks);
  print(values.json ? JSON.stringify(report, null, 2) : formatChecks(target, report.checks), 0);
  return report.ok ? 0 : 1;
}

function banner(r: Runtime, watch: boolean): string {
  const m = r.snapshot.loaded.manifest;
  const lines = [
    `mcp-serve: ${m.server.title ?? m.server.name} ${m.server.version} (${relative(process.cwd(), m.file) || m.file})`,
    `  MCP endpoint       ${r.url}`,
    `  Resource metadata  ${r.snapshot.resourceMetadataUrl}`,
    `  Authorization      ${authLine(m, r)}`,
    ...(watch
      ? [
          '  Hot reload         on: the manifest, .env and the handler modules are watched; handlers run in a worker thread',
        ]
      : []),
  ];
  for (const warning of r.snapshot.loaded.warnings) lines.push(`  warning: ${warning}`);
  if (r.keys && 'error' in r.keys) lines.push(`  warning: ${r.keys.error}: requests get 503 until they can`);
  if (m.auth.provider === 'none') {
    lines.push(
      '',
      '  WARNING: auth.provider is "none": anyone who can reach this port can call every tool.',
      '  Use it only for local experiments; configure provider "jwt" or "scalekit" to protect the server.',
    );
  }
  if (m.auth.provider === 'dev') {
    lines.push(
      '',
      '  DEVELOPMENT ONLY: auth.provider is "dev": the built-in authorization server lets anyone sign in as anyone.',
      '  Connect any MCP client to the endpoint above (mcp-serve connect CLIENT prints how) and sign in on its',
      '  consent page; or list and call the tools, or get a token with every scope for curl:',
      ...['list', 'token'].map((command) => `    ${selfCommand()} ${command}${configHint(m)}`),
    );
  }
  lines.push('', toolTable(m), '', 'Ctrl-C to stop.');
  return lines.join('\n');
}

/** ` --config PATH` when the manifest is not the one the current directory finds. */
function configHint(m: ResolvedManifest): string {
  return dirname(m.file) === process.cwd() ? '' : ` --config ${relative(process.cwd(), m.file)}`;
}

function summary(m: ResolvedManifest, url: string): string {
  return [
    `  server         ${m.server.name} ${m.server.version}`,
    `  resource       ${url}`,
    `  authorization  ${authLine(m)}`,
    '',
    toolTable(m),
  ].join('\n');
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
  const rows = m.tools.map((t) => `    ${t.name.padEnd(width)}  ${scopeText(t.scopes)}`);
  return [`  Tools (${m.tools.length})`, `    ${'name'.padEnd(width)}  scopes`, ...rows].join('\n');
}

function scopeText(scopes: ResolvedManifest['tools'][number]['scopes']): string {
  if (scopes.scopes.length === 0) return '(any valid token)';
  return scopes.kind === 'anyOf' ? `any of: ${scopes.scopes.join(', ')}` : scopes.scopes.join(' + ');
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

/** A command line that cannot run as given: the message on stderr, exit 2. */
function usageError(message: string): number {
  return print(message, 2, process.stderr);
}

function print(text: string, code: number, stream: NodeJS.WriteStream = process.stdout): number {
  stream.write(`${text}\n`);
  return code;
}

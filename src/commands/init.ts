/**
 * `mcp-serve init [dir]`: a new server to start from — a manifest with one tool, its
 * handler, and what a project around them needs (env example, ignores, Dockerfile,
 * README). It never overwrites anything: if one file is in the way, nothing is written.
 */
import { lstatSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { McpOAuthError } from '../errors.js';

// The built-in development authorization server: clients can log in at once.
const AUTH = '{ provider: dev }';

/** Files written into the target directory, in the order they are listed to the user. */
export const INIT_FILES = [
  'mcp-oauth.config.yaml', 'handlers/hello.js', '.env.example', '.gitignore', '.dockerignore', 'Dockerfile', 'README.md',
] as const;

export interface InitOptions {
  /** Target directory, relative to `cwd`; created when missing. Default `.`. */
  dir?: string;
  /** Default `process.cwd()`. */
  cwd?: string;
}

export interface InitResult {
  /** Absolute path of the target directory. */
  readonly dir: string;
  /** The `server.name` written into the manifest. */
  readonly name: string;
  /** Paths written, relative to `dir`. */
  readonly created: readonly string[];
  /** Things to do by hand, e.g. for a package.json that was already there. */
  readonly notes: readonly string[];
}

/**
 * Writes a new server into `dir`. A `package.json` is added when there is none; an
 * existing one is left as it is (the result's notes say what it may need).
 * Throws `FILES_EXIST`, listing every file in the way, before writing anything.
 *
 * @example initServer({ dir: 'weather' }) // weather/mcp-oauth.config.yaml, weather/handlers/hello.js, ...
 */
export function initServer(options: InitOptions = {}): InitResult {
  const dir = resolve(options.cwd ?? process.cwd(), options.dir ?? '.');
  if (pathExists(dir) && !isDirectory(dir)) {
    throw new McpOAuthError('WRITE_FAILED', `${dir} is a file, not a directory; pass a directory to mcp-serve init`);
  }
  const name = serverName(dir);
  const files = scaffoldFiles(name, packageVersion());
  const keepPackageJson = pathExists(join(dir, 'package.json'));
  const inTheWay = [
    ...INIT_FILES.filter((file) => pathExists(join(dir, file))),
    ...(pathExists(join(dir, 'handlers')) && !isDirectory(join(dir, 'handlers')) ? ['handlers'] : []),
  ];
  if (inTheWay.length > 0) {
    throw new McpOAuthError(
      'FILES_EXIST',
      `mcp-serve init would overwrite ${inTheWay.length === 1 ? 'a file' : 'files'} in ${dir}:\n${inTheWay.map((f) => `  ${f}`).join('\n')}\n` +
        'Nothing was written. Move them away, or init another directory: mcp-serve init my-server',
    );
  }
  const toWrite: string[] = [...INIT_FILES, ...(keepPackageJson ? [] : ['package.json'])];
  writeAll(dir, toWrite, files);
  return { dir, name, created: toWrite, notes: keepPackageJson ? packageJsonNotes(join(dir, 'package.json')) : [] };
}

/** Writes each file exclusively (`wx`); on any failure removes what it wrote, so a run is all or nothing. */
function writeAll(dir: string, paths: readonly string[], files: Readonly<Record<string, string>>): void {
  const written: string[] = [];
  try {
    mkdirSync(join(dir, 'handlers'), { recursive: true });
    for (const path of paths) {
      writeFileSync(join(dir, path), files[path] ?? '', { flag: 'wx' });
      written.push(path);
    }
  } catch (error) {
    for (const path of written) rmSync(join(dir, path), { force: true });
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new McpOAuthError('FILES_EXIST', `${(error as NodeJS.ErrnoException).path ?? 'A file'} appeared while mcp-serve init was writing; nothing was kept. Run it again.`, { cause: error });
    throw new McpOAuthError('WRITE_FAILED', `Could not write into ${dir}: ${(error as Error).message}; check the directory's permissions`, { cause: error });
  }
}

function packageJsonNotes(file: string): string[] {
  let pkg: { type?: unknown; dependencies?: Record<string, unknown>; devDependencies?: Record<string, unknown> };
  try {
    pkg = JSON.parse(readFileSync(file, 'utf8')) as typeof pkg;
  } catch {
    return ['package.json was left as it is; check that it lists mcp-serve and has "type": "module"'];
  }
  const notes = ['package.json was already there and is left as it is'];
  if (pkg.dependencies?.['mcp-serve'] === undefined && pkg.devDependencies?.['mcp-serve'] === undefined) notes.push('add mcp-serve to it: npm install mcp-serve');
  if (pkg.type !== 'module') notes.push('add "type": "module" to it: handlers/hello.js is an ES module');
  return notes;
}

/** The directory's name, made a valid server and npm package name (`My Server!` → `my-server`). */
export function serverName(dir: string): string {
  const clean = (text: string) => text.replace(/^[-._]+|[-._]+$/g, '');
  const name = clean(clean(basename(dir).toLowerCase().replace(/[^a-z0-9._-]+/g, '-')).slice(0, 64));
  return name === '' ? 'mcp-server' : name;
}

/** The text of every file `init` writes, keyed by path (pure). */
export function scaffoldFiles(name: string, mcpOAuthVersion: string): Record<string, string> {
  return {
    'mcp-oauth.config.yaml': manifest(name),
    'handlers/hello.js': HANDLER,
    '.env.example': ENV_EXAMPLE,
    '.gitignore': 'node_modules/\n.env\n.mcp-oauth/\n',
    // Keeps secrets (.env) and the host's node_modules out of the image.
    '.dockerignore': 'node_modules\n.env\n.mcp-oauth\n.git\n',
    Dockerfile: dockerfile(name),
    'README.md': readme(name),
    'package.json': JSON.stringify(
      { name, version: '0.1.0', private: true, type: 'module', scripts: { start: 'mcp-serve', validate: 'mcp-serve validate', types: 'mcp-serve types' }, dependencies: { 'mcp-serve': `^${mcpOAuthVersion}` } },
      null,
      2,
    ) + '\n',
  };
}

function manifest(name: string): string {
  return `# ${name}: an MCP server served by mcp-serve (mcp-oauth).
#   npx mcp-serve validate    check this file
#   npx mcp-serve             serve it at http://127.0.0.1:3000/mcp
$schema: ./node_modules/mcp-serve/schemas/manifest.schema.json
server:
  name: ${JSON.stringify(name)}
  version: 0.1.0
http:
  port: \${PORT:-3000}
auth: ${AUTH}
tools:
  - name: hello
    title: Say hello
    description: Greet someone by name
    inputSchema:
      type: object
      properties:
        name: { type: string, minLength: 1, maxLength: 100, description: Who to greet }
      required: [name]
      additionalProperties: false
    annotations: { readOnlyHint: true }
    scopes: [hello:read]
    handler: ./handlers/hello.js#hello
`;
}

const HANDLER = `// The hello tool. A handler receives the arguments, already checked against the
// tool's inputSchema, and a context: ctx.auth (the verified caller; never the token),
// ctx.signal (aborted on cancellation or timeout) and ctx.toolName.

/** @type {import('mcp-serve').ToolHandler<{ name: string }>} */
export const hello = async ({ name }, ctx) => {
  const caller = ctx.auth?.subject;
  return caller === undefined ? \`Hello, \${name}!\` : \`Hello, \${name}! (called by \${caller})\`;
};
`;

const ENV_EXAMPLE = `# Copy to .env (git-ignored) and fill in. mcp-serve reads it for the \${VAR}s in
# mcp-oauth.config.yaml; the real environment wins over it.
PORT=3000
`;

function dockerfile(name: string): string {
  return `# ${name}, served by mcp-serve.
#   docker build -t ${name} .
#   docker run --rm -p 3000:3000 ${name}
# In a container the server listens on 0.0.0.0, which needs a real authorization
# server in the manifest (auth.provider jwt or scalekit).
FROM node:22-slim
ENV NODE_ENV=production
WORKDIR /srv
# mcp-oauth (mcp-serve) and the handlers' dependencies from npm, without dev dependencies.
COPY package*.json ./
RUN if [ -f package-lock.json ]; then npm ci --omit=dev --no-audit --no-fund; else npm install --omit=dev --no-audit --no-fund; fi
COPY . .
ENV PATH=/srv/node_modules/.bin:$PATH
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=3s CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# Secrets come only from the environment (-e); .dockerignore keeps .env out of the image.
ENTRYPOINT ["mcp-serve"]
CMD ["--config", "/srv/mcp-oauth.config.yaml", "--host", "0.0.0.0"]
`;
}

function readme(name: string): string {
  const call = `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"hello","arguments":{"name":"Ada"}}}`;
  return `# ${name}

An MCP server declared in \`mcp-oauth.config.yaml\` and served by \`mcp-serve\`
([mcp-oauth](https://www.npmjs.com/package/mcp-oauth)). It has one tool, \`hello\`, whose
handler is \`handlers/hello.js\`.

## Run it

\`\`\`sh
npm install                                # mcp-oauth, which provides mcp-serve
npx mcp-serve                              # serves http://127.0.0.1:3000/mcp
npx mcp-serve token --scope hello:read     # prints an access token for the hello tool
\`\`\`

## Connect a client

Add \`http://127.0.0.1:3000/mcp\` to any MCP client (Claude, Cursor, VS Code, MCP
Inspector) as a Streamable HTTP server; a client that speaks OAuth follows the
server's \`401\` to sign in. Or give it the token yourself:

\`\`\`sh
claude mcp add --transport http ${name} http://127.0.0.1:3000/mcp --header "Authorization: Bearer $TOKEN"
curl -s -X POST http://127.0.0.1:3000/mcp \\
  -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \\
  -H "Authorization: Bearer $TOKEN" \\
  -d '${call}'
\`\`\`

## Next steps

- Add a tool: declare it under \`tools:\` (name, inputSchema, scopes, handler), write
  its handler in \`handlers/\`, and check with \`npx mcp-serve validate\`.
- Typed handlers: \`npx mcp-serve types\` writes \`mcp-oauth.types.ts\` with a Zod
  schema, a type and a handler type per tool.
- Protect it: set \`auth\` to your authorization server (\`provider: jwt\` and its
  \`issuer\`, or \`provider: scalekit\`).
- Deploy: \`docker build -t ${name} .\`, then run it with the secrets in the
  environment. Secrets go in \`.env\` (see \`.env.example\`), never in the manifest.
`;
}

/** What `init` prints: the files written and the commands to run next (pure). */
export function formatInit(result: InitResult, cwd: string): string {
  const where = relative(cwd, result.dir);
  const lines = [`Created a new MCP server "${result.name}" in ${where === '' ? 'the current directory' : where}:`, ...result.created.map((f) => `  ${f}`)];
  if (result.notes.length > 0) lines.push('', ...result.notes.map((note) => `Note: ${note}`));
  lines.push('', 'Next:');
  if (where !== '') lines.push(`  cd ${/^[\w./-]+$/.test(where) ? where : JSON.stringify(where)}`);
  lines.push('  npm install', '  npx mcp-serve');
  return lines.join('\n');
}

/** True for anything at `path`, even a dangling symlink (writing through it would follow it). */
function pathExists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

function isDirectory(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
}

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

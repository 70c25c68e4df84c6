/**
 * The text of every file `mcp-serve init` writes (pure). `--auth` picks the authorization
 * server the manifest names, and with it the `.env.example` entries, the Dockerfile's run
 * line and the README's "Get a token".
 */

/** The providers `init --auth` scaffolds; `dev` by default. */
export const INIT_AUTH = ['dev', 'jwt', 'scalekit'] as const;
export type InitAuth = (typeof INIT_AUTH)[number];

export function isInitAuth(value: string): value is InitAuth {
  return (INIT_AUTH as readonly string[]).includes(value);
}

/** Files written into the target directory, in the order they are listed to the user. */
export const INIT_FILES = [
  'mcp-oauth.config.yaml',
  'handlers/hello.js',
  '.env.example',
  '.gitignore',
  '.dockerignore',
  'Dockerfile',
  'README.md',
] as const;

export interface ScaffoldOptions {
  /** The server's and package's name. */
  name: string;
  auth: InitAuth;
  /** package.json#dependencies["mcp-serve"]. */
  dependency: string;
}

/** The text of every file `init` writes, keyed by path. */
export function scaffoldFiles({ name, auth, dependency }: ScaffoldOptions): Record<string, string> {
  const scripts = { start: 'mcp-serve', validate: 'mcp-serve validate', types: 'mcp-serve types' };
  const pkg = {
    name,
    version: '0.1.0',
    private: true,
    type: 'module',
    scripts,
    dependencies: { 'mcp-serve': dependency },
  };
  return {
    'mcp-oauth.config.yaml': manifest(name, auth),
    'handlers/hello.js': HANDLER,
    '.env.example': ENV_EXAMPLE[auth],
    '.gitignore': 'node_modules/\n.env\n.mcp-oauth/\n',
    // Keeps secrets (.env) and the host's node_modules out of the image.
    '.dockerignore': 'node_modules\n.env\n.mcp-oauth\n.git\n',
    Dockerfile: dockerfile(name, auth),
    'README.md': readme(name, auth),
    'package.json': `${JSON.stringify(pkg, null, 2)}\n`,
  };
}

// What each provider adds to the manifest's http section, and its auth section.
const AUTH_MANIFEST: Record<InitAuth, string> = {
  dev: `# The built-in development authorization server: clients sign in at once and
# \`npx mcp-serve token\` prints a token. Loopback only: deploy with jwt or scalekit.
auth: { provider: dev }
`,
  jwt: `  # The origin clients reach this server at; with /mcp it is the resource URL,
  # the audience every access token must carry.
  publicUrl: \${MCP_URL}
auth:
  provider: jwt
  # Any OAuth 2.1 / OIDC issuer that signs JWT access tokens; its keys are found from its metadata.
  issuer: \${ISSUER}
`,
  scalekit: `  # The origin clients reach this server at; with /mcp it is the server URL registered in Scalekit.
  publicUrl: \${MCP_URL}
auth:
  provider: scalekit
  environmentUrl: \${SCALEKIT_ENVIRONMENT_URL}
  resourceId: \${SCALEKIT_RESOURCE_ID}
`,
};

function manifest(name: string, auth: InitAuth): string {
  const env =
    auth === 'dev' ? '' : '#   cp .env.example .env      then fill it in: the ${VAR}s below are read from it\n';
  return `# ${name}: an MCP server served by mcp-serve (mcp-oauth).
${env}#   npx mcp-serve validate    check this file
#   npx mcp-serve             serve it at http://127.0.0.1:3000/mcp
$schema: ./node_modules/mcp-serve/schemas/manifest.schema.json
server:
  name: ${JSON.stringify(name)}
  version: 0.1.0
http:
  port: \${PORT:-3000}
${AUTH_MANIFEST[auth]}tools:
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

const ENV_HEAD = `# Copy to .env (git-ignored) and fill in. mcp-serve reads it for the \${VAR}s in
# mcp-oauth.config.yaml; the real environment wins over it.
PORT=3000
`;
const MCP_URL = `# The origin clients reach this server at (no path; the MCP path is /mcp).
MCP_URL=http://127.0.0.1:3000
`;

const ENV_EXAMPLE: Record<InitAuth, string> = {
  dev: ENV_HEAD,
  jwt: `${ENV_HEAD}${MCP_URL}# Your authorization server's issuer URL, exactly as its tokens' iss claim has it.
ISSUER=https://your-tenant.example.com
`,
  scalekit: `${ENV_HEAD}${MCP_URL}# From the Scalekit dashboard: Developers > Settings (environment URL), MCP Servers (resource id).
SCALEKIT_ENVIRONMENT_URL=https://your-env.scalekit.dev
SCALEKIT_RESOURCE_ID=res_00000000000000000
`,
};

const DOCKER_RUN: Record<InitAuth, string> = {
  dev: '',
  jwt: ' -e ISSUER -e MCP_URL=https://mcp.example.com',
  scalekit: ' -e SCALEKIT_ENVIRONMENT_URL -e SCALEKIT_RESOURCE_ID -e MCP_URL=https://mcp.example.com',
};

// provider "dev" lets anyone sign in as anyone, so mcp-serve refuses it off loopback, and
// a container listens on 0.0.0.0: the dev image stops at build time with the way out,
// rather than crash at start advising to bind 127.0.0.1 (which a container cannot use).
const DEV_GUARD = `# auth.provider "dev" lets anyone sign in as anyone, so mcp-serve refuses it on 0.0.0.0,
# where a container listens, and this build stops until the manifest names a real
# authorization server (\`npx mcp-serve init --auth jwt|scalekit\` shows each in full):
#   http:  add publicUrl: \${MCP_URL}   (the origin clients reach the container at)
#   auth:  { provider: jwt, issuer: \${ISSUER} }   any OAuth 2.1 / OIDC issuer
#   auth:  { provider: scalekit, environmentUrl: \${SCALEKIT_ENVIRONMENT_URL}, resourceId: \${SCALEKIT_RESOURCE_ID} }
# then run it with those variables: docker run -e ISSUER -e MCP_URL=https://... (secrets stay out of the image).
# For a throwaway test image only, keep dev and add allowNonLoopback: true under auth and
# publicUrl: http://localhost:3000 under http: then anyone who reaches the port can get a token.
RUN if grep -Eq '^[^#]*provider: *"?dev\\b' mcp-oauth.config.yaml \\
      && ! grep -Eq '^[^#]*allowNonLoopback: *true' mcp-oauth.config.yaml; then \\
      echo 'mcp-oauth.config.yaml: auth.provider "dev" lets anyone sign in as anyone and is refused in a container;' \\
        'switch auth to jwt or scalekit (the comment above this step in the Dockerfile shows how)' >&2; \\
      exit 1; fi
# The dev authorization server keeps its keys and clients in .mcp-oauth/, the one directory the server writes.
RUN mkdir -p .mcp-oauth && chown node:node .mcp-oauth
`;

function dockerfile(name: string, auth: InitAuth): string {
  return `# ${name}, served by mcp-serve.
#   npm install             writes package-lock.json, which the image installs from
#   docker build -t ${name} .
#   docker run --rm -p 3000:3000${DOCKER_RUN[auth]} ${name}
# The image installs mcp-serve as package.json names it: from the registry. A file:
# dependency (a local tarball or checkout) lies outside the build context.
FROM node:22-slim
ENV NODE_ENV=production
WORKDIR /srv
# mcp-serve and the handlers' dependencies exactly as the lock file pins them, without dev dependencies.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY . .
${auth === 'dev' ? DEV_GUARD : ''}ENV PATH=/srv/node_modules/.bin:$PATH
USER node
EXPOSE 3000
# /readyz, not /healthz: it answers 200 only once the authorization server's signing keys
# are loaded, so a container whose keys never load never reports healthy (/healthz says
# only that the process answers).
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s \\
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# mcp-serve runs as PID 1 (exec form), so docker stop's SIGTERM reaches it: it stops taking
# requests, lets those in flight finish for up to 10 s, and exits. docker kills it after
# 10 s too: give calls that run long more time with docker run --stop-timeout 15.
# Secrets come only from the environment (-e); .dockerignore keeps .env out of the image.
ENTRYPOINT ["mcp-serve"]
CMD ["--config", "/srv/mcp-oauth.config.yaml", "--host", "0.0.0.0"]
`;
}

const RUN: Record<InitAuth, string> = {
  dev: `npm install                                # installs mcp-serve
npx mcp-serve                              # serves http://127.0.0.1:3000/mcp
npx mcp-serve token --scope hello:read     # prints an access token for the hello tool`,
  jwt: `npm install                                # installs mcp-serve
cp .env.example .env                       # then set ISSUER (your authorization server) and MCP_URL
npx mcp-serve                              # serves http://127.0.0.1:3000/mcp`,
  scalekit: `npm install                                # installs mcp-serve
cp .env.example .env                       # then set the Scalekit environment URL, resource id and MCP_URL
npx mcp-serve                              # serves http://127.0.0.1:3000/mcp`,
};

const GET_A_TOKEN: Record<InitAuth, string> = {
  dev: `The built-in development authorization server (\`auth: { provider: dev }\`) signs
tokens for any scope the tools declare:

\`\`\`sh
TOKEN=$(npx mcp-serve token --scope hello:read)
\`\`\`

It serves on loopback only; before deploying, switch \`auth\` to your authorization
server (\`provider: jwt\` and its \`issuer\`, or \`provider: scalekit\`).`,
  jwt: `Register this server with your authorization server as an API (a resource) whose
identifier is \`$MCP_URL/mcp\`, the audience mcp-serve accepts, with the scope
\`hello:read\`. A client that speaks OAuth follows the server's \`401\` to sign in there.
To get a token by hand, ask the token endpoint (\`token_endpoint\` in
\`$ISSUER/.well-known/openid-configuration\`), e.g. for a client allowed client credentials:

\`\`\`sh
TOKEN=$(curl -s -X POST "$TOKEN_ENDPOINT" -d grant_type=client_credentials \\
  -d client_id="$CLIENT_ID" -d client_secret="$CLIENT_SECRET" \\
  -d scope=hello:read -d resource="$MCP_URL/mcp" | jq -r .access_token)
\`\`\`

(Some providers name the audience with \`audience=\` rather than RFC 8707's \`resource=\`.)`,
  scalekit: `In the Scalekit dashboard, under MCP Servers, register this server with the server
URL \`$MCP_URL/mcp\` and the scope \`hello:read\`, and put the environment URL and the
resource id (\`res_...\`) in \`.env\`. Scalekit issues tokens to the clients that sign in:
add the server to an MCP client (or MCP Inspector, \`npx @modelcontextprotocol/inspector\`);
it follows the server's \`401\` to Scalekit, registers itself, and you sign in. To call
with curl, use the access token that client got.`,
};

function readme(name: string, auth: InitAuth): string {
  const call = `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"hello","arguments":{"name":"Ada"}}}`;
  const deploy =
    auth === 'dev'
      ? 'Deploy: first switch `auth` to your authorization server (the `Dockerfile`\n' +
        '  refuses `provider: dev` and says how), then `docker build`'
      : `Deploy: \`npm install\` (it writes the lock file the image installs from), then
  \`docker build -t ${name} .\` and \`docker run -p 3000:3000${DOCKER_RUN[auth]} ${name}\``;
  return `# ${name}

An MCP server declared in \`mcp-oauth.config.yaml\` and served by
[mcp-serve](https://www.npmjs.com/package/mcp-serve). It has one tool, \`hello\`, whose
handler is \`handlers/hello.js\`.

## Run it

\`\`\`sh
${RUN[auth]}
\`\`\`

## Get a token

${GET_A_TOKEN[auth]}

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
- ${deploy}. Secrets go in \`.env\` (see \`.env.example\`) or the environment, never in
  the manifest or the image.
`;
}

#!/usr/bin/env node
// One baseline server for scripts/bench.mjs, run in its own process:
//   node scripts/bench/target.mjs <bare|bare-jose|sdk|sdk-exchange|express> <port> <issuer> <audience>
// bare       node:http answering the tools/call result (the ceiling)
// bare-jose  the same plus jose verification of the bearer token and a scope test
// sdk        the SDK v2's minimal stateless server (createMcpHandler, one tool with an
//            input schema), with the same jose check in front
// sdk-exchange  the same SDK server with no auth at all, one validator shared by every
//            instance, and the body read and parsed once, handed to the SDK through
//            mcp-serve's own adapter (dist/src/mcp/node-adapter.js): the SDK's per-request
//            exchange alone, the most a server built on createMcpHandler can reach
// express    the SDK v2's documented Express pattern for a protected server:
//            createMcpExpressApp, mcpAuthMetadataRouter, requireBearerAuth (a verifier
//            doing the same jose check, requiredScopes) in front of
//            toNodeHandler(createMcpHandler(…)) on /mcp
import { createServer } from 'node:http';
import { createRemoteJWKSet, jwtVerify } from 'jose';

const [kind, port, issuer, audience] = process.argv.slice(2);
const jwks = createRemoteJWKSet(new URL(`${issuer}/jwks`));
const RESULT = (id) =>
  JSON.stringify({ jsonrpc: '2.0', id, result: { content: [{ type: 'text', text: 'echo: hello' }] } });

/** The bearer check every authenticated target does: RS256, issuer, audience, exp, scope. */
async function authorized(req) {
  const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
  if (!token) return false;
  try {
    const { payload } = await jwtVerify(token, jwks, {
      issuer,
      audience,
      algorithms: ['RS256'],
      requiredClaims: ['exp'],
    });
    return String(payload.scope ?? '')
      .split(' ')
      .includes('bench:read');
  } catch {
    return false;
  }
}

function readBody(req) {
  return new Promise((resolve) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => resolve(body));
  });
}

/** The SDK v2's stateless per-request server with the echo tool, as a web-standard handler. */
async function sdkHandler(name, { sharedValidator = false } = {}) {
  const { McpServer, createMcpHandler, fromJsonSchema } = await import('@modelcontextprotocol/server');
  const { AjvJsonSchemaValidator } = await import('@modelcontextprotocol/server/validators/ajv');
  const jsonSchemaValidator = sharedValidator ? new AjvJsonSchemaValidator() : undefined;
  const inputSchema = fromJsonSchema(
    { type: 'object', properties: { text: { type: 'string', minLength: 1 } }, required: ['text'] },
    jsonSchemaValidator,
  );
  return createMcpHandler(() => {
    const server = new McpServer({ name, version: '1.0.0' }, jsonSchemaValidator && { jsonSchemaValidator });
    server.registerTool('echo', { inputSchema }, async ({ text }) => ({
      content: [{ type: 'text', text: `echo: ${text}` }],
    }));
    return server;
  });
}

let handler;
if (kind === 'express') {
  const { OAuthError, OAuthErrorCode } = await import('@modelcontextprotocol/server');
  const { createMcpExpressApp, getOAuthProtectedResourceMetadataUrl, mcpAuthMetadataRouter, requireBearerAuth } =
    await import('@modelcontextprotocol/express');
  const { toNodeHandler } = await import('@modelcontextprotocol/node');
  const serverUrl = new URL(audience);
  /** @type {import('@modelcontextprotocol/express').OAuthTokenVerifier} */
  const verifier = {
    async verifyAccessToken(token) {
      let payload;
      try {
        ({ payload } = await jwtVerify(token, jwks, {
          issuer,
          audience,
          algorithms: ['RS256'],
          requiredClaims: ['exp'],
        }));
      } catch {
        throw new OAuthError(OAuthErrorCode.InvalidToken, 'Invalid access token');
      }
      const scopes = String(payload.scope ?? '')
        .split(' ')
        .filter(Boolean);
      return { token, clientId: String(payload.client_id ?? payload.sub ?? ''), scopes, expiresAt: payload.exp };
    },
  };
  const app = createMcpExpressApp();
  app.use(
    mcpAuthMetadataRouter({
      oauthMetadata: {
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        response_types_supported: ['code'],
      },
      resourceServerUrl: serverUrl,
      scopesSupported: ['bench:read'],
    }),
  );
  const auth = requireBearerAuth({
    verifier,
    requiredScopes: ['bench:read'],
    resourceMetadataUrl: getOAuthProtectedResourceMetadataUrl(serverUrl),
  });
  const node = toNodeHandler(await sdkHandler('bench-express'));
  app.all('/mcp', auth, (req, res) => void node(req, res, req.body));
  app.listen(Number(port), '127.0.0.1', (error) => {
    if (error) throw error; // Express 5 hands listen errors to this callback
    process.stdout.write('ready\n');
  });
} else if (kind === 'sdk') {
  const { toNodeHandler } = await import('@modelcontextprotocol/node');
  const node = toNodeHandler(await sdkHandler('bench-sdk'));
  handler = async (req, res) => {
    if (!(await authorized(req))) return void res.writeHead(401).end();
    await node(req, res);
  };
} else if (kind === 'sdk-exchange') {
  const { serveParsedBody } = await import('../../dist/src/mcp/node-adapter.js');
  const mcp = await sdkHandler('bench-sdk-exchange', { sharedValidator: true });
  handler = async (req, res) => serveParsedBody(mcp, req, res, { parsed: JSON.parse(await readBody(req)) });
} else {
  handler = async (req, res) => {
    const body = JSON.parse(await readBody(req));
    if (kind === 'bare-jose' && !(await authorized(req))) return void res.writeHead(401).end();
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(RESULT(body.id));
  };
}
if (handler)
  createServer((req, res) => void handler(req, res)).listen(Number(port), '127.0.0.1', () =>
    process.stdout.write('ready\n'),
  );

#!/usr/bin/env node
// One baseline server for scripts/bench.mjs, run in its own process:
//   node scripts/bench/target.mjs <bare|bare-jose|sdk> <port> <issuer> <audience>
// bare       node:http answering the tools/call result (the ceiling)
// bare-jose  the same plus jose verification of the bearer token and a scope test
// sdk        the SDK v2's minimal stateless server (createMcpHandler, one tool with an
//            input schema), with the same jose check in front
import { createServer } from 'node:http';
import { createRemoteJWKSet, jwtVerify } from 'jose';

const [kind, port, issuer, audience] = process.argv.slice(2);
const jwks = createRemoteJWKSet(new URL(`${issuer}/jwks`));
const RESULT = (id) => JSON.stringify({ jsonrpc: '2.0', id, result: { content: [{ type: 'text', text: 'echo: hello' }] } });

/** The bearer check every authenticated target does: RS256, issuer, audience, exp, scope. */
async function authorized(req) {
  const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
  if (!token) return false;
  try {
    const { payload } = await jwtVerify(token, jwks, { issuer, audience, algorithms: ['RS256'], requiredClaims: ['exp'] });
    return String(payload.scope ?? '').split(' ').includes('bench:read');
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

let handler;
if (kind === 'sdk') {
  const { McpServer, createMcpHandler, fromJsonSchema } = await import('@modelcontextprotocol/server');
  const { toNodeHandler } = await import('@modelcontextprotocol/node');
  const inputSchema = fromJsonSchema({ type: 'object', properties: { text: { type: 'string', minLength: 1 } }, required: ['text'] });
  const mcp = createMcpHandler(() => {
    const server = new McpServer({ name: 'bench-sdk', version: '1.0.0' });
    server.registerTool('echo', { inputSchema }, async ({ text }) => ({ content: [{ type: 'text', text: `echo: ${text}` }] }));
    return server;
  });
  const node = toNodeHandler(mcp);
  handler = async (req, res) => {
    if (!(await authorized(req))) return void res.writeHead(401).end();
    await node(req, res);
  };
} else {
  handler = async (req, res) => {
    const body = JSON.parse(await readBody(req));
    if (kind === 'bare-jose' && !(await authorized(req))) return void res.writeHead(401).end();
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(RESULT(body.id));
  };
}
createServer((req, res) => void handler(req, res)).listen(Number(port), '127.0.0.1', () => process.stdout.write('ready\n'));

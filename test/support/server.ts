/** Starts the real runtime on an ephemeral port from a manifest written to a temp dir. */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadManifest } from '../../src/config/index.js';
import { McpOAuthError } from '../../src/errors.js';
import { createLogger } from '../../src/log.js';
import { type Runtime, startRuntime } from '../../src/runtime/index.js';

/** The repository root (tests run from dist/test). */
export const ROOT = new URL('../../../', import.meta.url).pathname.replace(/\/$/, '');
export const FIXTURES = join(ROOT, 'test', 'fixtures');

export interface TestServer {
  readonly runtime: Runtime;
  readonly url: string;
  readonly dir: string;
  /** Lines the server logged. */
  readonly logs: string[];
  close(): Promise<void>;
}

export interface ServeOptions {
  /** Added to process.env for the runtime (for `${VAR}` in the manifest). */
  env?: Record<string, string>;
}

/**
 * Writes `manifest` (an object, serialized as JSON) into a fresh directory together
 * with the fixture handlers, and serves it on 127.0.0.1 with port 0.
 */
export async function serveManifest(
  manifest: Record<string, unknown>,
  options: ServeOptions = {},
): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-oauth-test-'));
  cpSync(join(FIXTURES, 'handlers'), join(dir, 'handlers'), { recursive: true });
  writeFileSync(join(dir, 'mcp-oauth.config.json'), JSON.stringify(manifest, null, 2));
  const logs: string[] = [];
  const runtime = await startRuntime({
    cwd: dir,
    env: { ...process.env, ...options.env },
    http: { port: 0 },
    log: createLogger({ level: 'debug', write: (line) => logs.push(line) }),
    drainMs: 2_000,
  });
  return {
    runtime,
    url: runtime.url,
    dir,
    logs,
    async close() {
      await runtime.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Serves `manifest` while `use` runs, and closes it afterwards even when `use` throws. */
export async function withServer(
  manifest: Record<string, unknown>,
  use: (server: TestServer) => Promise<void>,
): Promise<void> {
  const server = await serveManifest(manifest);
  try {
    await use(server);
  } finally {
    await server.close();
  }
}

/**
 * What loading `manifest` (written beside the fixture handlers) reports, as
 * "path: message" lines with the directory shown as <dir>; [] when it loads.
 */
export async function manifestProblems(manifest: Record<string, unknown>): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-oauth-manifest-'));
  try {
    cpSync(join(FIXTURES, 'handlers'), join(dir, 'handlers'), { recursive: true });
    writeFileSync(join(dir, 'mcp-oauth.config.json'), JSON.stringify(manifest, null, 2));
    await loadManifest({ cwd: dir });
    return [];
  } catch (error) {
    assert.ok(error instanceof McpOAuthError, String(error));
    return error.problems.map((p) => `${p.path}: ${p.message}`.replaceAll(dir, '<dir>'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A manifest with the fixture tools, protected by `issuer`. */
export function protectedManifest(
  issuer: string,
  overrides: { auth?: Record<string, unknown>; tools?: unknown[] } = {},
): Record<string, unknown> {
  return {
    server: { name: 'fixture', version: '1.0.0' },
    http: { host: '127.0.0.1', port: 0, path: '/mcp' },
    auth: { provider: 'jwt', issuer, ...overrides.auth },
    tools: overrides.tools ?? FIXTURE_TOOLS,
  };
}

/** Tools backed by test/fixtures/handlers/record.js, which records every call it receives. */
export const FIXTURE_TOOLS = [
  {
    name: 'echo',
    description: 'Echo the text back',
    inputSchema: {
      type: 'object',
      properties: { text: { type: 'string', minLength: 1 } },
      required: ['text'],
      additionalProperties: false,
    },
    scopes: ['todo:read'],
    handler: './handlers/record.js#echo',
  },
  {
    name: 'write',
    description: 'Needs todo:write',
    inputSchema: { type: 'object', properties: { title: { type: 'string', minLength: 1 } }, required: ['title'] },
    outputSchema: {
      type: 'object',
      properties: { title: { type: 'string' }, subject: { type: 'string' } },
      required: ['title'],
    },
    scopes: ['todo:write'],
    handler: './handlers/record.js#write',
  },
  {
    name: 'remove',
    description: 'Needs todo:write or todo:admin',
    inputSchema: { type: 'object', properties: {} },
    scopes: { anyOf: ['todo:write', 'todo:admin'] },
    handler: './handlers/record.js#remove',
  },
  {
    name: 'whoami',
    description: 'Returns ctx.auth without the claims',
    inputSchema: { type: 'object', properties: {} },
    handler: './handlers/record.js#whoami',
  },
  {
    name: 'fail',
    description: 'Throws',
    inputSchema: { type: 'object', properties: {} },
    handler: './handlers/record.js#fail',
  },
  {
    name: 'slow',
    description: 'Never finishes on its own',
    inputSchema: { type: 'object', properties: {} },
    timeoutMs: 200,
    handler: './handlers/record.js#slow',
  },
  {
    name: 'result',
    description: 'Returns a full CallToolResult',
    inputSchema: { type: 'object', properties: {} },
    handler: './handlers/record.js#result',
  },
];

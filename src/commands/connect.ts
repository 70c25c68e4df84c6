/**
 * `mcp-serve connect <client>`: the exact configuration or command that adds this server
 * to an MCP client, with the manifest's URL. `--write` merges it into the client's
 * project-level file where the client has one. No token is ever written: every client
 * here runs the OAuth login itself, from the server's 401.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { McpOAuthError } from '../errors.js';

export const CLIENT_NAMES = ['claude-code', 'cursor', 'vscode', 'inspector', 'claude-desktop'] as const;
export type ClientName = (typeof CLIENT_NAMES)[number];

export interface ClientSetup {
  readonly client: ClientName;
  /** What to run or do, for the terminal. */
  readonly instructions: string;
  /** The project-level config file `--write` merges into, relative to the project; absent when the client has none. */
  readonly file?: {
    readonly path: string;
    readonly key: 'mcpServers' | 'servers';
    readonly entry: Record<string, unknown>;
  };
}

/**
 * What `client` needs to reach `url` as server `name`.
 *
 * @example clientSetup('vscode', 'todo', 'http://127.0.0.1:3000/mcp').file
 * // { path: '.vscode/mcp.json', key: 'servers', entry: { type: 'http', url: 'http://127.0.0.1:3000/mcp' } }
 */
export function clientSetup(client: ClientName, name: string, url: string): ClientSetup {
  switch (client) {
    case 'claude-code': {
      const file = { path: '.mcp.json', key: 'mcpServers', entry: { type: 'http', url } } as const;
      return {
        client,
        file,
        instructions: `claude mcp add --transport http ${name} ${url}\n\nor in ${file.path} (--write):\n${snippet(file, name)}`,
      };
    }
    case 'cursor': {
      const file = { path: '.cursor/mcp.json', key: 'mcpServers', entry: { url } } as const;
      return {
        client,
        file,
        instructions: `In ${file.path} (--write), or Cursor Settings → MCP → Add:\n${snippet(file, name)}`,
      };
    }
    case 'vscode': {
      const file = { path: '.vscode/mcp.json', key: 'servers', entry: { type: 'http', url } } as const;
      return {
        client,
        file,
        instructions: `In ${file.path} (--write), or the command palette's "MCP: Add Server…":\n${snippet(file, name)}`,
      };
    }
    case 'inspector': {
      const page = `http://localhost:6274/?transport=streamable-http&serverUrl=${encodeURIComponent(url)}`;
      return {
        client,
        instructions:
          `npx @modelcontextprotocol/inspector\n\nthen open ${page}\n(or choose Transport "Streamable HTTP", URL ${url}) and Connect; the login opens in your browser.\n` +
          `Its command line: npx @modelcontextprotocol/inspector --cli ${url} --transport http --method tools/list`,
      };
    }
    case 'claude-desktop': {
      const entry = { command: 'npx', args: ['mcp-remote', url] };
      return {
        client,
        instructions:
          `Claude Desktop's custom connectors connect from Anthropic's cloud and cannot reach ${new URL(url).host}; ` +
          `mcp-remote bridges a local server. Add to claude_desktop_config.json\n` +
          `(macOS: ~/Library/Application Support/Claude/, Windows: %APPDATA%\\Claude\\, Linux: ~/.config/Claude/), then restart Claude:\n` +
          JSON.stringify({ mcpServers: { [name]: entry } }, null, 2),
      };
    }
  }
}

/** `--write`: merges the entry into the project file, keeping other servers; an entry of that name that differs needs `force`. */
export function writeClientSetup(
  setup: ClientSetup,
  name: string,
  projectDir: string,
  force = false,
): { file: string; changed: boolean } {
  if (setup.file === undefined) {
    throw new McpOAuthError(
      'INVALID_ARGUMENTS',
      `${setup.client} has no project-level config file to write; add the configuration printed above by hand`,
    );
  }
  const file = join(projectDir, setup.file.path);
  const config = existsSync(file) ? readConfig(file) : {};
  const servers = (config[setup.file.key] ?? {}) as Record<string, unknown>;
  if (typeof servers !== 'object' || Array.isArray(servers)) {
    throw new McpOAuthError(
      'WRITE_FAILED',
      `${file}: "${setup.file.key}" is not an object; fix the file, then run mcp-serve connect ${setup.client} --write again`,
    );
  }
  const existing = servers[name];
  if (existing !== undefined && JSON.stringify(existing) === JSON.stringify(setup.file.entry))
    return { file, changed: false };
  if (existing !== undefined && !force) {
    throw new McpOAuthError(
      'FILES_EXIST',
      `${file} already has a server "${name}" that differs:\n${JSON.stringify(existing)}\nNothing was written; pass --force to replace it`,
    );
  }
  const next = { ...config, [setup.file.key]: { ...servers, [name]: setup.file.entry } };
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(next, null, 2)}\n`);
  } catch (error) {
    throw new McpOAuthError('WRITE_FAILED', `Could not write ${file}: ${(error as Error).message}`, { cause: error });
  }
  return { file, changed: true };
}

export function isClientName(value: string | undefined): value is ClientName {
  return (CLIENT_NAMES as readonly string[]).includes(value ?? '');
}

function readConfig(file: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new McpOAuthError(
      'WRITE_FAILED',
      `${file} is not JSON (${(error as Error).message}); fix or remove it, then run --write again`,
      { cause: error },
    );
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new McpOAuthError(
      'WRITE_FAILED',
      `${file} does not hold a JSON object; fix or remove it, then run --write again`,
    );
  }
  return value as Record<string, unknown>;
}

function snippet(file: NonNullable<ClientSetup['file']>, name: string): string {
  return JSON.stringify({ [file.key]: { [name]: file.entry } }, null, 2);
}

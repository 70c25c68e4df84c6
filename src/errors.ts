/**
 * Errors are values: one class, a closed set of codes, and for manifest problems
 * a list of located findings that the CLI prints all at once.
 */

export type ErrorCode =
  | 'MANIFEST_NOT_FOUND'
  | 'MANIFEST_INVALID'
  | 'LISTEN_FAILED'
  | 'DEV_STATE_INVALID'
  | 'FILES_EXIST'
  | 'WRITE_FAILED'
  | 'INVALID_ARGUMENTS'
  | 'CLIENT_FAILED'
  | 'CLIENT_REFUSED';

/** One thing wrong in a manifest, located as precisely as the format allows. */
export interface Problem {
  /** Absolute path of the file the problem is in. */
  file: string;
  /** Path inside the document, e.g. `tools[1].scopes[0]`; empty for the whole document. */
  path: string;
  /** What is wrong and what would be right, in one sentence. */
  message: string;
  line?: number;
  column?: number;
}

export class McpOAuthError extends Error {
  override readonly name = 'McpOAuthError';
  readonly code: ErrorCode;
  readonly problems: readonly Problem[];

  constructor(code: ErrorCode, message: string, options: { problems?: Problem[]; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.problems = options.problems ?? [];
  }
}

/** `["tools", 1, "scopes"]` → `tools[1].scopes` */
export function formatPath(segments: readonly (string | number)[]): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/** A short, single-line rendering of a value for messages. */
export function showValue(value: unknown): string {
  let text: string;
  try {
    text = value === undefined ? 'undefined' : JSON.stringify(value);
  } catch {
    text = String(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Renders problems for a terminal: `file:line:col path: message`, one per line. */
export function formatProblems(problems: readonly Problem[], cwd = process.cwd()): string {
  const lines = [`${problems.length} problem${problems.length === 1 ? '' : 's'} in the manifest:`];
  for (const p of problems) {
    const file = relativeTo(cwd, p.file);
    const where = p.line === undefined ? file : `${file}:${p.line}:${p.column ?? 1}`;
    lines.push(`  ${where}  ${p.path === '' ? '' : `${p.path}: `}${p.message}`);
  }
  return lines.join('\n');
}

/** Any error for a terminal: problems listed, never a stack trace. */
export function formatError(error: unknown, cwd = process.cwd()): string {
  if (error instanceof McpOAuthError) {
    return error.problems.length > 0 ? formatProblems(error.problems, cwd) : error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

function relativeTo(cwd: string, file: string): string {
  return file.startsWith(`${cwd}/`) ? file.slice(cwd.length + 1) : file;
}

/**
 * An error's message with its deepest cause (`fetch failed: ECONNREFUSED 127.0.0.1:9`),
 * for one log or check line.
 */
export function describeError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const cause = describeCause(error);
  return cause === message ? message : `${message}: ${cause}`;
}

/**
 * The innermost reason along an error's `cause` chain, as short as it can be said:
 * `ECONNREFUSED 127.0.0.1:9`, `EAI_AGAIN auth.example.com`, `HTTP 503`; else the
 * deepest message. undici's `fetch failed` keeps the socket error in `cause`, and a
 * connection tried on several addresses is an AggregateError of them.
 *
 * @example
 * describeCause(new TypeError('fetch failed', { cause: econnrefused })) // → 'ECONNREFUSED 127.0.0.1:9'
 */
export function describeCause(error: unknown): string {
  // Only errors and responses are followed: some libraries put a plain record in `cause`.
  const isReason = (value: unknown): value is Error | Response => value instanceof Error || value instanceof Response;
  let deepest = error;
  for (let depth = 0; depth < 10 && deepest instanceof Error; depth++) {
    const next = isReason(deepest.cause)
      ? deepest.cause
      : deepest instanceof AggregateError
        ? deepest.errors.find(isReason)
        : undefined;
    if (next === undefined || next === deepest) break;
    deepest = next;
  }
  if (deepest instanceof Response) return `HTTP ${deepest.status}`;
  const { code, address, port, hostname } = (deepest ?? {}) as {
    code?: unknown;
    address?: unknown;
    port?: unknown;
    hostname?: unknown;
  };
  // A system error's code (ECONNREFUSED, EAI_AGAIN), not a library's (ERR_JOSE_GENERIC).
  if (typeof code === 'string' && /^E(?!RR_)[A-Z_]+$/.test(code)) {
    const at = typeof address === 'string' ? (port === undefined ? address : `${address}:${String(port)}`) : undefined;
    const where = at ?? (typeof hostname === 'string' ? hostname : undefined);
    return where === undefined ? code : `${code} ${where}`;
  }
  return deepest instanceof Error ? deepest.message : String(deepest);
}

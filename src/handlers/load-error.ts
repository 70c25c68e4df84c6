/**
 * Why a handler module failed to import, said so that it points at the fix: where a
 * syntax error is (`handlers/x.js:3:7`), or that Node loads the file as the other
 * module system than the one it is written in, and how to change that.
 *
 * Node puts `file:line` and a caret line in the stack of a CommonJS parse error, a
 * failed link (a missing named import) and a TypeScript error, but not of an ES module
 * parse error (Node 20 to 24: V8's message position never reaches the error object).
 * For that one, `node --check` finds the place with the same parser: it is run on the
 * handler file and the local files it imports, until one fails.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, extname, isAbsolute, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

interface Place {
  readonly file: string;
  readonly line: number;
  /** Undefined when the stack shows no caret. */
  readonly column?: number;
}

/** What Node throws for ESM syntax in a file it loads as CommonJS. */
const ESM_IN_CJS: Readonly<Record<string, string>> = {
  "Unexpected token 'export'": 'export',
  'Cannot use import statement outside a module': 'import',
};
/** What Node throws for CommonJS globals in a file it loads as an ES module. */
const CJS_IN_ESM = /^(require|module|exports|__filename|__dirname) is not defined in ES module scope/;
/** What Node throws when an imported module lacks a named export. */
const LINK_ERROR = /^The requested module '.*' does not provide an export named /;
const CHECK_TIMEOUT_MS = 5_000;

/**
 * Why importing `entry` threw `error`, in one line; paths relative to `dir` (the
 * manifest's directory) when inside it.
 *
 * @example
 * await describeImportError(error, '/srv/handlers/todo.js', '/srv')
 * // → "syntax error at handlers/todo.js:3:7: Unexpected token ';'"
 */
export async function describeImportError(error: unknown, entry: string, dir: string | undefined): Promise<string> {
  const show = (place: Place) =>
    `${showFile(place.file, dir)}:${place.line}${place.column === undefined ? '' : `:${place.column}`}`;
  const message = error instanceof Error ? error.message : String(error);
  const first = message.split('\n')[0] ?? message;
  const stack = error instanceof Error ? (error.stack ?? '') : '';
  const place = placeInStack(stack);
  const keyword = ESM_IN_CJS[message];
  if (error instanceof SyntaxError && keyword && place)
    return `${show(place)} ${esmInCommonJs(place.file, keyword, dir)}`;
  const cjs = CJS_IN_ESM.exec(message);
  if (cjs) {
    const frame = firstFrame(stack);
    if (frame) return `${show(frame)} ${commonJsInEsm(frame.file, cjs[1]!, dir)}`;
  }
  // A failed link is a SyntaxError too, but of the import, not of the file's text.
  if (error instanceof SyntaxError && !LINK_ERROR.test(message)) {
    const found = place ?? (await findSyntaxError(entry, dir));
    return found ? `syntax error at ${show(found)}: ${first}` : `syntax error: ${first}`;
  }
  return place ? `${show(place)}: ${first}` : first;
}

/** `handlers/x.js uses ESM syntax (export) but …; add … or rename …`, for a file Node loaded as CommonJS. */
function esmInCommonJs(file: string, keyword: string, dir: string | undefined): string {
  const uses = `uses ESM syntax (${keyword})`;
  if (extname(file) === '.cjs')
    return `${uses} but .cjs files are CommonJS; rename it to .mjs, or use require and module.exports`;
  const pkg = nearestPackageJson(file);
  if (!pkg) {
    return (
      `${uses} but no package.json above it says "type": "module"; ` +
      'add a package.json with "type": "module" beside the manifest, or rename the file to .mjs'
    );
  }
  const where = showFile(pkg.file, dir);
  const type = pkg.type === undefined ? 'no "type"' : `"type": ${JSON.stringify(pkg.type)}`;
  return `${uses} but the nearest package.json (${where}) has ${type}; add "type": "module" to ${where}, or rename the file to .mjs`;
}

/** `handlers/x.js uses CommonJS (require) but …; rename it to .cjs, or use import`, for a file Node loaded as an ES module. */
function commonJsInEsm(file: string, name: string, dir: string | undefined): string {
  const uses = `uses CommonJS (${name})`;
  const dirnames = name === '__filename' || name === '__dirname';
  const use = name === 'require' ? 'import' : dirnames ? 'import.meta.filename and import.meta.dirname' : 'export';
  const fix = `rename it to .cjs, or use ${use}`;
  if (extname(file) === '.mjs') return `${uses} but .mjs files are ES modules; ${fix}`;
  const pkg = nearestPackageJson(file);
  if (pkg?.type !== 'module') return `${uses} but Node loads it as an ES module; ${fix}`;
  return `${uses} but the nearest package.json (${showFile(pkg.file, dir)}) has "type": "module"; ${fix}`;
}

/** The package.json Node reads for `file`'s module type, and that type. */
function nearestPackageJson(file: string): { file: string; type: unknown } | undefined {
  for (let at = dirname(file); ; at = dirname(at)) {
    const candidate = join(at, 'package.json');
    let text: string | undefined;
    try {
      text = readFileSync(candidate, 'utf8');
    } catch {
      // None here: look further up.
    }
    if (text !== undefined) {
      try {
        return { file: candidate, type: (JSON.parse(text) as { type?: unknown }).type };
      } catch {
        return { file: candidate, type: undefined };
      }
    }
    if (dirname(at) === at) return undefined;
  }
}

/** `file:///srv/x.js:3` (or a path, or `[stdin]:3`) on the first line, the source line, then a line of carets. */
function placeInStack(text: string, file?: string): Place | undefined {
  const lines = text.split('\n');
  const header = /^(file:\/\/\/.+|\/.+|\[stdin\]):(\d+)$/.exec(lines[0] ?? '');
  if (!header) return undefined;
  const caret = lines.findIndex((l, i) => i > 1 && /^\s*\^+\s*$/.test(l));
  const where = header[1]!;
  return {
    file: file ?? (where.startsWith('file:') ? fileURLToPath(where) : where),
    line: Number(header[2]),
    ...(caret !== -1 && { column: lines[caret]!.indexOf('^') + 1 }),
  };
}

/** The first frame of a stack that is in a file: `at file:///srv/x.js:1:12` (named frames too). */
function firstFrame(stack: string): Place | undefined {
  const frame = /^\s+at (?:.* \()?(file:\/\/\/[^)]+?):(\d+):(\d+)\)?$/m.exec(stack);
  return frame ? { file: fileURLToPath(frame[1]!), line: Number(frame[2]), column: Number(frame[3]) } : undefined;
}

/** The first of `entry` and the local JavaScript files it imports that does not parse as an ES module. */
async function findSyntaxError(entry: string, dir: string | undefined): Promise<Place | undefined> {
  // Loaded only here: the lexer it brings is not needed to import handlers that work.
  const { collectImportGraph } = await import('./import-graph.js');
  const graph = await collectImportGraph([entry], dir ?? dirname(entry)).catch(() => []);
  const files = [entry, ...graph.filter((f) => f !== entry)].filter((f) => ['.js', '.mjs'].includes(extname(f)));
  for (const file of files) {
    const place = await checkModuleSyntax(file);
    if (place) return place;
  }
  return undefined;
}

/**
 * `node --check` as an ES module (the source on stdin: given a path, Node 20 checks
 * nothing for a .js without a "type"); the place of the first syntax error, if any.
 */
function checkModuleSyntax(file: string): Promise<Place | undefined> {
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch {
    return Promise.resolve(undefined);
  }
  return new Promise((resolve) => {
    const options = { timeout: CHECK_TIMEOUT_MS, encoding: 'utf8' } as const;
    const child = execFile(process.execPath, ['--input-type=module', '--check'], options, (error, _stdout, stderr) => {
      resolve(error ? placeInStack(stderr.trimStart(), file) : undefined);
    });
    child.stdin?.on('error', () => {}).end(source);
  });
}

function showFile(file: string, dir: string | undefined): string {
  if (dir === undefined) return file;
  const rel = relative(dir, file);
  return rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel) ? file : rel;
}

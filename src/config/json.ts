/** Parses JSON manifest text; a syntax error is reported with its line and column. */
import type { ParseResult } from './parse.js';

export function parseJson(file: string, text: string): ParseResult {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    const message = (error as Error).message;
    const pos = lineColumn(text, errorOffset(message, text));
    return {
      ok: false,
      problems: [{ file, path: '', ...pos, message: `JSON syntax: ${describe(message)}` }],
    };
  }
}

/**
 * V8's message without the position the line:column already gives (`in JSON at position
 * 7`, and Node 22's `(line 1 column 8)`), on one line: the text V8 quotes may hold newlines.
 */
function describe(message: string): string {
  return message
    .replace(/ (?:in JSON )?at position \d+(?: \(line \d+ column \d+\))?$/, '')
    .replace(/\r?\n/g, '\\n')
    .replace(/\t/g, '\\t');
}

/**
 * Where the error is. V8 says `at position N` for most errors, but not for an unexpected
 * token (`Unexpected token ',', "..." is not valid JSON`) nor the end of the input, on
 * Node 20 or later: those are found by scanning the text the way JSON.parse does.
 */
function errorOffset(message: string, text: string): number {
  const at = /at position (\d+)/.exec(message);
  return at ? Number(at[1]) : syntaxErrorOffset(text);
}

/** Where a scalar that starts at an offset ends, or where it goes wrong. */
type Scan = { ok: true; end: number } | { ok: false; at: number };

type Expect = 'value' | 'first-value' | 'key' | 'first-key' | 'colon' | 'after';

const WHITESPACE = new Set([' ', '\t', '\n', '\r']);
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPE = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);

/**
 * The offset of the first character that cannot continue valid JSON (RFC 8259), or the
 * length of the text when it ends too early (for text JSON.parse refused). Iterative, so deep nesting cannot overflow.
 */
function syntaxErrorOffset(text: string): number {
  const open: string[] = [];
  let expect: Expect = 'value';
  let i = 0;
  for (;;) {
    while (i < text.length && WHITESPACE.has(text[i]!)) i++;
    const c = text[i];
    if (c === undefined) return i;
    if (expect === 'first-value' && c === ']') expect = 'after';
    else if (expect === 'first-key' && c === '}') expect = 'after';
    switch (expect) {
      case 'value':
      case 'first-value':
        if (c === '[' || c === '{') {
          open.push(c === '[' ? ']' : '}');
          expect = c === '[' ? 'first-value' : 'first-key';
          i++;
          continue;
        }
        {
          const scalar = scanScalar(text, i);
          if (!scalar.ok) return scalar.at;
          i = scalar.end;
          expect = 'after';
          continue;
        }
      case 'key':
      case 'first-key': {
        if (c !== '"') return i;
        const key = scanString(text, i);
        if (!key.ok) return key.at;
        i = key.end;
        expect = 'colon';
        continue;
      }
      case 'colon':
        if (c !== ':') return i;
        i++;
        expect = 'value';
        continue;
      case 'after': {
        const close = open.at(-1);
        if (close === undefined) return i;
        if (c === close) {
          open.pop();
          i++;
        } else if (c === ',') {
          i++;
          expect = close === ']' ? 'value' : 'key';
        } else return i;
      }
    }
  }
}

function scanScalar(text: string, start: number): Scan {
  const c = text[start]!;
  if (c === '"') return scanString(text, start);
  for (const word of ['true', 'false', 'null']) {
    if (c !== word[0]) continue;
    for (let k = 1; k < word.length; k++) if (text[start + k] !== word[k]) return { ok: false, at: start + k };
    return { ok: true, end: start + word.length };
  }
  NUMBER.lastIndex = start;
  return NUMBER.test(text) ? { ok: true, end: NUMBER.lastIndex } : { ok: false, at: start };
}

function scanString(text: string, start: number): Scan {
  for (let i = start + 1; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') return { ok: true, end: i + 1 };
    if (c < ' ') return { ok: false, at: i };
    if (c !== '\\') continue;
    i++;
    if (text[i] === 'u') {
      for (let k = 1; k <= 4; k++) if (!/[0-9A-Fa-f]/.test(text[i + k] ?? '')) return { ok: false, at: i + k };
      i += 4;
    } else if (!ESCAPE.has(text[i] ?? '')) return { ok: false, at: i };
  }
  return { ok: false, at: text.length };
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: (before.at(-1)?.length ?? 0) + 1 };
}

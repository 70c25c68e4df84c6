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
      problems: [
        { file, path: '', ...pos, message: `JSON syntax: ${message.replace(/ in JSON at position \d+.*$/, '')}` },
      ],
    };
  }
}

/**
 * Where the error is. Node 22+ says `at position N`; Node 20 says it only for some
 * errors: the end of the input is then the end of the text, and an unexpected token
 * the first place that token stands (the prefix before it parsed).
 */
function errorOffset(message: string, text: string): number {
  const at = /position (\d+)/.exec(message);
  if (at) return Number(at[1]);
  if (/Unexpected end of JSON input/.test(message)) return text.length;
  const token = /Unexpected token '?(.)'?/.exec(message)?.[1];
  const offset = token === undefined ? -1 : text.indexOf(token);
  return Math.max(offset, 0);
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: (before.at(-1)?.length ?? 0) + 1 };
}

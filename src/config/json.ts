/** Parses JSON manifest text; a syntax error is reported with its line and column. */
import type { ParseResult } from './parse.js';

export function parseJson(file: string, text: string): ParseResult {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    const message = (error as Error).message;
    const at = /position (\d+)/.exec(message);
    const pos = at ? lineColumn(text, Number(at[1])) : undefined;
    return { ok: false, problems: [{ file, path: '', ...pos, message: `JSON syntax: ${message.replace(/ in JSON at position \d+.*$/, '')}` }] };
  }
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: (before.at(-1)?.length ?? 0) + 1 };
}
